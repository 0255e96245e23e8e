package spec

import (
	"cmp"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/eventgraph/eventgraph/internal/specfmt"
)

// snapshot is a decider's InitialState as the checks that folding left it as it was see
// it: its JSON (render), which a failure's diff shows, and a walk of every value it holds
// (deep), which also sees what JSON leaves out: unexported fields, fields tagged json:"-",
// what a pointer or an interface holds. spare lists the slices it holds with spare
// capacity (see inPlace).
type snapshot struct {
	json, deep string
	spare      []string
}

func takeSnapshot(v any) snapshot {
	var s snapshot
	s.deep = walk("state", reflect.ValueOf(v), map[visit]bool{}, &s.spare)
	slices.Sort(s.spare) // in the order of their paths, not of a map's walk

	if _, err := json.Marshal(v); err == nil { // else render's %#v, which orders NaN keys at random
		s.json = specfmt.Render(v)
	}
	return s
}

// changedTo returns the diff from s to after (- before, + after), or "" when nothing changed.
// Whether it changed is the walks' to say: JSON may differ with nothing changed (a type's own
// MarshalJSON that writes a map in Go's random order), and it is only shown, as the clearer
// diff, when it differs too.
func (s snapshot) changedTo(after snapshot) string {
	switch {
	case s.deep == after.deep:
		return ""
	case s.json != after.json:
		return specfmt.DiffValues(s.json, after.json)
	}
	// JSON does not show the change: show the walks, a line each.
	return specfmt.DiffValues(s.deep, after.deep)
}

// inPlace reports, for a failure, how InitialState lets folds share memory: how a fold
// changed it in place (before and after being snapshots of it taken around the fold), and
// the slices it holds with spare capacity; "" when there is neither.
func inPlace(before, after snapshot) string {
	var msgs []string
	if diff := before.changedTo(after); diff != "" {
		msgs = append(msgs, "InitialState was changed in place (- before, + after); every fold starts from it, so Evolve must build a new state from it (maps and slices made as first needed):\n"+specfmt.Indent(diff))
	}
	if len(before.spare) > 0 {
		msgs = append(msgs, "InitialState holds a slice with spare capacity (len < cap); every fold starts from it, so an append in Evolve writes into the one backing array they share, and folds of different streams overwrite each other's elements. Make it nil, or clip it (slices.Clip) so that len == cap:\n"+specfmt.Indent(strings.Join(before.spare, "\n")))
	}
	return strings.Join(msgs, "\n")
}

// deep renders everything v holds, unexported fields and what pointers point to included.
// It is deterministic: a map's entries are in the order of their rendered keys, then of
// their rendered values (keys such as NaN, or pointers to equal values, render alike), and a
// value shared by two paths is rendered on both. A pointer, map or slice met again within
// itself (a cycle) is shown by its address, and so is a channel or a function.
func deep(v any) string {
	return walk("state", reflect.ValueOf(v), map[visit]bool{}, nil)
}

var locationType = reflect.TypeFor[*time.Location]()

// visit is a pointer, map or slice on the path being walked.
type visit struct {
	ptr  uintptr
	kind reflect.Kind
	len  int // a slice's: slices of one array differ by length
}

// walk renders v, a line for each value it holds, each named by its path from root. onPath
// holds the containers being walked around v, to tell a cycle. When spare is not nil, walk
// appends to it each slice with spare capacity (len < cap) that v holds.
func walk(root string, v reflect.Value, onPath map[visit]bool, spare *[]string) string {
	var b strings.Builder
	walker{b: &b, root: root, onPath: onPath, spare: spare}.value(v, "")
	return b.String()
}

type walker struct {
	b      *strings.Builder
	root   string
	onPath map[visit]bool
	spare  *[]string
}

// enter marks a container as on the path; it reports false for one already on it (a cycle).
func (w walker) enter(v reflect.Value) (visit, bool) {
	k := visit{ptr: v.Pointer(), kind: v.Kind()}
	if v.Kind() == reflect.Slice {
		k.len = v.Len()
	}
	if w.onPath[k] {
		return k, false
	}
	w.onPath[k] = true
	return k, true
}

// value writes v on lines of its own, each prefixed with path.
func (w walker) value(v reflect.Value, path string) {
	line := func(s string) { fmt.Fprintf(w.b, "%s%s = %s\n", w.root, path, s) }
	switch v.Kind() {
	case reflect.Invalid:
		line("nil")
	case reflect.Bool:
		line(strconv.FormatBool(v.Bool()))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		line(strconv.FormatInt(v.Int(), 10))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		line(strconv.FormatUint(v.Uint(), 10))
	case reflect.Float32, reflect.Float64:
		line(strconv.FormatFloat(v.Float(), 'g', -1, 64))
	case reflect.Complex64, reflect.Complex128:
		line(strconv.FormatComplex(v.Complex(), 'g', -1, 128))
	case reflect.String:
		line(strconv.Quote(v.String()))
	case reflect.Pointer:
		if v.Type() == locationType && !v.IsNil() {
			// A time zone by its identity: its insides are a cache that reading a time fills
			// (encoding time.Local's first time set it up), which no fold changed.
			line(fmt.Sprintf("*time.Location %#x", v.Pointer()))
			return
		}
		w.within(v, line, func() { w.value(v.Elem(), path+".*") })
	case reflect.Interface:
		if v.IsNil() {
			line("nil")
			return
		}
		w.value(v.Elem(), path+".("+v.Elem().Type().String()+")")
	case reflect.Struct:
		line(v.Type().String())
		for i := range v.NumField() {
			w.value(v.Field(i), path+"."+v.Type().Field(i).Name)
		}
	case reflect.Slice:
		w.within(v, line, func() {
			if w.spare != nil && v.Len() < v.Cap() {
				*w.spare = append(*w.spare, fmt.Sprintf("%s%s: %s len %d cap %d", w.root, path, v.Type(), v.Len(), v.Cap()))
			}
			w.list(v, path)
		})
	case reflect.Array:
		w.list(v, path)
	case reflect.Map:
		w.within(v, line, func() { w.entries(v, path, line) })
	default: // chan, func, unsafe pointer: their identity
		line(fmt.Sprintf("%s %#x", v.Type(), v.Pointer()))
	}
}

// list writes a slice's or an array's length and then each element.
func (w walker) list(v reflect.Value, path string) {
	fmt.Fprintf(w.b, "%s%s = %s len %d\n", w.root, path, v.Type(), v.Len())
	for i := range v.Len() {
		w.value(v.Index(i), fmt.Sprintf("%s[%d]", path, i))
	}
}

// within walks the pointer, slice or map v with inner, unless it is nil or already on the
// path (a cycle), which line shows instead.
func (w walker) within(v reflect.Value, line func(string), inner func()) {
	if v.IsNil() {
		line("nil")
		return
	}
	k, ok := w.enter(v)
	if !ok {
		line(fmt.Sprintf("(cycle) %s %#x", v.Type(), v.Pointer()))
		return
	}
	defer delete(w.onPath, k)
	inner()
}

// entries writes a map's length and then each entry, ordered by rendered key, then by
// rendered value.
func (w walker) entries(v reflect.Value, path string, line func(string)) {
	line(fmt.Sprintf("%s len %d", v.Type(), v.Len()))
	type entry struct{ key, value string }
	entries := make([]entry, 0, v.Len())
	for it := v.MapRange(); it.Next(); {
		key := strings.TrimSuffix(walk("", it.Key(), w.onPath, nil), "\n")
		key = strings.ReplaceAll(strings.TrimPrefix(key, " = "), "\n", "; ")
		entries = append(entries, entry{key, walk(w.root+path+"["+key+"]", it.Value(), w.onPath, w.spare)})
	}
	slices.SortFunc(entries, func(a, b entry) int {
		return cmp.Or(strings.Compare(a.key, b.key), strings.Compare(a.value, b.value))
	})
	for _, e := range entries {
		w.b.WriteString(e.value)
	}
}
