// SPDX-License-Identifier: Apache-2.0

package main

// Every libkrun function go-microvm's krun package references must resolve at
// link time, even those this runner does not call (disks, networking, exec):
// the array below keeps a reference to each one in the binary.

/*
#cgo pkg-config: libkrun
#include <libkrun.h>

__attribute__((used)) static void *const go_microvm_symbols[] = {
	(void *)krun_set_log_level, (void *)krun_create_ctx, (void *)krun_free_ctx,
	(void *)krun_set_vm_config, (void *)krun_set_root, (void *)krun_start_enter,
	(void *)krun_set_root_disk, (void *)krun_set_root_disk_remount,
	(void *)krun_add_disk, (void *)krun_add_disk2, (void *)krun_add_virtiofs,
	(void *)krun_add_virtiofs3, (void *)krun_set_console_output,
	(void *)krun_set_port_map, (void *)krun_add_net_unixstream,
	(void *)krun_set_exec, (void *)krun_set_env,
};
*/
import "C"
