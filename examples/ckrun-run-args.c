/* SPDX-License-Identifier: Apache-2.0 */
/* Command-line parsing of the ckrun-run example launcher. */
#include "ckrun-run-args.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

void run_usage(FILE *f, const char *prog)
{
	fprintf(f,
		"Usage: %s [OPTIONS] ROOTDIR [--] [CMD [ARGS...]]\n"
		"\n"
		"Runs CMD inside a microVM whose root filesystem is the host directory ROOTDIR\n"
		"(shared with virtio-fs under the tag \"/dev/root\") and exits with CMD's exit\n"
		"status: 0-255 as CMD returned it, 128+N if CMD was killed by signal N,\n"
		"127 if CMD was not found, 126 if it could not be executed, 125 if the working\n"
		"directory could not be entered or the VM could not be started.\n"
		"ROOTDIR needs nothing special: ckrun provides the guest init (/init.krun)\n"
		"itself. CMD and ARGS are looked up and run inside the guest. Without CMD,\n"
		"the guest runs what ROOTDIR/.krun_config.json describes (an OCI config.json,\n"
		"{\"Cmd\",\"Env\",\"WorkingDir\",\"Entrypoint\"} or {\"Config\":{...}}).\n"
		"\n"
		"Options:\n"
		"  -c, --cpus N            number of virtual CPUs, 1-255 (default 1)\n"
		"  -m, --mem MIB           guest memory in MiB (default 256)\n"
		"  -v, --volume HOSTDIR:TAG[:ro]\n"
		"                          also share HOSTDIR with virtio-fs under TAG (at most\n"
		"                          %d, TAG at most %d bytes); with :ro the host refuses\n"
		"                          every write (EROFS). The guest mounts it itself:\n"
		"                            mount -t virtiofs TAG /mnt\n"
		"                          Repeat the option for several volumes.\n"
		"  -k, --kernel FILE       boot this kernel (bzImage, vmlinux, or a vmlinux\n"
		"                          compressed with gzip, bzip2 or zstd) instead of the\n"
		"                          installed default\n"
		"      --kernel-cmdline S  replace the start of the guest kernel command line\n"
		"                          (libkrun's prolog: console=, root=, init=...) with S;\n"
		"                          the devices and the workload are still appended\n"
		"  -e, --env K=V           set an environment variable for CMD (repeatable, at\n"
		"                          most %d). CMD otherwise gets PATH, HOME=/ and TERM\n"
		"                          only; the host environment is not copied. Values\n"
		"                          and ARGS may hold any byte but NUL (quotes,\n"
		"                          newlines); ckrun's init receives them in a file,\n"
		"                          not on the kernel command line.\n"
		"  -w, --workdir DIR       working directory of CMD in the guest (default /)\n"
		"  -r, --ro-root           share ROOTDIR read-only (host-enforced); ROOTDIR must\n"
		"                          then already contain the directories dev/ proc/ sys/\n"
		"      --console FILE      write the guest console to FILE instead of this\n"
		"                          process's stdout/stderr\n"
		"      --log-level N       library log level, 0 (off) to 5 (trace)\n"
		"  -h, --help              show this help and exit\n"
		"\n"
		"Use -- before CMD when CMD or its arguments start with '-'.\n"
		"Invalid arguments exit with status 2.\n"
		"\n"
		"Example:\n"
		"  %s ./rootfs -- /bin/sh -c 'echo hello from the guest; exit 42'\n",
		prog, RUN_MAX_VOLUMES, RUN_TAG_MAX, RUN_MAX_ENV, prog);
}

static int parse_uint(const char *s, unsigned min, unsigned max, unsigned *out)
{
	char *end;
	if (!s[0] || s[0] == '-' || s[0] == '+' || s[0] == ' ')
		return -EINVAL;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = (unsigned)v;
	return 0;
}

static int add_volume(struct run_opts *o, const char *spec, const char *prog, FILE *err)
{
	if (o->nr_volumes >= RUN_MAX_VOLUMES) {
		fprintf(err, "%s: too many --volume options (at most %d)\n", prog, RUN_MAX_VOLUMES);
		return -1;
	}
	char *copy = strdup(spec);
	if (!copy) {
		fprintf(err, "%s: out of memory\n", prog);
		return -1;
	}
	o->volume_specs[o->nr_volumes] = copy;
	struct run_volume *v = &o->volumes[o->nr_volumes];
	v->read_only = false;
	size_t len = strlen(copy);
	if (len > 3 && (strcmp(copy + len - 3, ":ro") == 0 || strcmp(copy + len - 3, ":rw") == 0)) {
		v->read_only = copy[len - 2] == 'r' && copy[len - 1] == 'o';
		copy[len - 3] = '\0';
	}
	char *colon = strrchr(copy, ':');
	if (!colon || colon == copy || !colon[1]) {
		fprintf(err, "%s: invalid --volume '%s': expected HOSTDIR:TAG or HOSTDIR:TAG:ro\n",
			prog, spec);
		free(copy);
		o->volume_specs[o->nr_volumes] = NULL;
		return -1;
	}
	*colon = '\0';
	v->path = copy;
	v->tag = colon + 1;
	if (strlen(v->tag) > RUN_TAG_MAX || strcmp(v->tag, "/dev/root") == 0) {
		fprintf(err, "%s: invalid --volume '%s': the tag must be 1-%d bytes and not /dev/root\n",
			prog, spec, RUN_TAG_MAX);
		free(copy);
		o->volume_specs[o->nr_volumes] = NULL;
		return -1;
	}
	o->nr_volumes++;
	return 0;
}

int run_parse_args(int argc, char **argv, struct run_opts *o, FILE *out, FILE *err)
{
	enum { OPT_CONSOLE = 256, OPT_LOG_LEVEL, OPT_KERNEL_CMDLINE };
	static const struct option longopts[] = {
		{ "cpus", required_argument, NULL, 'c' },
		{ "mem", required_argument, NULL, 'm' },
		{ "volume", required_argument, NULL, 'v' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "kernel-cmdline", required_argument, NULL, OPT_KERNEL_CMDLINE },
		{ "env", required_argument, NULL, 'e' },
		{ "workdir", required_argument, NULL, 'w' },
		{ "ro-root", no_argument, NULL, 'r' },
		{ "console", required_argument, NULL, OPT_CONSOLE },
		{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *prog = argc > 0 && argv[0] ? argv[0] : "ckrun-run";
	unsigned u;
	int c;

	memset(o, 0, sizeof(*o));
	o->cpus = 1;
	o->mem_mib = 256;
	o->log_level = -1;
	o->env[o->nr_env++] = DEFAULT_PATH;

	opterr = 0;
	optind = 0; /* full reinitialisation (GNU): the parser may run more than once */
	/* '+': stop at ROOTDIR, so CMD's own options are never taken as ours. */
	while ((c = getopt_long(argc, argv, "+:c:m:v:k:e:w:rh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (parse_uint(optarg, 1, 255, &u) < 0) {
				fprintf(err, "%s: invalid --cpus '%s': expected a number from 1 to 255\n",
					prog, optarg);
				goto bad;
			}
			o->cpus = u;
			break;
		case 'm':
			if (parse_uint(optarg, 16, 1024 * 1024, &u) < 0) {
				fprintf(err, "%s: invalid --mem '%s': expected MiB from 16 to 1048576\n",
					prog, optarg);
				goto bad;
			}
			o->mem_mib = u;
			break;
		case 'v':
			if (add_volume(o, optarg, prog, err) < 0)
				goto bad;
			break;
		case 'k':
			if (!optarg[0]) {
				fprintf(err, "%s: --kernel needs a file name\n", prog);
				goto bad;
			}
			o->kernel = optarg;
			break;
		case 'e': {
			const char *eq = strchr(optarg, '=');
			if (!eq || eq == optarg) {
				fprintf(err, "%s: invalid --env '%s': expected NAME=VALUE\n", prog, optarg);
				goto bad;
			}
			if (o->nr_env >= RUN_MAX_ENV + 1) {
				fprintf(err, "%s: too many --env options (at most %d)\n", prog,
					RUN_MAX_ENV);
				goto bad;
			}
			o->env_given = true;
			if (strncmp(optarg, "PATH=", 5) == 0)
				o->env[0] = optarg; /* replaces the default */
			else
				o->env[o->nr_env++] = optarg;
			break;
		}
		case 'w':
			if (optarg[0] != '/') {
				fprintf(err, "%s: invalid --workdir '%s': expected an absolute path\n",
					prog, optarg);
				goto bad;
			}
			o->workdir = optarg;
			break;
		case 'r':
			o->ro_root = true;
			break;
		case OPT_KERNEL_CMDLINE:
			o->kernel_cmdline = optarg;
			break;
		case OPT_CONSOLE:
			if (!optarg[0]) {
				fprintf(err, "%s: --console needs a file name\n", prog);
				goto bad;
			}
			o->console = optarg;
			break;
		case OPT_LOG_LEVEL:
			if (parse_uint(optarg, 0, 5, &u) < 0) {
				fprintf(err, "%s: invalid --log-level '%s': expected 0 to 5\n", prog,
					optarg);
				goto bad;
			}
			o->log_level = (int)u;
			break;
		case 'h':
			run_usage(out, prog);
			run_opts_free(o);
			return RUN_PARSE_HELP;
		case ':':
			fprintf(err, "%s: option '%s' needs an argument\n", prog, argv[optind - 1]);
			goto bad;
		default:
			if (optopt)
				fprintf(err, "%s: unknown option '-%c'\n", prog, optopt);
			else
				fprintf(err, "%s: unknown option '%s'\n", prog, argv[optind - 1]);
			goto bad;
		}
	}
	if (o->kernel_cmdline && !o->kernel) {
		/* krun_set_kernel takes both: the command line belongs to a kernel. */
		fprintf(err, "%s: --kernel-cmdline needs --kernel\n", prog);
		goto bad;
	}
	if (optind >= argc) {
		fprintf(err, "%s: missing ROOTDIR\n", prog);
		goto bad;
	}
	o->root = argv[optind++];
	if (!o->root[0]) {
		fprintf(err, "%s: ROOTDIR is empty\n", prog);
		goto bad;
	}
	if (optind < argc && strcmp(argv[optind], "--") == 0)
		optind++;
	if (optind >= argc) {
		/* No CMD: the guest init runs what /.krun_config.json in ROOTDIR says. */
		o->cmd = NULL;
		o->args = NULL;
		o->env[o->nr_env] = NULL;
		return RUN_PARSE_OK;
	}
	if (!argv[optind][0]) {
		fprintf(err, "%s: CMD is empty\n", prog);
		goto bad;
	}
	o->cmd = argv[optind++];
	o->args = &argv[optind]; /* argv is NULL-terminated */
	o->env[o->nr_env] = NULL;
	return RUN_PARSE_OK;
bad:
	fprintf(err, "Try '%s --help' for more information.\n", prog);
	run_opts_free(o);
	return RUN_PARSE_ERROR;
}

void run_opts_free(struct run_opts *o)
{
	for (int i = 0; i < RUN_MAX_VOLUMES; i++) {
		free(o->volume_specs[i]);
		o->volume_specs[i] = NULL;
	}
	o->nr_volumes = 0;
}
