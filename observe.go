package resilience

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"
)

// EventKind says what happened in an [Event].
type EventKind uint8

// The kinds of event policies emit.
const (
	EventRetry       EventKind = iota + 1 // a retry will wait Delay, then make attempt Attempt+1
	EventExhausted                        // a retry gave up after a failure; Reason says why, Err is the last error
	EventTimeout                          // a timeout fired after Duration
	EventStateChange                      // a breaker moved From -> To
	EventRejected                         // a call was refused (breaker open, bulkhead full, rate or budget spent)
	EventAcquired                         // a call got a permit after waiting Duration
	EventFallback                         // a fallback replaced a failed outcome (Err)
	EventHedge                            // a hedge started attempt Attempt after Delay
	EventSuccess                          // an execution succeeded (policies that report every outcome)
	EventFailure                          // an execution failed with Err
)

var eventKindNames = [...]string{
	EventRetry:       "retry",
	EventExhausted:   "exhausted",
	EventTimeout:     "timeout",
	EventStateChange: "state_change",
	EventRejected:    "rejected",
	EventAcquired:    "acquired",
	EventFallback:    "fallback",
	EventHedge:       "hedge",
	EventSuccess:     "success",
	EventFailure:     "failure",
}

// String returns the kind's snake_case name, e.g. "state_change".
func (k EventKind) String() string {
	if int(k) < len(eventKindNames) && eventKindNames[k] != "" {
		return eventKindNames[k]
	}
	return "unknown"
}

// A Reason says why a retry gave up, in its [EventExhausted] event, so
// that an adapter can tell the cases apart without reading Err's text.
type Reason uint8

// The reasons a retry gives up after a failed attempt.
const (
	ReasonAttempts     Reason = iota + 1 // every allowed attempt was made
	ReasonMaxDuration                    // the next delay would end after the retry's MaxDuration
	ReasonDeadline                       // the ctx deadline passed, or the next delay would reach it
	ReasonDelayTooLong                   // the delay asked for (say, a Retry-After) is above the retry's MaxDelay
	ReasonRejected                       // a policy inside the retry rejects calls (an open breaker) for longer than the retry waits
	ReasonBudget                         // the retry budget refused the retry
	ReasonPermanent                      // the error is marked Permanent
	ReasonAborted                        // the retry's AbortIf said stop
	ReasonCanceled                       // the caller cancelled ctx
)

var reasonNames = [...]string{
	ReasonAttempts:     "attempts",
	ReasonMaxDuration:  "max_duration",
	ReasonDeadline:     "deadline",
	ReasonDelayTooLong: "delay_too_long",
	ReasonRejected:     "rejected",
	ReasonBudget:       "budget",
	ReasonPermanent:    "permanent",
	ReasonAborted:      "aborted",
	ReasonCanceled:     "canceled",
}

// String returns the reason's snake_case name, e.g. "max_duration", or ""
// for the zero Reason (an event that gives none).
func (r Reason) String() string {
	if int(r) < len(reasonNames) {
		return reasonNames[r]
	}
	return "unknown"
}

// An Event is one thing a policy did, as an [Observer] sees it. Fields that
// do not apply to a kind are zero.
type Event struct {
	Policy   string        // the policy's package: "retry", "circuitbreaker", ...
	Name     string        // the policy's Config.Name ("" if unnamed)
	Kind     EventKind     // what happened
	Attempt  int           // attempt number, from 1 (retry, hedge)
	Err      error         // the error behind the event, if any
	Delay    time.Duration // the wait that follows (retry, hedge)
	Duration time.Duration // how long the thing took (timeout, wait)
	From, To string        // states of a state change
	Reason   Reason        // why a retry gave up (EventExhausted)
}

// An Observer sees events of policies. Observe is called synchronously on
// the goroutine of the call that caused the event and never under a
// policy's lock, so it may call the policy's methods; it should be quick.
type Observer interface {
	Observe(ctx context.Context, e Event)
}

// ObserverFunc adapts a function to an Observer.
type ObserverFunc func(ctx context.Context, e Event)

// Observe calls f(ctx, e).
func (f ObserverFunc) Observe(ctx context.Context, e Event) { f(ctx, e) }

type observerBox struct{ o Observer }

var defaultObserver atomic.Pointer[observerBox]

// SetObserver sets the process-wide observer: every policy whose
// Config.Observer is nil reports to it. It is the one seam through which a
// single adapter (slog, Prometheus, OpenTelemetry) sees every event of every
// policy. SetObserver(nil) removes it. Safe to call at any time.
func SetObserver(o Observer) {
	if o == nil {
		defaultObserver.Store(nil)
		return
	}
	defaultObserver.Store(&observerBox{o})
}

// Emit sends e to o, or to the process-wide observer when o is nil; with
// neither it does nothing. Policies call it; custom policies may too.
func Emit(ctx context.Context, o Observer, e Event) {
	if o == nil {
		b := defaultObserver.Load()
		if b == nil {
			return
		}
		o = b.o
	}
	o.Observe(ctx, e)
}

// Observing reports whether Emit with o would reach an observer, so that a
// policy can skip building an event nobody sees.
func Observing(o Observer) bool {
	return o != nil || defaultObserver.Load() != nil
}

// Observers returns an Observer that passes each event to every non-nil
// observer given, in order.
func Observers(os ...Observer) Observer {
	var list []Observer
	for _, o := range os {
		if o != nil {
			list = append(list, o)
		}
	}
	return ObserverFunc(func(ctx context.Context, e Event) {
		for _, o := range list {
			o.Observe(ctx, e)
		}
	})
}

// NewSlogObserver returns an Observer that logs each event to l at
// level Info (Warn for rejections, exhaustion and timeouts), with the
// event's non-zero fields as attributes.
func NewSlogObserver(l *slog.Logger) Observer {
	return ObserverFunc(func(ctx context.Context, e Event) {
		level := slog.LevelInfo
		switch e.Kind {
		case EventRejected, EventExhausted, EventTimeout:
			level = slog.LevelWarn
		}
		if !l.Enabled(ctx, level) {
			return
		}
		attrs := []slog.Attr{slog.String("policy", e.Policy), slog.String("event", e.Kind.String())}
		if e.Name != "" {
			attrs = append(attrs, slog.String("name", e.Name))
		}
		if e.Attempt != 0 {
			attrs = append(attrs, slog.Int("attempt", e.Attempt))
		}
		if e.Delay != 0 {
			attrs = append(attrs, slog.Duration("delay", e.Delay))
		}
		if e.Duration != 0 {
			attrs = append(attrs, slog.Duration("duration", e.Duration))
		}
		if e.Reason != 0 {
			attrs = append(attrs, slog.String("reason", e.Reason.String()))
		}
		if e.From != "" || e.To != "" {
			attrs = append(attrs, slog.String("from", e.From), slog.String("to", e.To))
		}
		if e.Err != nil {
			attrs = append(attrs, slog.String("error", e.Err.Error()))
		}
		l.LogAttrs(ctx, level, "resilience", attrs...)
	})
}
