package circuitbreaker_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/circuitbreaker"
	"github.com/go-resilience/resilience/resiliencetest"
)

// A panic in a callback that classifies or opens on a half-open trial's
// outcome must not keep the trial's permit: the breaker leaves half-open
// (a panic is a failure, so it opens) and the panic goes on unchanged.

// panicsOn42 is a FailureIf that panics with "classify" on the result 42
// and fails errors otherwise.
func panicsOn42(r int, err error) bool {
	if r == 42 {
		panic("classify")
	}
	return err != nil
}

func TestPanicInFailureIfFailsTheTrial(t *testing.T) {
	clk := newMock()
	b := tripped(t, circuitbreaker.Config[int]{OpenDelay: time.Second, Clock: clk,
		FailureIf: panicsOn42})
	clk.Add(time.Second)
	assert.PanicsWithValue(t, "classify", func() {
		_, _ = b.Execute(t.Context(), func(context.Context) (int, error) { return 42, nil })
	})
	assert.Equal(t, circuitbreaker.Open, b.State(), "a trial whose FailureIf panicked counts as failed")
	clk.Add(time.Second)
	require.NoError(t, run(b, false), "the next half-open period's trial")
	assert.Equal(t, circuitbreaker.Closed, b.State())
}

func TestPanicInFailureIfInTheTwoStepFormFailsTheTrial(t *testing.T) {
	clk := newMock()
	b := tripped(t, circuitbreaker.Config[int]{OpenDelay: time.Second, Clock: clk,
		FailureIf: panicsOn42})
	clk.Add(time.Second)
	p, err := b.Allow(t.Context())
	require.NoError(t, err)
	assert.PanicsWithValue(t, "classify", func() { p.Done(42, nil) })
	assert.Equal(t, circuitbreaker.Open, b.State(), "a trial whose FailureIf panicked in Done counts as failed")
}

func TestPanicInFailureIfWhileClosedCountsAsAFailure(t *testing.T) {
	b := circuitbreaker.New(circuitbreaker.Config[int]{ConsecutiveFailures: 2, Clock: newMock(),
		FailureIf: func(int, error) bool { panic("classify") }})
	assert.PanicsWithValue(t, "classify", func() { _ = run(b, false) })
	assert.Equal(t, 1, b.Metrics().Failures, "an outcome whose FailureIf panicked")
}

func TestPanicInOpenDelayFuncAfterAFailedTrialStillOpens(t *testing.T) {
	clk := newMock()
	b := tripped(t, circuitbreaker.Config[int]{OpenDelay: time.Second, Clock: clk,
		OpenDelayFunc: func(r int, err error) time.Duration {
			if r == 42 {
				panic("delay")
			}
			return 0
		}})
	clk.Add(time.Second)
	assert.PanicsWithValue(t, "delay", func() {
		_, _ = b.Execute(t.Context(), func(context.Context) (int, error) { return 42, errBoom })
	})
	oe := openErr(t, run(b, false))
	assert.Equal(t, circuitbreaker.Open, oe.State, "a failed trial whose OpenDelayFunc panicked")
	assert.Equal(t, time.Second, oe.RetryAfter(), "the opening lasts OpenDelay")
}

func TestPanicInOpenBackoffStillOpensForTheDefaultDelay(t *testing.T) {
	clk := newMock()
	b := circuitbreaker.New(circuitbreaker.Config[int]{ConsecutiveFailures: 1, Clock: clk,
		OpenBackoff: backoffFunc(func(int, time.Duration) time.Duration { panic("backoff") })})
	assert.PanicsWithValue(t, "backoff", func() { _ = run(b, true) })
	oe := openErr(t, run(b, false))
	assert.Equal(t, circuitbreaker.Open, oe.State, "a tripping failure whose OpenBackoff panicked")
	assert.Equal(t, circuitbreaker.DefaultOpenDelay, oe.RetryAfter())
}

func TestPanicInOpenBackoffAfterHalfOpenMaxWaitStillReopens(t *testing.T) {
	clk := newMock()
	panicking := false
	b := tripped(t, circuitbreaker.Config[int]{HalfOpenMaxWait: time.Second, Clock: clk,
		OpenBackoff: backoffFunc(func(int, time.Duration) time.Duration {
			if panicking {
				panic("backoff")
			}
			return time.Second
		})})
	clk.Add(time.Second)
	_, err := b.Allow(t.Context()) // a trial that hangs
	require.NoError(t, err)
	clk.Add(time.Second)
	panicking = true
	assert.PanicsWithValue(t, "backoff", func() { _ = b.State() })
	panicking = false
	oe := openErr(t, run(b, false))
	assert.Equal(t, circuitbreaker.Open, oe.State, "a stale half-open period whose OpenBackoff panicked")
	assert.Equal(t, circuitbreaker.DefaultOpenDelay, oe.RetryAfter())
}

// TestPanicInAnyCallbackLeavesTheBreakerUsable injects a panic into every
// callback the breaker has, at every point it is called, through Execute
// and through Allow and Permit.Done. Whatever panics, the panic value comes
// out unchanged; a result the call produced and Execute could not return
// goes to resilience.Discard; and the breaker stays usable: a half-open
// breaker still has its trial permit, and once the longest open delay has
// passed a call is admitted. A callback added later is covered by adding
// its rows.
func TestPanicInAnyCallbackLeavesTheBreakerUsable(t *testing.T) {
	type scenario struct {
		name  string
		setup func(b *circuitbreaker.Breaker[int], clk *clock.Mock) // from a new breaker, callbacks quiet
		fails bool                                                  // the call's outcome
		at    string                                                // where the callback runs: "admission", "call" or "outcome"
	}
	var (
		closedFailing   = scenario{"closed, failing call", nil, true, "outcome"}
		closedSucceed   = scenario{"closed, succeeding call", nil, false, "outcome"}
		halfOpenFailing = scenario{"half-open, failing trial", toHalfOpen, true, "outcome"}
		halfOpenSucceed = scenario{"half-open, succeeding trial", toHalfOpen, false, "outcome"}
		openRejecting   = scenario{"open, rejecting", toOpen, false, "admission"}
		openExpired     = scenario{"open, delay passed", toOpenExpired, false, "admission"}
		halfOpenStale   = scenario{"half-open past HalfOpenMaxWait", toHalfOpenStale, false, "admission"}
		closedCall      = scenario{"closed", nil, false, "call"}
		halfOpenCall    = scenario{"half-open", toHalfOpen, false, "call"}
	)
	type callback struct {
		name      string
		install   func(cfg *circuitbreaker.Config[int], boom func()) // nil: the call panics
		scenarios []scenario
	}
	// classifies reports whether cb's panic stands for the call's outcome,
	// which is then a failure.
	classifies := func(cb callback) bool {
		return cb.install == nil || cb.name == "FailureIf" || cb.name == "IgnoreIf"
	}
	observe := func(kind resilience.EventKind, boom func()) resilience.Observer {
		return resilience.ObserverFunc(func(_ context.Context, e resilience.Event) {
			if e.Kind == kind {
				boom()
			}
		})
	}
	callbacks := []callback{
		{"the call", nil, []scenario{closedCall, halfOpenCall}},
		{"FailureIf", func(cfg *circuitbreaker.Config[int], boom func()) {
			cfg.FailureIf = func(_ int, err error) bool { boom(); return err != nil }
		}, []scenario{closedFailing, closedSucceed, halfOpenFailing, halfOpenSucceed}},
		{"IgnoreIf", func(cfg *circuitbreaker.Config[int], boom func()) {
			cfg.IgnoreIf = func(int, error) bool { boom(); return false }
		}, []scenario{closedFailing, closedSucceed, halfOpenFailing, halfOpenSucceed}},
		{"OpenDelayFunc", func(cfg *circuitbreaker.Config[int], boom func()) {
			cfg.OpenDelayFunc = func(int, error) time.Duration { boom(); return 0 }
		}, []scenario{closedFailing, halfOpenFailing}},
		{"OpenBackoff.Delay", func(cfg *circuitbreaker.Config[int], boom func()) {
			cfg.OpenDelay = 0
			cfg.OpenBackoff = backoffFunc(func(int, time.Duration) time.Duration { boom(); return time.Second })
		}, []scenario{closedFailing, halfOpenFailing, halfOpenStale}},
		{"OnStateChange", func(cfg *circuitbreaker.Config[int], boom func()) {
			cfg.OnStateChange = func(circuitbreaker.State, circuitbreaker.State) { boom() }
		}, []scenario{closedFailing, halfOpenFailing, halfOpenSucceed, openExpired, halfOpenStale}},
		{"Config.Observer on a state change", func(cfg *circuitbreaker.Config[int], boom func()) {
			cfg.Observer = observe(resilience.EventStateChange, boom)
		}, []scenario{closedFailing, halfOpenFailing, halfOpenSucceed, openExpired, halfOpenStale}},
		{"Config.Observer on a rejection", func(cfg *circuitbreaker.Config[int], boom func()) {
			cfg.Observer = observe(resilience.EventRejected, boom)
		}, []scenario{openRejecting}},
		{"the process-wide observer", func(_ *circuitbreaker.Config[int], boom func()) {
			resilience.SetObserver(resilience.ObserverFunc(func(_ context.Context, e resilience.Event) {
				if e.Policy == "circuitbreaker" {
					boom()
				}
			}))
		}, []scenario{closedFailing, halfOpenSucceed, openRejecting, openExpired}},
	}
	for _, cb := range callbacks {
		for _, sc := range cb.scenarios {
			for _, form := range []string{"Execute", "Allow/Done"} {
				if cb.install == nil && form != "Execute" {
					continue // the two-step form's call is the caller's own code
				}
				t.Run(cb.name+"/"+sc.name+"/"+form, func(t *testing.T) {
					defer resilience.SetObserver(nil)
					clk := newMock()
					value := &struct{ where string }{t.Name()} // compared by identity
					var armed atomic.Bool
					boom := func() {
						if armed.Load() {
							panic(value)
						}
					}
					cfg := circuitbreaker.Config[int]{
						ConsecutiveFailures: 1, OpenDelay: time.Second, HalfOpenMaxWait: time.Minute, Clock: clk,
					}
					if cb.install != nil {
						cb.install(&cfg, boom)
					}
					b := circuitbreaker.New(cfg)
					if sc.setup != nil {
						sc.setup(b, clk)
					}
					var err error
					if sc.fails {
						err = errBoom
					}
					var discarded []int
					ctx := resilience.WithDiscard(t.Context(), func(r int) { discarded = append(discarded, r) })
					armed.Store(true)
					got := func() (v any) {
						defer func() { v = recover() }()
						if form == "Execute" {
							_, _ = b.Execute(ctx, func(context.Context) (int, error) {
								if cb.install == nil {
									boom()
								}
								return 7, err
							})
							return nil
						}
						if p, aerr := b.Allow(ctx); aerr == nil {
							p.Done(7, err)
						}
						return nil
					}()
					armed.Store(false)
					require.Same(t, value, got, "the panic that came out (%v)", got)
					if form == "Execute" && sc.at == "outcome" {
						assert.Equal(t, []int{7}, discarded, "results discarded")
					} else {
						assert.Empty(t, discarded, "results discarded with no result produced")
					}

					want := circuitbreaker.Open // ConsecutiveFailures 1: a failure opens
					switch {
					case classifies(cb): // a panic is a failure
					case sc.name == halfOpenSucceed.name:
						want = circuitbreaker.Closed
					case sc.name == openExpired.name:
						want = circuitbreaker.HalfOpen
					}
					assert.Equal(t, want, b.State(), "State after the panic")
					if b.State() == circuitbreaker.HalfOpen {
						p, err := b.Allow(t.Context())
						require.NoError(t, err, "the half-open breaker has lost its trial permit")
						p.Cancel()
					}
					clk.Add(circuitbreaker.DefaultOpenDelay)
					p, err := b.Allow(t.Context())
					require.NoError(t, err, "a call once the longest open delay has passed (State %v)", b.State())
					p.Done(1, nil)
				})
			}
		}
	}
}

// toOpen opens b.
func toOpen(b *circuitbreaker.Breaker[int], _ *clock.Mock) { _ = run(b, true) }

// toOpenExpired opens b and lets its delay pass, unobserved.
func toOpenExpired(b *circuitbreaker.Breaker[int], clk *clock.Mock) {
	toOpen(b, clk)
	clk.Add(time.Second)
}

// toHalfOpen makes b half-open.
func toHalfOpen(b *circuitbreaker.Breaker[int], clk *clock.Mock) {
	toOpenExpired(b, clk)
	_ = b.State()
}

// toHalfOpenStale makes b half-open with its one trial hung past
// HalfOpenMaxWait (1m).
func toHalfOpenStale(b *circuitbreaker.Breaker[int], clk *clock.Mock) {
	toHalfOpen(b, clk)
	if _, err := b.Allow(context.Background()); err != nil {
		panic(err)
	}
	clk.Add(time.Minute)
}

// A change of state that a panicking OnStateChange caused (or that came
// while it ran) is still announced, and the observer still hears of the
// change whose OnStateChange panicked.
func TestPanickingOnStateChangeStillAnnouncesEveryChange(t *testing.T) {
	var ch changes
	rec := &resiliencetest.Events{}
	var b *circuitbreaker.Breaker[int]
	b = circuitbreaker.New(circuitbreaker.Config[int]{
		ConsecutiveFailures: 1, Clock: newMock(), Observer: rec,
		OnStateChange: func(from, to circuitbreaker.State) {
			ch.record(from, to)
			if to == circuitbreaker.Open {
				b.ForceOpen() // announced after this callback returns
				panic("callback")
			}
		},
	})
	assert.PanicsWithValue(t, "callback", func() { _ = run(b, true) })
	assert.Equal(t, []string{"closed>open", "open>forced-open"}, ch.all(), "OnStateChange calls")
	var seen []string
	for _, e := range rec.All() {
		seen = append(seen, e.From+">"+e.To)
	}
	assert.Equal(t, []string{"closed>open", "open>forced-open"}, seen, "state changes the observer saw")
}
