// SPDX-License-Identifier: Apache-2.0

package main

import "testing"

func TestParseConfig(t *testing.T) {
	good := `{"root_path":"/r","num_vcpus":2,"ram_mib":256,` +
		`"virtiofs_mounts":[{"tag":"ro","path":"/a","read_only":true},{"tag":"rw","path":"/b"}]}`
	cfg, err := parseConfig(good)
	if err != nil {
		t.Fatalf("parseConfig(good): %v", err)
	}
	if cfg.NumVCPUs != 2 || cfg.RAMMiB != 256 || len(cfg.VirtioFSMounts) != 2 ||
		!cfg.VirtioFSMounts[0].ReadOnly || cfg.VirtioFSMounts[1].ReadOnly {
		t.Fatalf("unexpected config %+v", cfg)
	}
	defaults, err := parseConfig(`{"root_path":"/r"}`)
	if err != nil || defaults.NumVCPUs != 1 || defaults.RAMMiB != 512 {
		t.Fatalf("defaults: %+v %v", defaults, err)
	}
	for _, bad := range []string{
		``, `{`, `[]`, `{}`, `{"root_path":""}`,
		`{"root_path":"/r","num_vcpus":0}`, `{"root_path":"/r","num_vcpus":256}`,
		`{"root_path":"/r","ram_mib":0}`, `{"root_path":"/r","log_level":6}`,
		`{"root_path":"/r","virtiofs_mounts":[{"tag":"","path":"/a"}]}`,
		`{"root_path":"/r","num_vcpus":-1}`,
	} {
		if _, err := parseConfig(bad); err == nil {
			t.Errorf("parseConfig(%q) accepted", bad)
		}
	}
}
