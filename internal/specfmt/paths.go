package specfmt

import (
	"cmp"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// maxPlaces is how many places a report lists before it says that there are more.
const maxPlaces = 10

// place is where two values differ: its path and both values there (text), and whether
// their JSON renderings may not show it (hidden): an unexported field, nil against empty, a
// time's location.
type place struct {
	path   string // "" for the line that says there are more
	text   string
	hidden bool
}

// places lists where want and got differ by reflect.DeepEqual: the path from root
// (root.Items[2].Price, root["key"]) and both values there, as go-cmp names them. It sees
// what JSON does not show (unexported fields, nil against empty, a time's location). It
// lists at most maxPlaces, then that there are more; none when the values are equal.
func places(root string, want, got any) []place {
	d := &differ{seen: map[visitPair]bool{}}
	d.diff(root, false, reflect.ValueOf(want), reflect.ValueOf(got))
	if d.more {
		d.out = append(d.out, place{text: "... and more places"})
	}
	return d.out
}

// nonNil returns vs, or an empty slice when vs is nil: for lists whose nil and empty forms
// are equal, so that a report does not tell them apart.
func nonNil[T any](vs []T) []T {
	if vs == nil {
		return []T{}
	}
	return vs
}

// longLine is the length of a diff's line past which a report names the places the values
// differ at.
const longLine = 100

// DiffReport is a failure's report of want against got, with wantText and gotText their
// renderings: the line diff of the renderings (see DiffValues), preceded by the places the
// values differ, each on a line starting "at " with its path from root and both values
// there, when the diff alone would not show them: when the renderings are the same, when
// one of the places is in what JSON does not show (an unexported field, nil against empty,
// a time's location), when the diff is long enough to be cut short, and when it has a line
// longer than longLine.
func DiffReport(root string, want, got any, wantText, gotText string) string {
	return report(places(root, want, got), lineDiff(strings.Split(wantText, "\n"), strings.Split(gotText, "\n")))
}

// report is a failure's report of a diff (lines marked "  ", "- " and "+ "), cut short
// (see elide), preceded by the places the values differ when the diff would not show them
// (see DiffReport).
func report(ps []place, lines []string) string {
	short := elide(lines)
	show := len(short) < len(lines)
	changed := false
	for _, l := range lines {
		show = show || len(l) > longLine
		changed = changed || !strings.HasPrefix(l, "  ")
	}
	for _, p := range ps {
		show = show || p.hidden
	}
	var b strings.Builder
	if show || !changed {
		for _, p := range ps {
			if p.path != "" {
				b.WriteString("at ")
			}
			b.WriteString(p.text + "\n")
		}
	}
	if !changed {
		// Strip the marks: the lines are the one rendering of both.
		for i, l := range short {
			short[i] = strings.TrimPrefix(l, "  ")
		}
		short = append(short, "(want and got render the same, as above: they differ only in what JSON does not show, at the places above)")
	}
	b.WriteString(strings.Join(short, "\n"))
	return b.String()
}

type visitPair struct {
	a, b uintptr
	t    reflect.Type
}

type differ struct {
	out  []place
	max  int                // places to find, maxPlaces when 0
	more bool               // a place was found beyond them: the walk stops
	seen map[visitPair]bool // pointers, maps and slices compared, once each, as reflect.DeepEqual does: it ends cycles
}

// equal reports whether a and b are equal by reflect.DeepEqual (which a value read through
// an unexported field cannot be given).
func (d *differ) equal(a, b reflect.Value) bool {
	e := &differ{seen: map[visitPair]bool{}, max: 1}
	e.diff("", false, a, b)
	return len(e.out) == 0
}

func (d *differ) add(path string, hidden bool, format string, args ...any) {
	if len(d.out) >= cmp.Or(d.max, maxPlaces) {
		d.more = true
		return
	}
	d.out = append(d.out, place{path: path, text: path + ": " + fmt.Sprintf(format, args...), hidden: hidden})
}

var timeType = reflect.TypeFor[time.Time]()

// listItem matches the path of a list's element: root[n].
var listItem = regexp.MustCompile(`^\w+\[\d+\]$`)

// diff compares a and b as reflect.DeepEqual does, adding each place they differ; hidden
// says that the path is one JSON does not show.
func (d *differ) diff(path string, hidden bool, a, b reflect.Value) {
	if d.more {
		return
	}
	if !a.IsValid() || !b.IsValid() {
		if a.IsValid() != b.IsValid() {
			d.add(path, hidden, "want %s, got %s", short(a), short(b))
		}
		return
	}
	if a.Type() != b.Type() {
		// A list's elements are rendered with their types; other values without.
		sa, sb := short(a), short(b)
		if sa == sb { // such as 1 and int64(1) in interfaces
			sa, sb = TypeNameOf(a.Type())+" "+sa, TypeNameOf(b.Type())+" "+sb
		}
		// A pointer against the value it would point to differs by a * in a rendering.
		pointer := a.Kind() == reflect.Pointer && a.Type().Elem() == b.Type() || b.Kind() == reflect.Pointer && b.Type().Elem() == a.Type()
		if pointer {
			sb += " (a pointer against a value)"
		}
		d.add(path, hidden || pointer || !listItem.MatchString(path), "want %s, got %s", sa, sb)
		return
	}
	if a.Type() == timeType {
		d.times(path, hidden, a, b)
		return
	}
	switch a.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice:
		if a.IsNil() != b.IsNil() {
			// Nil against empty: JSON writes null against [] or {}, or nothing for both
			// with omitempty.
			d.add(path, hidden || a.Kind() != reflect.Pointer && a.Len()+b.Len() == 0, "want %s, got %s", short(a), short(b))
			return
		}
		if a.IsNil() || a.UnsafePointer() == b.UnsafePointer() && (a.Kind() != reflect.Slice || a.Len() == b.Len()) {
			return
		}
		k := visitPair{a.Pointer(), b.Pointer(), a.Type()}
		if d.seen[k] {
			return
		}
		d.seen[k] = true
	}
	switch a.Kind() {
	case reflect.Pointer:
		d.diff(path, hidden, a.Elem(), b.Elem())
	case reflect.Interface:
		if a.IsNil() || b.IsNil() {
			if a.IsNil() != b.IsNil() {
				d.add(path, hidden, "want %s, got %s", short(a), short(b))
			}
			return
		}
		d.diff(path, hidden, a.Elem(), b.Elem())
	case reflect.Struct:
		for i := range a.NumField() {
			f := a.Type().Field(i)
			d.diff(path+"."+f.Name, hidden || !f.IsExported() || f.Tag.Get("json") == "-", a.Field(i), b.Field(i))
		}
	case reflect.Slice, reflect.Array:
		// Aligned, so that one element missing is that, not every element after it
		// differing. A missing element is at its index in want, the others in got.
		for _, s := range align(a.Len(), b.Len(), func(i, j int) bool { return d.equal(a.Index(i), b.Index(j)) }) {
			switch {
			case s.same:
			case s.i >= 0 && s.j >= 0:
				d.diff(fmt.Sprintf("%s[%d]", path, s.j), hidden, a.Index(s.i), b.Index(s.j))
			case s.j < 0:
				d.add(fmt.Sprintf("%s[%d]", path, s.i), hidden, "want %s, got none", oneLine(a.Index(s.i)))
			default:
				d.add(fmt.Sprintf("%s[%d]", path, s.j), hidden, "want none, got %s", oneLine(b.Index(s.j)))
			}
		}
	case reflect.Map:
		for _, k := range sortedKeys(a) {
			at := path + "[" + keyString(k) + "]"
			if bv := b.MapIndex(k); bv.IsValid() {
				d.diff(at, hidden, a.MapIndex(k), bv)
			} else {
				d.add(at, hidden, "want %s, got no entry", oneLine(a.MapIndex(k)))
			}
		}
		for _, k := range sortedKeys(b) {
			if !a.MapIndex(k).IsValid() {
				d.add(path+"["+keyString(k)+"]", hidden, "want no entry, got %s", oneLine(b.MapIndex(k)))
			}
		}
	case reflect.Func:
		if !a.IsNil() || !b.IsNil() {
			d.add(path, true, "want %s, got %s (functions are equal only when both are nil)", short(a), short(b))
		}
	default:
		if !equalScalar(a, b) {
			note := ""
			if (a.Kind() == reflect.Float32 || a.Kind() == reflect.Float64) && a.Float() != a.Float() {
				note = " (NaN equals nothing, itself included)"
			}
			d.add(path, hidden || a.Kind() == reflect.Chan || a.Kind() == reflect.UnsafePointer, "want %s, got %s%s", short(a), short(b), note)
		}
	}
}

func equalScalar(a, b reflect.Value) bool {
	switch a.Kind() {
	case reflect.Bool:
		return a.Bool() == b.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return a.Int() == b.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return a.Uint() == b.Uint()
	case reflect.Float32, reflect.Float64:
		return a.Float() == b.Float()
	case reflect.Complex64, reflect.Complex128:
		return a.Complex() == b.Complex()
	case reflect.String:
		return a.String() == b.String()
	case reflect.Chan, reflect.UnsafePointer:
		return a.Pointer() == b.Pointer()
	}
	return true
}

// short shows a value for a place it differs at: a scalar as Go writes it, a container by
// its type and length, a struct by its type.
func short(v reflect.Value) string {
	if !v.IsValid() {
		return "nil"
	}
	t := TypeNameOf(v.Type())
	switch v.Kind() {
	case reflect.Interface:
		if v.IsNil() {
			return "nil"
		}
		return short(v.Elem())
	case reflect.Pointer:
		if v.IsNil() {
			return "nil " + t
		}
		if v.Elem().Kind() == reflect.Struct {
			return "&" + TypeNameOf(v.Elem().Type()) + "{...}"
		}
		return "&" + short(v.Elem())
	case reflect.Slice, reflect.Map:
		switch {
		case v.IsNil():
			return "nil " + t
		case v.Len() == 0:
			return "empty " + t
		}
		return fmt.Sprintf("%s (len %d)", t, v.Len())
	case reflect.Array:
		return fmt.Sprintf("%s (len %d)", t, v.Len())
	case reflect.Struct:
		if v.Type() == timeType {
			return rawTimeOf(v).time().Format(time.RFC3339Nano)
		}
		return t + "{...}"
	case reflect.String:
		s := strconv.Quote(v.String())
		if len(s) > 80 {
			s = s[:70] + `..." (len ` + strconv.Itoa(v.Len()) + ")"
		}
		return s
	case reflect.Func, reflect.Chan, reflect.UnsafePointer:
		if v.IsNil() {
			return "nil " + t
		}
		return t
	case reflect.Bool:
		return strconv.FormatBool(v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.FormatUint(v.Uint(), 10)
	case reflect.Float32, reflect.Float64:
		return strconv.FormatFloat(v.Float(), 'g', -1, 64)
	}
	return t
}

// oneLine shows a value on one line, its fields and elements included, cut at longLine: an
// element or an entry that one of two values lacks.
func oneLine(v reflect.Value) string {
	var b strings.Builder
	if v.Kind() == reflect.Interface && !v.IsNil() {
		v = v.Elem()
	}
	if v.IsValid() && (v.Kind() == reflect.Struct && v.Type() != timeType || v.Kind() == reflect.Array) {
		b.WriteString(TypeNameOf(v.Type()))
	}
	writeKey(&b, v, 0)
	if s := b.String(); len(s) > longLine {
		return s[:longLine-3] + "..."
	}
	return b.String()
}

// keyString shows a map key in a path: a string quoted, another scalar as Go writes it, a
// struct with its fields ({Level:1 Row:"B"}).
func keyString(k reflect.Value) string {
	var b strings.Builder
	writeKey(&b, k, 0)
	return b.String()
}

func writeKey(b *strings.Builder, k reflect.Value, depth int) {
	if k.Kind() == reflect.Interface && !k.IsNil() {
		k = k.Elem()
	}
	switch {
	case depth > 3:
		b.WriteString("...")
	case k.Kind() == reflect.Struct && k.Type() != timeType:
		b.WriteByte('{')
		for i := range k.NumField() {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(k.Type().Field(i).Name + ":")
			writeKey(b, k.Field(i), depth+1)
		}
		b.WriteByte('}')
	case k.Kind() == reflect.Array:
		b.WriteByte('[')
		for i := range k.Len() {
			if i > 0 {
				b.WriteByte(' ')
			}
			writeKey(b, k.Index(i), depth+1)
		}
		b.WriteByte(']')
	default:
		b.WriteString(short(k))
	}
}

// sortedKeys returns m's keys in the order of their rendering, for a stable report.
func sortedKeys(m reflect.Value) []reflect.Value {
	keys := m.MapKeys()
	names := make(map[int]string, len(keys))
	for i, k := range keys {
		names[i] = keyString(k)
	}
	idx := make([]int, len(keys))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(i, j int) int { return strings.Compare(names[i], names[j]) })
	out := make([]reflect.Value, len(keys))
	for i, j := range idx {
		out[i] = keys[j]
	}
	return out
}

// TypeNameOf is TypeName for a reflect.Type.
func TypeNameOf(t reflect.Type) string {
	return importPath.ReplaceAllString(t.String(), "")
}
