/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The guest kernel command line, in libkrun's order:
 *   prolog  KRUN_INIT=.. KRUN_WORKDIR=.. KRUN_RLIMITS="..." "K=V"...
 *   virtio_mmio.device=4K@0x<base>:<irq>...  -- "arg"...
 * The kernel has no escape character: a value is quoted when it holds
 * whitespace, and a value holding '"' cannot be passed at all (-EINVAL).
 * With ckrun's own init the workload travels in the workload file instead
 * (abi/workload.h) and only the prolog and devices are written here.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vmm/vm.h"

/*
 * libkrun's prolog, plus root=/dev/ + the root tag (root=/dev//dev/root): the
 * project kernel has no CONFIG_BLOCK, so the kernel mounts its root only when
 * root= names a device; it strips one "/dev/" and passes the rest ("/dev/root")
 * to virtiofs as the tag.
 */
#define PROLOG_HEAD \
	"reboot=k panic=-1 panic_print=0 nomodule console=hvc0 root=/dev/" CKRUN_ROOT_TAG " rootfstype=virtiofs"
#define PROLOG_TAIL "quiet no-kvmapf init=" CKRUN_INIT_PATH

struct out {
	char *buf;
	size_t cap, len;
	int err;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	if (o->err)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n < 0) {
		o->err = -EINVAL;
		return;
	}
	if ((size_t)n >= o->cap - o->len) {
		o->err = -E2BIG;
		o->buf[o->len] = '\0';
		return;
	}
	o->len += (size_t)n;
}

static bool has_space(const char *s)
{
	for (; *s; s++)
		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\f' || *s == '\v')
			return true;
	return false;
}

/* A value may not contain '"' (nothing can escape it); empty is fine. */
static int check_value(const char *s)
{
	return strchr(s, '"') ? -EINVAL : 0;
}

/* KEY=value, quoted as KEY="value" when it holds whitespace. */
static void put_var(struct out *o, const char *key, const char *val)
{
	if (check_value(val)) {
		o->err = o->err ? o->err : -EINVAL;
		return;
	}
	if (has_space(val) || !*val)
		put(o, " %s=\"%s\"", key, val);
	else
		put(o, " %s=%s", key, val);
}

static const struct ckrun_share *root_share(const struct ckrun_config *cfg)
{
	for (int i = 0; i < cfg->nr_shares; i++)
		if (strcmp(cfg->shares[i].tag, CKRUN_ROOT_TAG) == 0)
			return &cfg->shares[i];
	return NULL;
}

static bool root_read_only(const struct ckrun_config *cfg)
{
	const struct ckrun_share *r = root_share(cfg);
	return r && r->read_only;
}

/*
 * The guest kernel's own limits for what it hands init (init/main.c:
 * MAX_INIT_ARGS and MAX_INIT_ENVS, CONFIG_INIT_ENV_ARG_LIMIT = 32 on x86, the
 * environment counting its preset HOME and TERM; beyond them it panics) and
 * x86's COMMAND_LINE_SIZE (a longer line is cut silently).
 */
#define KERNEL_INIT_MAX_ARGS 32
#define KERNEL_INIT_MAX_ENVS 32
#define KERNEL_INIT_PRESET_ENVS 2
#define KERNEL_CMDLINE_SIZE 2048

enum workload_channel cmdline_workload_channel(const struct ckrun_config *cfg)
{
	if (cfg->no_implicit_init || !root_share(cfg))
		return WORKLOAD_ON_CMDLINE;
	return cfg->kernel_cmdline ? WORKLOAD_FILE_AND_CMDLINE : WORKLOAD_FILE;
}

static size_t count(char *const *v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

/* NET_FLAG_DHCP_CLIENT on any network device: the guest init runs DHCP on
 * eth0. A boot setting, not the workload: on the command line in every case. */
static void put_dhcp(struct out *o, const struct ckrun_config *cfg)
{
	if (cfg->dhcp_client)
		put(o, " KRUN_DHCP=1");
}

/* The KRUN_* variables and the environment, libkrun's way. */
static void put_workload_env(struct out *o, const struct ckrun_config *cfg)
{
	size_t nenv = KERNEL_INIT_PRESET_ENVS + count(cfg->envp) + !!cfg->exec_path + !!cfg->workdir +
		      (cfg->rlimits && cfg->rlimits[0]) + cfg->dhcp_client;
	if (nenv > KERNEL_INIT_MAX_ENVS || count(cfg->argv) + 1 > KERNEL_INIT_MAX_ARGS) {
		o->err = o->err ? o->err : -E2BIG;
		return;
	}
	if (cfg->exec_path)
		put_var(o, "KRUN_INIT", cfg->exec_path);
	if (cfg->workdir)
		put_var(o, "KRUN_WORKDIR", cfg->workdir);

	if (cfg->rlimits && cfg->rlimits[0]) {
		put(o, " KRUN_RLIMITS=\"");
		for (int i = 0; cfg->rlimits[i] && !o->err; i++) {
			if (check_value(cfg->rlimits[i]) || has_space(cfg->rlimits[i]))
				o->err = -EINVAL;
			put(o, "%s%s", i ? "," : "", cfg->rlimits[i]);
		}
		put(o, "\"");
	}

	put_dhcp(o, cfg);

	if (cfg->envp) {
		for (int i = 0; cfg->envp[i] && !o->err; i++) {
			const char *e = cfg->envp[i];
			/* "K=V": the kernel hands unknown key=value pairs to init's environment. */
			if (check_value(e) || !strchr(e, '=') || e[0] == '=')
				o->err = -EINVAL;
			put(o, " \"%s\"", e);
		}
	}
}

static void put_workload_args(struct out *o, const struct ckrun_config *cfg)
{
	if (cfg->argv && cfg->argv[0]) {
		put(o, " --");
		for (int i = 0; cfg->argv[i] && !o->err; i++) {
			if (check_value(cfg->argv[i]))
				o->err = -EINVAL;
			put(o, " \"%s\"", cfg->argv[i]);
		}
	}
}

int cmdline_build(const struct ckrun_config *cfg, const uint64_t *dev_base, const int *dev_irq, int nr_devs,
		  char *buf, size_t cap)
{
	if (!buf || cap == 0 || nr_devs < 0)
		return -EINVAL;
	struct out o = { .buf = buf, .cap = cap, .len = 0, .err = 0 };
	buf[0] = '\0';

	if (cfg->kernel_cmdline)
		put(&o, "%s", cfg->kernel_cmdline);
	else
		put(&o, "%s %s %s", PROLOG_HEAD, root_read_only(cfg) ? "ro" : "rw", PROLOG_TAIL);
	/* Every kernel message on COM1 from the first line on, kept after hvc0
	 * registers: a guest that dies early still says why. */
	if (vm_trace_enabled())
		put(&o, " earlyprintk=serial,ttyS0,keep ignore_loglevel");

	if (vm_implicit_net(cfg)) {
		char net[128];
		if (vm_implicit_net_cmdline(net, sizeof(net)))
			o.err = o.err ? o.err : -E2BIG;
		put(&o, " %s", net);
	}

	enum workload_channel ch = cmdline_workload_channel(cfg);
	size_t mark = o.len;
	bool on_cmdline = ch != WORKLOAD_FILE;
	if (on_cmdline)
		put_workload_env(&o, cfg);
	else
		put_dhcp(&o, cfg);
	for (int i = 0; i < nr_devs; i++)
		put(&o, " virtio_mmio.device=4K@0x%" PRIx64 ":%d", dev_base[i], dev_irq[i]);
	if (on_cmdline)
		put_workload_args(&o, cfg);
	bool has_workload = cfg->exec_path || cfg->workdir || count(cfg->envp) || count(cfg->argv) ||
			    count(cfg->rlimits);
	if (on_cmdline && has_workload && !o.err && o.len >= KERNEL_CMDLINE_SIZE)
		o.err = -E2BIG;

	if (o.err && ch == WORKLOAD_FILE_AND_CMDLINE) {
		/* ckrun's init has the workload file; a custom init named by the
		 * client's command line goes without what does not fit. */
		o.len = mark;
		buf[mark] = '\0';
		o.err = 0;
		put_dhcp(&o, cfg);
		for (int i = 0; i < nr_devs; i++)
			put(&o, " virtio_mmio.device=4K@0x%" PRIx64 ":%d", dev_base[i], dev_irq[i]);
	}

	if (o.err) {
		buf[0] = '\0';
		return o.err;
	}
	return 0;
}
