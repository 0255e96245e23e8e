package restaurant

import (
	"fmt"

	"github.com/eventgraph/eventgraph/decider"
)

// Decider returns the restaurant decider.
//
// Decide checks, in this order: the command's input (a *decider.ValidationError wrapping
// decider.ErrInvalid); that the restaurant exists, for ChangeRestaurantMenu and PlaceOrder
// (a *decider.NotFoundError); that it does not, for CreateRestaurant, and that the order
// id is new at the restaurant, for PlaceOrder (a *decider.AlreadyExistsError); and that
// every ordered item is on the current menu (a *MenuItemsNotAvailableError). Names are
// stored trimmed; a placed order copies its items from the menu.
//
// Evolve leaves the State it is given as it was, so a fold may branch from any state (see
// State.Orders).
func Decider() decider.Decider[Command, State, Event] {
	return decider.Decider[Command, State, Event]{
		Decide:       decide,
		Evolve:       evolve,
		InitialState: State{},
	}
}

func decide(c Command, s State) ([]Event, error) {
	switch c := c.(type) {
	case CreateRestaurant:
		return create(c, s)
	case ChangeRestaurantMenu:
		return changeMenu(c, s)
	case PlaceOrder:
		return placeOrder(c, s)
	default:
		return nil, fmt.Errorf("restaurant: %w: unknown command %T", decider.ErrInvalid, c)
	}
}

func create(c CreateRestaurant, s State) ([]Event, error) {
	if err := ValidateID("id", c.ID); err != nil {
		return nil, err
	}
	name, err := NormalizeName("name", c.Name)
	if err != nil {
		return nil, err
	}
	menu, err := NormalizeMenu("menu", c.Menu)
	if err != nil {
		return nil, err
	}
	if s.Exists {
		return nil, &decider.AlreadyExistsError{Entity: "restaurant", ID: c.ID}
	}
	return []Event{RestaurantCreated{RestaurantID: c.ID, Name: name, Menu: menu}}, nil
}

func changeMenu(c ChangeRestaurantMenu, s State) ([]Event, error) {
	if err := ValidateID("id", c.ID); err != nil {
		return nil, err
	}
	menu, err := NormalizeMenu("menu", c.Menu)
	if err != nil {
		return nil, err
	}
	if !s.Exists {
		return nil, &decider.NotFoundError{Entity: "restaurant", ID: c.ID}
	}
	return []Event{RestaurantMenuChanged{RestaurantID: c.ID, Menu: menu}}, nil
}

func placeOrder(c PlaceOrder, s State) ([]Event, error) {
	if err := validatePlaceOrder(c); err != nil {
		return nil, err
	}
	if !s.Exists {
		return nil, &decider.NotFoundError{Entity: "restaurant", ID: c.ID}
	}
	if s.Placed(c.OrderID) {
		return nil, &decider.AlreadyExistsError{Entity: "order", ID: c.OrderID, Scope: fmt.Sprintf("restaurant %q", c.ID)}
	}
	items, missing := itemsOnMenu(s.Menu.MenuItems, c.MenuItemIDs)
	if len(missing) > 0 {
		return nil, &MenuItemsNotAvailableError{RestaurantID: c.ID, Missing: missing}
	}
	return []Event{RestaurantOrderPlaced{RestaurantID: c.ID, OrderID: c.OrderID, MenuItems: items}}, nil
}

// itemsOnMenu returns the menu's items with the given ids, in their order, and the ids that
// are not on the menu (each once). A small order on a small menu is looked up by scanning:
// building a map for it cost more than the scans.
func itemsOnMenu(menu []MenuItem, ids []string) (items []MenuItem, missing []string) {
	items = make([]MenuItem, 0, len(ids))
	var onMenu map[string]MenuItem
	if len(menu)*len(ids) > 64 {
		onMenu = make(map[string]MenuItem, len(menu))
		for _, it := range menu {
			onMenu[it.MenuItemID] = it
		}
	}
	for _, id := range ids {
		it, ok := findItem(menu, onMenu, id)
		if !ok {
			if !contains(missing, id) {
				missing = append(missing, id)
			}
			continue
		}
		items = append(items, it)
	}
	return items, missing
}

// findItem finds id in onMenu, or by scanning menu when onMenu is nil.
func findItem(menu []MenuItem, onMenu map[string]MenuItem, id string) (MenuItem, bool) {
	if onMenu != nil {
		it, ok := onMenu[id]
		return it, ok
	}
	for _, it := range menu {
		if it.MenuItemID == id {
			return it, true
		}
	}
	return MenuItem{}, false
}

func validatePlaceOrder(c PlaceOrder) error {
	if err := ValidateID("restaurantId", c.ID); err != nil {
		return err
	}
	if err := ValidateID("orderId", c.OrderID); err != nil {
		return err
	}
	if n := len(c.MenuItemIDs); n == 0 || n > MaxOrderItems {
		return &decider.ValidationError{Field: "menuItemIds", Reason: fmt.Sprintf("must have 1 to %d items, has %d", MaxOrderItems, n)}
	}
	for i, id := range c.MenuItemIDs {
		if ValidateID("", id) != nil { // named only once it fails: naming allocates
			return ValidateID(fmt.Sprintf("menuItemIds[%d]", i), id)
		}
	}
	return nil
}

func contains(ids []string, id string) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

func evolve(s State, e Event) State {
	switch e := e.(type) {
	case RestaurantCreated:
		s.Exists = true
		s.ID = e.RestaurantID
		s.Name = e.Name
		s.Menu = e.Menu.Clone()
	case RestaurantMenuChanged:
		s.Menu = e.Menu.Clone()
	case RestaurantOrderPlaced:
		s.Orders.Add(e.OrderID)
	}
	return s
}
