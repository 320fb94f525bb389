/* SPDX-License-Identifier: Apache-2.0 */
/* Starting a context's VM (krun_start_enter, ckrun_start_and_wait). */
#ifndef CKRUN_API_START_H
#define CKRUN_API_START_H

#include "abi/config.h"

/* The shape of ckrun_vm_run() (vmm/vmm.h). */
typedef int (*ckrun_vm_runner_fn)(const struct ckrun_config *cfg, int *exit_code);

/*
 * Tests only: run VMs with fn instead of ckrun_vm_run(), so the API layer's
 * start path can be checked without booting a guest. NULL restores it.
 */
void ckrun_set_vm_runner_for_test(ckrun_vm_runner_fn fn);

#endif
