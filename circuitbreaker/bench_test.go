package circuitbreaker_test

import (
	"context"
	"testing"
	"time"

	"github.com/go-resilience/resilience/circuitbreaker"
)

// BenchmarkBreakerClosed measures one successful call through a closed
// breaker, for each kind of window.
func BenchmarkBreakerClosed(b *testing.B) {
	ctx := context.Background()
	for _, bc := range benchConfigs {
		b.Run(bc.name, func(b *testing.B) {
			cb := circuitbreaker.New(bc.cfg)
			b.ReportAllocs()
			for b.Loop() {
				_, _ = cb.Execute(ctx, succeed)
			}
		})
	}
}

// BenchmarkBreakerClosedParallel is BenchmarkBreakerClosed from
// GOMAXPROCS goroutines sharing one breaker.
func BenchmarkBreakerClosedParallel(b *testing.B) {
	ctx := context.Background()
	for _, bc := range benchConfigs {
		b.Run(bc.name, func(b *testing.B) {
			cb := circuitbreaker.New(bc.cfg)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					_, _ = cb.Execute(ctx, succeed)
				}
			})
		})
	}
}

// BenchmarkBreakerMixedParallel records one failure in ten (below the
// threshold), so that the counters move.
func BenchmarkBreakerMixedParallel(b *testing.B) {
	ctx := context.Background()
	cb := circuitbreaker.New(circuitbreaker.Config[int]{FailureRate: 0.5})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			if i%10 == 0 {
				_, _ = cb.Execute(ctx, fail)
			} else {
				_, _ = cb.Execute(ctx, succeed)
			}
		}
	})
}

func BenchmarkBreakerAllowDone(b *testing.B) {
	ctx := context.Background()
	cb := circuitbreaker.New(circuitbreaker.Config[int]{})
	b.ReportAllocs()
	for b.Loop() {
		p, err := cb.Allow(ctx)
		if err == nil {
			p.Done(1, nil)
		}
	}
}

func BenchmarkBreakerOpenParallel(b *testing.B) {
	ctx := context.Background()
	cb := circuitbreaker.New(circuitbreaker.Config[int]{OpenDelay: time.Hour, ConsecutiveFailures: 1})
	_, _ = cb.Execute(ctx, fail)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_, _ = cb.Execute(ctx, succeed)
		}
	})
}

var benchConfigs = []struct {
	name string
	cfg  circuitbreaker.Config[int]
}{
	{"count", circuitbreaker.Config[int]{}},
	{"time", circuitbreaker.Config[int]{WindowPeriod: time.Minute}},
	{"count+slow", circuitbreaker.Config[int]{SlowCallDuration: time.Second}},
}
