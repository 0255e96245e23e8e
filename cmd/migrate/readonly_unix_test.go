//go:build unix

package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/eventgraph/eventgraph/store/postgres/pgtest"
)

// TestRun_readOnlySource copies a log from a directory the process may only read, as a
// backup on read-only media. Root may write to read-only files anyway, so as root (as in
// CI's containers) migrate runs as a process of an unprivileged user (nobody's id), for
// whom the permissions hold; before, the test skipped as root, and so in CI.
func TestRun_readOnlySource(t *testing.T) {
	url := pgtest.URL(t)
	schema := pgtest.Schema(t, url)
	base := t.TempDir()
	asRoot := os.Geteuid() == 0
	if asRoot {
		// The unprivileged user must reach the log and the test binary.
		for _, d := range []string{filepath.Dir(base), base} {
			if err := os.Chmod(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		// Above those, the temporary directory's own ancestors must let others through.
		for d := filepath.Dir(filepath.Dir(base)); ; d = filepath.Dir(d) {
			if fi, err := os.Stat(d); err != nil || fi.Mode().Perm()&0o001 == 0 {
				t.Fatalf("the unprivileged user cannot pass %s (%v): set TMPDIR to a directory that others may traverse", d, err)
			}
			if d == filepath.Dir(d) {
				break
			}
		}
	}
	dir := filepath.Join(base, "data")
	writeLog(t, dir, 0, 5)
	for _, name := range dirNames(t, dir) {
		if err := os.Chmod(filepath.Join(dir, name), 0o444); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o755) })
	env := map[string]string{"EVENTGRAPH_POSTGRES_URL": url}
	args := []string{"--postgres-schema", schema, "--progress=false", dir}
	var r result
	if asRoot {
		r = runMigrateUnprivileged(t, base, env, args...)
	} else {
		r = runMigrate(t, env, args...)
	}
	if r.code != exitOK || !strings.Contains(r.stdout, "copied 5 events") {
		t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	sameLog(t, dir, url, schema)
}

// unprivileged is the user and group id migrate runs as when the test runs as root: nobody's
// and nogroup's on Linux and the BSDs (no entry in /etc/passwd is needed).
const unprivileged = 65534

// runMigrateUnprivileged runs migrate as a process of the unprivileged user: the test binary,
// copied into dir (which that user can reach), running main (see TestMain), with env as its
// whole environment.
func runMigrateUnprivileged(tb testing.TB, dir string, env map[string]string, args ...string) result {
	tb.Helper()
	self, err := os.Executable()
	if err != nil {
		tb.Fatal(err)
	}
	bin := filepath.Join(dir, "migrate.test")
	copyFile(tb, self, bin, 0o755)
	cmd := exec.CommandContext(tb.Context(), bin, args...)
	cmd.Env = []string{runMainEnv + "=1"}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: unprivileged, Gid: unprivileged}}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	code := 0
	if err := cmd.Run(); err != nil {
		exit, ok := errors.AsType[*exec.ExitError](err)
		if !ok {
			tb.Fatalf("run migrate as user %d: %v", unprivileged, err)
		}
		code = exit.ExitCode()
	}
	return result{code, stdout.String(), stderr.String()}
}

func copyFile(tb testing.TB, from, to string, mode os.FileMode) {
	tb.Helper()
	in, err := os.Open(from)
	if err != nil {
		tb.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		tb.Fatal(err)
	}
	if err := out.Close(); err != nil {
		tb.Fatal(err)
	}
}
