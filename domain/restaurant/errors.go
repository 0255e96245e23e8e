package restaurant

import (
	"errors"
	"fmt"
	"strings"
)

// ErrMenuItemsNotAvailable means an order lists items that are not on the restaurant's
// current menu. A *MenuItemsNotAvailableError unwraps to it.
var ErrMenuItemsNotAvailable = errors.New("menu items not available")

// MenuItemsNotAvailableError names the ordered items missing from a restaurant's menu.
type MenuItemsNotAvailableError struct {
	RestaurantID string
	Missing      []string // the missing menu item ids, each once, in order of first mention
}

// Error describes the rejection.
func (e *MenuItemsNotAvailableError) Error() string {
	return fmt.Sprintf("restaurant %q: menu items not available: %s", e.RestaurantID, strings.Join(e.Missing, ", "))
}

// Unwrap makes errors.Is(err, ErrMenuItemsNotAvailable) true.
func (e *MenuItemsNotAvailableError) Unwrap() error { return ErrMenuItemsNotAvailable }
