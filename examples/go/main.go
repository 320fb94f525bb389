// SPDX-License-Identifier: Apache-2.0

// Command gorunner starts a microVM through libkrun's C API with cgo, making
// the same calls in the same order as go-microvm's runner
// (runner/cmd/go-microvm-runner): set_log_level, create_ctx, set_vm_config,
// set_root, add_virtiofs3 per read-only mount and add_virtiofs per
// read-write one, set_console_output, start_enter; free_ctx on every error
// path. Like that runner it does not call krun_set_exec: the guest init reads
// /.krun_config.json from the root directory.
//
// Usage: gorunner '<json>' where the JSON is
//
//	{"root_path": "/path/to/rootfs", "num_vcpus": 1, "ram_mib": 512,
//	 "virtiofs_mounts": [{"tag": "ro", "path": "/host/dir", "read_only": true}],
//	 "console_log_path": "/tmp/console.log", "log_level": 0,
//	 "kernel_path": "/path/to/bzImage"}
//
// kernel_path is a ckrun test convenience (krun_set_kernel) and not part of
// go-microvm's configuration.
//
// Exit status: the guest workload's, or 125 bad configuration, 3 context
// creation failed, 2 the VM could not be started, 1 any other failure.
package main

/*
#cgo pkg-config: libkrun
#cgo LDFLAGS: -lkrun
#include <stdbool.h>
#include <stdlib.h>
#include <libkrun.h>
*/
import "C"

import (
	"encoding/json"
	"fmt"
	"os"
	"syscall"
	"unsafe"
)

type virtioFSMount struct {
	Tag      string `json:"tag"`
	Path     string `json:"path"`
	ReadOnly bool   `json:"read_only"`
}

type config struct {
	RootPath       string          `json:"root_path"`
	NumVCPUs       uint32          `json:"num_vcpus"`
	RAMMiB         uint32          `json:"ram_mib"`
	VirtioFSMounts []virtioFSMount `json:"virtiofs_mounts"`
	ConsoleLogPath string          `json:"console_log_path"`
	LogLevel       uint32          `json:"log_level"`
	KernelPath     string          `json:"kernel_path"`
}

const (
	exitOther  = 1
	exitStart  = 2
	exitCtx    = 3
	exitConfig = 125
)

func parseConfig(arg string) (*config, error) {
	cfg := &config{NumVCPUs: 1, RAMMiB: 512}
	if err := json.Unmarshal([]byte(arg), cfg); err != nil {
		return nil, fmt.Errorf("invalid configuration: %v", err)
	}
	if cfg.RootPath == "" {
		return nil, fmt.Errorf("root_path is required")
	}
	if cfg.NumVCPUs == 0 || cfg.NumVCPUs > 255 {
		return nil, fmt.Errorf("num_vcpus must be 1-255, got %d", cfg.NumVCPUs)
	}
	if cfg.RAMMiB == 0 {
		return nil, fmt.Errorf("ram_mib must be > 0")
	}
	if cfg.LogLevel > 5 {
		return nil, fmt.Errorf("log_level must be 0-5, got %d", cfg.LogLevel)
	}
	for i, m := range cfg.VirtioFSMounts {
		if m.Tag == "" || m.Path == "" {
			return nil, fmt.Errorf("virtiofs_mounts[%d]: tag and path are required", i)
		}
	}
	return cfg, nil
}

// krunErr turns a negative errno from libkrun into an error.
func krunErr(call string, rc C.int32_t) error {
	return fmt.Errorf("%s: %v", call, syscall.Errno(-rc))
}

// addVirtioFSMount mirrors go-microvm's addVirtioFSMount: read-only mounts
// use krun_add_virtiofs3 with no DAX window and are never downgraded.
func addVirtioFSMount(ctx C.uint32_t, m virtioFSMount) error {
	tag := C.CString(m.Tag)
	defer C.free(unsafe.Pointer(tag))
	path := C.CString(m.Path)
	defer C.free(unsafe.Pointer(path))
	if m.ReadOnly {
		if rc := C.krun_add_virtiofs3(ctx, tag, path, 0, C.bool(true)); rc < 0 {
			return krunErr("krun_add_virtiofs3", rc)
		}
		return nil
	}
	if rc := C.krun_add_virtiofs(ctx, tag, path); rc < 0 {
		return krunErr("krun_add_virtiofs", rc)
	}
	return nil
}

// runVM returns only on failure, with the runner's exit code.
func runVM(cfg *config) (int, error) {
	if cfg.LogLevel > 0 {
		if rc := C.krun_set_log_level(C.uint32_t(cfg.LogLevel)); rc < 0 {
			fmt.Fprintf(os.Stderr, "warning: %v\n", krunErr("krun_set_log_level", rc))
		}
	}
	rc := C.krun_create_ctx()
	if rc < 0 {
		return exitCtx, krunErr("krun_create_ctx", rc)
	}
	ctx := C.uint32_t(rc)
	fail := func(code int, err error) (int, error) {
		C.krun_free_ctx(ctx)
		return code, err
	}

	if rc := C.krun_set_vm_config(ctx, C.uint8_t(cfg.NumVCPUs), C.uint32_t(cfg.RAMMiB)); rc < 0 {
		return fail(exitOther, krunErr("krun_set_vm_config", rc))
	}
	root := C.CString(cfg.RootPath)
	defer C.free(unsafe.Pointer(root))
	if rc := C.krun_set_root(ctx, root); rc < 0 {
		return fail(exitOther, krunErr("krun_set_root", rc))
	}
	for _, m := range cfg.VirtioFSMounts {
		if err := addVirtioFSMount(ctx, m); err != nil {
			return fail(exitOther, err)
		}
	}
	if cfg.KernelPath != "" {
		k := C.CString(cfg.KernelPath)
		defer C.free(unsafe.Pointer(k))
		if rc := C.krun_set_kernel(ctx, k, C.KRUN_KERNEL_FORMAT_RAW, nil, nil); rc < 0 {
			return fail(exitOther, krunErr("krun_set_kernel", rc))
		}
	}
	if cfg.ConsoleLogPath != "" {
		p := C.CString(cfg.ConsoleLogPath)
		defer C.free(unsafe.Pointer(p))
		if rc := C.krun_set_console_output(ctx, p); rc < 0 {
			return fail(exitOther, krunErr("krun_set_console_output", rc))
		}
	}
	// On success this never returns: the process exits with the guest's status.
	rc = C.krun_start_enter(ctx)
	return exitStart, krunErr("krun_start_enter", rc)
}

func main() {
	if len(os.Args) != 2 || os.Args[1] == "-h" || os.Args[1] == "--help" {
		fmt.Fprintf(os.Stderr, "usage: %s '<json config>'\n", os.Args[0])
		os.Exit(exitConfig)
	}
	cfg, err := parseConfig(os.Args[1])
	if err != nil {
		fmt.Fprintf(os.Stderr, "gorunner: %v\n", err)
		os.Exit(exitConfig)
	}
	code, err := runVM(cfg)
	fmt.Fprintf(os.Stderr, "gorunner: %v\n", err)
	os.Exit(code)
}
