/* SPDX-License-Identifier: Apache-2.0 */
/* Placeholder until the VMM lands (issue 6): replaced by builder.c. */
#include <errno.h>
#include "vmm/vmm.h"

int ckrun_vm_run(const struct ckrun_config *cfg, int *exit_code)
{
	(void)cfg;
	(void)exit_code;
	return -ENOSYS;
}
