package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"strings"
)

// profiler writes one CPU profile per case into a directory (when dir is set).
type profiler struct {
	dir string
}

// profileName is the file of a case's profile.
func profileName(kind, key string, n int) string {
	return fmt.Sprintf("%s-%s-%d.pprof", kind, key, n)
}

// around profiles f into the case's file when profiling is on.
func (p profiler) around(name string, f func() error) error {
	if p.dir == "" {
		return f()
	}
	if err := os.MkdirAll(p.dir, 0o755); err != nil {
		return err
	}
	out, err := os.Create(filepath.Join(p.dir, name))
	if err != nil {
		return err
	}
	defer out.Close()
	if err := pprof.StartCPUProfile(out); err != nil {
		return err
	}
	err = f()
	pprof.StopCPUProfile()
	return err
}

// hotPath is a case whose profile the report summarises.
type hotPath struct {
	title string
	file  string
}

func hotPaths() []hotPath {
	return []hotPath{
		{"append: JSONL durable, 16 writers", profileName("write", keyJSONL, 16)},
		{"append: JSONL no sync, 1 writer", profileName("write", keyJSONLNoSync, 1)},
		{"append: memory store, 1 writer", profileName("write", keyMemory, 1)},
		{"ReadStream: JSONL", profileName("read", keyJSONL, 0)},
		{"GraphQL mutations (fold/decide, JSON, execution), memory store, 16 clients", profileName("api", keyAPIMemory, 16)},
		{"GraphQL mutations, JSONL durable, 64 clients", profileName("api", keyAPIJSONL, 64)},
		{"subscription fan-out", profileName("fanout", "ws", 0)},
		{"soak: what the live heap holds at the end (in-use bytes, not CPU)", "soak-heap.pprof"},
	}
}

// topFunctions returns `go tool pprof -top` of a profile, trimmed to n functions, or "" when
// the profile or the go tool is not available.
func topFunctions(file string, n int) string {
	if _, err := os.Stat(file); err != nil {
		return ""
	}
	var out bytes.Buffer
	cmd := exec.Command("go", "tool", "pprof", "-top", fmt.Sprintf("-nodecount=%d", n), file)
	cmd.Stdout = &out
	if err := cmd.Run(); err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	for i, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "flat") {
			return strings.Join(lines[i:], "\n")
		}
	}
	return strings.Join(lines, "\n")
}
