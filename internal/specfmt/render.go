// Package specfmt formats the failure reports of the given-when-then specs (packages
// decider/spec and eventsourcing/projectionspec): values as their Go type and indented JSON,
// line diffs, errors and how one fails to match another, and the line a spec was written at.
package specfmt

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// Render shows v as its Go type followed by its indented JSON, or %#v when v has no JSON
// form.
func Render(v any) string {
	if v == nil {
		return "<nil>"
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Sprintf("%#v", v)
	}
	return fmt.Sprintf("%s %s", TypeName(v), b)
}

// importPath matches the directories of an import path in a type's name.
var importPath = regexp.MustCompile(`[\w.~-]+/`)

// TypeName is v's type as %T shows it, with the type arguments of a generic type named
// by their packages' names rather than their whole import paths:
// decider.Either[spec_test.add,spec_test.flip].
func TypeName(v any) string {
	return importPath.ReplaceAllString(fmt.Sprintf("%T", v), "")
}

// RenderList shows each value of vs with its index, or "(none)".
func RenderList[T any](vs []T) string {
	if len(vs) == 0 {
		return "(none)"
	}
	var b strings.Builder
	for i, v := range vs {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "[%d] %s", i, Render(v))
	}
	return b.String()
}

// Of a history longer than LongLog events, a failure shows the first and the last Ends.
const (
	LongLog = 40
	Ends    = 10
)

// RenderHistory is RenderList for the events given to a spec, which its test lists: of more
// than LongLog, it shows the first and last Ends, and how many it left out between them.
func RenderHistory[T any](vs []T) string {
	if len(vs) <= LongLog {
		return RenderList(vs)
	}
	head := RenderList(vs[:Ends])
	// RenderList numbers from 0: number the tail from its place in vs.
	var b strings.Builder
	for i, v := range vs[len(vs)-Ends:] {
		fmt.Fprintf(&b, "\n[%d] %s", len(vs)-Ends+i, Render(v))
	}
	return fmt.Sprintf("%s\n... [%d] to [%d]: %d events not shown%s", head, Ends, len(vs)-Ends-1, len(vs)-2*Ends, b.String())
}

// RenderError shows an error with its message and its concrete type, and the fields of
// a structured (pointer to struct) error.
func RenderError(err error) string {
	if err == nil {
		return "<nil>"
	}
	s := fmt.Sprintf("%T: %v", err, err)
	if Structured(err) {
		if b, jerr := json.MarshalIndent(err, "", "  "); jerr == nil {
			s += "\n" + string(b)
		}
	}
	return s
}

// Indent indents every line of s by two spaces.
func Indent(s string) string {
	return "  " + strings.ReplaceAll(s, "\n", "\n  ")
}

// DiffValues is a line diff of want and got: common lines start with "  ", lines only in
// want with "- ", lines only in got with "+ ". When both render the same (values that
// differ only in what JSON does not show, such as nil and empty slices), it says so.
func DiffValues(want, got string) string {
	if want == got {
		return want + "\n(the values render the same but differ, e.g. in nil versus empty slices or unexported fields)"
	}
	diff, _ := diffLines(want, got)
	return diff
}

// diffLines is DiffValues of two renderings that differ; it reports whether it cut the diff
// short (see elide).
func diffLines(want, got string) (string, bool) {
	out := lineDiff(strings.Split(want, "\n"), strings.Split(got, "\n"))
	short := elide(out)
	return strings.Join(short, "\n"), len(short) < len(out)
}

// lineDiff is the line diff of a and b, each line marked "  ", "- " or "+ ".
func lineDiff(a, b []string) []string {
	// The lines before the first difference and after the last are common: the table of
	// common subsequences is of the lines between, which for values that differ in a field
	// or two are a few, however large the values.
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	out := make([]string, 0, len(a)+len(b))
	for _, l := range a[:pre] {
		out = append(out, "  "+l)
	}
	out = append(out, middle(a[pre:len(a)-suf], b[pre:len(b)-suf])...)
	for _, l := range a[len(a)-suf:] {
		out = append(out, "  "+l)
	}
	return out
}

// maxTable is the most cells of the table of common subsequences a diff builds: past it,
// the lines between the first difference and the last are shown as removed and added
// without looking for common ones among them (a table of 30,000 lines each way took 7 GB).
const maxTable = 4_000_000

// middle diffs a and b, lines that begin and end differently, by their longest common
// subsequence, or, when its table would have more than maxTable cells, as all of a
// removed and all of b added.
func middle(a, b []string) []string {
	var out []string
	if len(a)*len(b) > maxTable {
		for _, l := range a {
			out = append(out, "- "+l)
		}
		for _, l := range b {
			out = append(out, "+ "+l)
		}
		return out
	}
	// lcs[i][j] is the length of the longest common subsequence of a[i:] and b[j:].
	lcs := make([][]int, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			out = append(out, "  "+a[i])
			i, j = i+1, j+1
		case j == len(b) || (i < len(a) && lcs[i+1][j] >= lcs[i][j+1]):
			out = append(out, "- "+a[i])
			i++
		default:
			out = append(out, "+ "+b[j])
			j++
		}
	}
	return out
}

// Of a diff longer than longDiff lines, elide keeps the changed lines, context lines of
// the common ones around each, and the lines that open the objects and lists each changed
// line is in (which name the field or the index it is at); it replaces the other common
// lines with a line saying how many there were.
const (
	longDiff = 50
	context  = 3
)

// elide shortens a long diff (see longDiff): a large state that differs in one field
// shows that field among its neighbours, not the whole state.
func elide(lines []string) []string {
	if len(lines) <= longDiff {
		return lines
	}
	keep := make([]bool, len(lines))
	for i, l := range lines {
		if strings.HasPrefix(l, "  ") {
			continue
		}
		for j := max(0, i-context); j <= min(len(lines)-1, i+context); j++ {
			keep[j] = true
		}
		// The lines that open what line i is in: each less indented than the one after it,
		// ending with { or [.
		in := indent(l)
		for j := i - 1; j >= 0 && in > 0; j-- {
			if ij := indent(lines[j]); ij < in {
				if o := strings.TrimRight(lines[j], " "); strings.HasSuffix(o, "{") || strings.HasSuffix(o, "[") {
					keep[j] = true
				}
				in = ij
			}
		}
	}
	var out []string
	for i := 0; i < len(lines); {
		if keep[i] {
			out = append(out, lines[i])
			i++
			continue
		}
		j := i
		for j < len(lines) && !keep[j] {
			j++
		}
		if j-i == 1 {
			out = append(out, lines[i])
		} else {
			out = append(out, fmt.Sprintf("  %s... (%d lines the same)", strings.Repeat(" ", indent(lines[i])), j-i))
		}
		i = j
	}
	return out
}

// indent is the indentation of a diff line's text, after its two-character mark.
func indent(line string) int {
	if len(line) < 2 {
		return 0
	}
	t := line[2:]
	return len(t) - len(strings.TrimLeft(t, " "))
}
