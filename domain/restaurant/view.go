package restaurant

import "github.com/eventgraph/eventgraph/decider"

// Summary is a restaurant as readers see it: what the restaurant view folds its events into.
type Summary struct {
	Exists bool   `json:"exists"`
	ID     string `json:"id"`
	Name   string `json:"name"`
	Menu   Menu   `json:"menu"`
	Orders int    `json:"orders"` // how many orders were placed
}

// View returns the restaurant view: it folds a restaurant's events into a Summary.
// Evolve never changes the Summary it is given; the returned one shares no slices with
// the events.
func View() decider.View[Summary, Event] {
	return decider.View[Summary, Event]{
		Evolve: func(s Summary, e Event) Summary {
			switch e := e.(type) {
			case RestaurantCreated:
				s.Exists, s.ID, s.Name, s.Menu = true, e.RestaurantID, e.Name, e.Menu.Clone()
			case RestaurantMenuChanged:
				s.Menu = e.Menu.Clone()
			case RestaurantOrderPlaced:
				s.Orders++
			}
			return s
		},
	}
}
