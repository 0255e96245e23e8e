package spec

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// snapshot is a decider's InitialState as the checks that folding left it as it was see
// it: its JSON (render), which a failure's diff shows, and a walk of every value it holds
// (deep), which also sees what JSON leaves out: unexported fields, fields tagged json:"-",
// what a pointer or an interface holds.
type snapshot struct{ json, deep string }

func takeSnapshot(v any) snapshot { return snapshot{json: render(v), deep: deep(v)} }

// changedTo returns the diff from s to after (- before, + after), or "" when nothing changed.
func (s snapshot) changedTo(after snapshot) string {
	switch {
	case s.json != after.json:
		return diffValues(s.json, after.json)
	case s.deep != after.deep:
		// JSON does not show the change: show the walks, a line each.
		return diffValues(s.deep, after.deep)
	}
	return ""
}

// deep renders everything v holds, unexported fields and what pointers point to included,
// with a map's entries in the order of their rendered keys. A pointer met again on the way
// (a cycle, or a value shared) is shown by its address; a channel or a function by its
// identity.
func deep(v any) string {
	return walk("state", reflect.ValueOf(v))
}

// walk renders v, a line for each value it holds, each named by its path from root.
func walk(root string, v reflect.Value) string {
	var b strings.Builder
	walker{b: &b, root: root, seen: map[uintptr]bool{}}.value(v, "")
	return b.String()
}

type walker struct {
	b    *strings.Builder
	root string
	seen map[uintptr]bool // the pointers followed
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
		switch {
		case v.IsNil():
			line("nil")
		case w.seen[v.Pointer()]:
			line(fmt.Sprintf("(seen) %#x", v.Pointer()))
		default:
			w.seen[v.Pointer()] = true
			w.value(v.Elem(), path+".*")
		}
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
		if v.IsNil() {
			line("nil")
			return
		}
		fallthrough
	case reflect.Array:
		line(fmt.Sprintf("%s len %d", v.Type(), v.Len()))
		for i := range v.Len() {
			w.value(v.Index(i), fmt.Sprintf("%s[%d]", path, i))
		}
	case reflect.Map:
		if v.IsNil() {
			line("nil")
			return
		}
		line(fmt.Sprintf("%s len %d", v.Type(), v.Len()))
		type entry struct {
			key string
			v   reflect.Value
		}
		entries := make([]entry, 0, v.Len())
		for it := v.MapRange(); it.Next(); {
			key := strings.TrimSuffix(walk("", it.Key()), "\n")
			key = strings.ReplaceAll(strings.TrimPrefix(key, " = "), "\n", "; ")
			entries = append(entries, entry{key, it.Value()})
		}
		slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.key, b.key) })
		for _, e := range entries {
			w.value(e.v, path+"["+e.key+"]")
		}
	default: // chan, func, unsafe pointer: their identity
		line(fmt.Sprintf("%s %#x", v.Type(), v.Pointer()))
	}
}
