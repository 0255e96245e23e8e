package graph

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/eventgraph/eventgraph/graph/model"
)

// scalarReaders read a variable's value of a scalar as the field's argument will be read.
var scalarReaders = map[string]func(any) error{
	"String": func(v any) error { _, err := model.UnmarshalString(v); return err },
	"Int":    func(v any) error { _, err := model.UnmarshalInt(v); return err },
	"ID":     func(v any) error { _, err := model.UnmarshalID(v); return err },
	"Int64":  func(v any) error { _, err := model.UnmarshalInt64(v); return err },
	"Time":   func(v any) error { _, err := model.UnmarshalTime(v); return err },
}

// variableTypes is the gqlgen extension that reads every variable, before anything runs, as
// the arguments it fills will be read: a scalar by its reader (graph/model), an enum value as
// spelt in the schema. gqlparser's own check takes the endpoint's json.Number for a string
// and a string of digits for an Int, and lets enum values differ in case, so such a variable
// failed only when its field ran: an error of that field, with data beside it, and 200 even
// to a client that asked for application/graphql-response+json. Refused here, it is a
// request that failed before it ran (BAD_USER_INPUT, no data), as GraphQL's variable
// coercion asks. extensions.field names where, from the variable: in.menu.menuItems[0].price.
type variableTypes struct{ schema *ast.Schema }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = (*variableTypes)(nil)

func (*variableTypes) ExtensionName() string { return "VariableTypes" }

func (v *variableTypes) Validate(s graphql.ExecutableSchema) error {
	v.schema = s.Schema()
	return nil
}

func (v *variableTypes) MutateOperationContext(_ context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	if rc.Operation == nil {
		return nil
	}
	for _, d := range rc.Operation.VariableDefinitions {
		value, ok := rc.Variables[d.Variable]
		if !ok {
			continue
		}
		if where, err := v.check(d.Type, value); err != nil {
			return variableError(d, where, err) // the others: see everyVariable
		}
	}
	return nil
}

// maxListItems bounds a list in a variable. No argument takes a longer one (a menu's 500
// items are the longest), and gqlgen coerces every field's arguments to price it, so a
// list of 100,000 names shared by thousands of aliases was coerced thousands of times
// before the complexity limit refused the request.
const maxListItems = 1000

// listLen returns the length of value when it is a list (a slice), else 0.
func listLen(value any) int {
	if list, ok := value.([]any); ok {
		return len(list)
	}
	if rv := reflect.ValueOf(value); rv.Kind() == reflect.Slice {
		return rv.Len()
	}
	return 0
}

// check reads value as a value of typ. When it fails, it returns why, and where within value
// as path elements from the failing value outwards: built only then, so that a request whose
// variables fit allocates nothing here.
func (v *variableTypes) check(typ *ast.Type, value any) (ast.Path, error) {
	if value == nil {
		return nil, nil // gqlparser has refused a null for a non-null type
	}
	if typ.Elem != nil {
		if n := listLen(value); n > maxListItems {
			return nil, fmt.Errorf("must hold at most %d items, got %d", maxListItems, n)
		}
		if list, ok := value.([]any); ok {
			for i, e := range list {
				if where, err := v.check(typ.Elem, e); err != nil {
					return append(where, ast.PathIndex(i)), err
				}
			}
			return nil, nil
		}
		// gqlparser's coercion makes a single value that stands for a list of one a list of
		// its own type ([]string for "m1").
		if rv := reflect.ValueOf(value); rv.Kind() == reflect.Slice {
			for i := range rv.Len() {
				if where, err := v.check(typ.Elem, rv.Index(i).Interface()); err != nil {
					return append(where, ast.PathIndex(i)), err
				}
			}
			return nil, nil
		}
		return v.check(typ.Elem, value) // a single value stands for a list of one
	}
	def := v.schema.Types[typ.NamedType]
	if def == nil {
		return nil, nil
	}
	switch def.Kind {
	case ast.Scalar:
		if read, ok := scalarReaders[def.Name]; ok {
			if err := read(value); err != nil {
				return nil, err
			}
		}
	case ast.Enum:
		s, isString := value.(string)
		if !isString || def.EnumValues.ForName(s) == nil {
			names := make([]string, len(def.EnumValues))
			for i, e := range def.EnumValues {
				names[i] = e.Name
			}
			got := fmt.Sprintf("%T", value)
			if isString {
				got = strconv.Quote(s)
			}
			return nil, &model.ScalarError{Scalar: def.Name, Reason: fmt.Sprintf("must be one of %s (spelt so), not %s", strings.Join(names, ", "), got)}
		}
	case ast.InputObject:
		fields, ok := value.(map[string]any)
		if !ok {
			return nil, nil // gqlparser has refused it
		}
		for _, f := range def.Fields {
			if fv, ok := fields[f.Name]; ok {
				if where, err := v.check(f.Type, fv); err != nil {
					return append(where, ast.PathName(f.Name)), err
				}
			}
		}
	}
	return nil, nil
}

// variableRefusal turns gqlparser's refusal of a variable's value (GRAPHQL_VALIDATION_FAILED
// with the path ["variable", name, ...]) into the refusal variableTypes makes of the values
// gqlparser lets through: BAD_USER_INPUT naming the field, and a message that says what the
// value must be. gqlparser checks first (gqlgen runs it before any extension), so without
// this an Int of 1.5 was GRAPHQL_VALIDATION_FAILED "cannot use value 0 as Int" while an Int
// of 2^40 was BAD_USER_INPUT. It reports false for every other error.
func variableRefusal(e *gqlerror.Error) (*gqlerror.Error, bool) {
	if len(e.Path) < 2 || e.Path[0] != ast.PathName("variable") || e.Extensions["code"] != errcode.ValidationFailed {
		return nil, false
	}
	var field strings.Builder
	for i, p := range e.Path[1:] {
		switch p := p.(type) {
		case ast.PathName:
			if i > 0 {
				field.WriteByte('.')
			}
			field.WriteString(string(p))
		case ast.PathIndex:
			field.WriteString("[" + strconv.Itoa(int(p)) + "]")
		}
	}
	return &gqlerror.Error{
		Message:    fmt.Sprintf("variable $%s: %s", field.String(), variableReason(e.Message)),
		Extensions: map[string]any{"code": CodeBadUserInput, "field": field.String()},
	}, true
}

// gqlparser's messages that name Go's kinds or a value it did not get.
var (
	// A JSON number that does not fit: gqlparser names the zero or the limit it parsed instead.
	numberMisread = regexp.MustCompile(`^cannot use value -?[0-9.]+ as (Int|Float)$`)
	kindRefused   = regexp.MustCompile(`^cannot use ([a-z0-9]+) as ([A-Za-z0-9_]+)$`)
	kindNotType   = regexp.MustCompile(`^must be a ([A-Za-z0-9_]+), not a ([a-z0-9]+)$`)
)

// intReason is why a number is no Int: gqlparser takes only integers spelt without a fraction
// or an exponent (1.0 and 1e1 too are refused), within 64 bits; the Int reader, 32 bits.
var intReason = fmt.Sprintf("invalid Int: must be an integer from %d to %d, written without a fraction or an exponent", math.MinInt32, math.MaxInt32)

// variableReason says what gqlparser's message says in GraphQL's words rather than Go's.
func variableReason(msg string) string {
	// The endpoint reads a JSON number as a json.Number, which gqlparser calls a string: the
	// value may have been either, so a string is not named.
	if m := numberMisread.FindStringSubmatch(msg); m != nil {
		if m[1] == "Int" {
			return intReason
		}
		return "invalid Float: must be a finite number"
	}
	if m := kindRefused.FindStringSubmatch(msg); m != nil {
		switch {
		case m[1] == "string" && m[2] == "Int":
			return intReason
		case m[1] == "string":
			return "must be " + article(m[2])
		}
		return fmt.Sprintf("must be %s, not %s", article(m[2]), article(jsonKind(m[1])))
	}
	if m := kindNotType.FindStringSubmatch(msg); m != nil {
		if m[2] == "string" {
			return "must be " + article(m[1])
		}
		return fmt.Sprintf("must be %s, not %s", article(m[1]), article(jsonKind(m[2])))
	}
	switch msg {
	case "must be defined":
		return "must be given: its type is non-null"
	case "enums must be ints or strings":
		return "must be a string that names one of the enum's values"
	}
	return msg
}

// jsonKind names a Go kind by the JSON value it was decoded from.
func jsonKind(kind string) string {
	switch kind {
	case "slice", "array":
		return "list"
	case "map", "struct":
		return "object"
	case "bool":
		return "boolean"
	case "string":
		return "string"
	}
	return "number"
}

func article(noun string) string {
	if strings.ContainsAny(noun[:1], "AEIOUaeiou") {
		return "an " + noun
	}
	return "a " + noun
}
