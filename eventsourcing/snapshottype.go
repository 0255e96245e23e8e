package eventsourcing

import (
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// jsonLoss returns why encoding/json does not round-trip a value of type t, naming the part
// it loses (an unexported field, a field tagged json:"-", fields whose JSON names collide,
// what an interface holds) or cannot encode (a function, a channel, a complex number); ""
// when it finds none. A type with its own JSON or text methods is taken at its word, as
// encoding/json calls them: pointer-receiver ones only where the value is addressable (not
// in a map), as the state is encoded through a pointer (encodeState). A snapshot of such a
// state would decode, after a restart, into a state its events never made: the handler
// would decide over it without a word.
func jsonLoss(t reflect.Type) string {
	return lossIn(t, "state", true, map[typeAt]bool{})
}

// typeAt is a type where it is met: addressable or not (see ownCodec).
type typeAt struct {
	t    reflect.Type
	addr bool
}

var (
	jsonMarshaler   = reflect.TypeFor[json.Marshaler]()
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textMarshaler   = reflect.TypeFor[encoding.TextMarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// ownCodec reports whether t encodes and decodes itself, by JSON or by text, where a value
// of it is addressable (addr) or not. Decoding always goes through a pointer.
func ownCodec(t reflect.Type, addr bool) bool {
	p := reflect.PointerTo(t)
	marshals := func(m reflect.Type) bool { return t.Implements(m) || addr && p.Implements(m) }
	return marshals(jsonMarshaler) && p.Implements(jsonUnmarshaler) || marshals(textMarshaler) && p.Implements(textUnmarshaler)
}

func lossIn(t reflect.Type, path string, addr bool, seen map[typeAt]bool) string {
	at := typeAt{t, addr}
	if seen[at] {
		return ""
	}
	seen[at] = true
	if t.Kind() == reflect.Struct {
		if loss := promotedCodec(t, path); loss != "" {
			return loss
		}
	}
	if ownCodec(t, addr) {
		return ""
	}
	if loss := oneWayCodec(t, path, addr); t.Kind() != reflect.Pointer && loss != "" {
		return loss
	}
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice:
		return lossIn(t.Elem(), path+map[reflect.Kind]string{reflect.Pointer: "", reflect.Slice: "[]"}[t.Kind()], true, seen)
	case reflect.Array:
		return lossIn(t.Elem(), path+"[]", addr, seen)
	case reflect.Map:
		return lossIn(t.Elem(), path+"[key]", false, seen) // a map's values are not addressable
	case reflect.Interface:
		return fmt.Sprintf("%s is an interface, whose value encoding/json decodes as a map, a slice, a float64, a string or a bool, not as the type it held", path)
	case reflect.Func, reflect.Chan, reflect.Complex64, reflect.Complex128, reflect.UnsafePointer:
		return fmt.Sprintf("%s is a %s, which encoding/json cannot encode", path, t.Kind())
	case reflect.Struct:
		var fields []jsonField
		if loss := collectFields(t, path, 0, &fields); loss != "" {
			return loss
		}
		if loss := collisions(fields); loss != "" {
			return loss
		}
		for _, f := range fields {
			if loss := lossIn(f.typ, f.path, addr, seen); loss != "" {
				return loss
			}
		}
	}
	return ""
}

// promotedCodec reports a struct whose JSON methods come from a field it embeds (such as
// time.Time): encoding/json then encodes the whole struct as that field alone. A struct that
// declares the methods itself cannot be told from one that inherits them, so a struct with
// other fields beside such an embedded one is reported either way.
func promotedCodec(t reflect.Type, path string) string {
	if t.NumField() < 2 {
		return ""
	}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.Anonymous { // a tag does not stop Go promoting the methods: encoding/json still calls them
			continue
		}
		if ft := f.Type; ft.Implements(jsonMarshaler) || ft.Implements(textMarshaler) ||
			reflect.PointerTo(ft).Implements(jsonMarshaler) || reflect.PointerTo(ft).Implements(textMarshaler) {
			return fmt.Sprintf("%s embeds %s, whose JSON or text methods become its own, so encoding/json writes that field alone (name the field)", path, ft)
		}
	}
	return ""
}

// jsonField is a field encoding/json encodes, found at depth through embedded structs.
type jsonField struct {
	name, path string
	depth      int
	tagged     bool
	typ        reflect.Type
}

// jsonName returns the name a field's json tag gives it, "" when the tag gives none.
func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	return name
}

// collectFields appends t's fields as encoding/json sees them, those of embedded structs
// without a tag name included, or reports a field it leaves out.
func collectFields(t reflect.Type, path string, depth int, out *[]jsonField) string {
	for i := range t.NumField() {
		f := t.Field(i)
		fpath := path + "." + f.Name
		name := jsonName(f)
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		switch {
		case f.Tag.Get("json") == "-":
			return fmt.Sprintf("%s is tagged json:\"-\", so encoding/json leaves it out", fpath)
		case f.Anonymous && name == "" && ft.Kind() == reflect.Struct:
			if !f.IsExported() && f.Type.Kind() == reflect.Pointer {
				return fmt.Sprintf("%s is an embedded pointer to an unexported struct, which encoding/json cannot decode", fpath)
			}
			// Its fields are encoded as the outer struct's, whether or not its type is exported.
			if loss := collectFields(ft, fpath, depth+1, out); loss != "" {
				return loss
			}
		case !f.IsExported():
			return fmt.Sprintf("%s is unexported, so encoding/json leaves it out", fpath)
		default:
			if name == "" {
				name = f.Name
			}
			*out = append(*out, jsonField{name: name, path: fpath, depth: depth, tagged: jsonName(f) != "", typ: f.Type})
		}
	}
	return ""
}

// collisions reports fields that encoding/json leaves out because another has their JSON
// name: one at a shallower depth, or, at the same depth, another with no tag to tell them
// apart (https://pkg.go.dev/encoding/json#Marshal).
func collisions(fields []jsonField) string {
	byName := map[string][]jsonField{}
	for _, f := range fields {
		byName[f.name] = append(byName[f.name], f)
	}
	for _, f := range fields {
		others := byName[f.name]
		if len(others) < 2 {
			continue
		}
		for _, o := range others {
			if o.path == f.path {
				continue
			}
			if o.depth < f.depth || o.depth == f.depth && !(f.tagged && !o.tagged) {
				return fmt.Sprintf("%s has the JSON name %q, as %s does, so encoding/json leaves it out", f.path, f.name, o.path)
			}
		}
	}
	return ""
}

// oneWayCodec reports a type that encoding/json encodes without its methods but decodes with
// them: what is written is not what is read.
func oneWayCodec(t reflect.Type, path string, addr bool) string {
	// Only the case that is always a mismatch: a type with one direction alone (a
	// validating UnmarshalJSON over the plain form, a MarshalJSON that adds a computed
	// field) may well round-trip, which no look at the types can tell.
	p := reflect.PointerTo(t)
	if addr || t.Implements(jsonMarshaler) || t.Implements(textMarshaler) {
		return ""
	}
	if p.Implements(jsonMarshaler) && p.Implements(jsonUnmarshaler) || p.Implements(textMarshaler) && p.Implements(textUnmarshaler) {
		return fmt.Sprintf("%s (%v) has its JSON or text methods on its pointer, which encoding/json does not have here (a value in an interface or a map): it writes the fields and reads them with the methods; use a pointer, or value receivers for the encoding ones", path, t)
	}
	return ""
}
