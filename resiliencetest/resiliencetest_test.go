package resiliencetest_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/go-resilience/resilience/circuitbreaker"
	"github.com/go-resilience/resilience/resiliencetest"
)

func TestClockReportsEachWaitInOrder(t *testing.T) {
	clk := resiliencetest.NewClock()
	done := make(chan struct{})
	go func() {
		defer close(done)
		clk.Sleep(time.Second)
		<-clk.After(2 * time.Second)
		<-clk.Timer(3 * time.Second).C
	}()
	for i, want := range []time.Duration{time.Second, 2 * time.Second, 3 * time.Second} {
		d, err := clk.AdvanceNext(context.Background())
		if err != nil || d != want {
			t.Fatalf("wait %d: AdvanceNext = %v, %v; want %v", i+1, d, err, want)
		}
	}
	<-done
	if got := clk.Now(); !got.Equal(time.Unix(6, 0)) {
		t.Errorf("Now() = %v after the three waits, want 6s past the epoch", got)
	}
}

func TestClockDoesNotReportAfterFunc(t *testing.T) {
	clk := resiliencetest.NewClock()
	clk.AfterFunc(time.Second, func() {}).Stop()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if d, err := clk.NextWait(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("NextWait after an AfterFunc = %v, %v; want no wait and context.Canceled", d, err)
	}
}

func TestNextWaitHonoursCtx(t *testing.T) {
	clk := resiliencetest.NewClock()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := clk.AdvanceNext(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("AdvanceNext(canceled ctx) = %v, want context.Canceled", err)
	}
	if !clk.Now().Equal(time.Unix(0, 0)) {
		t.Errorf("AdvanceNext(canceled ctx) moved the clock to %v", clk.Now())
	}
}

// fatal is a testing.TB whose Fatalf records the failure and stops the
// helper, so that the test can see that the helper fails.
type fatal struct {
	testing.TB
	failed string
}

type stop struct{}

func (f *fatal) Helper() {}
func (f *fatal) Fatalf(format string, args ...any) {
	f.failed = fmt.Sprintf(format, args...)
	panic(stop{})
}

func failed(t *testing.T, helper func(testing.TB)) string {
	f := &fatal{TB: t}
	func() {
		defer func() {
			if v := recover(); v != nil && v != (stop{}) {
				panic(v)
			}
		}()
		helper(f)
	}()
	return f.failed
}

func TestTrip(t *testing.T) {
	down := errors.New("down")
	for _, tc := range []struct {
		name  string
		cfg   circuitbreaker.Config[int]
		fails bool
	}{
		{"consecutive failures", circuitbreaker.Config[int]{ConsecutiveFailures: 5}, false},
		{"failure rate (the default)", circuitbreaker.Config[int]{}, false},
		{"not a failure", circuitbreaker.Config[int]{ConsecutiveFailures: 1, FailureIf: func(int, error) bool { return false }}, true},
	} {
		b := circuitbreaker.New(tc.cfg)
		msg := failed(t, func(t testing.TB) { resiliencetest.Trip(t, b, down) })
		if (msg != "") != tc.fails {
			t.Errorf("%s: Trip failed = %q, want failure %v", tc.name, msg, tc.fails)
		}
		if !tc.fails && b.State() != circuitbreaker.Open {
			t.Errorf("%s: State() = %v after Trip, want open", tc.name, b.State())
		}
	}
}

func TestHalfOpen(t *testing.T) {
	clk := resiliencetest.NewClock()
	b := circuitbreaker.New(circuitbreaker.Config[int]{ConsecutiveFailures: 1, OpenDelay: time.Minute, Clock: clk})
	resiliencetest.HalfOpen(t, b, clk, time.Minute, errors.New("down"))

	short := circuitbreaker.New(circuitbreaker.Config[int]{ConsecutiveFailures: 1, OpenDelay: time.Hour, Clock: clk})
	if msg := failed(t, func(t testing.TB) { resiliencetest.HalfOpen(t, short, clk, time.Minute, errors.New("down")) }); msg == "" {
		t.Error("HalfOpen with less than the OpenDelay did not fail")
	}
}
