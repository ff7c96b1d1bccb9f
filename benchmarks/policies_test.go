package benchmarks

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/afex/hystrix-go/hystrix"
	resbreaker "github.com/eapache/go-resiliency/breaker"
	"github.com/eapache/go-resiliency/deadline"
	"github.com/eapache/go-resiliency/retrier"
	"github.com/eapache/go-resiliency/semaphore"
	"github.com/failsafe-go/failsafe-go"
	fsbulkhead "github.com/failsafe-go/failsafe-go/bulkhead"
	fsbreaker "github.com/failsafe-go/failsafe-go/circuitbreaker"
	fsfallback "github.com/failsafe-go/failsafe-go/fallback"
	fsretry "github.com/failsafe-go/failsafe-go/retrypolicy"
	fstimeout "github.com/failsafe-go/failsafe-go/timeout"
	"github.com/sony/gobreaker/v2"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/bulkhead"
	"github.com/go-resilience/resilience/circuitbreaker"
	"github.com/go-resilience/resilience/fallback"
	"github.com/go-resilience/resilience/retry"
	"github.com/go-resilience/resilience/timeout"
)

// The work every benchmark guards: succeeds at once.
func work(context.Context) (int, error) { return 1, nil }
func workNoCtx() (int, error)           { return 1, nil }

var errBoom = errors.New("boom")

// Equivalent configurations of each library. Sizes are chosen so that no
// policy ever trips on the success path.
func ourRetry() *retry.Policy[int] { return retry.New(retry.Config[int]{MaxAttempts: 3}) }
func ourBreaker() *circuitbreaker.Breaker[int] {
	return circuitbreaker.New(circuitbreaker.Config[int]{})
}
func ourFallback() *fallback.Policy[int] {
	return fallback.New(fallback.Config[int]{Fallback: func(context.Context, int, error) (int, error) { return 0, nil }})
}
func ourTimeout() *timeout.Policy[int] { return timeout.New[int](timeout.Config{Timeout: time.Minute}) }
func ourBulkhead() *bulkhead.Bulkhead[int] {
	return bulkhead.New[int](bulkhead.Config{MaxConcurrent: 1 << 20})
}

func fsRetry() fsretry.RetryPolicy[int] { return fsretry.NewBuilder[int]().WithMaxAttempts(3).Build() }
func fsBreaker() fsbreaker.CircuitBreaker[int] {
	return fsbreaker.NewBuilder[int]().WithFailureRateThreshold(0.5, 20, time.Minute).Build()
}
func fsFallback() fsfallback.Fallback[int] { return fsfallback.NewBuilderWithResult(0).Build() }
func fsTimeout() fstimeout.Timeout[int]    { return fstimeout.New[int](time.Minute) }
func fsBulkhead() fsbulkhead.Bulkhead[int] { return fsbulkhead.New[int](1 << 20) }

func gobreakerCB() *gobreaker.CircuitBreaker[int] {
	return gobreaker.NewCircuitBreaker[int](gobreaker.Settings{Name: "bench", Timeout: time.Minute})
}

func ours(b *testing.B, ps ...resilience.Policy[int]) {
	exec := resilience.Compose(ps...)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := exec.Execute(ctx, work); err != nil {
			b.Fatal(err)
		}
	}
}

func failsafeGo(b *testing.B, ps ...failsafe.Policy[int]) {
	exec := failsafe.With(ps...)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := exec.Get(workNoCtx); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRetry(b *testing.B) {
	b.Run("resilience", func(b *testing.B) { ours(b, ourRetry()) })
	b.Run("failsafe-go", func(b *testing.B) { failsafeGo(b, fsRetry()) })
	b.Run("go-resiliency", func(b *testing.B) {
		r := retrier.New(retrier.ConstantBackoff(2, 0), nil)
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			_ = r.RunCtx(ctx, func(context.Context) error { return nil })
		}
	})
}

func BenchmarkBreaker(b *testing.B) {
	b.Run("resilience", func(b *testing.B) { ours(b, ourBreaker()) })
	b.Run("failsafe-go", func(b *testing.B) { failsafeGo(b, fsBreaker()) })
	b.Run("gobreaker", func(b *testing.B) {
		cb := gobreakerCB()
		b.ReportAllocs()
		for b.Loop() {
			_, _ = cb.Execute(workNoCtx)
		}
	})
	b.Run("go-resiliency", func(b *testing.B) {
		cb := resbreaker.New(10, 1, time.Minute)
		b.ReportAllocs()
		for b.Loop() {
			_ = cb.Run(func() error { return nil })
		}
	})
	b.Run("hystrix-go", func(b *testing.B) {
		hystrix.ConfigureCommand("bench-breaker", hystrix.CommandConfig{Timeout: 60000, MaxConcurrentRequests: 1 << 20})
		b.ReportAllocs()
		for b.Loop() {
			_ = hystrix.Do("bench-breaker", func() error { return nil }, nil)
		}
	})
}

func BenchmarkFallback(b *testing.B) {
	b.Run("resilience", func(b *testing.B) { ours(b, ourFallback()) })
	b.Run("failsafe-go", func(b *testing.B) { failsafeGo(b, fsFallback()) })
}

func BenchmarkBulkhead(b *testing.B) {
	b.Run("resilience", func(b *testing.B) { ours(b, ourBulkhead()) })
	b.Run("failsafe-go", func(b *testing.B) { failsafeGo(b, fsBulkhead()) })
	b.Run("go-resiliency", func(b *testing.B) {
		s := semaphore.New(1<<20, 0)
		b.ReportAllocs()
		for b.Loop() {
			if s.Acquire() == nil {
				s.Release()
			}
		}
	})
}

func BenchmarkTimeout(b *testing.B) {
	b.Run("resilience", func(b *testing.B) { ours(b, ourTimeout()) })
	b.Run("failsafe-go", func(b *testing.B) { failsafeGo(b, fsTimeout()) })
	b.Run("go-resiliency", func(b *testing.B) {
		d := deadline.New(time.Minute)
		b.ReportAllocs()
		for b.Loop() {
			_ = d.Run(func(<-chan struct{}) error { return nil })
		}
	})
}

// TimeoutWaiting is the timeout with work that waits on its ctx, as every
// network call does: the ctx's Done channel and timer are made for real.
func BenchmarkTimeoutWaiting(b *testing.B) {
	b.Run("resilience", func(b *testing.B) {
		exec := resilience.Compose[int](ourTimeout())
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := exec.Execute(ctx, waitingWork); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("failsafe-go", func(b *testing.B) {
		exec := failsafe.With[int](fsTimeout())
		b.ReportAllocs()
		for b.Loop() {
			if _, err := exec.GetWithExecution(fsWaitingWork); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// waitingWork succeeds at once, after checking its ctx's Done channel as
// work that blocks on I/O would.
func waitingWork(ctx context.Context) (int, error) {
	select {
	case <-ctx.Done():
		return 0, ctx.Err()
	default:
		return 1, nil
	}
}

func fsWaitingWork(e failsafe.Execution[int]) (int, error) {
	select {
	case <-e.Canceled():
		return 0, errBoom
	default:
		return 1, nil
	}
}

// FallbackRetryBreaker is the common stack: fallback(retry(breaker(fn))).
func BenchmarkFallbackRetryBreaker(b *testing.B) {
	b.Run("resilience", func(b *testing.B) { ours(b, ourFallback(), ourRetry(), ourBreaker()) })
	b.Run("failsafe-go", func(b *testing.B) { failsafeGo(b, fsFallback(), fsRetry(), fsBreaker()) })
}

// FallbackRetryBreakerTimeout adds a per-attempt timeout.
func BenchmarkFallbackRetryBreakerTimeout(b *testing.B) {
	b.Run("resilience", func(b *testing.B) { ours(b, ourFallback(), ourRetry(), ourBreaker(), ourTimeout()) })
	b.Run("failsafe-go", func(b *testing.B) { failsafeGo(b, fsFallback(), fsRetry(), fsBreaker(), fsTimeout()) })
	b.Run("hystrix-go", func(b *testing.B) { // hystrix bundles timeout, breaker and fallback
		hystrix.ConfigureCommand("bench-stack", hystrix.CommandConfig{Timeout: 60000, MaxConcurrentRequests: 1 << 20})
		fb := func(error) error { return nil }
		b.ReportAllocs()
		for b.Loop() {
			_ = hystrix.Do("bench-stack", func() error { return nil }, fb)
		}
	})
}

// RetryFailing3 is three failing attempts with no delay: the cost of the
// retry machinery itself.
func BenchmarkRetryFailing3(b *testing.B) {
	fail := func(context.Context) (int, error) { return 0, errBoom }
	b.Run("resilience", func(b *testing.B) {
		p := retry.New(retry.Config[int]{MaxAttempts: 3, Backoff: retry.Constant(0)})
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			_, _ = p.Execute(ctx, fail)
		}
	})
	b.Run("failsafe-go", func(b *testing.B) {
		exec := failsafe.With[int](fsretry.NewBuilder[int]().WithMaxAttempts(3).WithDelay(0).Build())
		b.ReportAllocs()
		for b.Loop() {
			_, _ = exec.Get(func() (int, error) { return 0, errBoom })
		}
	})
	b.Run("go-resiliency", func(b *testing.B) {
		r := retrier.New(retrier.ConstantBackoff(2, 0), nil)
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			_ = r.RunCtx(ctx, func(context.Context) error { return errBoom })
		}
	})
}

// BreakerOpen is the cost of a rejection by an open breaker.
func BenchmarkBreakerOpen(b *testing.B) {
	fail := func(context.Context) (int, error) { return 0, errBoom }
	b.Run("resilience", func(b *testing.B) {
		cb := circuitbreaker.New(circuitbreaker.Config[int]{ConsecutiveFailures: 1, OpenDelay: time.Hour})
		ctx := context.Background()
		_, _ = cb.Execute(ctx, fail)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := cb.Execute(ctx, work); !errors.Is(err, circuitbreaker.ErrOpen) {
				b.Fatal(err)
			}
		}
	})
	b.Run("failsafe-go", func(b *testing.B) {
		cb := fsbreaker.NewBuilder[int]().WithFailureThreshold(1).WithDelay(time.Hour).Build()
		exec := failsafe.With[int](cb)
		_, _ = exec.Get(func() (int, error) { return 0, errBoom })
		b.ReportAllocs()
		for b.Loop() {
			if _, err := exec.Get(workNoCtx); !errors.Is(err, fsbreaker.ErrOpen) {
				b.Fatal(err)
			}
		}
	})
	b.Run("gobreaker", func(b *testing.B) {
		cb := gobreaker.NewCircuitBreaker[int](gobreaker.Settings{Timeout: time.Hour,
			ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= 1 }})
		_, _ = cb.Execute(func() (int, error) { return 0, errBoom })
		b.ReportAllocs()
		for b.Loop() {
			if _, err := cb.Execute(workNoCtx); !errors.Is(err, gobreaker.ErrOpenState) {
				b.Fatal(err)
			}
		}
	})
}

// BreakerParallel: a shared breaker under RunParallel on all cores.
func BenchmarkBreakerParallel(b *testing.B) {
	b.Run("resilience", func(b *testing.B) {
		cb := ourBreaker()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			ctx := context.Background()
			for pb.Next() {
				_, _ = cb.Execute(ctx, work)
			}
		})
	})
	b.Run("failsafe-go", func(b *testing.B) {
		exec := failsafe.With[int](fsBreaker())
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				_, _ = exec.Get(workNoCtx)
			}
		})
	})
	b.Run("gobreaker", func(b *testing.B) {
		cb := gobreakerCB()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				_, _ = cb.Execute(workNoCtx)
			}
		})
	})
}

// BulkheadParallel: a shared bulkhead under RunParallel on all cores.
func BenchmarkBulkheadParallel(b *testing.B) {
	b.Run("resilience", func(b *testing.B) {
		bh := ourBulkhead()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			ctx := context.Background()
			for pb.Next() {
				_, _ = bh.Execute(ctx, work)
			}
		})
	})
	b.Run("failsafe-go", func(b *testing.B) {
		exec := failsafe.With[int](fsBulkhead())
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				_, _ = exec.Get(workNoCtx)
			}
		})
	})
}
