package circuitbreaker_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
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
	rng := rngChooser{rand.New(rand.NewPCG(uint64(seed), 0))}
	driveModel(t, rng, func(step int) bool { return step < steps }, fmt.Sprintf("seed %d, ", seed))
}

// chooser hands out the choices that drive a model run: a seeded random
// source (TestModel) or the fuzzer's bytes (FuzzStateMachine).
type chooser interface{ intn(n int) int }

type rngChooser struct{ *rand.Rand }

func (r rngChooser) intn(n int) int { return r.IntN(n) }

// driveModel drives a breaker and the reference model of model_test.go
// with the same operations, taken from in while more(step) holds: the
// configuration first, then admissions held as permits and ended later in
// any order (so calls overlap and straddle changes of state), whole calls
// through Execute (succeeding, failing, cancelled by the caller,
// panicking), clock moves landing on and around the open delay, and manual
// changes. After every operation the state, metrics, rejections and
// announced changes must agree with the model. label prefixes failures.
func driveModel(t *testing.T, in chooser, more func(step int) bool, label string) {
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
		if in.intn(3) == 0 {
			m.rateOff = true
			cfg.FailureRate = circuitbreaker.RateOff
		}
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
	if in.intn(3) == 0 {
		m.halfOpenWait = time.Duration(1+in.intn(4)) * time.Second
		cfg.HalfOpenMaxWait = m.halfOpenWait
	}
	cfg.IgnoreIf = func(r int, _ error) bool { return r == ignoredResult }
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
	trace := []string{fmt.Sprintf("%sconfig %+v", label, cfg)}
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("%safter:\n%s\n%s", label, joinLines(trace), fmt.Sprintf(format, args...))
	}
	// outcome decodes an outcome and the delay the model expects
	// OpenDelayFunc to give for it; ignored: IgnoreIf picks it.
	//lint:ignore ST1008 the outcome is decoded as the model reads it: the call's result, then what the breaker makes of it
	outcome := func() (r int, err error, failed, ignored bool, delay time.Duration) {
		switch in.intn(5) {
		case 0, 1:
			return 1, nil, false, false, 0
		case 2:
			d := time.Duration(1+in.intn(4)) * time.Second
			return 0, retryAfterError(d), true, false, d
		case 3:
			return ignoredResult, errBoom, true, true, 0
		}
		return -1, errBoom, true, false, 0
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
	for step := 0; more(step); step++ {
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
			r, err, failed, ignored, delay := outcome()
			trace = append(trace, fmt.Sprintf("%d @%v done(%d, %v) of gen %d %v", step, now, r, err, p.gen, p.state))
			p.real.Done(r, err)
			if ignored {
				m.cancel(p)
				break
			}
			m.done(p, failed, delay, now)
		case op < 75: // a whole call through Execute
			kind := in.intn(4) // 0: caller-ended, 1: panic, else the outcome
			r, err, failed, ignored, delay := outcome()
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
			switch {
			case kind == 0 && failed, kind != 1 && ignored: // a failure after the caller gave up, an ignored outcome: neither way
				m.cancel(mp)
			case kind == 1:
				if panicked != errBoom {
					fail("Execute panicked with %v, want the call's panic", panicked)
				}
				m.done(mp, true, 0, now)
			default:
				if o, ok := gotErr.(*circuitbreaker.OpenedError); ok {
					gotErr = o.Err // the breaker rejects the calls after this one: see rejection_test.go
				}
				if gotErr != err {
					fail("Execute returned %v, want the call's own %v", gotErr, err)
				}
				m.done(mp, failed, delay, now)
			}
		case op < 93: // time passes: around the open delays and the buckets
			halfOpenEnd := m.since + m.halfOpenWait - now // where HalfOpenMaxWait ends a half-open period
			d := []time.Duration{0, 1, time.Second / 2, time.Second, 2*time.Second - 1, 3 * time.Second, 11 * time.Second,
				m.until - now, m.until - now - 1, halfOpenEnd, halfOpenEnd - 1}[in.intn(11)]
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
}

// ignoredResult is the result the model runs' IgnoreIf picks.
const ignoredResult = 7

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
