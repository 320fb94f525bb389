/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Starting a VM: the context leaves the table (it is consumed whatever
 * happens), the VMM runs it, and the guest's exit status either ends the
 * process (krun_start_enter, libkrun's contract) or is returned
 * (ckrun_start_and_wait, ckrun's extension).
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libkrun.h"
#include "ckrun.h"
#include "api/ctx.h"
#include "api/export.h"
#include "api/log.h"
#include "api/start.h"
#include "vmm/vmm.h"

/* Set only by tests; NULL in every real use. */
static _Atomic(ckrun_vm_runner_fn) test_runner;

void ckrun_set_vm_runner_for_test(ckrun_vm_runner_fn fn)
{
	atomic_store(&test_runner, fn);
}

/*
 * krun_setgid, then krun_setuid, for the whole process and before the VM is
 * built (its files are opened with the new IDs), as libkrun does.
 */
static int apply_ids(const struct ckrun_config *cfg, uint32_t ctx_id)
{
	if (cfg->set_gid && setgid((gid_t)cfg->gid) < 0) {
		int e = errno;
		ckrun_log(CKRUN_LOG_ERROR, "context %u: setgid(%u): %s", ctx_id, cfg->gid, strerror(e));
		return -e;
	}
	if (cfg->set_uid && setuid((uid_t)cfg->uid) < 0) {
		int e = errno;
		ckrun_log(CKRUN_LOG_ERROR, "context %u: setuid(%u): %s", ctx_id, cfg->uid, strerror(e));
		return -e;
	}
	return 0;
}

/* Run the context's VM: 0 with *status in 0..255, or -errno. `last`: the
 * process ends with this VM (krun_start_enter). */
static int run_ctx(uint32_t ctx_id, bool last, int *status)
{
	ckrun_vm_runner_fn runner = atomic_load(&test_runner);
	struct ckrun_config *cfg;
	int code = 0, ret;

	ret = ckrun_ctx_take(ctx_id, &cfg);
	if (ret)
		return ret;
	/* The VMM reads the log level from the record, not from this layer. */
	cfg->log_level = ckrun_log_level();
	cfg->process_ends_with_vm = last;
	/* libkrun adds the legacy network device at start, after the others. */
	ret = ckrun_config_finish_nets(cfg);
	if (ret) {
		ckrun_config_free(cfg);
		free(cfg);
		ckrun_log(CKRUN_LOG_ERROR, "context %u: network devices: %s", ctx_id, strerror(-ret));
		return ret;
	}

	ret = apply_ids(cfg, ctx_id);
	if (!ret)
		ret = (runner ? runner : ckrun_vm_run)(cfg, &code);
	ckrun_config_free(cfg);
	free(cfg);
	if (ret > 0)
		ret = -EIO; /* not the VMM's contract; never report it as success */
	if (ret < 0) {
		ckrun_log(CKRUN_LOG_ERROR, "context %u: the VM could not run: %s", ctx_id,
			  strerror(-ret));
		return ret;
	}
	/* An exit status is 8 bits, as the kernel would truncate it in _exit(). */
	*status = code & 0xff;
	return 0;
}

CKRUN_EXPORT int32_t ckrun_start_and_wait(uint32_t ctx_id)
{
	int status = 0, ret = run_ctx(ctx_id, false, &status);

	return ret ? ret : status;
}

CKRUN_EXPORT int32_t krun_start_enter(uint32_t ctx_id)
{
	int status = 0, ret;

	/*
	 * The process will end with _exit(), which does not flush stdio: flush
	 * the caller's buffered output now, so it is not lost and comes out
	 * before the guest's.
	 */
	fflush(NULL);
	ret = run_ctx(ctx_id, true, &status);
	if (ret)
		return ret;
	_exit(status);
}
