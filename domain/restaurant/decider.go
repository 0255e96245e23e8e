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
// Evolve updates a State in place where that is cheaper (see State.Orders).
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
	onMenu := make(map[string]MenuItem, len(s.Menu.MenuItems))
	for _, it := range s.Menu.MenuItems {
		onMenu[it.MenuItemID] = it
	}
	items := make([]MenuItem, 0, len(c.MenuItemIDs))
	var missing []string
	for _, id := range c.MenuItemIDs {
		it, ok := onMenu[id]
		if !ok {
			if !contains(missing, id) {
				missing = append(missing, id)
			}
			continue
		}
		items = append(items, it)
	}
	if len(missing) > 0 {
		return nil, &MenuItemsNotAvailableError{RestaurantID: c.ID, Missing: missing}
	}
	return []Event{RestaurantOrderPlaced{RestaurantID: c.ID, OrderID: c.OrderID, MenuItems: items}}, nil
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
		if err := ValidateID(fmt.Sprintf("menuItemIds[%d]", i), id); err != nil {
			return err
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
		if s.Orders == nil {
			s.Orders = make(map[string]struct{})
		}
		s.Orders[e.OrderID] = struct{}{}
	}
	return s
}
