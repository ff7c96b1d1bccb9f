package timeout_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/timeout"
)

// The model test: random sequences of events (the deadline passes, the
// parent is cancelled, fake time moves on) and of uses of next's ctx
// (Done, Err, Cause, Deadline, AfterFunc and its stop, a child), applied
// at once to next's ctx and to a context.WithDeadlineCause of the same
// parent, deadline and cause. Every use must answer as the reference
// does, and Execute must return what an implementation built on the
// reference would: ErrExceeded (with OnTimeout called and the result
// discarded) exactly when the reference's cause is ours when next returns.
//
// Each sequence runs in its own synctest bubble with the real clock
// (Config.Clock nil): fake time moves only when the sequence sleeps, and
// synctest.Wait lets every timer's and AfterFunc's goroutine run before
// the next step, so every step is deterministic. Uses are compared one at
// a time, never by looking at everything after each step: looking makes
// the context, and the sequences that matter are those in which nothing
// looked while events happened.

const (
	modelSequences = 3000 // per kind of parent
	modelTimeout   = time.Second
)

// modelSeed seeds the sequences; a failure prints it with the sequence.
// Other seeds explore more: go test ./timeout -run Model -args -model.seed=N
var modelSeed = flag.Uint64("model.seed", 20261206, "seed of the timeout model test's random sequences")

// parents are the kinds of parent a sequence runs under.
var modelParents = []string{"background", "cancellable", "later deadline", "outer timeout"}

// modelRun is one sequence's state: next's ctx beside the reference, and
// what the uses so far registered on each.
type modelRun struct {
	t      *testing.T
	rng    *rand.Rand
	log    []string
	start  time.Time
	ours   context.Context
	ref    context.Context
	cancel context.CancelCauseFunc // the parent's; nil if it cannot be cancelled
	why    error

	afters   []modelAfter
	children [][2]context.Context
	mu       sync.Mutex // guards failed and log while uses run together
	failed   bool
}

type modelAfter struct {
	stop  [2]func() bool
	fired [2]*fired
}

type fired struct {
	mu sync.Mutex
	on bool
}

func (f *fired) set() { f.mu.Lock(); f.on = true; f.mu.Unlock() }
func (f *fired) get() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.on
}

// name reads an error as the model tells errors apart.
func (m *modelRun) name(err error) string {
	var ee *timeout.ExceededError
	switch {
	case err == nil:
		return "nil"
	case err == m.why:
		return "parent's cause"
	case errors.As(err, &ee) && ee.Limit == modelTimeout:
		return "ours"
	case errors.As(err, &ee):
		return fmt.Sprintf("outer's (%v)", ee.Limit)
	case err == context.Canceled:
		return "Canceled"
	case err == context.DeadlineExceeded:
		return "DeadlineExceeded"
	}
	return "other: " + err.Error()
}

func (m *modelRun) fail(format string, args ...any) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failed {
		return
	}
	m.failed = true
	m.t.Errorf("%s\nsequence: %s", fmt.Sprintf(format, args...), strings.Join(m.log, ", "))
}

func (m *modelRun) same(what string, got, want any) {
	if got != want {
		m.fail("%s: next's ctx says %v, context.WithDeadlineCause says %v", what, got, want)
	}
}

func closed(ctx context.Context) bool {
	select {
	case <-ctx.Done():
		return true
	default:
		return false
	}
}

// settle lets every goroutine of the bubble run, then checks what reading
// costs nothing: AfterFuncs fired, children's state.
func (m *modelRun) settle() {
	synctest.Wait()
	for i, a := range m.afters {
		m.same(fmt.Sprintf("AfterFunc %d fired", i), a.fired[0].get(), a.fired[1].get())
	}
	for i, c := range m.children {
		m.same(fmt.Sprintf("child %d Err", i), m.name(c[0].Err()), m.name(c[1].Err()))
		m.same(fmt.Sprintf("child %d Cause", i), m.name(context.Cause(c[0])), m.name(context.Cause(c[1])))
	}
}

// use applies one use of a ctx to both and compares the answers.
func (m *modelRun) use(op string) {
	m.log = append(m.log, op)
	m.answer(op)
}

// answer applies op to both and compares the answers; the ops that
// register something keep it for later steps. Err, Cause, CallerEnded,
// Done and Deadline may run on several goroutines at once.
func (m *modelRun) answer(op string) {
	switch op {
	case "Err":
		m.same("Err", m.name(m.ours.Err()), m.name(m.ref.Err()))
	case "Cause":
		m.same("Cause", m.name(context.Cause(m.ours)), m.name(context.Cause(m.ref)))
	case "CallerEnded":
		m.same("resilience.CallerEnded", resilience.CallerEnded(m.ours), resilience.CallerEnded(m.ref))
	case "Done":
		m.same("Done closed", closed(m.ours), closed(m.ref))
	case "Deadline":
		od, ook := m.ours.Deadline()
		rd, rok := m.ref.Deadline()
		m.same("Deadline", fmt.Sprint(od, ook), fmt.Sprint(rd, rok))
	case "AfterFunc":
		a := modelAfter{fired: [2]*fired{{}, {}}}
		a.stop[0] = context.AfterFunc(m.ours, a.fired[0].set)
		a.stop[1] = context.AfterFunc(m.ref, a.fired[1].set)
		m.afters = append(m.afters, a)
	case "stop":
		if len(m.afters) > 0 {
			a := m.afters[m.rng.IntN(len(m.afters))]
			m.same("AfterFunc's stop", a.stop[0](), a.stop[1]())
		}
	case "child":
		oc, ocancel := context.WithCancel(m.ours)
		rc, rcancel := context.WithCancel(m.ref)
		m.t.Cleanup(ocancel)
		m.t.Cleanup(rcancel)
		m.children = append(m.children, [2]context.Context{oc, rc})
	}
}

var modelUses = []string{"Err", "Cause", "CallerEnded", "Done", "Deadline", "AfterFunc", "stop", "child"}

// step takes one random step of the sequence.
func (m *modelRun) step() {
	switch k := m.rng.IntN(10); {
	case k < 3:
		d := []time.Duration{100 * time.Millisecond, 450 * time.Millisecond, time.Second}[m.rng.IntN(3)]
		m.log = append(m.log, fmt.Sprintf("sleep %v (to %v)", d, time.Since(m.start)+d))
		time.Sleep(d)
	case k < 4 && m.cancel != nil:
		m.log = append(m.log, fmt.Sprintf("cancel parent at %v", time.Since(m.start)))
		m.cancel(m.why)
	case k < 5:
		// Uses that need no bookkeeping, from several goroutines at
		// once: each must answer as the reference does at this instant.
		ops := make([]string, 2+m.rng.IntN(3))
		for i := range ops {
			ops[i] = []string{"Err", "Cause", "CallerEnded", "Done", "Deadline"}[m.rng.IntN(5)]
		}
		m.log = append(m.log, fmt.Sprintf("together %v", ops))
		var wg sync.WaitGroup
		for _, op := range ops {
			wg.Go(func() { m.answer(op) })
		}
		wg.Wait()
	default:
		m.use(modelUses[m.rng.IntN(len(modelUses))])
	}
	m.settle()
}

// runModel runs one sequence under the kind of parent given and reports
// whether it failed.
func runModel(t *testing.T, seed uint64, seq int, parentKind string) {
	synctest.Test(t, func(t *testing.T) {
		m := &modelRun{t: t, rng: rand.New(rand.NewPCG(seed, uint64(seq))), why: errors.New("the caller gave up"), start: time.Now()}
		m.log = append(m.log, fmt.Sprintf("seed %d, sequence %d, parent %s", seed, seq, parentKind))
		rec := &recorder{}
		p := timeout.New[int](timeout.Config{Timeout: modelTimeout, OnTimeout: rec.onTimeout})
		base := resilience.WithDiscard(context.Background(), rec.discard)

		var parent context.Context = base
		refParent := func(context.Context) context.Context { return base }
		switch parentKind {
		case "cancellable":
			ctx, cancel := context.WithCancelCause(base)
			defer cancel(nil)
			parent, m.cancel = ctx, cancel
			refParent = func(context.Context) context.Context { return ctx }
		case "later deadline":
			ctx, cancel := context.WithCancelCause(base)
			defer cancel(nil)
			ctx2, cancel2 := context.WithDeadline(ctx, m.start.Add(3*modelTimeout))
			defer cancel2()
			parent, m.cancel = ctx2, cancel
			refParent = func(context.Context) context.Context { return ctx2 }
		case "outer timeout":
			ctx, cancel := context.WithCancelCause(base)
			defer cancel(nil)
			parent, m.cancel = ctx, cancel
			// The reference's parent is the reference of the outer
			// timeout's ctx, made from its deadline when next runs.
			refParent = func(outer context.Context) context.Context {
				d, _ := outer.Deadline()
				ref, refCancel := context.WithDeadlineCause(ctx, d, &timeout.ExceededError{Limit: 3 * modelTimeout})
				t.Cleanup(refCancel)
				return ref
			}
		}

		var refExceeded bool
		var want int
		next := func(outer context.Context) func(ctx context.Context) (int, error) {
			return func(ctx context.Context) (int, error) {
				m.ours = ctx
				d, _ := ctx.Deadline()
				ref, refCancel := context.WithDeadlineCause(refParent(outer), d, &timeout.ExceededError{Limit: modelTimeout})
				defer refCancel()
				m.ref = ref
				for range 4 + m.rng.IntN(10) {
					m.step()
				}
				refExceeded = m.name(context.Cause(ref)) == "ours"
				want = 7
				if m.rng.IntN(2) == 0 {
					m.log = append(m.log, "return ctx.Err()")
					return want, ctx.Err()
				}
				m.log = append(m.log, "return 7, nil")
				return want, nil
			}
		}
		var r, discards int
		var err error
		if parentKind == "outer timeout" {
			// The outer timeout may fire too; what is compared is what
			// the inner one returned to it.
			outer := timeout.New[int](timeout.Config{Timeout: 3 * modelTimeout})
			_, _ = outer.Execute(parent, func(octx context.Context) (int, error) {
				r, err = p.Execute(octx, next(octx))
				discards = len(rec.discarded)
				return r, err
			})
		} else {
			r, err = p.Execute(parent, next(nil))
			discards = len(rec.discarded)
		}
		if refExceeded {
			var ee *timeout.ExceededError
			if !errors.As(err, &ee) || ee.Limit != modelTimeout || len(rec.hooks) != 1 || discards != 1 || r != 0 {
				m.fail("the reference's cause is ours: Execute = (%d, %v) with %d OnTimeout calls and %d discards, want ErrExceeded, 1 and 1", r, err, len(rec.hooks), discards)
			}
		} else if errors.Is(err, timeout.ErrExceeded) || len(rec.hooks) != 0 || r != want {
			m.fail("the reference's cause is not ours: Execute = (%d, %v) with %d OnTimeout calls, want next's outcome and none", r, err, len(rec.hooks))
		}
	})
}

// TestModelAgainstWithDeadlineCause runs modelSequences random sequences
// under each kind of parent.
func TestModelAgainstWithDeadlineCause(t *testing.T) {
	for _, kind := range modelParents {
		t.Run(kind, func(t *testing.T) {
			for seq := range modelSequences {
				runModel(t, *modelSeed, seq, kind)
				if t.Failed() {
					return
				}
			}
		})
	}
}

// TestConcurrentObserversAgree has goroutines of next's use its ctx while
// the deadline comes and, at that same instant or near it, the parent is
// cancelled: which wins is not decided, but every goroutine must see the
// same outcome, a value once reported never changes, Err and Cause agree,
// and Execute returns ErrExceeded exactly when that outcome is ours.
func TestConcurrentObserversAgree(t *testing.T) {
	for seq := range 500 {
		rng := rand.New(rand.NewPCG(*modelSeed, uint64(seq)))
		cancelAt := modelTimeout + time.Duration(rng.IntN(3)-1)*time.Millisecond
		synctest.Test(t, func(t *testing.T) {
			parent, cancel := context.WithCancelCause(context.Background())
			defer cancel(nil)
			why := errors.New("the caller gave up")
			time.AfterFunc(cancelAt, func() { cancel(why) })
			rec := &recorder{}
			p := timeout.New[int](timeout.Config{Timeout: modelTimeout, OnTimeout: rec.onTimeout})
			const observers = 4
			seen := make([][]string, observers)
			_, err := p.Execute(parent, func(ctx context.Context) (int, error) {
				var wg sync.WaitGroup
				for i := range observers {
					uses := rng.Perm(3)
					wg.Go(func() {
						time.Sleep(modelTimeout - time.Millisecond + time.Duration(i)*time.Millisecond/2)
						for range 20 {
							for _, u := range uses {
								var e, c error
								switch u {
								case 0:
									e = ctx.Err()
									if e != nil {
										c = context.Cause(ctx)
									}
								case 1:
									c = context.Cause(ctx)
									if c != nil {
										e = ctx.Err()
									}
								case 2:
									if !closed(ctx) {
										continue
									}
									e, c = ctx.Err(), context.Cause(ctx)
								}
								seen[i] = append(seen[i], outcomeOf(e, c, why))
								runtime.Gosched()
							}
						}
					})
				}
				wg.Wait()
				time.Sleep(modelTimeout) // both events are long past
				return 0, ctx.Err()
			})
			var outcome string // the first end any observer reported
			for i, s := range seen {
				mine := ""
				for _, o := range s {
					switch {
					case o == "inconsistent":
						t.Fatalf("sequence %d (cancel at %v): observer %d saw Err and Cause disagree: %v", seq, cancelAt, i, s)
					case o == "open" && mine != "":
						t.Fatalf("sequence %d (cancel at %v): observer %d saw ctx open after %s: %v", seq, cancelAt, i, mine, s)
					case o == "open":
					case outcome == "":
						outcome, mine = o, o
					case o != outcome:
						t.Fatalf("sequence %d (cancel at %v): observer %d saw %s, another %s: %v", seq, cancelAt, i, o, outcome, seen)
					default:
						mine = o
					}
				}
			}
			exceeded := errors.Is(err, timeout.ErrExceeded)
			if outcome != "" && exceeded != (outcome == "ours") {
				t.Fatalf("sequence %d (cancel at %v): observers saw %s, Execute returned %v", seq, cancelAt, outcome, err)
			}
			if exceeded != (len(rec.hooks) == 1) {
				t.Fatalf("sequence %d: Execute returned %v with %d OnTimeout calls", seq, err, len(rec.hooks))
			}
		})
	}
}

// outcomeOf names what Err and Cause said together: "open", "ours",
// "parent", or "inconsistent".
func outcomeOf(err, cause error, why error) string {
	var ee *timeout.ExceededError
	switch {
	case err == nil && cause == nil:
		return "open"
	case err == context.DeadlineExceeded && errors.As(cause, &ee):
		return "ours"
	case err == context.Canceled && cause == why:
		return "parent"
	}
	return "inconsistent"
}
