/* SPDX-License-Identifier: Apache-2.0 */
/* The VM configuration record: defaults and release. */
#include <stdlib.h>
#include <string.h>

#include "api/ctx.h"
#include "api/strv.h"

/* libkrun's defaults when krun_set_vm_config is never called. */
#define DEFAULT_VCPUS   1
#define DEFAULT_RAM_MIB 128

void ckrun_config_init(struct ckrun_config *c)
{
	memset(c, 0, sizeof(*c));
	c->vcpus = DEFAULT_VCPUS;
	c->ram_mib = DEFAULT_RAM_MIB;
}

void ckrun_config_free(struct ckrun_config *c)
{
	if (!c)
		return;
	for (int i = 0; i < c->nr_shares; i++)
		free(c->shares[i].path);
	free(c->kernel_path);
	free(c->initramfs_path);
	free(c->kernel_cmdline);
	free(c->exec_path);
	ckrun_strv_free(c->argv);
	ckrun_strv_free(c->envp);
	free(c->workdir);
	ckrun_strv_free(c->rlimits);
	free(c->console_output);
	/* Leave a record that can be freed again or re-initialised safely. */
	ckrun_config_init(c);
}
