package layering_test

import (
	"go/build"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/eventgraph/eventgraph"

// root is the module's directory, from this package's.
const root = "../.."

// TestLayering checks, for each package, every package of the module it depends on
// (directly or not, test files left out) against what its layer may use. A pattern ending
// in "/..." matches a directory and everything under it.
func TestLayering(t *testing.T) {
	tests := []struct {
		pkg   string
		allow []string
	}{
		{"decider", nil},
		// The specs of pure code stay pure: a decider's tests link no store.
		{"decider/spec", []string{"decider", "internal/specfmt"}},
		{"domain/restaurant", []string{"decider", "domain/internal/..."}},
		{"domain/order", []string{"decider", "domain/restaurant", "domain/internal/..."}},
		{"store", []string{"internal/..."}},
		{"store/memory", []string{"store", "internal/..."}},
		{"store/jsonl", []string{"store", "internal/..."}},
		{"store/postgres", []string{"store", "internal/..."}},
		{"store/storetest", []string{"store", "internal/..."}},
		{"eventsourcing", []string{"decider", "store", "internal/..."}},
		{"eventsourcing/projectionspec", []string{"decider", "store", "store/memory", "eventsourcing", "internal/..."}},
		{"readmodel", []string{"decider", "domain/...", "store", "eventsourcing", "internal/..."}},
		{"service", []string{"decider", "domain/...", "store", "eventsourcing", "readmodel", "internal/..."}},
		{"graph", []string{"decider", "domain/...", "store", "eventsourcing", "readmodel", "service", "graph/...", "internal/..."}},
	}
	for _, tt := range tests {
		t.Run(tt.pkg, func(t *testing.T) {
			for _, dep := range deps(t, tt.pkg) {
				if !slices.ContainsFunc(tt.allow, func(p string) bool { return matches(p, dep) }) {
					t.Errorf("%s depends on %s, which its layer may not use (allowed: %v)", tt.pkg, dep, tt.allow)
				}
			}
		})
	}
}

// TestLayering_catchesAViolation: the walk finds what a package imports through another
// (readmodel reaches store through eventsourcing), so a rule cannot pass for want of a
// walk.
func TestLayering_catchesAViolation(t *testing.T) {
	got := deps(t, "readmodel")
	for _, want := range []string{"eventsourcing", "store", "decider", "domain/order"} {
		if !slices.Contains(got, want) {
			t.Errorf("the dependencies of readmodel lack %s: %v", want, got)
		}
	}
}

// deps returns the packages of the module that pkg (a path within it) depends on, directly
// or not, through its non-test Go files, sorted, as paths within the module.
func deps(t *testing.T, pkg string) []string {
	t.Helper()
	seen := map[string]bool{}
	var walk func(p string)
	walk = func(p string) {
		bp, err := build.ImportDir(filepath.Join(root, filepath.FromSlash(p)), 0)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		for _, imp := range bp.Imports {
			rel, ok := strings.CutPrefix(imp, module+"/")
			if !ok || seen[rel] {
				continue
			}
			seen[rel] = true
			walk(rel)
		}
	}
	walk(pkg)
	out := make([]string, 0, len(seen))
	for p := range seen {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// matches reports whether pkg matches pattern: the same path, or one under pattern's
// directory when pattern ends in "/...".
func matches(pattern, pkg string) bool {
	if dir, ok := strings.CutSuffix(pattern, "/..."); ok {
		return pkg == dir || strings.HasPrefix(pkg, dir+"/")
	}
	return pattern == pkg
}
