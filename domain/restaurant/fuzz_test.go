package restaurant_test

import (
	"regexp"
	"testing"

	"github.com/eventgraph/eventgraph/domain/restaurant"
)

// FuzzValidatePrice checks the hand-written price check against the documented pattern.
func FuzzValidatePrice(f *testing.F) {
	pattern := regexp.MustCompile(`^(0|[1-9][0-9]{0,8})(\.[0-9]{1,2})?$`)
	for _, s := range []string{"0", "8.99", "01", "1.", ".5", "123456789.99", "1234567890", "1.234", "-1", "", "٣", "0.0", "9\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, price string) {
		want := pattern.MatchString(price)
		got := restaurant.ValidatePrice("price", price) == nil
		if got != want {
			t.Errorf("ValidatePrice(%q) accepts = %v, the pattern says %v", price, got, want)
		}
	})
}

// FuzzValidateID checks the id check against the documented pattern.
func FuzzValidateID(f *testing.F) {
	pattern := regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,64}$`)
	for _, s := range []string{"r1", "", "a b", "é", "x:y.z-_", "a\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		if got, want := restaurant.ValidateID("id", id) == nil, pattern.MatchString(id); got != want {
			t.Errorf("ValidateID(%q) accepts = %v, the pattern says %v", id, got, want)
		}
	})
}
