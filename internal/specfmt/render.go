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
	a, b := strings.Split(want, "\n"), strings.Split(got, "\n")
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
	var out []string
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
	return strings.Join(out, "\n")
}
