package specfmt

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// TestDiffValues_largeValues: two renderings of 6,000 lines that differ in one line make a
// short diff and a small table: its table of common subsequences was of every line against
// every other (288 MB here; 7 GB for 30,000 lines, which took half a minute).
func TestDiffValues_largeValues(t *testing.T) {
	var a []string
	for i := range 1000 {
		a = append(a, fmt.Sprintf("%q: {", fmt.Sprint(i)))
		for j := range 4 {
			a = append(a, fmt.Sprintf("  \"f%d\": %d,", j, i))
		}
		a = append(a, "},")
	}
	b := append([]string(nil), a...)
	b[3001] = `  "f0": -1,`
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	diff := DiffValues(strings.Join(a, "\n"), strings.Join(b, "\n"))
	runtime.ReadMemStats(&after)
	if n := after.TotalAlloc - before.TotalAlloc; n > 16<<20 {
		t.Errorf("the diff allocated %d MB; want at most 16", n>>20)
	}
	want := []string{"  ... (2995 lines the same)", `  "500": {`, `-   "f0": 500,`, `+   "f0": -1,`, "  ... (2995 lines the same)"}
	for _, w := range want {
		if !strings.Contains(diff, w) {
			t.Errorf("the diff lacks %q:\n%s", w, diff)
		}
	}
	if n := strings.Count(diff, "\n"); n > 20 {
		t.Errorf("the diff has %d lines; want at most 20:\n%s", n, diff)
	}
}

// TestDiffValues_beyondTheTable: renderings that differ at both ends, too long for the table
// of common subsequences, are shown as removed and added.
func TestDiffValues_beyondTheTable(t *testing.T) {
	var a, b []string
	for i := range 2100 {
		a = append(a, fmt.Sprint(i))
		b = append(b, fmt.Sprint(i))
	}
	a[0], a[len(a)-1] = "first", "last"
	diff := DiffValues(strings.Join(a, "\n"), strings.Join(b, "\n"))
	if !strings.HasPrefix(diff, "- first\n") || !strings.Contains(diff, "+ 0\n") || !strings.HasSuffix(diff, "+ 2099") {
		t.Errorf("diff = %.200s...%s; want all of want removed, all of got added", diff, diff[len(diff)-100:])
	}
}
