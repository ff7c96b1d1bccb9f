package main

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// Every client completes requests against the loopback server, and a
// comparison yields one finite ratio of each kind per pair.
func TestRunComparesEveryClient(t *testing.T) {
	for name := range clients {
		t.Run(name, func(t *testing.T) {
			res, err := run(config{a: "bare", b: name, pairs: 3, slice: 20 * time.Millisecond, workers: 2})
			require.NoError(t, err)
			require.Len(t, res.reqs, 3)
			require.Len(t, res.cpu, 3)
			for i := range res.reqs {
				require.False(t, math.IsNaN(res.reqs[i]) || math.IsInf(res.reqs[i], 0), "requests/s ratio %v", res.reqs[i])
				require.Greater(t, res.reqs[i], -1.0, "b completed no request in pair %d", i)
				require.False(t, math.IsNaN(res.cpu[i]) || math.IsInf(res.cpu[i], 0), "CPU ratio %v", res.cpu[i])
			}
			out := res.String()
			require.Contains(t, out, name+" against bare, 3 pairs")
			require.Contains(t, out, "requests/s:  median")
		})
	}
}

func TestBadFlagsNameTheFlagAndValue(t *testing.T) {
	good := config{a: "bare", b: "resilience", pairs: 1, slice: time.Millisecond, workers: 1}
	for _, tc := range []struct {
		mend func(*config)
		want string
	}{
		{func(c *config) { c.a = "nope" }, `-a "nope": not a client`},
		{func(c *config) { c.b = "" }, `-b "": not a client`},
		{func(c *config) { c.pairs = 0 }, "-pairs 0: must be at least 1"},
		{func(c *config) { c.slice = -time.Second }, "-slice -1s: must be positive"},
		{func(c *config) { c.workers = 0 }, "-workers 0: must be at least 1"},
	} {
		cfg := good
		tc.mend(&cfg)
		_, err := run(cfg)
		require.ErrorContains(t, err, tc.want)
		if strings.HasPrefix(tc.want, "-a") || strings.HasPrefix(tc.want, "-b") {
			require.ErrorContains(t, err, "resilience-cancellable", "the error lists the clients")
		}
	}
}

func TestQuantiles(t *testing.T) {
	xs := []float64{0.03, -0.01, 0.02, 0.00, 0.01}
	require.InDelta(t, 1.0, pct(xs, 0.5), 1e-9)
	require.InDelta(t, 0.0, pct(xs, 0.25), 1e-9)
	require.InDelta(t, 2.0, pct(xs, 0.75), 1e-9)
	require.Equal(t, []float64{0.03, -0.01, 0.02, 0.00, 0.01}, xs, "pct sorts a copy")
}
