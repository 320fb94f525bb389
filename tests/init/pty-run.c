/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pty-run CMD [ARGS...]: runs CMD with a new pseudo-terminal as its
 * controlling terminal and stdin/stdout/stderr, copies what it writes to
 * our stdout, and exits with its status (128+N for signal N). For the VM
 * tests' interactive case, where no script(1) is available.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s CMD [ARGS...]\n", argv[0]);
		return 2;
	}
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0) {
		perror("pty-run: posix_openpt");
		return 1;
	}
	const char *name = ptsname(m);
	if (!name) {
		perror("pty-run: ptsname");
		return 1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		perror("pty-run: fork");
		return 1;
	}
	if (pid == 0) {
		setsid();
		int s = open(name, O_RDWR);
		if (s < 0) {
			perror("pty-run: open slave");
			_exit(1);
		}
		ioctl(s, TIOCSCTTY, 0);
		dup2(s, 0);
		dup2(s, 1);
		dup2(s, 2);
		if (s > 2)
			close(s);
		close(m);
		execvp(argv[1], argv + 1);
		perror("pty-run: exec");
		_exit(127);
	}
	char buf[4096];
	for (;;) {
		ssize_t n = read(m, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* EIO once every slave fd is closed */
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(1, buf + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return 1;
			off += w;
		}
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return 1;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 1;
}
