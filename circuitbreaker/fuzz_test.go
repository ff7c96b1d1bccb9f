package circuitbreaker_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/circuitbreaker"
)

// fuzzBytes hands out the fuzzer's bytes as small choices.
type fuzzBytes struct{ b []byte }

func (f *fuzzBytes) more() bool { return len(f.b) > 0 }

// intn returns a choice in [0, n) from the next byte; 0 once they are used up.
func (f *fuzzBytes) intn(n int) int {
	if len(f.b) == 0 {
		return 0
	}
	c := f.b[0]
	f.b = f.b[1:]
	return int(c) % n
}

// FuzzStateMachine drives a breaker and the reference model of
// model_test.go with the same sequence of operations, decoded from the
// fuzzer's bytes: the configuration first, then admissions held as
// permits and ended later in any order (so calls overlap and straddle
// changes of state), whole calls through Execute (succeeding, failing,
// cancelled by the caller, panicking), clock moves landing on and around
// the open delay, and manual changes. After every operation the state,
// metrics, rejections and announced changes must agree with the model.
func FuzzStateMachine(f *testing.F) {
	f.Add([]byte{0, 3, 1, 0, 1, 0, 0, 0})
	f.Add([]byte{0, 0, 0, 1, 1, 1, 2, 65, 65, 65, 65, 90, 0, 80, 5, 70, 1, 20, 20, 50, 50, 99})
	f.Add([]byte{1, 4, 2, 1, 2, 1, 1, 3, 1, 66, 66, 66, 66, 66, 66, 85, 3, 10, 10, 10, 40, 41, 42, 95, 1, 63, 0})
	f.Add([]byte{0, 11, 5, 3, 0, 0, 2, 4, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 90, 6, 90, 3, 97, 2, 98, 3, 96, 0})
	f.Add([]byte{1, 7, 0, 1, 3, 1, 1, 0, 0, 0, 0, 0, 35, 36, 37, 92, 4, 0, 0, 33, 34, 93, 1, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		in := &fuzzBytes{b: data}
		clk := &fakeClock{}
		m := &model{halfOpenCalls: 1 + in.intn(3), fail: modelRates[in.intn(len(modelRates))]}
		cfg := circuitbreaker.Config[int]{Clock: clk, HalfOpenCalls: m.halfOpenCalls, FailureRate: m.fail.f}
		if in.intn(2) == 0 {
			m.windowSize = 1 + in.intn(12)
			m.minCalls = 1 + in.intn(m.windowSize)
			cfg.WindowSize = m.windowSize
		} else {
			cfg.WindowPeriod = 10 * time.Second
			m.width = int64(time.Second)
			m.minCalls = 1 + in.intn(8)
		}
		cfg.MinCalls = m.minCalls
		if n := in.intn(5); n > 0 {
			m.consecLimit = n
			cfg.ConsecutiveFailures = n
		}
		if in.intn(2) == 0 {
			m.slowCall = 2 * time.Second
			m.slowR = modelRates[in.intn(len(modelRates))]
			cfg.SlowCallDuration, cfg.SlowCallRate = m.slowCall, m.slowR.f
		}
		m.openDelay = circuitbreaker.DefaultOpenDelay
		switch in.intn(3) {
		case 0:
			m.openDelay = time.Duration(1+in.intn(5)) * time.Second
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
			return 0
		}
		var got []string
		cfg.OnStateChange = func(from, to circuitbreaker.State) { got = append(got, from.String()+">"+to.String()) }
		b := circuitbreaker.New(cfg)

		var permits []*modelPermit
		trace := []string{fmt.Sprintf("config %+v", cfg)}
		fail := func(format string, args ...any) {
			t.Helper()
			t.Fatalf("after:\n%s\n%s", joinLines(trace), fmt.Sprintf(format, args...))
		}
		// outcome decodes an outcome and the delay the model expects
		// OpenDelayFunc to give for it.
		outcome := func() (r int, err error, failed bool, delay time.Duration) {
			switch in.intn(4) {
			case 0, 1:
				return 1, nil, false, 0
			case 2:
				d := time.Duration(1+in.intn(4)) * time.Second
				return 0, retryAfterError(d), true, d
			}
			return -1, errBoom, true, 0
		}
		checkRejection := func(what string, err error, state circuitbreaker.State, retry time.Duration) {
			var oe *circuitbreaker.OpenError
			if !errors.As(err, &oe) || !errors.Is(err, circuitbreaker.ErrOpen) {
				fail("%s = %v, want an *OpenError", what, err)
			}
			if oe.State != state || oe.RetryAfter() != retry {
				fail("%s rejected in %v with RetryAfter %v, model says %v, %v", what, oe.State, oe.RetryAfter(), state, retry)
			}
		}
		for step := 0; in.more(); step++ {
			now := clk.elapsed()
			switch op := in.intn(100); {
			case op < 30: // admit a call that will end later
				if len(permits) >= 10 {
					break
				}
				p, err := b.Allow(context.Background())
				ok, state, retry := m.allow(now)
				trace = append(trace, fmt.Sprintf("%d @%v allow: %v", step, now, err))
				if ok != (err == nil) {
					fail("Allow admitted = %v, model says %v", err == nil, ok)
				}
				if !ok {
					checkRejection("Allow", err, state, retry)
					break
				}
				mp := &modelPermit{gen: m.gen, state: m.state, start: now, real: p}
				if p.Trial() != (mp.state == circuitbreaker.HalfOpen) {
					fail("Permit.Trial() = %v in model state %v", p.Trial(), mp.state)
				}
				permits = append(permits, mp)
			case op < 60: // end an outstanding call
				if len(permits) == 0 {
					break
				}
				i := in.intn(len(permits))
				p := permits[i]
				permits = slices.Delete(permits, i, i+1)
				if in.intn(8) == 0 {
					trace = append(trace, fmt.Sprintf("%d @%v cancel a permit of gen %d", step, now, p.gen))
					p.real.Cancel()
					m.cancel(p)
					break
				}
				r, err, failed, delay := outcome()
				trace = append(trace, fmt.Sprintf("%d @%v done(%d, %v) of gen %d %v", step, now, r, err, p.gen, p.state))
				p.real.Done(r, err)
				m.done(p, failed, delay, now)
			case op < 75: // a whole call through Execute
				kind := in.intn(4) // 0: caller-ended, 1: panic, else the outcome
				r, err, failed, delay := outcome()
				trace = append(trace, fmt.Sprintf("%d @%v execute kind %d (%d, %v)", step, now, kind, r, err))
				ok, state, retry := m.allow(now)
				mp := &modelPermit{gen: m.gen, state: m.state, start: now}
				ctx, cancel := context.WithCancel(context.Background())
				called := false
				var gotErr error
				panicked := func() (v any) {
					defer func() { v = recover() }()
					_, gotErr = b.Execute(ctx, func(ctx context.Context) (int, error) {
						called = true
						switch kind {
						case 0:
							cancel()
						case 1:
							panic(errBoom)
						}
						return r, err
					})
					return nil
				}()
				cancel()
				if called != ok {
					fail("Execute called next = %v, model admits %v", called, ok)
				}
				if !ok {
					checkRejection("Execute", gotErr, state, retry)
					break
				}
				switch kind {
				case 0:
					m.cancel(mp)
				case 1:
					if panicked != errBoom {
						fail("Execute panicked with %v, want the call's panic", panicked)
					}
					m.done(mp, true, 0, now)
				default:
					if gotErr != err {
						fail("Execute returned %v, want the call's own %v", gotErr, err)
					}
					m.done(mp, failed, delay, now)
				}
			case op < 93: // time passes: around the open delays and the buckets
				d := []time.Duration{0, 1, time.Second / 2, time.Second, 2*time.Second - 1, 3 * time.Second, 11 * time.Second, m.until - now, m.until - now - 1}[in.intn(9)]
				d = max(d, 0)
				trace = append(trace, fmt.Sprintf("%d @%v advance %v", step, now, d))
				clk.Add(d)
			default: // by hand
				to := []circuitbreaker.State{circuitbreaker.Closed, circuitbreaker.ForcedOpen, circuitbreaker.Disabled, circuitbreaker.MetricsOnly}[in.intn(4)]
				trace = append(trace, fmt.Sprintf("%d @%v force %v", step, now, to))
				map[circuitbreaker.State]func(){
					circuitbreaker.Closed: b.Reset, circuitbreaker.ForcedOpen: b.ForceOpen,
					circuitbreaker.Disabled: b.Disable, circuitbreaker.MetricsOnly: b.MetricsOnly,
				}[to]()
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
			if fmt.Sprint(got) != fmt.Sprint(m.changes) {
				fail("announced changes %v, model says %v", got, m.changes)
			}
		}
	})
}

// rateOK is the documented rule for FailureRate and SlowCallRate, written
// independently of the package: 0 (the default) or in (0, 1] with at most
// 19 decimal places in its shortest decimal form.
func rateOK(f float64) bool {
	if f == 0 {
		return true
	}
	if !(f > 0 && f <= 1) {
		return false
	}
	// Shortest form "d.ddde-XX": places = digits after the point - exponent.
	s := strconv.FormatFloat(f, 'e', -1, 64)
	mant, exp, _ := strings.Cut(s, "e")
	e, _ := strconv.Atoi(exp)
	_, frac, _ := strings.Cut(mant, ".")
	return len(frac)-e <= 19
}

// FuzzValidate checks that Config.Validate accepts exactly the configs the
// documented rules allow, names an invalid field, never panics, and that
// New agrees with it.
func FuzzValidate(f *testing.F) {
	f.Add(0, int64(0), 0, 0.0, 0, int64(0), 0.0, int64(0), false, 0)
	f.Add(10, int64(0), 11, 0.7, 3, int64(time.Second), 0.5, int64(time.Second), false, 2)
	f.Add(0, int64(10*time.Millisecond), 500, 1.0, 0, int64(0), 0.0, int64(0), true, 1)
	f.Add(-1, int64(-1), -1, math.NaN(), -1, int64(-1), 1.5, int64(-1), true, -1)
	f.Add(100001, int64(9*time.Millisecond), 0, 1e-19, 0, int64(0), 1.5e-19, int64(0), false, 0)
	f.Add(0, int64(0), 100, 0.1+0.2, 0, int64(1), 1.0/3, int64(0), false, 0)
	f.Fuzz(func(t *testing.T, windowSize int, windowPeriod int64, minCalls int, failureRate float64, consecutive int,
		slowCall int64, slowRate float64, openDelay int64, backoff bool, halfOpen int) {
		cfg := circuitbreaker.Config[int]{
			WindowSize: windowSize, WindowPeriod: time.Duration(windowPeriod), MinCalls: minCalls,
			FailureRate: failureRate, ConsecutiveFailures: consecutive,
			SlowCallDuration: time.Duration(slowCall), SlowCallRate: slowRate,
			OpenDelay: time.Duration(openDelay), HalfOpenCalls: halfOpen,
		}
		if backoff {
			cfg.OpenBackoff = backoffFunc(func(int, time.Duration) time.Duration { return time.Second })
		}
		var bad []string
		size := windowSize
		if size == 0 {
			size = 100
		}
		if windowSize < 0 || windowSize > 100_000 || windowPeriod > 0 && windowSize != 0 {
			bad = append(bad, "WindowSize")
		}
		if windowPeriod < 0 || windowPeriod > 0 && windowPeriod < int64(10*time.Millisecond) {
			bad = append(bad, "WindowPeriod")
		}
		if minCalls < 0 || windowPeriod == 0 && minCalls > size {
			bad = append(bad, "MinCalls")
		}
		if !rateOK(failureRate) {
			bad = append(bad, "FailureRate")
		}
		if consecutive < 0 {
			bad = append(bad, "ConsecutiveFailures")
		}
		if slowCall < 0 {
			bad = append(bad, "SlowCallDuration")
		}
		if !rateOK(slowRate) || slowRate != 0 && slowCall == 0 {
			bad = append(bad, "SlowCallRate")
		}
		if openDelay < 0 || openDelay != 0 && backoff {
			bad = append(bad, "OpenDelay")
		}
		if halfOpen < 0 {
			bad = append(bad, "HalfOpenCalls")
		}
		err := cfg.Validate()
		panicked := func() (v any) {
			defer func() { v = recover() }()
			b := circuitbreaker.New(cfg)
			if _, err := b.Execute(context.Background(), succeed); err != nil {
				t.Fatalf("a new breaker rejected its first call: %v", err)
			}
			return nil
		}()
		if len(bad) == 0 {
			if err != nil || panicked != nil {
				t.Fatalf("valid config %+v: Validate() = %v, New panicked with %v", cfg, err, panicked)
			}
			return
		}
		var ce *resilience.ConfigError
		if !errors.As(err, &ce) || !errors.Is(err, resilience.ErrInvalidConfig) || ce.Policy != "circuitbreaker" {
			t.Fatalf("invalid %v in %+v: Validate() = %v, want a circuitbreaker *ConfigError", bad, cfg, err)
		}
		if !slices.Contains(bad, ce.Field) {
			t.Fatalf("Validate() = %v: names %s, want one of %v", err, ce.Field, bad)
		}
		if perr, ok := panicked.(error); !ok || perr.Error() != err.Error() {
			t.Fatalf("New panicked with %v, want Validate's error %v", panicked, err)
		}
	})
}
