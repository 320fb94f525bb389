/* SPDX-License-Identifier: Apache-2.0 */
/* What the API layer asks of the VMM. */
#ifndef CKRUN_VMM_VMM_H
#define CKRUN_VMM_VMM_H

#include "abi/config.h"

/*
 * Build and run the VM described by cfg until the guest powers off or resets.
 * Returns 0 with *exit_code set (the code the guest reported with the
 * exit-code ioctl, else 0), or -errno if the VM could not be set up or run;
 * in every case all threads, fds and mappings have been released.
 */
int ckrun_vm_run(const struct ckrun_config *cfg, int *exit_code);

#endif
