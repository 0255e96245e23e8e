package model

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// The schema's enums are written here rather than generated, so that a value the schema
// does not have is a *ScalarError (BAD_USER_INPUT) like any other bad input. gqlgen's
// generated ones fail with a plain error, which the API could only report as internal; and
// such values do reach them: gqlparser checks an enum in a variable without regard to case,
// so "italian" passed validation, then failed here.

// Cuisine is the schema's enum Cuisine.
type Cuisine string

// The values of Cuisine.
const (
	CuisineGeneral Cuisine = "GENERAL"
	CuisineSerbian Cuisine = "SERBIAN"
	CuisineItalian Cuisine = "ITALIAN"
	CuisineMexican Cuisine = "MEXICAN"
	CuisineChinese Cuisine = "CHINESE"
	CuisineIndian  Cuisine = "INDIAN"
	CuisineFrench  Cuisine = "FRENCH"
)

// AllCuisine lists the values of Cuisine in the schema's order.
var AllCuisine = []Cuisine{
	CuisineGeneral, CuisineSerbian, CuisineItalian, CuisineMexican, CuisineChinese, CuisineIndian, CuisineFrench,
}

// IsValid reports whether e is one of the schema's values, spelt exactly.
func (e Cuisine) IsValid() bool {
	switch e {
	case CuisineGeneral, CuisineSerbian, CuisineItalian, CuisineMexican, CuisineChinese, CuisineIndian, CuisineFrench:
		return true
	}
	return false
}

func (e Cuisine) String() string { return string(e) }

// UnmarshalGQL accepts the name of one of the values, spelt exactly.
func (e *Cuisine) UnmarshalGQL(v any) error {
	s, err := enumValue("Cuisine", v, AllCuisine)
	*e = Cuisine(s)
	return err
}

// MarshalGQL writes e as a JSON string.
func (e Cuisine) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(e))) }

// OrderStatus is the schema's enum OrderStatus.
type OrderStatus string

// The values of OrderStatus.
const (
	OrderStatusCreated  OrderStatus = "CREATED"
	OrderStatusPrepared OrderStatus = "PREPARED"
)

// AllOrderStatus lists the values of OrderStatus in the schema's order.
var AllOrderStatus = []OrderStatus{OrderStatusCreated, OrderStatusPrepared}

// IsValid reports whether e is one of the schema's values, spelt exactly.
func (e OrderStatus) IsValid() bool { return e == OrderStatusCreated || e == OrderStatusPrepared }

func (e OrderStatus) String() string { return string(e) }

// UnmarshalGQL accepts the name of one of the values, spelt exactly.
func (e *OrderStatus) UnmarshalGQL(v any) error {
	s, err := enumValue("OrderStatus", v, AllOrderStatus)
	*e = OrderStatus(s)
	return err
}

// MarshalGQL writes e as a JSON string.
func (e OrderStatus) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(e))) }

// enumValue returns v as one of the values of the enum called name, or a *ScalarError
// that lists them.
func enumValue[E ~string](name string, v any, values []E) (string, error) {
	s, ok := v.(string)
	if ok {
		for _, e := range values {
			if string(e) == s {
				return s, nil
			}
		}
	}
	names := make([]string, len(values))
	for i, e := range values {
		names[i] = string(e)
	}
	got := fmt.Sprintf("%T", v)
	if ok {
		got = strconv.Quote(s)
	}
	return "", &ScalarError{name, fmt.Sprintf("must be one of %s (spelt so), not %s", strings.Join(names, ", "), got)}
}
