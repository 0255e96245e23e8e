package specfmt

import (
	"fmt"
	"reflect"
	"strings"
)

// maxAlign is the most pairs of elements align compares by a longest common subsequence:
// past it, it pairs the elements by index.
const maxAlign = 1 << 16

// step is a step of an alignment of two lists: an element of both, equal (same) or not, or
// an element of want alone (j < 0), or of got alone (i < 0).
type step struct {
	i, j int
	same bool
}

// align aligns lists of n and m elements, so that a missing or an extra element shows as
// that rather than as every element after it differing: by a longest common subsequence of
// the elements eq says are equal, between them the unequal ones paired in order, and what
// is left over of either alone. Past maxAlign pairs it aligns by index.
func align(n, m int, eq func(i, j int) bool) []step {
	pre := 0
	for pre < n && pre < m && eq(pre, pre) {
		pre++
	}
	suf := 0
	for suf < n-pre && suf < m-pre && eq(n-1-suf, m-1-suf) {
		suf++
	}
	var out []step
	for k := range pre {
		out = append(out, step{k, k, true})
	}
	a, b := n-pre-suf, m-pre-suf
	if a*b > maxAlign {
		var run []step
		for k := range max(a, b) {
			switch {
			case k < a && k < b:
				run = append(run, step{pre + k, pre + k, eq(pre+k, pre+k)})
			case k < a:
				run = append(run, step{pre + k, -1, false})
			default:
				run = append(run, step{-1, pre + k, false})
			}
		}
		out = append(out, run...)
	} else {
		// lcs[x][y] is the length of the longest common subsequence of the middles from x and y.
		lcs := make([][]int, a+1)
		for x := range lcs {
			lcs[x] = make([]int, b+1)
		}
		same := make([][]bool, a)
		for x := a - 1; x >= 0; x-- {
			same[x] = make([]bool, b)
			for y := b - 1; y >= 0; y-- {
				if same[x][y] = eq(pre+x, pre+y); same[x][y] {
					lcs[x][y] = lcs[x+1][y+1] + 1
				} else {
					lcs[x][y] = max(lcs[x+1][y], lcs[x][y+1])
				}
			}
		}
		var dels, ins []int // since the last equal pair
		flush := func() {
			for k := range max(len(dels), len(ins)) {
				switch {
				case k < len(dels) && k < len(ins):
					out = append(out, step{dels[k], ins[k], false})
				case k < len(dels):
					out = append(out, step{dels[k], -1, false})
				default:
					out = append(out, step{-1, ins[k], false})
				}
			}
			dels, ins = dels[:0], ins[:0]
		}
		x, y := 0, 0
		for x < a || y < b {
			switch {
			case x < a && y < b && same[x][y]:
				flush()
				out = append(out, step{pre + x, pre + y, true})
				x, y = x+1, y+1
			case y == b || (x < a && lcs[x+1][y] >= lcs[x][y+1]):
				dels = append(dels, pre+x)
				x++
			default:
				ins = append(ins, pre+y)
				y++
			}
		}
		flush()
	}
	for k := range suf {
		out = append(out, step{n - suf + k, m - suf + k, true})
	}
	return out
}

// DiffList is DiffReport for two lists of values (a decider's events, a saga's commands),
// each element rendered with its index (see RenderList): the elements are aligned (see
// align), so that a missing or an extra one shows as that, and an element that differs is
// diffed line by line. A removed element is numbered as in want; the others as in got.
func DiffList[T any](root string, want, got []T) string {
	steps := align(len(want), len(got), func(i, j int) bool { return reflect.DeepEqual(want[i], got[j]) })
	item := func(k int, v T) []string { return strings.Split(fmt.Sprintf("[%d] %s", k, Render(v)), "\n") }
	var lines []string
	mark := func(prefix string, ls []string) {
		for _, l := range ls {
			lines = append(lines, prefix+l)
		}
	}
	if len(want) == 0 {
		lines = append(lines, "- (none)")
	}
	for _, s := range steps {
		switch {
		case s.same:
			mark("  ", item(s.j, got[s.j]))
		case s.i >= 0 && s.j >= 0 && reflect.TypeOf(want[s.i]) == reflect.TypeOf(got[s.j]):
			lines = append(lines, lineDiff(item(s.j, want[s.i]), item(s.j, got[s.j]))...)
		case s.i >= 0 && s.j >= 0: // of two types: one for the other, not a field's change
			mark("- ", item(s.i, want[s.i]))
			mark("+ ", item(s.j, got[s.j]))
		case s.j < 0:
			mark("- ", item(s.i, want[s.i]))
		default:
			mark("+ ", item(s.j, got[s.j]))
		}
	}
	if len(got) == 0 {
		lines = append(lines, "+ (none)")
	}
	return report(places(root, nonNil(want), nonNil(got)), lines)
}
