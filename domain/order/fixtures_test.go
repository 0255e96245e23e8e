package order_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/eventgraph/eventgraph/domain/order"
	"github.com/eventgraph/eventgraph/domain/restaurant"
)

func pizza() restaurant.MenuItem {
	return restaurant.MenuItem{MenuItemID: "pizza", Name: "Pizza", Price: "8.99"}
}
func water() restaurant.MenuItem {
	return restaurant.MenuItem{MenuItemID: "water", Name: "Water", Price: "0"}
}

func created() order.OrderCreated {
	return order.OrderCreated{OrderID: "o1", RestaurantID: "r1", MenuItems: []restaurant.MenuItem{pizza(), pizza(), water()}}
}

func prepared() order.OrderPrepared { return order.OrderPrepared{OrderID: "o1"} }

func createOrder() order.CreateOrder {
	return order.CreateOrder{ID: "o1", RestaurantID: "r1", MenuItems: []restaurant.MenuItem{pizza(), pizza(), water()}}
}

// markedTypes lists the types of this package's source that have the given marker method.
func markedTypes(t *testing.T, marker string) []string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv == nil || fd.Name.Name != marker {
				continue
			}
			if id, ok := fd.Recv.List[0].Type.(*ast.Ident); ok {
				names = append(names, id.Name)
			}
		}
	}
	slices.Sort(names)
	return names
}
