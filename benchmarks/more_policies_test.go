package benchmarks

import (
	"testing"
	"time"

	fsbudget "github.com/failsafe-go/failsafe-go/budget"
	fshedge "github.com/failsafe-go/failsafe-go/hedgepolicy"
	fsratelimiter "github.com/failsafe-go/failsafe-go/ratelimiter"
	fsretry "github.com/failsafe-go/failsafe-go/retrypolicy"

	"github.com/go-resilience/resilience/budget"
	"github.com/go-resilience/resilience/hedge"
	"github.com/go-resilience/resilience/ratelimit"
	"github.com/go-resilience/resilience/retry"
)

// RateLimiter: a bursty limiter far from its limit admits every call.
func BenchmarkRateLimiter(b *testing.B) {
	b.Run("resilience", func(b *testing.B) {
		ours(b, ratelimit.New[int](ratelimit.Config{Rate: 1 << 29, Period: time.Second, Burst: 1 << 29}))
	})
	b.Run("failsafe-go", func(b *testing.B) {
		failsafeGo(b, fsratelimiter.NewBursty[int](1<<29, time.Second))
	})
}

// Hedge: the first attempt answers long before the hedge delay.
func BenchmarkHedge(b *testing.B) {
	b.Run("resilience", func(b *testing.B) { ours(b, hedge.New(hedge.Config[int]{Delay: time.Minute})) })
	b.Run("failsafe-go", func(b *testing.B) { failsafeGo(b, fshedge.NewWithDelay[int](time.Minute)) })
}

// RetryWithBudget: a successful call through a retry that consults a
// shared retry budget.
func BenchmarkRetryWithBudget(b *testing.B) {
	b.Run("resilience", func(b *testing.B) {
		ours(b, retry.New(retry.Config[int]{MaxAttempts: 3, Budget: budget.New(budget.Config{})}))
	})
	b.Run("failsafe-go", func(b *testing.B) {
		failsafeGo(b, fsretry.NewBuilder[int]().WithMaxAttempts(3).WithBudget(fsbudget.New()).Build())
	})
}
