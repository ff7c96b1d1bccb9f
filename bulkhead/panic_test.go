package bulkhead_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/bulkhead"
)

// A panicValue is what a callback of the panic table panics with: a
// pointer, so that "unchanged" means the very same value.
type panicValue struct{ where string }

// How the call under test meets the bulkhead in a row of the panic table.
const (
	free   = iota // a permit is free: the call takes it at once
	queued        // all permits are taken: the call queues and gets one
	full          // all permits stay taken: the call is rejected after MaxWait
)

// TestPanicInAnyCallbackReleasesThePermit injects a panic into every
// user-supplied function a bulkhead calls and checks that the panic
// reaches the caller unchanged, that no permit stays taken, no call stays
// queued, and nothing was discarded (a bulkhead drops no result). A
// callback added to the package gets a row here.
func TestPanicInAnyCallbackReleasesThePermit(t *testing.T) {
	tests := []struct {
		name    string
		meets   int
		acquire bool // through Acquire rather than Execute
		arm     func(cfg *bulkhead.Config, fn *resilience.Func[int], boom func())
	}{
		{name: "guarded fn", meets: free, arm: func(_ *bulkhead.Config, fn *resilience.Func[int], boom func()) {
			*fn = func(context.Context) (int, error) { boom(); return 1, nil }
		}},
		{name: "guarded fn after queueing", meets: queued, arm: func(_ *bulkhead.Config, fn *resilience.Func[int], boom func()) {
			*fn = func(context.Context) (int, error) { boom(); return 1, nil }
		}},
		{name: "OnAcquired", meets: queued, arm: func(cfg *bulkhead.Config, _ *resilience.Func[int], boom func()) {
			cfg.OnAcquired = func(context.Context, time.Duration) { boom() }
		}},
		{name: "OnAcquired through Acquire", meets: queued, acquire: true, arm: func(cfg *bulkhead.Config, _ *resilience.Func[int], boom func()) {
			cfg.OnAcquired = func(context.Context, time.Duration) { boom() }
		}},
		{name: "Observer seeing EventAcquired", meets: queued, arm: func(cfg *bulkhead.Config, _ *resilience.Func[int], boom func()) {
			cfg.Observer = panicOn(resilience.EventAcquired, boom)
		}},
		{name: "process-wide Observer seeing EventAcquired", meets: queued, arm: func(cfg *bulkhead.Config, _ *resilience.Func[int], boom func()) {
			resilience.SetObserver(panicOn(resilience.EventAcquired, boom))
		}},
		{name: "OnRejected", meets: full, arm: func(cfg *bulkhead.Config, _ *resilience.Func[int], boom func()) {
			cfg.OnRejected = func(context.Context, error) { boom() }
		}},
		{name: "Observer seeing EventRejected", meets: full, arm: func(cfg *bulkhead.Config, _ *resilience.Func[int], boom func()) {
			cfg.Observer = panicOn(resilience.EventRejected, boom)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				want := &panicValue{tt.name}
				cfg := bulkhead.Config{MaxConcurrent: 1, MaxWait: time.Second}
				fn := resilience.Func[int](ok)
				tt.arm(&cfg, &fn, func() { panic(want) })
				defer resilience.SetObserver(nil)
				b := bulkhead.New[int](cfg)
				discards := 0
				ctx := resilience.WithDiscard(t.Context(), func(int) { discards++ })

				var hold func()
				if tt.meets != free {
					var err error
					hold, err = b.Acquire(t.Context())
					require.NoError(t, err)
				}
				got := make(chan any, 1)
				go func() {
					defer func() { got <- recover() }()
					if tt.acquire {
						if release, err := b.Acquire(ctx); err == nil {
							release()
						}
						return
					}
					_, _ = b.Execute(ctx, fn)
				}()
				if tt.meets == queued {
					synctest.Wait()
					require.Equal(t, 1, b.Waiting(), "the call queued")
					hold()
				}
				assert.Same(t, want, <-got, "the panic value reaching the caller")
				if tt.meets == full {
					hold()
				}
				assert.Zero(t, b.InFlight(), "InFlight() after the panic")
				assert.Zero(t, b.Waiting(), "Waiting() after the panic")
				assert.Zero(t, discards, "results discarded")
				release, err := b.Acquire(t.Context())
				require.NoError(t, err, "the permit is free again")
				release()
			})
		})
	}
}

// panicOn returns an Observer that calls boom on each event of kind.
func panicOn(kind resilience.EventKind, boom func()) resilience.Observer {
	return resilience.ObserverFunc(func(_ context.Context, e resilience.Event) {
		if e.Kind == kind {
			boom()
		}
	})
}
