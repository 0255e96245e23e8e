package main

import (
	"errors"
	"flag"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// flagSyntax matches the errors the flag package reports for a value that does not parse.
var flagSyntax = regexp.MustCompile(`^invalid (?:boolean )?value ("(?:[^"\\]|\\.)*") for (?:flag )?-(\S+): (.*)$`)

// explainFlagError rewrites an error of fs.Parse in the terms of the help: flags with two
// dashes, and for a value that does not parse, what the flag wants (the flag package says
// "parse error").
func explainFlagError(fs *flag.FlagSet, err error) error {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		return fmt.Errorf("unknown flag --%s", strings.TrimPrefix(name, "-"))
	}
	if name, ok := strings.CutPrefix(msg, "flag needs an argument: -"); ok {
		return fmt.Errorf("--%s needs a value", strings.TrimPrefix(name, "-"))
	}
	m := flagSyntax.FindStringSubmatch(msg)
	if m == nil {
		return err
	}
	value, uerr := strconv.Unquote(m[1])
	f := fs.Lookup(m[2])
	if uerr != nil || f == nil {
		return err
	}
	return fmt.Errorf("invalid --%s %q: %s", f.Name, value, valueProblem(f, errors.New(m[3])))
}

// valueProblem says what is wrong with a value f's Set refused with err: what the flag
// wants when the value did not parse as its type, else err's own words.
func valueProblem(f *flag.Flag, err error) string {
	msg := err.Error()
	if !strings.Contains(msg, "parse error") && !strings.Contains(msg, "invalid syntax") && !strings.Contains(msg, "out of range") &&
		!strings.HasPrefix(msg, "time: ") {
		return msg
	}
	g, ok := f.Value.(flag.Getter)
	if !ok {
		return msg
	}
	switch g.Get().(type) {
	case bool:
		return "want true or false"
	case int, int64, uint, uint64:
		if strings.Contains(msg, "out of range") {
			return "out of range"
		}
		return "want a whole number"
	case float64:
		return "want a number"
	case time.Duration:
		return "want a duration such as 250ms, 5s or 1m30s"
	}
	return msg
}
