package resilience_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/go-resilience/resilience"
)

func TestEmitPrefersTheGivenObserver(t *testing.T) {
	var global, local []resilience.Event
	resilience.SetObserver(resilience.ObserverFunc(func(_ context.Context, e resilience.Event) { global = append(global, e) }))
	defer resilience.SetObserver(nil)

	ctx := context.Background()
	e := resilience.Event{Policy: "retry", Name: "db", Kind: resilience.EventRetry, Attempt: 2}
	resilience.Emit(ctx, nil, e)
	resilience.Emit(ctx, resilience.ObserverFunc(func(_ context.Context, e resilience.Event) { local = append(local, e) }), e)
	assert.Equal(t, []resilience.Event{e}, global)
	assert.Equal(t, []resilience.Event{e}, local)
	assert.True(t, resilience.Observing(nil))

	resilience.SetObserver(nil)
	assert.False(t, resilience.Observing(nil))
	resilience.Emit(ctx, nil, e) // no observer: nothing happens
	assert.Len(t, global, 1)
}

func TestObserversFansOut(t *testing.T) {
	var a, b int
	o := resilience.Observers(
		resilience.ObserverFunc(func(context.Context, resilience.Event) { a++ }),
		nil,
		resilience.ObserverFunc(func(context.Context, resilience.Event) { b++ }),
	)
	o.Observe(context.Background(), resilience.Event{Kind: resilience.EventTimeout})
	assert.Equal(t, 1, a)
	assert.Equal(t, 1, b)
}

func TestEventKindString(t *testing.T) {
	for k, want := range map[resilience.EventKind]string{
		resilience.EventRetry: "retry", resilience.EventExhausted: "exhausted",
		resilience.EventTimeout: "timeout", resilience.EventStateChange: "state_change",
		resilience.EventRejected: "rejected", resilience.EventAcquired: "acquired",
		resilience.EventFallback: "fallback", resilience.EventHedge: "hedge",
		resilience.EventSuccess: "success", resilience.EventFailure: "failure",
		0: "unknown", 200: "unknown",
	} {
		assert.Equal(t, want, k.String(), "EventKind(%d).String()", k)
	}
}

func TestReasonString(t *testing.T) {
	for r, want := range map[resilience.Reason]string{
		resilience.ReasonAttempts: "attempts", resilience.ReasonMaxDuration: "max_duration",
		resilience.ReasonDeadline: "deadline", resilience.ReasonDelayTooLong: "delay_too_long",
		resilience.ReasonRejected: "rejected", resilience.ReasonBudget: "budget",
		resilience.ReasonPermanent: "permanent", resilience.ReasonAborted: "aborted",
		resilience.ReasonCanceled: "canceled", 0: "", 200: "unknown",
	} {
		assert.Equal(t, want, r.String(), "Reason(%d).String()", r)
	}
}

func TestSlogObserverLogsTheReason(t *testing.T) {
	var buf bytes.Buffer
	o := resilience.NewSlogObserver(slog.New(slog.NewTextHandler(&buf, nil)))
	o.Observe(context.Background(), resilience.Event{Policy: "retry", Kind: resilience.EventExhausted, Reason: resilience.ReasonBudget})
	assert.Contains(t, buf.String(), "reason=budget", "log line")
}

func TestSlogObserver(t *testing.T) {
	var buf bytes.Buffer
	o := resilience.NewSlogObserver(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelWarn})))
	ctx := context.Background()
	o.Observe(ctx, resilience.Event{Policy: "retry", Kind: resilience.EventRetry, Attempt: 1}) // Info: filtered out
	assert.Empty(t, buf.String())
	o.Observe(ctx, resilience.Event{
		Policy: "circuitbreaker", Name: "db", Kind: resilience.EventRejected, Attempt: 3,
		Err: errors.New("circuitbreaker: open"), Delay: time.Second, Duration: 2 * time.Second,
		From: "closed", To: "open",
	})
	line := buf.String()
	for _, want := range []string{"level=WARN", "policy=circuitbreaker", "event=rejected", "name=db", "attempt=3",
		"delay=1s", "duration=2s", "from=closed", "to=open", `error="circuitbreaker: open"`} {
		assert.True(t, strings.Contains(line, want), "log line %q lacks %q", line, want)
	}
}
