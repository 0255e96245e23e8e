//go:build unix

package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/eventgraph/eventgraph/store/jsonl"
)

// TestBinary_startFailures runs the real binary on data directories it cannot use and
// checks its exit status and its one line of reason on stderr. A directory it may not
// write needs a user other than root (root writes anything): run as root, the test runs the
// binary as the unprivileged user 65534 (nobody).
func TestBinary_startFailures(t *testing.T) {
	bin := buildBinary(t)
	asNobody := os.Geteuid() == 0
	root := t.TempDir()
	if asNobody { // nobody must reach the binary and the directories
		// t.TempDir's directories, and the per-test directory above them, are 0700.
		for _, p := range []string{filepath.Dir(bin), filepath.Dir(filepath.Dir(bin)), root, filepath.Dir(root)} {
			if err := os.Chmod(p, 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	readOnly := filepath.Join(root, "read-only")
	if err := os.Mkdir(readOnly, 0o555); err != nil {
		t.Fatal(err)
	}
	locked := filepath.Join(root, "locked")
	st, err := jsonl.Open(locked)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if asNobody {
		// jsonl creates its files 0644 in a 0755 directory: let nobody open them to find the lock.
		if err := os.Chmod(locked, 0o777); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"LOCK", jsonl.LogFile} {
			if err := os.Chmod(filepath.Join(locked, f), 0o666); err != nil {
				t.Fatal(err)
			}
		}
	}

	tests := []struct {
		name string
		data string
		want []string // in the reason line
	}{
		{"a data directory it may not write", readOnly, []string{"permission denied", "may not write " + readOnly}},
		{"a data directory another process holds", locked, []string{"locked", "another eventgraph server or tool has " + locked + " open"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.CommandContext(testCtx(t), bin, "--addr", "127.0.0.1:0", "--data", tt.data)
			cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
			if asNobody {
				cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
			}
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 1 {
				t.Fatalf("exit %v, want status 1; stderr %q", err, stderr.String())
			}
			line := reasonLine(t, stderr.String())
			for _, w := range tt.want {
				if !strings.Contains(line, w) {
					t.Errorf("reason %q does not say %q", line, w)
				}
			}
		})
	}
}
