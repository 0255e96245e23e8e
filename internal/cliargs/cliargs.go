// Package cliargs parses a command line whose flags may come before, between or after its
// other arguments, as operators type them ("tail DIR -n 2" as well as "tail -n 2 DIR").
package cliargs

import (
	"flag"
	"strings"
)

// Parse parses fs's flags wherever they come among args and returns the other arguments, in
// order; after "--" every argument is one of them ("--" given as a flag's value, as in
// "-s --", is that value). Errors are fs.Parse's.
func Parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		left := fs.Args()
		if len(left) == 0 {
			return rest, nil
		}
		if terminated(fs, args[:len(args)-len(left)]) {
			return append(rest, left...), nil
		}
		rest = append(rest, left[0])
		args = left[1:]
	}
}

// terminated reports whether used, the arguments fs.Parse just took (all flags and their
// values), ends with the "--" that ends the flags rather than with a flag's value "--". It
// steps through them as fs.Parse does.
func terminated(fs *flag.FlagSet, used []string) bool {
	for i := 0; i < len(used); i++ {
		a := used[i]
		if a == "--" {
			return true // where a flag could start: the end of the flags
		}
		name := strings.TrimPrefix(a[1:], "-")
		if strings.Contains(name, "=") {
			continue
		}
		if b, ok := fs.Lookup(name).Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			continue
		}
		i++ // the flag's value, whatever it looks like
	}
	return false
}
