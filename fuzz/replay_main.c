/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A main() for building a fuzz target without libFuzzer (gcc builds, CI):
 * runs LLVMFuzzerTestOneInput once over every file named on the command line
 * or found (sorted, dot-files skipped) in a directory named there. Fails when
 * nothing at all was run, so an empty corpus cannot pass silently.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (!f || fseek(f, 0, SEEK_END) < 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) < 0) {
		perror(path);
		exit(1);
	}
	/* Exact size, so the target's reads past the input are caught by ASan. */
	buf = malloc(n ? (size_t)n : 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		perror(path);
		exit(1);
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	free(buf);
	return 1;
}

int main(int argc, char **argv)
{
	int ran = 0;

	LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		struct stat st;
		struct dirent **names;
		int n;

		if (stat(argv[i], &st) < 0) {
			perror(argv[i]);
			return 1;
		}
		if (!S_ISDIR(st.st_mode)) {
			ran += run_file(argv[i]);
			continue;
		}
		n = scandir(argv[i], &names, NULL, alphasort);
		for (int j = 0; j < n; j++) {
			char p[4096];

			if (names[j]->d_name[0] != '.') {
				snprintf(p, sizeof(p), "%s/%s", argv[i], names[j]->d_name);
				ran += run_file(p);
			}
			free(names[j]);
		}
		if (n >= 0)
			free(names);
	}
	printf("replayed %d inputs\n", ran);
	return ran > 0 ? 0 : 1;
}
