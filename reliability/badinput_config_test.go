package reliability_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/budget"
	"github.com/go-resilience/resilience/bulkhead"
	"github.com/go-resilience/resilience/circuitbreaker"
	"github.com/go-resilience/resilience/fallback"
	"github.com/go-resilience/resilience/hedge"
	"github.com/go-resilience/resilience/httpx"
	"github.com/go-resilience/resilience/ratelimit"
	"github.com/go-resilience/resilience/retry"
	"github.com/go-resilience/resilience/timeout"
)

// configCase is one config of one package: field names the field Validate
// must reject, or is "" for a valid config.
type configCase struct {
	name     string
	field    string
	validate func() error
	build    func() // New(cfg): must panic with Validate's error when invalid
}

func cfg[C interface{ Validate() error }, T any](name, field string, c C, build func(C) T) configCase {
	return configCase{name: name, field: field, validate: c.Validate, build: func() { build(c) }}
}

type rc = retry.Config[int]
type cbc = circuitbreaker.Config[int]

func configCases() []configCase {
	nan, inf := math.NaN(), math.Inf(1)
	fb := func(context.Context, int, error) (int, error) { return 0, nil }
	alt := func(context.Context) (int, error) { return 0, nil }
	pol := retry.New(rc{})
	return []configCase{
		cfg("retry zero", "", rc{}, retry.New[int]),
		cfg("retry MaxAttempts -2", "MaxAttempts", rc{MaxAttempts: -2}, retry.New[int]),
		cfg("retry MaxAttempts MinInt", "MaxAttempts", rc{MaxAttempts: math.MinInt}, retry.New[int]),
		cfg("retry MaxDuration -1ns", "MaxDuration", rc{MaxDuration: -1}, retry.New[int]),
		cfg("retry Constant -1s", "Constant", rc{Backoff: retry.Constant(-time.Second)}, retry.New[int]),
		cfg("retry Exponential.Initial -1", "Exponential.Initial", rc{Backoff: retry.Exponential{Initial: -1}}, retry.New[int]),
		cfg("retry Exponential.Max -1", "Exponential.Max", rc{Backoff: retry.Exponential{Max: -1}}, retry.New[int]),
		cfg("retry Exponential Max < Initial", "Exponential.Max", rc{Backoff: retry.Exponential{Initial: 2 * time.Second, Max: time.Second}}, retry.New[int]),
		cfg("retry Exponential Max < default Initial", "Exponential.Max", rc{Backoff: retry.Exponential{Max: time.Millisecond}}, retry.New[int]),
		cfg("retry Exponential.Multiplier 0.5", "Exponential.Multiplier", rc{Backoff: retry.Exponential{Multiplier: 0.5}}, retry.New[int]),
		cfg("retry Exponential.Multiplier -2", "Exponential.Multiplier", rc{Backoff: retry.Exponential{Multiplier: -2}}, retry.New[int]),
		cfg("retry Exponential.Multiplier NaN", "Exponential.Multiplier", rc{Backoff: retry.Exponential{Multiplier: nan}}, retry.New[int]),
		cfg("retry Exponential.Multiplier +Inf", "Exponential.Multiplier", rc{Backoff: retry.Exponential{Multiplier: inf}}, retry.New[int]),
		cfg("retry Exponential.Jitter 9", "Exponential.Jitter", rc{Backoff: retry.Exponential{Jitter: 9}}, retry.New[int]),
		cfg("retry Linear.Step -1", "Linear.Step", rc{Backoff: retry.Linear{Step: -1}}, retry.New[int]),
		cfg("retry Linear decorrelated", "Linear.Jitter", rc{Backoff: retry.Linear{Jitter: retry.DecorrelatedJitter}}, retry.New[int]),

		cfg("timeout zero", "Timeout", timeout.Config{}, timeout.New[int]),
		cfg("timeout -1s", "Timeout", timeout.Config{Timeout: -time.Second}, timeout.New[int]),

		cfg("fallback zero", "Fallback", fallback.Config[int]{}, fallback.New[int]),
		cfg("fallback valid", "", fallback.Config[int]{Fallback: fb}, fallback.New[int]),
		cfg("fallback chain zero", "Alternatives", fallback.ChainConfig[int]{}, fallback.NewChain[int]),
		cfg("fallback chain nil alternative", "Alternatives[1]", fallback.ChainConfig[int]{Alternatives: []resilience.Func[int]{alt, nil}}, fallback.NewChain[int]),

		cfg("bulkhead zero", "MaxConcurrent", bulkhead.Config{}, bulkhead.New[int]),
		cfg("bulkhead MaxConcurrent -1", "MaxConcurrent", bulkhead.Config{MaxConcurrent: -1}, bulkhead.New[int]),
		cfg("bulkhead MaxWait -1", "MaxWait", bulkhead.Config{MaxConcurrent: 1, MaxWait: -1}, bulkhead.New[int]),

		cfg("ratelimit zero", "Rate", ratelimit.Config{}, ratelimit.New[int]),
		cfg("ratelimit Rate -1", "Rate", ratelimit.Config{Rate: -1}, ratelimit.New[int]),
		cfg("ratelimit Period -1", "Period", ratelimit.Config{Rate: 1, Period: -1}, ratelimit.New[int]),
		cfg("ratelimit Rate above 1/ns", "Rate", ratelimit.Config{Rate: 2, Period: 1}, ratelimit.New[int]),
		cfg("ratelimit Burst -1", "Burst", ratelimit.Config{Rate: 1, Burst: -1}, ratelimit.New[int]),
		cfg("ratelimit Burst overflows", "Burst", ratelimit.Config{Rate: 1, Period: time.Hour, Burst: math.MaxInt}, ratelimit.New[int]),
		cfg("ratelimit MaxWait -1", "MaxWait", ratelimit.Config{Rate: 1, MaxWait: -1}, ratelimit.New[int]),
		cfg("ratelimit Period/Rate above 100 years", "Period", ratelimit.Config{Rate: 1, Period: math.MaxInt64}, ratelimit.New[int]),

		cfg("hedge zero", "", hedge.Config[int]{}, hedge.New[int]),
		cfg("hedge Delay -1", "Delay", hedge.Config[int]{Delay: -1}, hedge.New[int]),
		cfg("hedge Quantile 1.5", "Quantile", hedge.Config[int]{Quantile: 1.5}, hedge.New[int]),
		cfg("hedge Quantile NaN", "Quantile", hedge.Config[int]{Quantile: nan}, hedge.New[int]),
		cfg("hedge Quantile -0.1", "Quantile", hedge.Config[int]{Quantile: -0.1}, hedge.New[int]),
		cfg("hedge Quantile with Delay", "Quantile", hedge.Config[int]{Delay: time.Second, Quantile: 0.9}, hedge.New[int]),
		cfg("hedge MinDelay -1", "MinDelay", hedge.Config[int]{MinDelay: -1}, hedge.New[int]),
		cfg("hedge MaxHedges -1", "MaxHedges", hedge.Config[int]{MaxHedges: -1}, hedge.New[int]),

		cfg("budget zero", "", budget.Config{}, budget.New),
		cfg("budget Percent 20 (meant 20%)", "Percent", budget.Config{Percent: 20}, budget.New),
		cfg("budget Percent NaN", "Percent", budget.Config{Percent: nan}, budget.New),
		cfg("budget Percent -0.1", "Percent", budget.Config{Percent: -0.1}, budget.New),
		cfg("budget Percent below a billionth", "Percent", budget.Config{Percent: 4e-10}, budget.New),
		cfg("budget MinPerSecond -2", "MinPerSecond", budget.Config{MinPerSecond: -2}, budget.New),
		cfg("budget MinPerSecond +Inf", "MinPerSecond", budget.Config{MinPerSecond: inf}, budget.New),
		cfg("budget Window 1ms", "Window", budget.Config{Window: time.Millisecond}, budget.New),
		cfg("budget Window -1", "Window", budget.Config{Window: -1}, budget.New),

		cfg("circuitbreaker zero", "", cbc{}, circuitbreaker.New[int]),
		cfg("circuitbreaker WindowSize -1", "WindowSize", cbc{WindowSize: -1}, circuitbreaker.New[int]),
		cfg("circuitbreaker WindowSize huge", "WindowSize", cbc{WindowSize: math.MaxInt}, circuitbreaker.New[int]),
		cfg("circuitbreaker WindowPeriod -1", "WindowPeriod", cbc{WindowPeriod: -1}, circuitbreaker.New[int]),
		cfg("circuitbreaker WindowPeriod 5ms", "WindowPeriod", cbc{WindowPeriod: 5 * time.Millisecond}, circuitbreaker.New[int]),
		cfg("circuitbreaker both windows", "WindowSize", cbc{WindowSize: 10, WindowPeriod: time.Second}, circuitbreaker.New[int]),
		cfg("circuitbreaker MinCalls -1", "MinCalls", cbc{MinCalls: -1}, circuitbreaker.New[int]),
		cfg("circuitbreaker MinCalls > WindowSize", "MinCalls", cbc{WindowSize: 10, MinCalls: 11}, circuitbreaker.New[int]),
		cfg("circuitbreaker MinCalls > default WindowSize", "MinCalls", cbc{MinCalls: 101}, circuitbreaker.New[int]),
		cfg("circuitbreaker FailureRate 1.5", "FailureRate", cbc{FailureRate: 1.5}, circuitbreaker.New[int]),
		cfg("circuitbreaker FailureRate 50 (meant 50%)", "FailureRate", cbc{FailureRate: 50}, circuitbreaker.New[int]),
		cfg("circuitbreaker FailureRate -0.5", "FailureRate", cbc{FailureRate: -0.5}, circuitbreaker.New[int]),
		cfg("circuitbreaker FailureRate NaN", "FailureRate", cbc{FailureRate: nan}, circuitbreaker.New[int]),
		cfg("circuitbreaker ConsecutiveFailures -1", "ConsecutiveFailures", cbc{ConsecutiveFailures: -1}, circuitbreaker.New[int]),
		cfg("circuitbreaker SlowCallDuration -1", "SlowCallDuration", cbc{SlowCallDuration: -1}, circuitbreaker.New[int]),
		cfg("circuitbreaker SlowCallRate without duration", "SlowCallRate", cbc{SlowCallRate: 0.5}, circuitbreaker.New[int]),
		cfg("circuitbreaker SlowCallRate 2", "SlowCallRate", cbc{SlowCallDuration: time.Second, SlowCallRate: 2}, circuitbreaker.New[int]),
		cfg("circuitbreaker OpenDelay -1", "OpenDelay", cbc{OpenDelay: -1}, circuitbreaker.New[int]),
		cfg("circuitbreaker OpenDelay with OpenBackoff", "OpenDelay", cbc{OpenDelay: time.Second, OpenBackoff: retry.Exponential{}}, circuitbreaker.New[int]),
		cfg("circuitbreaker HalfOpenCalls -1", "HalfOpenCalls", cbc{HalfOpenCalls: -1}, circuitbreaker.New[int]),

		cfg("httpx zero", "", httpx.Config{}, httpx.New),
		cfg("httpx nil policy", "Policies[1]", httpx.Config{Policies: []resilience.Policy[*http.Response]{retry.New(retry.Config[*http.Response]{}), nil}}, httpx.New),
		cfg("httpx MaxBodyBuffer -2", "MaxBodyBuffer", httpx.Config{MaxBodyBuffer: -2}, httpx.New),
		cfg("httpx MaxDrain -2", "MaxDrain", httpx.Config{MaxDrain: -2}, httpx.New),
		cfg("httpx standard zero", "", httpx.StandardConfig{}, httpx.Standard),
		cfg("httpx standard TotalTimeout -2", "TotalTimeout", httpx.StandardConfig{TotalTimeout: -2}, httpx.Standard),
		cfg("httpx standard AttemptTimeout -2", "AttemptTimeout", httpx.StandardConfig{AttemptTimeout: -2}, httpx.Standard),
		cfg("httpx standard MaxAttempts -2", "MaxAttempts", httpx.StandardConfig{MaxAttempts: -2}, httpx.Standard),
		cfg("httpx standard Backoff", "Exponential.Multiplier", httpx.StandardConfig{Backoff: retry.Exponential{Multiplier: 0.5}}, httpx.Standard),
		cfg("httpx standard Breaker", "FailureRate", httpx.StandardConfig{Breaker: &circuitbreaker.Config[*http.Response]{FailureRate: 2}}, httpx.Standard),
		cfg("httpx standard Breaker ignored", "", httpx.StandardConfig{NoBreaker: true, Breaker: &circuitbreaker.Config[*http.Response]{FailureRate: 2}}, httpx.Standard),
		cfg("httpx failover zero", "Endpoints", httpx.FailoverConfig{}, httpx.NewFailover),
		cfg("httpx failover one endpoint", "", httpx.FailoverConfig{Endpoints: []httpx.Endpoint{{URL: "http://a"}}}, httpx.NewFailover),
		cfg("httpx failover MaxAttempts -1", "MaxAttempts", httpx.FailoverConfig{Endpoints: []httpx.Endpoint{{URL: "http://a"}}, MaxAttempts: -1}, httpx.NewFailover),
		cfg("httpx server zero", "", httpx.ServerConfig{}, httpx.Middleware),
		cfg("httpx server MaxConcurrent -1", "MaxConcurrent", httpx.ServerConfig{MaxConcurrent: -1}, httpx.Middleware),
		cfg("httpx server RateLimit.Rate -1", "Rate", httpx.ServerConfig{RateLimit: ratelimit.Config{Rate: -1}}, httpx.Middleware),

		{name: "resilience Compose", field: "", validate: func() error { return nil }, build: func() { resilience.Compose[int](pol) }},
	}
}

func TestBadInputConfigs(t *testing.T) {
	for _, tc := range configCases() {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			require.NotPanics(t, func() { err = tc.validate() }, "Validate never panics")
			if tc.field == "" {
				require.NoError(t, err)
				require.NotPanics(t, tc.build, "New accepts what Validate accepts")
				return
			}
			require.ErrorIs(t, err, resilience.ErrInvalidConfig)
			var ce *resilience.ConfigError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, tc.field, ce.Field)
			assert.NotEmpty(t, ce.Policy)
			assert.NotEmpty(t, ce.Rule)
			assert.True(t, strings.HasPrefix(err.Error(), ce.Policy+": "+tc.field+" = "),
				"error %q names the package and field %s", err, tc.field)

			got := recoverFrom(tc.build)
			perr, ok := got.(error)
			require.True(t, ok, "New panics with an error, got %v", got)
			assert.ErrorIs(t, perr, resilience.ErrInvalidConfig)
			assert.Equal(t, err.Error(), perr.Error(), "New panics with Validate's error")
		})
	}
}

// recoverFrom runs f and returns what it panicked with, or nil.
func recoverFrom(f func()) (v any) {
	defer func() { v = recover() }()
	f()
	return nil
}

// TestBadInputAbsurdButValidConfigs builds each policy at the far edge of
// what Validate accepts and runs a call through it: huge durations, counts
// and multipliers must neither overflow nor panic.
func TestBadInputAbsurdButValidConfigs(t *testing.T) {
	const forever = time.Duration(math.MaxInt64)
	huge := []named{
		{"retry", retry.New(rc{MaxAttempts: math.MaxInt, MaxDuration: forever,
			Backoff: retry.Exponential{Initial: forever, Max: forever, Multiplier: math.MaxFloat64, Jitter: retry.DecorrelatedJitter}})},
		{"timeout", timeout.New[int](timeout.Config{Timeout: forever})},
		{"circuitbreaker", circuitbreaker.New(cbc{WindowSize: circuitbreaker.MaxWindowSize, MinCalls: circuitbreaker.MaxWindowSize,
			OpenDelay: forever, HalfOpenCalls: math.MaxInt, ConsecutiveFailures: math.MaxInt, FailureRate: 1e-19})},
		{"circuitbreaker time window", circuitbreaker.New(cbc{WindowPeriod: forever, MinCalls: math.MaxInt,
			SlowCallDuration: forever, SlowCallRate: 1})},
		{"bulkhead", bulkhead.New[int](bulkhead.Config{MaxConcurrent: math.MaxInt, MaxWait: forever})},
		{"ratelimit", ratelimit.New[int](ratelimit.Config{Rate: 1, Period: 100 * 365 * 24 * time.Hour, MaxWait: forever})}, // the longest Period/Rate
		{"ratelimit max rate", ratelimit.New[int](ratelimit.Config{Rate: math.MaxInt, Period: forever})},
		{"hedge", hedge.New(hedge.Config[int]{Delay: forever, MaxHedges: math.MaxInt})},
		{"hedge derived", hedge.New(hedge.Config[int]{Quantile: math.SmallestNonzeroFloat64, MinDelay: forever})},
		{"retry with budget", retry.New(rc{Backoff: retry.Constant(0), Budget: budget.New(budget.Config{
			Percent: 1e-9, MinPerSecond: math.MaxFloat64, Window: forever})})},
	}
	for _, p := range huge {
		t.Run(p.name, func(t *testing.T) {
			calls := 0
			errOnce := errors.New("once")
			r, err := p.policy.Execute(context.Background(), func(context.Context) (int, error) {
				calls++
				if calls < 2 {
					return 0, errOnce
				}
				return 5, nil
			})
			if err != nil { // no retry (or no time for one): the failure itself
				assert.ErrorIs(t, err, errOnce, fmt.Sprintf("%s: %v", p.name, err))
				return
			}
			assert.Equal(t, 5, r)
		})
	}
}
