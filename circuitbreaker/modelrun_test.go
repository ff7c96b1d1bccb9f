package circuitbreaker_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience/circuitbreaker"
)

// TestModel runs random sequences against the breaker and the model of
// model_test.go; see there.
func TestModel(t *testing.T) {
	base := time.Now().UnixNano()
	runs := 300
	if raceEnabled {
		runs = 80
	}
	if s := os.Getenv("CB_MODEL_SEED"); s != "" {
		seed, err := strconv.ParseInt(s, 10, 64)
		require.NoError(t, err, "CB_MODEL_SEED")
		base, runs = seed, 1
	}
	t.Logf("base seed %d (CB_MODEL_SEED=%d replays the first run)", base, base)
	for i := range runs {
		runModel(t, base+int64(i), 400)
		if t.Failed() {
			return
		}
	}
}

func runModel(t *testing.T, seed int64, steps int) {
	rng := rand.New(rand.NewPCG(uint64(seed), 0))
	clk := &fakeClock{}
	m := &model{halfOpenCalls: 1 + rng.IntN(3), fail: modelRates[rng.IntN(len(modelRates))]}
	cfg := circuitbreaker.Config[int]{Clock: clk, HalfOpenCalls: m.halfOpenCalls, FailureRate: m.fail.f}
	if rng.IntN(2) == 0 {
		m.windowSize = 1 + rng.IntN(12)
		m.minCalls = 1 + rng.IntN(m.windowSize)
		cfg.WindowSize = m.windowSize
	} else {
		cfg.WindowPeriod = 10 * time.Second
		m.width = int64(time.Second)
		m.minCalls = 1 + rng.IntN(8)
	}
	cfg.MinCalls = m.minCalls
	if rng.IntN(2) == 0 {
		m.consecLimit = 1 + rng.IntN(4)
		cfg.ConsecutiveFailures = m.consecLimit
	}
	if rng.IntN(2) == 0 {
		m.slowCall = 2 * time.Second
		m.slowR = modelRates[rng.IntN(len(modelRates))]
		cfg.SlowCallDuration, cfg.SlowCallRate = m.slowCall, m.slowR.f
	}
	m.openDelay = circuitbreaker.DefaultOpenDelay
	switch rng.IntN(3) {
	case 0:
		m.openDelay = time.Duration(1+rng.IntN(5)) * time.Second
		cfg.OpenDelay = m.openDelay
	case 1:
		m.backoff = func(n int, prev time.Duration) time.Duration {
			return prev*2 + time.Duration(n)*time.Second - 1500*time.Millisecond
		}
		cfg.OpenBackoff = backoffFunc(m.backoff)
	}
	cfg.OpenDelayFunc = func(r int, err error) time.Duration {
		if ra := retryAfterError(0); errors.As(err, &ra) {
			return time.Duration(ra)
		}
		return time.Duration(min(r, 0)) // 0 or negative: the default
	}
	var got []string
	cfg.OnStateChange = func(from, to circuitbreaker.State) { got = append(got, from.String()+">"+to.String()) }
	b := circuitbreaker.New(cfg)

	var permits []*modelPermit
	trace := []string{fmt.Sprintf("seed %d config %+v", seed, cfg)}
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("seed %d, after:\n%s\n%s", seed, joinLines(trace), fmt.Sprintf(format, args...))
	}
	// outcome picks an outcome and the delay the model expects OpenDelayFunc
	// to give for it.
	outcome := func() (r int, err error, failed bool, delay time.Duration) {
		switch rng.IntN(5) {
		case 0, 1:
			return 1, nil, false, 0
		case 2:
			d := time.Duration(1+rng.IntN(4)) * time.Second
			return 0, retryAfterError(d), true, d
		}
		return -1, errBoom, true, 0
	}
	for step := range steps {
		now := clk.elapsed()
		switch op := rng.IntN(100); {
		case op < 30 && len(permits) < 10: // admit a call that will end later
			p, err := b.Allow(context.Background())
			ok, state, retry := m.allow(now)
			trace = append(trace, fmt.Sprintf("%d @%v allow: %v", step, now, err))
			if ok != (err == nil) {
				fail("Allow admitted = %v, model says %v", err == nil, ok)
			}
			if !ok {
				var oe *circuitbreaker.OpenError
				if !errors.As(err, &oe) || oe.State != state || oe.RetryAfter() != retry {
					fail("Allow rejected with %#v (RetryAfter %v), model says state %v, RetryAfter %v", err, oe.RetryAfter(), state, retry)
				}
				break
			}
			mp := &modelPermit{gen: m.gen, state: m.state, start: now, real: p}
			if p.Trial() != (mp.state == circuitbreaker.HalfOpen) {
				fail("Permit.Trial() = %v in model state %v", p.Trial(), mp.state)
			}
			permits = append(permits, mp)
		case op < 60 && len(permits) > 0: // end an outstanding call
			i := rng.IntN(len(permits))
			p := permits[i]
			permits = append(permits[:i], permits[i+1:]...)
			if rng.IntN(8) == 0 {
				trace = append(trace, fmt.Sprintf("%d @%v cancel a permit of gen %d", step, now, p.gen))
				p.real.Cancel()
				m.cancel(p)
				break
			}
			r, err, failed, delay := outcome()
			trace = append(trace, fmt.Sprintf("%d @%v done(%d, %v) of gen %d %v", step, now, r, err, p.gen, p.state))
			p.real.Done(r, err)
			m.done(p, failed, delay, now)
		case op < 70: // a whole call through Execute
			r, err, failed, delay := outcome()
			ctx, cancel := context.WithCancel(context.Background())
			kind := rng.IntN(6)
			trace = append(trace, fmt.Sprintf("%d @%v execute kind %d (%d, %v)", step, now, kind, r, err))
			ok, state, retry := m.allow(now)
			mp := &modelPermit{gen: m.gen, state: m.state, start: now}
			func() {
				defer func() { _ = recover() }()
				_, gotErr := b.Execute(ctx, func(ctx context.Context) (int, error) {
					switch kind {
					case 0:
						cancel() // caller-ended
						return r, err
					case 1:
						panic("boom")
					}
					return r, err
				})
				if ok == errors.Is(gotErr, circuitbreaker.ErrOpen) {
					fail("Execute: %v, model admits: %v", gotErr, ok)
				}
				if oe := (*circuitbreaker.OpenError)(nil); errors.As(gotErr, &oe) && (oe.State != state || oe.RetryAfter() != retry) {
					fail("Execute rejected in %v with RetryAfter %v, model says %v, %v", oe.State, oe.RetryAfter(), state, retry)
				}
			}()
			cancel()
			if ok {
				switch kind {
				case 0:
					m.cancel(mp)
				case 1:
					m.done(mp, true, 0, now)
				default:
					m.done(mp, failed, delay, now)
				}
			}
		case op < 93: // time passes
			d := []time.Duration{0, 1, time.Second / 2, time.Second, 2*time.Second - 1, 3 * time.Second, 11 * time.Second}[rng.IntN(7)]
			trace = append(trace, fmt.Sprintf("%d @%v advance %v", step, now, d))
			clk.Add(d)
		default: // by hand
			to := []circuitbreaker.State{circuitbreaker.Closed, circuitbreaker.ForcedOpen, circuitbreaker.Disabled, circuitbreaker.MetricsOnly}[rng.IntN(4)]
			trace = append(trace, fmt.Sprintf("%d @%v force %v", step, now, to))
			switch to {
			case circuitbreaker.Closed:
				b.Reset()
			case circuitbreaker.ForcedOpen:
				b.ForceOpen()
			case circuitbreaker.Disabled:
				b.Disable()
			case circuitbreaker.MetricsOnly:
				b.MetricsOnly()
			}
			m.force(to, now)
		}

		now = clk.elapsed()
		m.expire(now)
		if s := b.State(); s != m.state {
			fail("State() = %v, model says %v", s, m.state)
		}
		calls, failures, slow := m.totals(now)
		want := circuitbreaker.Metrics{
			State: m.state, InState: now - m.since, Calls: calls, Failures: failures, SlowCalls: slow,
			ConsecutiveFailures: m.consec,
		}
		if calls > 0 {
			want.FailureRate = float64(failures) / float64(calls)
			want.SlowCallRate = float64(slow) / float64(calls)
		}
		if gotM := b.Metrics(); gotM != want {
			fail("Metrics() = %+v, model says %+v", gotM, want)
		}
		if len(got) != len(m.changes) || fmt.Sprint(got) != fmt.Sprint(m.changes) {
			fail("announced changes %v, model says %v", got, m.changes)
		}
	}
}

func joinLines(lines []string) string {
	if len(lines) > 40 {
		lines = append([]string{"..."}, lines[len(lines)-40:]...)
	}
	s := ""
	for _, l := range lines {
		s += l + "\n"
	}
	return s
}
