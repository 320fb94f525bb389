/* SPDX-License-Identifier: Apache-2.0 */
/* Workload configuration for the guest init: config file shapes, env, rlimits. */
#include "config.h"
#include "abi/readfile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_LIST 4096 /* as libkrun's MAX_ARGS */

static void free_list(char **l)
{
	if (!l)
		return;
	for (char **p = l; *p; p++)
		free(*p);
	free(l);
}

/* Copies a JSON array of strings (or one string) into a NULL-terminated list.
 * null -> *out stays NULL. */
static int string_list(const struct json_value *v, const char *what, char **prefix,
		       char ***out, char *err, size_t errlen)
{
	size_t np = 0, n, i;
	*out = NULL;
	while (prefix && prefix[np])
		np++;
	if (!v || v->type == JSON_NULL) {
		if (!np)
			return 0;
		n = 0;
	} else if (v->type == JSON_STRING) {
		n = 1;
	} else if (v->type == JSON_ARRAY) {
		n = v->n;
		for (i = 0; i < n; i++)
			if (v->items[i]->type != JSON_STRING) {
				snprintf(err, errlen, "\"%s\" must hold only strings", what);
				return -EINVAL;
			}
	} else {
		snprintf(err, errlen, "\"%s\" must be an array of strings", what);
		return -EINVAL;
	}
	if (np + n > MAX_LIST) {
		snprintf(err, errlen, "\"%s\" has more than %d entries", what, MAX_LIST);
		return -EINVAL;
	}
	char **l = calloc(np + n + 1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	for (i = 0; i < np + n; i++) {
		const char *s = i < np ? prefix[i]
				       : (v->type == JSON_STRING ? v->str : v->items[i - np]->str);
		if (!(l[i] = strdup(s))) {
			free_list(l);
			return -ENOMEM;
		}
	}
	*out = l;
	return 0;
}

static const struct json_value *first_ci(const struct json_value *o, const char *const *keys)
{
	for (; *keys; keys++) {
		const struct json_value *v = json_get_ci(o, *keys);
		if (v && v->type != JSON_NULL)
			return v;
	}
	return NULL;
}

int init_config_from_json(const struct json_value *root, struct init_config *out, char *err,
			  size_t errlen)
{
	static const char *const k_args[] = { "args", "Cmd", NULL };
	static const char *const k_env[] = { "env", NULL };
	static const char *const k_cwd[] = { "cwd", "WorkingDir", NULL };
	static const char *const k_entry[] = { "Entrypoint", NULL };
	static const char *const k_nested[] = { "Config", NULL };
	char **entry = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if (err && errlen)
		err[0] = '\0';
	if (!root || root->type != JSON_OBJECT) {
		snprintf(err, errlen, "the document is not a JSON object");
		return -EINVAL;
	}
	const struct json_value *o = root;
	const struct json_value *proc = json_get_ci(root, "process");
	const struct json_value *nested = first_ci(root, k_nested);
	if (proc && proc->type == JSON_OBJECT)
		o = proc; /* OCI runtime spec */
	else if (nested && nested->type == JSON_OBJECT && !first_ci(root, k_args) &&
		 !first_ci(root, k_entry))
		o = nested; /* {"Config": {...}} */

	if ((rc = string_list(first_ci(o, k_entry), "Entrypoint", NULL, &entry, err, errlen)) < 0)
		goto fail;
	rc = string_list(first_ci(o, k_args), "args/Cmd", entry, &out->argv, err, errlen);
	free_list(entry);
	if (rc < 0)
		goto fail;
	if ((rc = string_list(first_ci(o, k_env), "env", NULL, &out->env, err, errlen)) < 0)
		goto fail;
	const struct json_value *cwd = first_ci(o, k_cwd);
	if (cwd) {
		if (cwd->type != JSON_STRING) {
			snprintf(err, errlen, "\"cwd/WorkingDir\" must be a string");
			rc = -EINVAL;
			goto fail;
		}
		if (cwd->str[0] && !(out->cwd = strdup(cwd->str))) {
			rc = -ENOMEM;
			goto fail;
		}
	}
	return 0;
fail:
	init_config_free(out);
	return rc;
}

int init_config_load(const char *path, struct init_config *out, char *err, size_t errlen)
{
	struct json_value *doc = NULL;
	struct stat st;
	char *text = NULL;
	size_t len = 0;
	int rc, fd;

	memset(out, 0, sizeof(*out));
	if (err && errlen)
		err[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "not a regular file");
		rc = -EINVAL;
		goto out;
	}
	if (st.st_size > (off_t)JSON_MAX_INPUT) {
		snprintf(err, errlen, "larger than %u bytes", JSON_MAX_INPUT);
		rc = -E2BIG;
		goto out;
	}
	/* Read until EOF with a hard cap, whatever fstat said. */
	rc = read_capped(fd, JSON_MAX_INPUT, &text, &len);
	if (rc == -E2BIG)
		snprintf(err, errlen, "larger than %u bytes", JSON_MAX_INPUT);
	if (rc < 0)
		goto out;
	if ((rc = json_parse(text, len, &doc, err, errlen)) < 0)
		goto out;
	rc = init_config_from_json(doc, out, err, errlen);
out:
	json_free(doc);
	free(text);
	close(fd);
	return rc;
}

void init_config_free(struct init_config *c)
{
	free_list(c->argv);
	free_list(c->env);
	free(c->cwd);
	memset(c, 0, sizeof(*c));
}

int init_apply_env(char *const *env)
{
	int skipped = 0;
	for (; env && *env; env++) {
		const char *eq = strchr(*env, '=');
		if (!eq || eq == *env) {
			skipped++;
			continue;
		}
		char *key = strndup(*env, (size_t)(eq - *env));
		if (!key) {
			skipped++;
			continue;
		}
		int overwrite = strcmp(key, "HOME") == 0 || strcmp(key, "TERM") == 0;
		if (setenv(key, eq + 1, overwrite) < 0)
			skipped++;
		free(key);
	}
	return skipped;
}

void init_apply_krun_overrides(void)
{
	const char *v;
	if ((v = getenv("KRUN_HOME")))
		setenv("HOME", v, 1);
	if ((v = getenv("KRUN_TERM")))
		setenv("TERM", v, 1);
}

static int parse_limit(const char *s, size_t n, rlim_t *out)
{
	char tmp[32];
	if (n == 0 || n >= sizeof(tmp))
		return -EINVAL;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (strcmp(tmp, "-1") == 0 || strcmp(tmp, "unlimited") == 0 || strcmp(tmp, "infinity") == 0) {
		*out = RLIM_INFINITY;
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		if (tmp[i] < '0' || tmp[i] > '9')
			return -EINVAL;
	errno = 0;
	unsigned long long v = strtoull(tmp, NULL, 10);
	if (errno == ERANGE)
		return -EINVAL;
	*out = (rlim_t)v;
	return 0;
}

int init_parse_rlimits(const char *s, struct init_rlimit *out, int max, int *skipped)
{
	int n = 0;
	size_t len;
	if (skipped)
		*skipped = 0;
	if (!s)
		return 0;
	len = strlen(s);
	if (len >= 2 && s[0] == '"' && s[len - 1] == '"') {
		s++;
		len -= 2;
	}
	const char *end = s + len;
	while (s < end) {
		const char *comma = memchr(s, ',', (size_t)(end - s));
		const char *item_end = comma ? comma : end;
		/* "RES=CUR:MAX" or "RES:CUR:MAX": the first '=' or ':' ends RES. */
		const char *sep = s;
		while (sep < item_end && *sep != '=' && *sep != ':')
			sep++;
		const char *colon = sep < item_end ? memchr(sep + 1, ':', (size_t)(item_end - sep - 1)) : NULL;
		rlim_t res, cur, lim;
		if (item_end == s) { /* tolerate empty items ("a,,b", trailing comma) */
			s = item_end + 1;
			continue;
		}
		if (sep == item_end || !colon || parse_limit(s, (size_t)(sep - s), &res) < 0 ||
		    res == RLIM_INFINITY || res >= RLIM_NLIMITS ||
		    parse_limit(sep + 1, (size_t)(colon - sep - 1), &cur) < 0 ||
		    parse_limit(colon + 1, (size_t)(item_end - colon - 1), &lim) < 0) {
			if (skipped) /* as libkrun's init: a bad entry is skipped */
				(*skipped)++;
		} else if (n < max) {
			out[n].resource = (int)res;
			out[n].lim.rlim_cur = cur;
			out[n].lim.rlim_max = lim;
			n++;
		}
		s = comma ? comma + 1 : end;
	}
	return n;
}

char **init_choose_argv(const char *krun_init, char *const *args, int nargs,
			char *const *config_argv)
{
	size_t n = 0, i = 0;
	char **v;
	if (nargs < 0)
		nargs = 0;
	if (krun_init && krun_init[0]) {
		v = calloc((size_t)nargs + 2, sizeof(*v));
		if (!v)
			return NULL;
		v[i++] = (char *)krun_init;
		for (int a = 0; a < nargs; a++)
			v[i++] = args[a];
		return v;
	}
	if (config_argv && config_argv[0]) {
		while (config_argv[n])
			n++;
		v = calloc(n + 1, sizeof(*v));
		if (!v)
			return NULL;
		for (i = 0; i < n; i++)
			v[i] = config_argv[i];
		return v;
	}
	if (nargs > 0) {
		v = calloc((size_t)nargs + 1, sizeof(*v));
		if (!v)
			return NULL;
		for (int a = 0; a < nargs; a++)
			v[a] = args[a];
		return v;
	}
	v = calloc(2, sizeof(*v));
	if (v)
		v[0] = (char *)"/bin/sh";
	return v;
}

/* Key length of an environment entry: up to '=', or the whole entry without one. */
static size_t key_len(const char *e)
{
	const char *eq = strchr(e, '=');
	return eq ? (size_t)(eq - e) : strlen(e);
}

static int cmp_key(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	size_t lx = key_len(x), ly = key_len(y);
	int c = memcmp(x, y, lx < ly ? lx : ly);
	return c ? c : (lx > ly) - (lx < ly);
}

char **init_merge_env(char *const *first, char *const *rest)
{
	size_t nf = 0, nr = 0, n = 0;
	while (first && first[nf])
		nf++;
	while (rest && rest[nr])
		nr++;
	char **out = calloc(nf + nr + 1, sizeof(*out));
	/* The keys of `first`, sorted: a lookup per entry of `rest` stays
	 * O(log n) with thousands of variables (slow guests, see workload.h). */
	char **keys = calloc(nf + 1, sizeof(*keys));
	if (!out || !keys) {
		free(out);
		free(keys);
		return NULL;
	}
	memcpy(keys, first, nf * sizeof(*keys));
	qsort(keys, nf, sizeof(*keys), cmp_key);
	for (size_t i = 0; i < nf; i++)
		out[n++] = first[i];
	for (size_t i = 0; i < nr; i++)
		if (!bsearch(&rest[i], keys, nf, sizeof(*keys), cmp_key))
			out[n++] = rest[i];
	free(keys);
	return out;
}

int init_exit_code(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return 1;
}

int init_find_port(const char *sysdir, const char *devdir, const char *name, char *path,
		   size_t pathlen)
{
	DIR *d = opendir(sysdir);
	struct dirent *e;
	int rc = -ENOENT;
	if (!d)
		return -ENOENT;
	while ((e = readdir(d))) {
		char file[PATH_MAX], got[128];
		if (e->d_name[0] == '.')
			continue;
		if (snprintf(file, sizeof(file), "%s/%s/name", sysdir, e->d_name) >= (int)sizeof(file))
			continue;
		int fd = open(file, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		ssize_t r = read(fd, got, sizeof(got) - 1);
		close(fd);
		if (r <= 0)
			continue;
		got[r] = '\0';
		got[strcspn(got, "\n")] = '\0';
		if (strcmp(got, name) != 0)
			continue;
		if (snprintf(path, pathlen, "%s/%s", devdir, e->d_name) >= (int)pathlen)
			rc = -ENAMETOOLONG;
		else
			rc = 0;
		break;
	}
	closedir(d);
	return rc;
}
