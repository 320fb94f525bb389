/* SPDX-License-Identifier: Apache-2.0 */
/*
 * krun_* functions describing the workload and how the guest boots: program,
 * arguments, environment, working directory, rlimits, kernel, console.
 * Each checks and copies its arguments first, then swaps them into the
 * record under the table lock, then frees what they replaced.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libkrun.h"
#include "api/ctx.h"
#include "api/export.h"
#include "api/log.h"
#include "api/strv.h"
#include "api/validate.h"
#include "vmm/layout.h"

/* Exchanges a record field and a local under the table lock: the record
 * takes the new value, the local the old one, freed after the unlock. */
#define SWAP(a, b)                        \
	do {                              \
		__typeof__(a) swap_ = (a); \
		(a) = (b);                \
		(b) = swap_;              \
	} while (0)

/* envp as libkrun reads it: NULL means "the caller's environment, now". */
static int copy_env(const char *const envp[], char ***out)
{
	if (!envp)
		envp = (const char *const *)environ;
	if (!envp) { /* clearenv() leaves environ NULL: an empty environment */
		*out = calloc(1, sizeof(char *));
		return *out ? 0 : -ENOMEM;
	}
	return ckrun_strv_dup(envp, out);
}

/* The first steps of a setter taking one required string: the context
 * exists, the string is given, and a private copy of it. */
static int copy_str_arg(uint32_t ctx_id, const char *s, char **copy)
{
	if (ckrun_ctx_check(ctx_id))
		return -ENOENT;
	if (!s)
		return -EINVAL;
	return ckrun_str_replace(copy, s);
}

/* Swap `local` into the record field `field` under the table lock: 0, or
 * -ENOENT (and `local` unchanged) if the context is gone. */
#define SWAP_LOCKED(ctx_id, field, local) CKRUN_CTX_UPDATE(ctx_id, cfg, SWAP(cfg->field, local))

CKRUN_EXPORT int32_t krun_set_exec(uint32_t ctx_id, const char *exec_path,
				   const char *const argv[], const char *const envp[])
{
	char *path = NULL, **args = NULL, **env = NULL;
	int ret = copy_str_arg(ctx_id, exec_path, &path);

	if (!ret && argv)
		ret = ckrun_strv_dup(argv, &args);
	if (!ret)
		ret = copy_env(envp, &env);
	if (!ret)
		ret = CKRUN_CTX_UPDATE(ctx_id, cfg, SWAP(cfg->exec_path, path); SWAP(cfg->argv, args);
				       SWAP(cfg->envp, env); cfg->env_set = true);
	free(path);
	ckrun_strv_free(args);
	ckrun_strv_free(env);
	return ret;
}

CKRUN_EXPORT int32_t krun_set_env(uint32_t ctx_id, const char *const envp[])
{
	char **env = NULL;
	int ret;

	if (ckrun_ctx_check(ctx_id))
		return -ENOENT;
	ret = copy_env(envp, &env);
	if (ret)
		return ret;
	ret = CKRUN_CTX_UPDATE(ctx_id, cfg, SWAP(cfg->envp, env); cfg->env_set = true);
	ckrun_strv_free(env);
	return ret;
}

CKRUN_EXPORT int32_t krun_set_workdir(uint32_t ctx_id, const char *workdir_path)
{
	char *copy = NULL;
	int ret = copy_str_arg(ctx_id, workdir_path, &copy);

	if (!ret)
		ret = SWAP_LOCKED(ctx_id, workdir, copy);
	free(copy);
	return ret;
}

CKRUN_EXPORT int32_t krun_set_rlimits(uint32_t ctx_id, const char *const rlimits[])
{
	char **copy = NULL;
	int ret;

	if (ckrun_ctx_check(ctx_id))
		return -ENOENT;
	if (!rlimits)
		return -EINVAL;
	ret = ckrun_strv_dup(rlimits, &copy);
	if (ret)
		return ret;
	/* As libkrun's init: a malformed entry is skipped, the others apply. */
	for (size_t i = 0, j = 0;; i++) {
		if (copy[i] && ckrun_check_rlimit(copy[i])) {
			ckrun_log(CKRUN_LOG_WARN, "context %u: rlimit \"%s\" is not ID=CUR:MAX (or ID:CUR:MAX, CUR <= MAX); skipped",
				  ctx_id, copy[i]);
			free(copy[i]);
			continue;
		}
		copy[j++] = copy[i];
		if (!copy[i])
			break;
	}
	ret = SWAP_LOCKED(ctx_id, rlimits, copy);
	ckrun_strv_free(copy);
	return ret;
}

/* Kernel formats ckrun's x86_64 loader understands, and how it answers the others. */
static int check_kernel_format(uint32_t format)
{
	switch (format) {
	case KRUN_KERNEL_FORMAT_RAW: /* bzImage or plain vmlinux, told apart by content */
	case KRUN_KERNEL_FORMAT_ELF:
	case KRUN_KERNEL_FORMAT_IMAGE_BZ2: /* compressed ELF, decompressed by the VMM */
	case KRUN_KERNEL_FORMAT_IMAGE_GZ:
	case KRUN_KERNEL_FORMAT_IMAGE_ZSTD:
		return 0;
	case KRUN_KERNEL_FORMAT_PE_GZ:   /* aarch64 only */
	default:
		return -EINVAL;
	}
}

CKRUN_EXPORT int32_t krun_set_kernel(uint32_t ctx_id, const char *kernel_path,
				     uint32_t kernel_format, const char *initramfs,
				     const char *cmdline)
{
	char *kernel = NULL, *initrd = NULL, *cmd = NULL;
	int ret;

	if (ckrun_ctx_check(ctx_id))
		return -ENOENT;
	if (!kernel_path)
		return -EINVAL;
	ret = check_kernel_format(kernel_format);
	if (ret)
		return ret;
	/* The command line is placed in one fixed-size area of guest memory. */
	if (cmdline && strnlen(cmdline, LAYOUT_CMDLINE_MAX) >= LAYOUT_CMDLINE_MAX)
		return -EINVAL;
	ret = ckrun_check_file(kernel_path, &kernel);
	if (!ret && initramfs)
		ret = ckrun_check_file(initramfs, &initrd);
	if (!ret)
		ret = ckrun_str_replace(&cmd, cmdline);
	if (!ret)
		ret = CKRUN_CTX_UPDATE(ctx_id, cfg, SWAP(cfg->kernel_path, kernel);
				       SWAP(cfg->initramfs_path, initrd); SWAP(cfg->kernel_cmdline, cmd);
				       cfg->kernel_format = kernel_format);
	free(kernel);
	free(initrd);
	free(cmd);
	return ret;
}

CKRUN_EXPORT int32_t krun_set_console_output(uint32_t ctx_id, const char *c_filepath)
{
	struct ckrun_config *cfg;
	char *copy = NULL;
	int ret = copy_str_arg(ctx_id, c_filepath, &copy);

	if (ret)
		return ret;
	cfg = ckrun_ctx_lock(ctx_id);
	if (!cfg) {
		free(copy);
		return -ENOENT;
	}
	if (cfg->console_output) {
		ret = -EINVAL; /* as libkrun: the console output is set once */
	} else {
		cfg->console_output = copy;
		copy = NULL;
	}
	ckrun_ctx_unlock();
	free(copy);
	return ret;
}
