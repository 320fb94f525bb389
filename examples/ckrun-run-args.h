/* SPDX-License-Identifier: Apache-2.0 */
/* Command-line parsing of the ckrun-run example launcher (no libkrun calls). */
#ifndef CKRUN_RUN_ARGS_H
#define CKRUN_RUN_ARGS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define RUN_MAX_VOLUMES 8
#define RUN_MAX_ENV 4095 /* + PATH = libkrun's 4096 entries */
#define RUN_TAG_MAX 36

struct run_volume {
	const char *path; /* points into a copy owned by run_opts */
	const char *tag;
	bool read_only;
};

struct run_opts {
	unsigned cpus;          /* 1..255 */
	unsigned mem_mib;
	const char *kernel;     /* NULL: the library's default kernel */
	const char *kernel_cmdline; /* NULL: libkrun's default prolog */
	const char *workdir;
	const char *console;    /* NULL: guest console on this process's stdio */
	int log_level;          /* -1: do not call krun_set_log_level */
	bool ro_root;
	const char *root;
	struct run_volume volumes[RUN_MAX_VOLUMES];
	char *volume_specs[RUN_MAX_VOLUMES]; /* owned copies the volumes point into */
	int nr_volumes;
	const char *env[RUN_MAX_ENV + 2]; /* NULL-terminated; PATH (default or --env) first */
	int nr_env;
	const char *cmd;        /* the program to run in the guest; NULL: .krun_config.json */
	char **args;            /* its arguments, without argv[0]; NULL-terminated */
	bool env_given;         /* at least one --env */
};

enum { RUN_PARSE_OK = 0, RUN_PARSE_HELP = 1, RUN_PARSE_ERROR = 2 };

/* Parses argv into *o. Usage goes to out for --help; errors go to err.
 * Returns RUN_PARSE_OK, RUN_PARSE_HELP or RUN_PARSE_ERROR. */
int run_parse_args(int argc, char **argv, struct run_opts *o, FILE *out, FILE *err);
void run_opts_free(struct run_opts *o);
void run_usage(FILE *f, const char *prog);

#endif
