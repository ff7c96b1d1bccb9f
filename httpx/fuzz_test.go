package httpx_test

import (
	"fmt"
	"github.com/go-resilience/resilience/internal/testkit"
	"math"
	"net/http"
	"testing"
	"time"

	"github.com/go-resilience/resilience/circuitbreaker"
	"github.com/go-resilience/resilience/httpx"
	"github.com/go-resilience/resilience/retry"
)

// FuzzValidate checks that Config.Validate and StandardConfig.Validate
// accept exactly the configs the documented rules allow, name an invalid
// field, never panic, and that New and Standard agree with them.
func FuzzValidate(f *testing.F) {
	f.Add(uint8(0), uint8(0), int64(0), int64(0), int64(0), int64(0), 0, int64(0), int64(0), 0.0, 0.0, 0, false, false)
	f.Add(uint8(3), uint8(2), int64(-1), int64(-1), int64(-1), int64(-1), -1, int64(time.Second), int64(time.Minute), 1.5, 0.5, 10, true, false)
	f.Add(uint8(2), uint8(0), int64(-2), int64(-2), int64(-2), int64(-2), -2, int64(-1), int64(-1), 0.5, 2.0, -1, true, false)
	f.Add(uint8(1), uint8(1), int64(math.MaxInt64), int64(math.MaxInt64), int64(math.MaxInt64), int64(math.MaxInt64), math.MaxInt,
		int64(2*time.Second), int64(time.Second), math.NaN(), math.NaN(), 100001, true, true)
	f.Fuzz(func(t *testing.T, policies, nilAt uint8, maxBodyBuffer, maxDrain, total, attempt int64, maxAttempts int,
		initial, maxDelay int64, multiplier, breakerRate float64, breakerWindow int, useBreaker, noBreaker bool) {
		// Config: policies, any of them nil, and the two byte limits.
		cfg := httpx.Config{MaxBodyBuffer: maxBodyBuffer, MaxDrain: maxDrain}
		var bad []string
		for i := range int(policies % 4) {
			if int(nilAt%4) == i && nilAt >= 4 {
				cfg.Policies = append(cfg.Policies, nil)
				bad = append(bad, fmt.Sprintf("Policies[%d]", i))
				continue
			}
			cfg.Policies = append(cfg.Policies, retry.New(retry.Config[*http.Response]{}))
		}
		if maxBodyBuffer < -1 {
			bad = append(bad, "MaxBodyBuffer")
		}
		if maxDrain < -1 {
			bad = append(bad, "MaxDrain")
		}
		testkit.CheckConfig(t, "", cfg.Validate(), bad, func() { httpx.New(cfg) })

		// StandardConfig: the timeouts, the retry and the breaker.
		std := httpx.StandardConfig{
			TotalTimeout: time.Duration(total), AttemptTimeout: time.Duration(attempt), MaxAttempts: maxAttempts,
			Backoff:   retry.Exponential{Initial: time.Duration(initial), Max: time.Duration(maxDelay), Multiplier: multiplier},
			NoBreaker: noBreaker,
		}
		if useBreaker {
			std.Breaker = &circuitbreaker.Config[*http.Response]{FailureRate: breakerRate, WindowSize: breakerWindow}
		}
		bad = nil
		if total < -1 {
			bad = append(bad, "TotalTimeout")
		}
		if attempt < -1 {
			bad = append(bad, "AttemptTimeout")
		}
		if maxAttempts < -1 {
			bad = append(bad, "MaxAttempts")
		}
		first := time.Duration(initial)
		if first == 0 {
			first = 100 * time.Millisecond
		}
		if initial < 0 {
			bad = append(bad, "Exponential.Initial")
		}
		if maxDelay < 0 || maxDelay > 0 && time.Duration(maxDelay) < first {
			bad = append(bad, "Exponential.Max")
		}
		if multiplier != 0 && !(multiplier >= 1 && !math.IsInf(multiplier, 1)) {
			bad = append(bad, "Exponential.Multiplier")
		}
		if useBreaker && !noBreaker {
			if breakerWindow < 0 || breakerWindow > circuitbreaker.MaxWindowSize {
				bad = append(bad, "WindowSize")
			}
			if !testkit.RateOK(breakerRate) {
				bad = append(bad, "FailureRate")
			}
		}
		testkit.CheckConfig(t, "", std.Validate(), bad, func() { httpx.Standard(std) })
	})
}
