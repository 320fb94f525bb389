/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The guest init's view of the workload: what to run, with which environment,
 * where, and with which limits. Pure functions (no mounts, no exec) so the
 * host's unit tests can exercise them.
 */
#ifndef CKRUN_INIT_CONFIG_H
#define CKRUN_INIT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/resource.h>

#include "json.h"

#define INIT_CONFIG_DEFAULT "/.krun_config.json"

/* From /.krun_config.json (or $KRUN_CONFIG). Arrays are NULL-terminated. */
struct init_config {
	char **argv; /* Entrypoint + Cmd; NULL if neither was given */
	char **env;  /* "K=V" strings; NULL if none */
	char *cwd;   /* NULL if none */
};

/*
 * Fills *out from a parsed document in any of the three shapes clients write:
 *  - OCI runtime config.json: {"process": {"args", "env", "cwd"}} (crun);
 *  - flat image config: {"Cmd", "Env", "WorkingDir", "Entrypoint"}, also
 *    "args"/"env"/"cwd"/"Cwd" (go-microvm, libkrun's own tests);
 *  - nested: {"Config": {...flat...}} (an OCI image config / docker inspect).
 * Keys match ASCII case-insensitively. "Entrypoint" is prepended to "Cmd".
 * 0, or -EINVAL with a message in err when a field has the wrong type.
 */
int init_config_from_json(const struct json_value *root, struct init_config *out,
			  char *err, size_t errlen);
/* Reads and parses a file (at most JSON_MAX_INPUT bytes). -ENOENT when absent. */
int init_config_load(const char *path, struct init_config *out, char *err, size_t errlen);
void init_config_free(struct init_config *c);

/*
 * Applies "K=V" entries to the process environment: a variable that is
 * already set keeps its value, except HOME and TERM (the kernel always sets
 * those, so the config's value wins). Malformed entries are skipped; returns
 * how many were skipped.
 */
int init_apply_env(char *const *env);
/* KRUN_HOME -> HOME, KRUN_TERM -> TERM (overwrite when set). */
void init_apply_krun_overrides(void);

struct init_rlimit {
	int resource;
	struct rlimit lim;
};
/*
 * Parses KRUN_RLIMITS: "RES=CUR:MAX[,RES=CUR:MAX]..." where RES is the
 * numeric Linux resource id (also "RES:CUR:MAX", as libkrun's init); CUR/MAX
 * are decimal, or -1 / "unlimited" for RLIM_INFINITY. Optional surrounding
 * double quotes are ignored. A malformed entry is skipped and counted in
 * *skipped (may be NULL). Returns the number of entries stored (at most max).
 */
int init_parse_rlimits(const char *s, struct init_rlimit *out, int max, int *skipped);

/*
 * Chooses the workload's argv: KRUN_INIT + args when krun_init is set, else
 * the config's argv, else args (the kernel's argv[1..]) if any, else /bin/sh.
 * Returns a newly allocated NULL-terminated array of borrowed pointers.
 */
char **init_choose_argv(const char *krun_init, char *const *args, int nargs,
			char *const *config_argv);

/*
 * The environment `first` (every entry verbatim and in order, also entries
 * without '=') followed by the entries of `rest` whose name is not in
 * `first`. A new NULL-terminated array of borrowed pointers, or NULL.
 */
char **init_merge_env(char *const *first, char *const *rest);

/* The status PID 1 reports: exit code, or 128 + signal. */
int init_exit_code(int wstatus);

/*
 * Finds the /dev node of a virtio-console port by name: scans
 * <sysdir>/<entry>/name (sysdir is normally /sys/class/virtio-ports) and
 * writes <devdir>/<entry> to path. 0, -ENOENT, or -ENAMETOOLONG.
 */
int init_find_port(const char *sysdir, const char *devdir, const char *name, char *path,
		   size_t pathlen);

#endif
