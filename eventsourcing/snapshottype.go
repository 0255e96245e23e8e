package eventsourcing

import (
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// jsonLoss returns why encoding/json does not round-trip a value of type t, naming the part
// it loses (an unexported field, a field tagged json:"-") or cannot encode (a function, a
// channel, a complex number); "" when it finds none. A type with its own JSON or text
// methods is taken at its word. A snapshot of such a state would decode, after a restart,
// into a state its events never made: the handler would decide over it without a word.
func jsonLoss(t reflect.Type) string {
	return lossIn(t, "state", map[reflect.Type]bool{})
}

var (
	jsonMarshaler   = reflect.TypeFor[json.Marshaler]()
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textMarshaler   = reflect.TypeFor[encoding.TextMarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// ownCodec reports whether t encodes and decodes itself, by JSON or by text.
func ownCodec(t reflect.Type) bool {
	p := reflect.PointerTo(t)
	return (t.Implements(jsonMarshaler) || p.Implements(jsonMarshaler)) && p.Implements(jsonUnmarshaler) ||
		(t.Implements(textMarshaler) || p.Implements(textMarshaler)) && p.Implements(textUnmarshaler)
}

func lossIn(t reflect.Type, path string, seen map[reflect.Type]bool) string {
	if seen[t] || ownCodec(t) {
		return ""
	}
	seen[t] = true
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array:
		return lossIn(t.Elem(), path+map[reflect.Kind]string{reflect.Pointer: "", reflect.Slice: "[]", reflect.Array: "[]"}[t.Kind()], seen)
	case reflect.Map:
		return lossIn(t.Elem(), path+"[key]", seen)
	case reflect.Func, reflect.Chan, reflect.Complex64, reflect.Complex128, reflect.UnsafePointer:
		return fmt.Sprintf("%s is a %s, which encoding/json cannot encode", path, t.Kind())
	case reflect.Struct:
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			fpath := path + "." + f.Name
			switch {
			case name == "-" && f.Tag.Get("json") == "-":
				return fmt.Sprintf("%s is tagged json:\"-\", so a snapshot leaves it out", fpath)
			case f.Anonymous && f.Type.Kind() == reflect.Struct:
				// encoding/json takes an embedded struct's exported fields as the outer's,
				// whether or not the embedded type is exported.
				if loss := lossIn(f.Type, path, seen); loss != "" {
					return loss
				}
			case !f.IsExported():
				return fmt.Sprintf("%s is unexported, so a snapshot leaves it out", fpath)
			default:
				if loss := lossIn(f.Type, fpath, seen); loss != "" {
					return loss
				}
			}
		}
	}
	return ""
}
