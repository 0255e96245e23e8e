package restaurant

// Cuisine is the kind of food a menu offers.
type Cuisine string

// The cuisines a menu may have.
const (
	General Cuisine = "GENERAL"
	Serbian Cuisine = "SERBIAN"
	Italian Cuisine = "ITALIAN"
	Mexican Cuisine = "MEXICAN"
	Chinese Cuisine = "CHINESE"
	Indian  Cuisine = "INDIAN"
	French  Cuisine = "FRENCH"
)

// Cuisines returns every valid cuisine, in the order of the GraphQL enum.
func Cuisines() []Cuisine {
	return []Cuisine{General, Serbian, Italian, Mexican, Chinese, Indian, French}
}

// Valid reports whether c is one of the Cuisines.
func (c Cuisine) Valid() bool {
	switch c {
	case General, Serbian, Italian, Mexican, Chinese, Indian, French:
		return true
	}
	return false
}

// MenuItem is a dish on a menu. Price is a decimal string such as "8.99", kept as given.
type MenuItem struct {
	MenuItemID string `json:"menuItemId"`
	Name       string `json:"name"`
	Price      string `json:"price"`
}

// Menu is what a restaurant offers.
type Menu struct {
	MenuID    string     `json:"menuId"`
	Cuisine   Cuisine    `json:"cuisine"`
	MenuItems []MenuItem `json:"menuItems"`
}

// Clone returns a deep copy of m, so the copy's items can be changed without changing m's.
func (m Menu) Clone() Menu {
	m.MenuItems = CloneItems(m.MenuItems)
	return m
}

// Item returns the menu's item with the given id.
func (m Menu) Item(id string) (MenuItem, bool) {
	for _, it := range m.MenuItems {
		if it.MenuItemID == id {
			return it, true
		}
	}
	return MenuItem{}, false
}

// CloneItems returns a copy of items (nil for nil).
func CloneItems(items []MenuItem) []MenuItem {
	if items == nil {
		return nil
	}
	return append([]MenuItem(nil), items...)
}
