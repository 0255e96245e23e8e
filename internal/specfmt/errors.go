package specfmt

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
)

// Matches reports whether err matches target as the specs' ThenError describes: err is
// target by errors.Is, or, when target is Structured, err's chain holds an error of
// target's type equal to it by reflect.DeepEqual.
func Matches(err, target error) bool {
	if target == nil {
		return false
	}
	if errors.Is(err, target) {
		return true
	}
	if !Structured(target) {
		return false
	}
	want := reflect.TypeOf(target)
	for _, e := range Chain(err) {
		if reflect.TypeOf(e) == want && reflect.DeepEqual(e, target) {
			return true
		}
	}
	return false
}

// Mismatch explains, for a failure report, how err differs from target, which it does not
// match (see Matches): a diff of the two, or of target and the error of its type in err's
// chain when target is structured, with TextOnly's hint; or, when err's chain holds target's
// type only in its other form (a value for a pointer, a pointer for a value), that.
func Mismatch(err, target error) string {
	same := SameType(err, target)
	if same != nil && !Structured(target) && reflect.TypeOf(target).Kind() == reflect.Pointer && RenderError(same) == RenderError(target) {
		// Two such errors that render alike would make a diff without a difference: a
		// pointer without exported fields is a sentinel, the same only if the same pointer.
		return fmt.Sprintf("both are %T, which has no exported fields, so it is matched by errors.Is alone: "+
			"the same pointer, or an error wrapping it with %%w (export its fields to compare them instead)", target)
	}
	if other := OtherForm(err, target); same == nil && other != nil {
		// A pointer where a value is wanted, or the other way round: their texts are alike,
		// and a diff of them would not show the difference.
		form, wantForm, fix := "a value", "a pointer", "want the value (or make the error a pointer)"
		if reflect.TypeOf(other).Kind() == reflect.Pointer {
			form, wantForm, fix = "a pointer", "a value", "want a pointer (or make the error a value)"
		}
		return fmt.Sprintf("the error's chain holds a %s, %s, and the wanted error is a %s, %s: errors.Is and errors.As "+
			"tell them apart, so %s:\n%s",
			TypeName(other), form, TypeName(target), wantForm, fix, Indent(DiffValues(RenderError(target), RenderError(other))))
	}
	got := err
	if same != nil && Structured(target) {
		got = same // compare the fields of the error of target's type
	}
	return "errors differ (- want, + got):\n" + Indent(DiffValues(RenderError(target), RenderError(got))) + TextOnly(err, target)
}

// OtherForm returns the first error in err's chain whose type is target's type's other
// form: T when target is a *T, *T when it is a T; or nil.
func OtherForm(err, target error) error {
	want := reflect.TypeOf(target)
	if want == nil {
		return nil
	}
	for _, e := range Chain(err) {
		t := reflect.TypeOf(e)
		if t.Kind() == reflect.Pointer && t.Elem() == want || want.Kind() == reflect.Pointer && want.Elem() == t {
			return e
		}
	}
	return nil
}

// TextOnly returns a hint for a failure report when err's text holds the text of target, a
// sentinel, but its chain does not hold target: the error was made with %v instead of %w.
func TextOnly(err, target error) string {
	if target == nil || Structured(target) || OtherForm(err, target) != nil || !strings.Contains(err.Error(), target.Error()) {
		return ""
	}
	return "\nthe error's text holds the wanted error's, but the error does not wrap it: make it with fmt.Errorf's %w, not %v, " +
		"so that errors.Is (and so the API's error codes) finds it"
}

// SameType returns the first error in err's chain of target's type, or nil.
func SameType(err, target error) error {
	want := reflect.TypeOf(target)
	for _, e := range Chain(err) {
		if reflect.TypeOf(e) == want {
			return e
		}
	}
	return nil
}

// Structured reports whether err is a struct with exported fields, or a pointer to one.
func Structured(err error) bool {
	t := reflect.TypeOf(err)
	if t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return false
	}
	for _, f := range reflect.VisibleFields(t) {
		if f.IsExported() {
			return true
		}
	}
	return false
}

// Chain lists err and every error it wraps, depth first.
func Chain(err error) []error {
	var out []error
	var walk func(error)
	walk = func(e error) {
		if e == nil {
			return
		}
		out = append(out, e)
		switch u := e.(type) {
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		case interface{ Unwrap() []error }:
			for _, x := range u.Unwrap() {
				walk(x)
			}
		}
	}
	walk(err)
	return out
}
