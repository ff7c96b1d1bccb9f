package timeout_test

import (
	"context"
	"testing"
	"time"

	"github.com/go-resilience/resilience/timeout"
)

func BenchmarkExecute(b *testing.B) {
	p := timeout.New[int](timeout.Config{Timeout: time.Hour})
	fn := func(context.Context) (int, error) { return 1, nil }
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_, _ = p.Execute(ctx, fn)
	}
}

// BenchmarkWithDeadlineCause is the floor Execute is built on.
func BenchmarkWithDeadlineCause(b *testing.B) {
	cause := &timeout.ExceededError{Limit: time.Hour}
	fn := func(context.Context) (int, error) { return 1, nil }
	parent := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		ctx, cancel := context.WithDeadlineCause(parent, time.Now().Add(time.Hour), cause)
		_, _ = fn(ctx)
		cancel()
	}
}

func BenchmarkExecuteParallel(b *testing.B) {
	p := timeout.New[int](timeout.Config{Timeout: time.Hour})
	fn := func(context.Context) (int, error) { return 1, nil }
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_, _ = p.Execute(ctx, fn)
		}
	})
}

// BenchmarkExecuteCancellableParent is Execute under a parent that can be
// cancelled, whose deadline is watched by a runtime timer.
func BenchmarkExecuteCancellableParent(b *testing.B) {
	p := timeout.New[int](timeout.Config{Timeout: time.Hour})
	fn := func(context.Context) (int, error) { return 1, nil }
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b.ReportAllocs()
	for b.Loop() {
		_, _ = p.Execute(ctx, fn)
	}
}
