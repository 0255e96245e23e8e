//go:build linux

package main

import "testing"

func TestFileSystem(t *testing.T) {
	if name, inRAM := fileSystem("/dev/shm"); name != "" && name != "tmpfs" || name == "tmpfs" && !inRAM {
		t.Errorf("/dev/shm: got %q in memory %v", name, inRAM)
	}
	if name, inRAM := fileSystem("/proc"); name != "" || inRAM {
		t.Errorf("/proc: got %q in memory %v, want it unknown", name, inRAM)
	}
}
