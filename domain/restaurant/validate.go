package restaurant

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/eventgraph/eventgraph/decider"
)

// Input limits, as the API documents them.
const (
	MaxIDLength    = 64  // characters of [A-Za-z0-9_.:-] in an id
	MaxNameLength  = 200 // Unicode characters in a trimmed name
	MaxMenuItems   = 500 // items on one menu
	MaxOrderItems  = 100 // items in one order
	maxPriceDigits = 9   // integer digits of a price
)

// ValidateID checks that id is 1–64 characters of [A-Za-z0-9_.:-]; field names the input
// in the returned *decider.ValidationError.
func ValidateID(field, id string) error {
	if id == "" {
		return &decider.ValidationError{Field: field, Reason: "must not be empty"}
	}
	if len(id) > MaxIDLength {
		return &decider.ValidationError{Field: field, Reason: fmt.Sprintf("must be at most %d characters", MaxIDLength)}
	}
	for i := 0; i < len(id); i++ {
		if !idByte(id[i]) {
			return &decider.ValidationError{Field: field, Reason: "may contain only letters, digits and _ . : -"}
		}
	}
	return nil
}

func idByte(b byte) bool {
	switch {
	case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9':
		return true
	}
	return b == '_' || b == '.' || b == ':' || b == '-'
}

// blankLooking are letters and symbols that render as blank space: a name of them alone is
// blank.
var blankLooking = map[rune]bool{
	'\u115f': true, '\u1160': true, '\u3164': true, '\uffa0': true, // Hangul fillers
	'\u2800': true, // braille pattern blank
}

// NormalizeName trims name and checks that it is valid UTF-8 of 1–200 characters, without
// control characters or line breaks (a NUL, a tab, U+2028), and with something to see: a
// letter, a digit, a symbol or a punctuation mark, not only invisible formatting (a
// zero-width space, direction marks), a combining mark with nothing to combine with, or a
// character that renders blank (blankLooking).
func NormalizeName(field, name string) (string, error) {
	if !utf8.ValidString(name) {
		return "", &decider.ValidationError{Field: field, Reason: "must be valid UTF-8"}
	}
	name = strings.TrimSpace(name)
	if name == "" {
		return "", &decider.ValidationError{Field: field, Reason: "must not be blank"}
	}
	visible := false
	for _, r := range name {
		if unicode.IsControl(r) || unicode.In(r, unicode.Zl, unicode.Zp) {
			return "", &decider.ValidationError{Field: field, Reason: fmt.Sprintf("must not contain control characters or line breaks (%U)", r)}
		}
		visible = visible || unicode.In(r, unicode.L, unicode.N, unicode.S, unicode.P) && !blankLooking[r]
	}
	if !visible {
		return "", &decider.ValidationError{Field: field, Reason: "must not be blank (it has no visible character)"}
	}
	if utf8.RuneCountInString(name) > MaxNameLength {
		return "", &decider.ValidationError{Field: field, Reason: fmt.Sprintf("must be at most %d characters", MaxNameLength)}
	}
	return name, nil
}

// ValidatePrice checks that price is a non-negative decimal with at most nine integer
// digits, no leading zero, and at most two fraction digits, such as "0", "8.9" or "8.99".
func ValidatePrice(field, price string) error {
	intPart, frac, hasFrac := strings.Cut(price, ".")
	ok := digits(intPart) && len(intPart) <= maxPriceDigits && (intPart == "0" || intPart[0] != '0')
	if hasFrac {
		ok = ok && digits(frac) && len(frac) <= 2
	}
	if !ok {
		return &decider.ValidationError{Field: field, Reason: `must be a non-negative decimal of at most nine digits before the point, without a leading zero, and at most two after it, such as "8.99" or "0.50"`}
	}
	return nil
}

// digits reports whether s is one or more ASCII digits.
func digits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// NormalizeItem checks a menu item and returns it with its name trimmed.
func NormalizeItem(field string, it MenuItem) (MenuItem, error) {
	if n, ok := normalizeItem(it); ok {
		return n, nil
	}
	if err := ValidateID(field+".menuItemId", it.MenuItemID); err != nil {
		return MenuItem{}, err
	}
	name, err := NormalizeName(field+".name", it.Name)
	if err != nil {
		return MenuItem{}, err
	}
	if err := ValidatePrice(field+".price", it.Price); err != nil {
		return MenuItem{}, err
	}
	it.Name = name
	return it, nil
}

// normalizeItem is NormalizeItem reporting only whether the item is valid. Every menu and
// every order checks its items, and naming the fields of an item (as an error must) costs
// allocations, so they are named only once an item fails.
func normalizeItem(it MenuItem) (MenuItem, bool) {
	if ValidateID("", it.MenuItemID) != nil || ValidatePrice("", it.Price) != nil {
		return it, false
	}
	name, err := NormalizeName("", it.Name)
	if err != nil {
		return it, false
	}
	it.Name = name
	return it, true
}

// NormalizeItems checks items (see NormalizeItem) and returns a copy with their names
// trimmed; an error names the first invalid item field[i].
func NormalizeItems(field string, items []MenuItem) ([]MenuItem, error) {
	out := make([]MenuItem, len(items))
	for i, it := range items {
		n, ok := normalizeItem(it)
		if !ok {
			_, err := NormalizeItem(fmt.Sprintf("%s[%d]", field, i), it)
			return nil, err
		}
		out[i] = n
	}
	return out, nil
}

// NormalizeOrderedItems checks the items of an order, which its restaurant copied from its menu
// (CreateOrder carries those of a RestaurantOrderPlaced), and returns a copy with their names trimmed; an
// error names the first invalid item field[i]. Ids and prices are checked as NormalizeItem does,
// names only by the rules every release has kept (valid UTF-8 of 1–200 characters after
// trimming): releases before 2026-12-04 stored menu item names with a control character or line
// break inside, or with nothing visible, which NormalizeName now refuses as input, and an order
// placed from such a menu must still be created.
func NormalizeOrderedItems(field string, items []MenuItem) ([]MenuItem, error) {
	out := make([]MenuItem, len(items))
	for i, it := range items {
		name, err := normalizeStoredName("", it.Name)
		if err != nil || ValidateID("", it.MenuItemID) != nil || ValidatePrice("", it.Price) != nil {
			f := fmt.Sprintf("%s[%d]", field, i)
			if err := ValidateID(f+".menuItemId", it.MenuItemID); err != nil {
				return nil, err
			}
			if _, err := normalizeStoredName(f+".name", it.Name); err != nil {
				return nil, err
			}
			return nil, ValidatePrice(f+".price", it.Price)
		}
		it.Name = name
		out[i] = it
	}
	return out, nil
}

// normalizeStoredName trims name and checks it by the rules names have been held to since the
// first release: valid UTF-8 of 1–200 characters (see NormalizeOrderedItems).
func normalizeStoredName(field, name string) (string, error) {
	if !utf8.ValidString(name) {
		return "", &decider.ValidationError{Field: field, Reason: "must be valid UTF-8"}
	}
	name = strings.TrimSpace(name)
	if name == "" {
		return "", &decider.ValidationError{Field: field, Reason: "must not be blank"}
	}
	if utf8.RuneCountInString(name) > MaxNameLength {
		return "", &decider.ValidationError{Field: field, Reason: fmt.Sprintf("must be at most %d characters", MaxNameLength)}
	}
	return name, nil
}

// NormalizeMenu checks a menu — an id, a known cuisine, 1–500 valid items with unique ids —
// and returns a copy with the item names trimmed.
func NormalizeMenu(field string, m Menu) (Menu, error) {
	if ValidateID("", m.MenuID) != nil {
		return Menu{}, ValidateID(field+".menuId", m.MenuID)
	}
	if !m.Cuisine.Valid() {
		return Menu{}, &decider.ValidationError{Field: field + ".cuisine", Reason: fmt.Sprintf("unknown cuisine %q", string(m.Cuisine))}
	}
	if n := len(m.MenuItems); n == 0 || n > MaxMenuItems {
		return Menu{}, &decider.ValidationError{Field: field + ".menuItems", Reason: fmt.Sprintf("must have 1 to %d items, has %d", MaxMenuItems, n)}
	}
	items := make([]MenuItem, len(m.MenuItems))
	seen := make(map[string]struct{}, len(m.MenuItems))
	for i, it := range m.MenuItems {
		it, ok := normalizeItem(it)
		if !ok {
			_, err := NormalizeItem(fmt.Sprintf("%s.menuItems[%d]", field, i), m.MenuItems[i])
			return Menu{}, err
		}
		if _, dup := seen[it.MenuItemID]; dup {
			return Menu{}, &decider.ValidationError{Field: fmt.Sprintf("%s.menuItems[%d].menuItemId", field, i), Reason: fmt.Sprintf("duplicate menu item id %q", it.MenuItemID)}
		}
		seen[it.MenuItemID] = struct{}{}
		items[i] = it
	}
	m.MenuItems = items
	return m, nil
}
