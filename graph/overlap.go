package graph

import (
	"math"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/validator/core"
	"github.com/vektah/gqlparser/v2/validator/rules"
)

// maxFieldComparisons bounds the comparisons validation may make between fields of one
// response name (see boundedOverlaps): at some 100 ns each, a tenth of a second. The queries
// clients write repeat a response name a few times at most (a field asked for again in a
// fragment), and cost a few hundred.
const maxFieldComparisons = 1_000_000

// boundedOverlaps is gqlparser's OverlappingFieldsCanBeMerged, run only on documents whose
// comparisons stay within maxFieldComparisons. That rule compares every two fields of one
// response name in a selection set, and their selections with each other, field by field: a
// body of 8,000 "a: status { head }" took 13 s to validate, one of 40,000 more than a minute,
// a core each, past the request's deadline. Counting the comparisons first takes time
// linear in the document for the documents clients send; a document over the bound is
// refused (COMPLEXITY_LIMIT_EXCEEDED, see presenter) without them. The rule has the name of
// gqlparser's, which it replaces.
var boundedOverlaps = core.Rule{
	Name: rules.OverlappingFieldsCanBeMergedRule.Name,
	RuleFunc: func(observers *core.Events, addError core.AddErrFunc) {
		checked := false
		check := func(w *core.Walker) {
			if checked {
				return
			}
			checked = true
			est := newOverlapEstimate(w.Document)
			if cost, ok := est.document(); !ok {
				addError(core.Message("the operation repeats response names too often to validate: comparing the fields of each name takes more than %d steps (%d counted); give repeated fields aliases of their own", maxFieldComparisons, cost),
					func(err *gqlerror.Error) { err.Rule = fieldComparisonLimit })
				return
			}
			// The rule's own observers, on a walk of their own (the walk sets what the
			// rule reads, as the shared one does).
			inner := &core.Events{}
			rules.OverlappingFieldsCanBeMergedRule.RuleFunc(inner, addError)
			core.Walk(w.Schema, w.Document, inner)
		}
		observers.OnOperation(func(w *core.Walker, _ *ast.OperationDefinition) { check(w) })
		observers.OnFragment(func(w *core.Walker, _ *ast.FragmentDefinition) { check(w) })
	},
}

// fieldComparisonLimit is the rule named by boundedOverlaps' refusal (gqlerror.Error.Rule,
// which clients do not see), so that the presenter gives it its code.
const fieldComparisonLimit = "FieldComparisonLimit"

// fieldStats describes the fields of one response name in a selection set: how many, and
// the number of fields in their selections, in total.
type fieldStats struct{ n, size int }

// overlapEstimate counts the comparisons OverlappingFieldsCanBeMerged makes in a document,
// or more: within each selection set (through inline fragments), every two fields of one
// name, each such pair costing the product of their selections' sizes; and between the set
// and each fragment it reaches, and between those fragments, every two fields of one name.
// It stops counting past maxFieldComparisons, so it costs at most about that many steps.
type overlapEstimate struct {
	doc       *ast.QueryDocument
	fieldSize map[*ast.Field]int // the fields in a field's selection, and itself
	fragments map[string]*ast.FragmentDefinition
	fields    map[string]map[string]fieldStats     // a fragment's own fields by response name
	spreads   map[string][]string                  // the fragments a fragment spreads
	sizes     map[string]int                       // the fields in a fragment, nested ones included
	nested    map[*ast.FragmentDefinition][]string // the fragments a fragment spreads anywhere in it
	cost      int
}

func newOverlapEstimate(doc *ast.QueryDocument) *overlapEstimate {
	e := &overlapEstimate{
		fragments: make(map[string]*ast.FragmentDefinition, len(doc.Fragments)),
		fields:    map[string]map[string]fieldStats{},
		spreads:   map[string][]string{},
		sizes:     map[string]int{},
		fieldSize: map[*ast.Field]int{},
		nested:    map[*ast.FragmentDefinition][]string{},
	}
	for _, f := range doc.Fragments {
		if _, ok := e.fragments[f.Name]; !ok {
			e.fragments[f.Name] = f
		}
	}
	e.doc = doc
	return e
}

// document returns the count for the whole document and whether it is within the bound.
func (e *overlapEstimate) document() (int, bool) {
	for _, op := range e.doc.Operations {
		var pairs int
		e.sets(op.SelectionSet, &pairs, &pairs, &pairs)
	}
	fieldPairs := make(map[*ast.FragmentDefinition]int, len(e.doc.Fragments))
	inlinePairs := make(map[*ast.FragmentDefinition]int, len(e.doc.Fragments))
	for _, f := range e.doc.Fragments {
		var top, fields, inline int
		e.sets(f.SelectionSet, &top, &fields, &inline)
		fieldPairs[f], inlinePairs[f] = fields, inline
	}
	if e.cost > maxFieldComparisons {
		return e.cost, false
	}
	// The rule compares the fields within a selection set each time the walk visits the set,
	// and the walk visits a fragment's sets once for each operation that reaches the fragment
	// (those under inline fragments once more for each fragment definition that does, its
	// own included), not once: the sets above are counted once, here the other visits.
	ops, frags := e.reach()
	for _, f := range e.doc.Fragments {
		e.add(mul(ops[f]-1, fieldPairs[f]), mul(ops[f]+frags[f]-1, inlinePairs[f]))
		if e.cost > maxFieldComparisons {
			break
		}
	}
	return e.cost, e.cost <= maxFieldComparisons
}

// reach returns, for each fragment definition, the number of operations whose walk (that
// of core.Walk) reaches it and the number of fragment definitions whose walk does, its own
// included.
func (e *overlapEstimate) reach() (ops, frags map[*ast.FragmentDefinition]int) {
	ops = map[*ast.FragmentDefinition]int{}
	frags = map[*ast.FragmentDefinition]int{}
	visit := func(set ast.SelectionSet, count map[*ast.FragmentDefinition]int) {
		seen := map[string]bool{}
		stack := e.allSpreads(set)
		for len(stack) > 0 {
			name := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if seen[name] {
				continue
			}
			seen[name] = true
			f := e.fragments[name]
			count[f]++
			stack = append(stack, e.fragmentSpreads(f)...)
		}
	}
	for _, op := range e.doc.Operations {
		visit(op.SelectionSet, ops)
	}
	for _, f := range e.doc.Fragments {
		frags[f]++
		visit(f.SelectionSet, frags)
	}
	return ops, frags
}

// fragmentSpreads returns the names of the defined fragments f spreads anywhere in it.
func (e *overlapEstimate) fragmentSpreads(f *ast.FragmentDefinition) []string {
	names, ok := e.nested[f]
	if !ok {
		names = e.allSpreads(f.SelectionSet)
		e.nested[f] = names
	}
	return names
}

// allSpreads returns the names of the defined fragments spread anywhere in set.
func (e *overlapEstimate) allSpreads(set ast.SelectionSet) []string {
	var names []string
	var walk func(ast.SelectionSet)
	walk = func(set ast.SelectionSet) {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				walk(s.SelectionSet)
			case *ast.InlineFragment:
				walk(s.SelectionSet)
			case *ast.FragmentSpread:
				if _, ok := e.fragments[s.Name]; ok {
					names = append(names, s.Name)
				}
			}
		}
	}
	walk(set)
	return names
}

// sets counts the comparisons within set and within each selection set nested in it (not
// through fragment spreads: each fragment's own are counted once, by document). It adds
// those between the fields of each set to pairs for set itself, to fieldPairs for a set
// of a field's and to inlinePairs for one of an inline fragment's.
func (e *overlapEstimate) sets(set ast.SelectionSet, pairs, fieldPairs, inlinePairs *int) {
	if e.cost > maxFieldComparisons {
		return
	}
	*pairs = addCost(*pairs, e.within(set))
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			e.sets(s.SelectionSet, fieldPairs, fieldPairs, inlinePairs)
		case *ast.InlineFragment:
			e.sets(s.SelectionSet, inlinePairs, fieldPairs, inlinePairs)
		}
	}
}

// within counts the comparisons within set: its fields with each other and its fragment
// spreads with each other, its fields with those of every fragment it reaches, and those
// fragments' fields with each other. It returns the first two, which the rule makes again
// at each visit of set (the others it makes once).
func (e *overlapEstimate) within(set ast.SelectionSet) int {
	own := map[string]fieldStats{}
	var spread []string
	spreads := e.collect(set, own, &spread, map[string]bool{})
	// The rule steps through every two fragment spreads of the set, those of one fragment
	// included (each comparison it then skips).
	pairs := mul(spreads, spreads-1) / 2
	for _, st := range own {
		if st.n > 1 {
			for _, c := range []int{mul(st.n, st.n-1) / 2, mul(st.n, st.size), mul(st.size, st.size) / 2} {
				pairs = addCost(pairs, c)
			}
		}
	}
	e.add(pairs)
	// The fragments set reaches, each once.
	reached := map[string]bool{}
	for i := 0; i < len(spread) && e.cost <= maxFieldComparisons; i++ {
		name := spread[i]
		if reached[name] {
			continue
		}
		reached[name] = true
		e.cross(own, e.fragmentFields(name))
		spread = append(spread, e.spreads[name]...)
	}
	names := make([]string, 0, len(reached))
	for name := range reached {
		names = append(names, name)
	}
	e.add(mul(len(names), len(names)-1) / 2)
	for i := 0; i < len(names) && e.cost <= maxFieldComparisons; i++ {
		for j := i + 1; j < len(names) && e.cost <= maxFieldComparisons; j++ {
			e.cross(e.fragmentFields(names[i]), e.fragmentFields(names[j]))
		}
	}
	return pairs
}

// cross counts the comparisons between the fields of a and those of b.
func (e *overlapEstimate) cross(a, b map[string]fieldStats) {
	if len(b) < len(a) {
		a, b = b, a
	}
	e.add(len(a))
	for name, x := range a {
		if y, ok := b[name]; ok {
			e.add(mul(x.n, y.n), mul(x.n, y.size), mul(y.n, x.size), mul(x.size, y.size))
		}
	}
}

// collect adds set's fields (through inline fragments) to into by response name, and the
// fragments it spreads, each once, to spread. It returns the number of its fragment spreads,
// each counted.
func (e *overlapEstimate) collect(set ast.SelectionSet, into map[string]fieldStats, spread *[]string, seen map[string]bool) int {
	spreads := 0
	for _, sel := range set {
		e.add(1)
		switch s := sel.(type) {
		case *ast.Field:
			key := s.Alias
			if key == "" {
				key = s.Name
			}
			st := into[key]
			st.n++
			st.size = addCost(st.size, e.sizeOf(s)-1)
			into[key] = st
		case *ast.InlineFragment:
			spreads = addCost(spreads, e.collect(s.SelectionSet, into, spread, seen))
		case *ast.FragmentSpread:
			spreads++
			if _, ok := e.fragments[s.Name]; ok && !seen[s.Name] {
				seen[s.Name] = true
				*spread = append(*spread, s.Name)
			}
		}
	}
	return spreads
}

// fragmentFields returns a fragment's own fields by response name (those of the fragments
// it spreads are compared on their own).
func (e *overlapEstimate) fragmentFields(name string) map[string]fieldStats {
	if fields, ok := e.fields[name]; ok {
		return fields
	}
	fields := map[string]fieldStats{}
	e.fields[name] = fields // guards against a cycle validation refuses
	var spread []string
	e.collect(e.fragments[name].SelectionSet, fields, &spread, map[string]bool{})
	e.spreads[name] = spread
	return fields
}

// size returns the number of fields in set, nested ones and those of the fragments it
// spreads (each once) included.
func (e *overlapEstimate) size(set ast.SelectionSet, seen map[string]bool) int {
	n := 0
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			n = addCost(n, e.sizeOf(s))
		case *ast.InlineFragment:
			n = addCost(n, e.size(s.SelectionSet, seen))
		case *ast.FragmentSpread:
			f, ok := e.fragments[s.Name]
			if !ok || seen[s.Name] {
				continue
			}
			seen[s.Name] = true
			size, ok := e.sizes[s.Name]
			if !ok {
				e.sizes[s.Name] = 0 // guards against a cycle validation refuses
				size = e.size(f.SelectionSet, map[string]bool{s.Name: true})
				e.sizes[s.Name] = size
			}
			n = addCost(n, size)
		}
	}
	return n
}

// sizeOf returns the number of fields in f's selection, nested ones included, plus one.
func (e *overlapEstimate) sizeOf(f *ast.Field) int {
	if n, ok := e.fieldSize[f]; ok {
		return n
	}
	n := addCost(1, e.size(f.SelectionSet, map[string]bool{}))
	e.fieldSize[f] = n
	return n
}

func (e *overlapEstimate) add(costs ...int) {
	for _, c := range costs {
		e.cost = addCost(e.cost, c)
	}
}

// mul is a*b for non-negative counts, at most math.MaxInt.
func mul(a, b int) int {
	if a <= 0 || b <= 0 {
		return 0
	}
	if a > math.MaxInt/b {
		return math.MaxInt
	}
	return a * b
}
