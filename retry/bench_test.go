package retry_test

import (
	"context"
	"testing"
	"time"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/retry"
)

func BenchmarkExecuteSuccess(b *testing.B) {
	p := retry.New(retry.Config[int]{})
	ok := func(context.Context) (int, error) { return 1, nil }
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_, _ = p.Execute(ctx, ok)
	}
}

func BenchmarkComposeSuccess(b *testing.B) {
	exec := resilience.Compose[int](retry.New(retry.Config[int]{}))
	ok := func(context.Context) (int, error) { return 1, nil }
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_, _ = exec.Execute(ctx, ok)
	}
}

func BenchmarkExecuteTwoRetries(b *testing.B) {
	p := retry.New(retry.Config[int]{Backoff: retry.Constant(0)})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		_, _ = p.Execute(ctx, func(context.Context) (int, error) {
			if n++; n < 3 {
				return n, errBoom
			}
			return n, nil
		})
	}
}

func BenchmarkDelay(b *testing.B) {
	for _, bb := range []struct {
		name    string
		backoff retry.Backoff
	}{
		{"Exponential", retry.Exponential{}},
		{"ExponentialFull", retry.Exponential{Jitter: retry.FullJitter}},
		{"ExponentialDecorrelated", retry.Exponential{Jitter: retry.DecorrelatedJitter}},
		{"Linear", retry.Linear{Jitter: retry.EqualJitter}},
	} {
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			prev := time.Duration(0)
			for i := 0; b.Loop(); i++ {
				prev = bb.backoff.Delay(i%20+1, prev)
			}
		})
	}
}
