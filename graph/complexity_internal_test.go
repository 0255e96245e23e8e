package graph

import (
	"math"
	"reflect"
	"strings"
	"testing"
)

func TestListCost(t *testing.T) {
	tests := []struct {
		name     string
		child, n int
		want     int
	}{
		{"the field and its selection once per item", 3, 500, 1 + 500*3},
		{"an empty selection", 0, 500, 1},
		{"a list that holds nothing", 7, 0, 1},
		{"the largest product that fits", (math.MaxInt - 1) / 500, 500, 1 + 500*((math.MaxInt-1)/500)},
		// An overflow would wrap to a cost below any limit.
		{"a product beyond int saturates", (math.MaxInt-1)/500 + 1, 500, math.MaxInt},
		{"a huge selection saturates", math.MaxInt, 2, math.MaxInt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := listCost(tt.child, tt.n); got != tt.want {
				t.Fatalf("listCost(%d, %d) = %d, want %d", tt.child, tt.n, got, tt.want)
			}
		})
	}
}

func TestPageLength(t *testing.T) {
	n := func(i int) *int { return &i }
	tests := []struct {
		name  string
		first *int
		want  int
	}{
		{"first not given: the default page", nil, 20},
		{"first given", n(7), 7},
		{"first beyond the largest page: the largest page", n(math.MaxInt), 100},
		{"first not positive (refused by the resolver): the default page", n(-5), 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := pageLength(tt.first, 20, 100); got != tt.want {
				t.Fatalf("got %d, want %d", got, tt.want)
			}
		})
	}
}

// TestCostReadsArguments: costReadsArguments names exactly the fields whose cost functions
// in complexityRoot take arguments besides the selection's cost. A field it missed would
// be priced without its arguments (a page of first: 100 as the default page).
func TestCostReadsArguments(t *testing.T) {
	root := reflect.ValueOf(complexityRoot(1, eventReads{}))
	found := 0
	for i := range root.NumField() {
		object := root.Type().Field(i).Name
		fields := root.Field(i)
		for j := range fields.NumField() {
			f := fields.Type().Field(j)
			name := strings.ToLower(f.Name[:1]) + f.Name[1:]
			reads := f.Type.Kind() == reflect.Func && !fields.Field(j).IsNil() && f.Type.NumIn() > 1
			if reads {
				found++
			}
			if got := costReadsArguments(object, name); got != reads {
				t.Errorf("costReadsArguments(%q, %q) = %v, want %v", object, name, got, reads)
			}
		}
	}
	if found == 0 {
		t.Fatal("no cost function reads arguments: the test reads ComplexityRoot wrongly")
	}
}
