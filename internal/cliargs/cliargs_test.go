package cliargs_test

import (
	"flag"
	"io"
	"slices"
	"testing"

	"github.com/eventgraph/eventgraph/internal/cliargs"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantN    int
		wantRest []string
		wantErr  bool
	}{
		{name: "flags first", args: []string{"-n", "2", "dir"}, wantN: 2, wantRest: []string{"dir"}},
		{name: "flags after", args: []string{"dir", "-n", "3"}, wantN: 3, wantRest: []string{"dir"}},
		{name: "flags between", args: []string{"a", "-n", "4", "b"}, wantN: 4, wantRest: []string{"a", "b"}},
		{name: "after -- nothing is a flag", args: []string{"a", "--", "-n", "5"}, wantN: 1, wantRest: []string{"a", "-n", "5"}},
		{name: "after -- not even past an argument", args: []string{"a", "--", "b", "-n", "5"}, wantN: 1, wantRest: []string{"a", "b", "-n", "5"}},
		{name: "-- as a flag's value ends nothing", args: []string{"-s", "--", "dir", "-n", "6"}, wantN: 6, wantRest: []string{"dir"}},
		{name: "-- as a flag's value after an argument", args: []string{"a", "-s", "--", "b", "-n", "7"}, wantN: 7, wantRest: []string{"a", "b"}},
		{name: "-- after a bool flag", args: []string{"-v", "--", "-n", "8"}, wantN: 1, wantRest: []string{"-n", "8"}},
		{name: "-- after a flag=value", args: []string{"--s=x", "--", "-n", "9"}, wantN: 1, wantRest: []string{"-n", "9"}},
		{name: "no arguments", args: nil, wantN: 1, wantRest: nil},
		{name: "an unknown flag after an argument", args: []string{"dir", "-x"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := flag.NewFlagSet("t", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			n := fs.Int("n", 1, "")
			fs.String("s", "", "")
			fs.Bool("v", false, "")
			rest, err := cliargs.Parse(fs, tt.args)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if tt.wantErr {
				return
			}
			if *n != tt.wantN || !slices.Equal(rest, tt.wantRest) {
				t.Errorf("n = %d, rest = %q; want %d, %q", *n, rest, tt.wantN, tt.wantRest)
			}
		})
	}
}
