package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
)

// Order is a row of the orders table.
type Order struct {
	ID   OrderID
	Item string
}

// OrderID identifies an order.
type OrderID string

var errDown = errors.New("orders-db: connection refused")

// OrdersDB stands in for a database that can be taken down.
type OrdersDB struct {
	mu     sync.Mutex // guards the fields below
	orders []Order
	down   bool
	calls  int
}

// NewOrdersDB returns a database holding two orders.
func NewOrdersDB() *OrdersDB {
	return &OrdersDB{orders: []Order{{"o-1", "desk"}, {"o-2", "chair"}}}
}

// SetDown makes every later call fail (true) or work (false).
func (db *OrdersDB) SetDown(down bool) {
	db.mu.Lock()
	defer db.mu.Unlock()
	db.down = down
}

// Calls returns the number of calls made so far.
func (db *OrdersDB) Calls() int {
	db.mu.Lock()
	defer db.mu.Unlock()
	return db.calls
}

func (db *OrdersDB) begin(ctx context.Context) error {
	db.mu.Lock()
	defer db.mu.Unlock()
	db.calls++
	if db.down {
		return errDown
	}
	return ctx.Err()
}

// List returns every order.
func (db *OrdersDB) List(ctx context.Context) ([]Order, error) {
	if err := db.begin(ctx); err != nil {
		return nil, err
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	return slices.Clone(db.orders), nil
}

// Count returns the number of orders.
func (db *OrdersDB) Count(ctx context.Context) (int, error) {
	if err := db.begin(ctx); err != nil {
		return 0, err
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	return len(db.orders), nil
}

// Place stores a new order for item.
func (db *OrdersDB) Place(ctx context.Context, item string) (OrderID, error) {
	if err := db.begin(ctx); err != nil {
		return "", err
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	id := OrderID(fmt.Sprintf("o-%d", len(db.orders)+1))
	db.orders = append(db.orders, Order{id, item})
	return id, nil
}

// slowRecommendations stands for a call to a recommendation service that
// answers too late: it gives up only when its ctx ends.
func slowRecommendations(ctx context.Context) ([]string, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

// cache keeps the last order list read.
type cache struct {
	mu     sync.Mutex // guards orders
	orders []Order
}

func newCache() *cache { return &cache{} }

func (c *cache) put(orders []Order) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.orders = orders
}

func (c *cache) get() ([]Order, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.orders, c.orders != nil
}
