// Package cliargs parses a command line whose flags may come before, between or after its
// other arguments, as operators type them ("tail DIR -n 2" as well as "tail -n 2 DIR").
package cliargs

import "flag"

// Parse parses fs's flags wherever they come among args and returns the other arguments, in
// order; after "--" every argument is one of them. Errors are fs.Parse's.
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
		if used := len(args) - len(left); used > 0 && args[used-1] == "--" {
			return append(rest, left...), nil
		}
		rest = append(rest, left[0])
		args = left[1:]
	}
}
