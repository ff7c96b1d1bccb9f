// Command callsites composes policies per call site. One dependency, an
// orders database, is reached from several places of a service, each with
// the policies its caller needs: a user-facing read retries and falls back
// to a cache, a dashboard count gives up early, a write is never retried.
// They share one circuit breaker and one bulkhead, across their different
// result types, so that they agree on the database's health and share its
// connections. An optional feature calls another service and degrades on
// its own.
//
// Executors are built once, at start-up, and used by every request.
//
//	go run ./examples/callsites
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/bulkhead"
	"github.com/go-resilience/resilience/circuitbreaker"
	"github.com/go-resilience/resilience/fallback"
	"github.com/go-resilience/resilience/retry"
	"github.com/go-resilience/resilience/timeout"
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// Service holds one executor per call site.
type Service struct {
	db    *OrdersDB
	cache *cache

	breaker *circuitbreaker.Breaker[[]Order] // the database's health, shared
	pool    *bulkhead.Bulkhead[[]Order]      // its connections, shared

	list      *resilience.Executor[[]Order]
	count     *resilience.Executor[int]
	place     *resilience.Executor[OrderID]
	recommend *resilience.Executor[[]string]
}

// NewService builds every call site's policies. State changes of the
// database's breaker are reported to w.
func NewService(db *OrdersDB, w io.Writer) *Service {
	s := &Service{db: db, cache: newCache()}
	s.breaker = circuitbreaker.New(circuitbreaker.Config[[]Order]{
		Name:                "orders-db",
		ConsecutiveFailures: 3,
		OpenDelay:           time.Minute,
		OnStateChange: func(from, to circuitbreaker.State) {
			fmt.Fprintf(w, "  [orders-db breaker: %s -> %s]\n", from, to)
		},
	})
	s.pool = bulkhead.New[[]Order](bulkhead.Config{Name: "orders-db", MaxConcurrent: 10, MaxWait: 5 * time.Second})

	// A customer's order list: user-facing, so it retries a little and,
	// when the database cannot answer, serves the last list it saw.
	s.list = resilience.Compose(
		fallback.New(fallback.Config[[]Order]{
			Fallback: func(_ context.Context, _ []Order, err error) ([]Order, error) {
				if orders, ok := s.cache.get(); ok {
					return orders, nil
				}
				return nil, err
			},
		}),
		retry.New(retry.Config[[]Order]{
			MaxAttempts: 3,
			Backoff:     retry.Constant(time.Millisecond),
		}),
		s.pool, // inside the retry: no connection is held during a delay
		s.breaker,
		timeout.New[[]Order](timeout.Config{Timeout: time.Second}),
	)

	// The dashboard's order count: nobody waits for it, so no retry, a
	// shorter timeout, and -1 ("unknown") rather than an error.
	s.count = resilience.Compose(
		fallback.Value(-1),
		bulkhead.As[int](s.pool),
		circuitbreaker.Share[int](s.breaker, nil),
		timeout.New[int](timeout.Config{Timeout: 500 * time.Millisecond}),
	)

	// Placing an order is not idempotent: a write that timed out may have
	// been applied, so it is never retried, and its error goes to the
	// caller.
	s.place = resilience.Compose(
		bulkhead.As[OrderID](s.pool),
		circuitbreaker.Share[OrderID](s.breaker, nil),
		timeout.New[OrderID](timeout.Config{Timeout: time.Second}),
	)

	// Recommendations come from another service and are optional: a short
	// timeout and a generic answer, independent of the database's breaker.
	s.recommend = resilience.Compose(
		fallback.Value([]string{"bestsellers"}),
		timeout.New[[]string](timeout.Config{Timeout: 20 * time.Millisecond}),
	)
	return s
}

// ListOrders returns a customer's orders.
func (s *Service) ListOrders(ctx context.Context) ([]Order, error) {
	orders, err := s.list.Execute(ctx, s.db.List)
	if err == nil {
		s.cache.put(orders)
	}
	return orders, err
}

// CountOrders returns the number of orders, or -1 if it is not known.
func (s *Service) CountOrders(ctx context.Context) int {
	n, _ := s.count.Execute(ctx, s.db.Count) // the fallback answers every failure
	return n
}

// PlaceOrder stores a new order.
func (s *Service) PlaceOrder(ctx context.Context, item string) (OrderID, error) {
	return s.place.Execute(ctx, func(ctx context.Context) (OrderID, error) {
		return s.db.Place(ctx, item)
	})
}

// Recommend returns items to suggest.
func (s *Service) Recommend(ctx context.Context) []string {
	items, _ := s.recommend.Execute(ctx, slowRecommendations)
	return items
}

func run(w io.Writer) error {
	ctx := context.Background()
	db := NewOrdersDB()
	s := NewService(db, w)

	page := func(title string) {
		fmt.Fprintln(w, title)
		orders, err := s.ListOrders(ctx)
		fmt.Fprintf(w, "  orders: %s (err: %v)\n", names(orders), err)
		fmt.Fprintf(w, "  count: %d\n", s.CountOrders(ctx))
		id, err := s.PlaceOrder(ctx, "lamp")
		fmt.Fprintf(w, "  place: %q (err: %v)\n", id, err)
		fmt.Fprintf(w, "  recommended: %s\n", strings.Join(s.Recommend(ctx), ", "))
		fmt.Fprintf(w, "  database calls so far: %d\n", db.Calls())
	}

	page("1. Healthy (the recommendation service is slow):")

	fmt.Fprintln(w, "2. 50 concurrent page loads share the executors and the 10 connections:")
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for range 50 {
		wg.Go(func() {
			if _, err := s.ListOrders(ctx); err == nil {
				mu.Lock()
				ok++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	fmt.Fprintf(w, "  %d of 50 loaded; connections in use now: %d\n", ok, s.pool.InFlight())

	db.SetDown(true)
	page("3. The database goes down:")
	page("4. Still down: every call site fails fast, without calling it:")
	return nil
}

func names(orders []Order) string {
	var items []string
	for _, o := range orders {
		items = append(items, o.Item)
	}
	return "[" + strings.Join(items, " ") + "]"
}
