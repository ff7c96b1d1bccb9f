// Command httpab measures what a client stack costs in requests per second
// and in CPU per request against another, on a loopback server, with both
// clients in one process taking turns in short slices.
//
// A benchmark run in a process of its own sees this machine's speed drift
// by several percent from one second to the next, which is more than the
// differences it is asked about. Here the two clients alternate every
// -slice, so that drift slows both alike, and each pair of adjacent slices
// gives one ratio; the median of many such ratios is what is reported,
// with its quartiles. Run it with the same client on both sides (-a bare
// -b bare) to see how small a difference this machine can resolve.
//
//	go run ./cmd/httpab -a bare -b resilience -pairs 40 -slice 250ms
package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-resilience/resilience/benchmarks"
	"github.com/go-resilience/resilience/httpx"
)

// clients are the stacks that can be compared, by name: each makes its
// round tripper over a fresh copy of http.DefaultTransport, and says
// whether its requests carry a context that can be cancelled.
var clients = map[string]func(base *http.Transport) (rt http.RoundTripper, cancellable bool){
	// A plain transport, on context.Background().
	"bare": func(t *http.Transport) (http.RoundTripper, bool) { return t, false },
	// A plain transport on a context that can be cancelled, as every
	// request made in a server's handler has: what net/http's link to such
	// a context costs, the least any client able to end an attempt pays.
	"bare-cancellable": func(t *http.Transport) (http.RoundTripper, bool) { return t, true },
	// The standard stack (httpx.Standard's defaults).
	"resilience": func(t *http.Transport) (http.RoundTripper, bool) { return standard(t), false },
	// The standard stack on a context that can be cancelled.
	"resilience-cancellable": func(t *http.Transport) (http.RoundTripper, bool) { return standard(t), true },
	// The standard stack's retry alone.
	"resilience-retry": func(t *http.Transport) (http.RoundTripper, bool) { return benchmarks.RetryOnly(t), false },
	// An httpx.Transport without policies.
	"resilience-no-policies": func(t *http.Transport) (http.RoundTripper, bool) { return httpx.NewTransport(t), false },
}

func standard(t *http.Transport) http.RoundTripper {
	return httpx.Standard(httpx.StandardConfig{Next: t})
}

func main() {
	var cfg config
	flag.StringVar(&cfg.a, "a", "bare", "the baseline client: "+names())
	flag.StringVar(&cfg.b, "b", "resilience", "the client compared with it")
	flag.IntVar(&cfg.pairs, "pairs", 40, "slices of each client, alternating")
	flag.DurationVar(&cfg.slice, "slice", 250*time.Millisecond, "how long each client runs at a time")
	flag.IntVar(&cfg.workers, "workers", 4*runtime.GOMAXPROCS(0), "goroutines sending requests")
	flag.Parse()
	res, err := run(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "httpab:", err)
		os.Exit(1)
	}
	fmt.Print(res)
}

// config is one comparison: client b against client a.
type config struct {
	a, b    string
	pairs   int
	slice   time.Duration
	workers int
}

func (c config) validate() error {
	switch {
	case clients[c.a] == nil:
		return fmt.Errorf("-a %q: not a client; the clients are %s", c.a, names())
	case clients[c.b] == nil:
		return fmt.Errorf("-b %q: not a client; the clients are %s", c.b, names())
	case c.pairs < 1:
		return fmt.Errorf("-pairs %d: must be at least 1", c.pairs)
	case c.slice <= 0:
		return fmt.Errorf("-slice %v: must be positive", c.slice)
	case c.workers < 1:
		return fmt.Errorf("-workers %d: must be at least 1", c.workers)
	}
	return nil
}

// result holds, for each pair of slices, how much b's requests per second
// and CPU per request differ from a's, as fractions (-0.05 is 5% less).
type result struct {
	config
	reqs, cpu []float64
}

func (r result) String() string {
	return fmt.Sprintf("%s against %s, %d pairs of %v slices, %d workers, GOMAXPROCS %d\n"+
		"requests/s:  median %+.1f%%  (quartiles %+.1f%% … %+.1f%%)\n"+
		"CPU/request: median %+.1f%%  (quartiles %+.1f%% … %+.1f%%)\n",
		r.b, r.a, r.pairs, r.slice, r.workers, runtime.GOMAXPROCS(0),
		pct(r.reqs, 0.5), pct(r.reqs, 0.25), pct(r.reqs, 0.75),
		pct(r.cpu, 0.5), pct(r.cpu, 0.25), pct(r.cpu, 0.75))
}

func names() string {
	var ns []string
	for n := range clients {
		ns = append(ns, n)
	}
	slices.Sort(ns)
	return strings.Join(ns, ", ")
}

func run(cfg config) (result, error) {
	res := result{config: cfg}
	if err := cfg.validate(); err != nil {
		return res, err
	}
	srv := benchmarks.NewServer()
	defer srv.Close()
	a, b := newClient(cfg.a, srv.URL, cfg.workers), newClient(cfg.b, srv.URL, cfg.workers)
	defer a.close()
	defer b.close()

	// One slice each to warm connections, pools and the heap, not counted.
	for _, c := range []*client{a, b} {
		if _, err := c.measure(cfg.slice); err != nil {
			return res, err
		}
	}
	for i := range cfg.pairs {
		order := []*client{a, b}
		if i%2 == 1 { // alternate which goes first
			order = []*client{b, a}
		}
		var got [2]sample
		for _, c := range order {
			s, err := c.measure(cfg.slice)
			if err != nil {
				return res, err
			}
			if c == a {
				got[0] = s
			} else {
				got[1] = s
			}
		}
		res.reqs = append(res.reqs, got[1].perSecond()/got[0].perSecond()-1)
		res.cpu = append(res.cpu, got[1].cpuPerRequest()/got[0].cpuPerRequest()-1)
	}
	return res, nil
}

// pct returns the q quantile of xs, in percent.
func pct(xs []float64, q float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return 100 * s[int(q*float64(len(s)-1)+0.5)]
}

// A client sends GETs to one URL from its workers, during the slices it is
// measured in only.
type client struct {
	http        *http.Client
	base        *http.Transport
	url         string
	cancellable bool
	workers     int
}

func newClient(name, url string, workers int) *client {
	base := benchmarks.NewBase(workers)
	rt, cancellable := clients[name](base)
	return &client{http: &http.Client{Transport: rt}, base: base, url: url, cancellable: cancellable, workers: workers}
}

func (c *client) close() { c.base.CloseIdleConnections() }

// A sample is what one slice did: requests completed, wall and CPU time.
type sample struct {
	n         int64
	wall, cpu time.Duration
}

func (s sample) perSecond() float64     { return float64(s.n) / s.wall.Seconds() }
func (s sample) cpuPerRequest() float64 { return float64(s.cpu) / float64(s.n) }

// measure runs the workers for d and counts the requests they complete.
func (c *client) measure(d time.Duration) (sample, error) {
	var (
		n      atomic.Int64
		stop   atomic.Bool
		wg     sync.WaitGroup
		errMu  sync.Mutex
		failed error
	)
	cpu0, err := benchmarks.CPUTime()
	if err != nil {
		return sample{}, err
	}
	start := time.Now()
	for range c.workers {
		wg.Go(func() {
			for !stop.Load() {
				if err := c.get(); err != nil {
					errMu.Lock()
					failed = err
					errMu.Unlock()
					return
				}
				n.Add(1)
			}
		})
	}
	time.Sleep(d)
	stop.Store(true)
	wg.Wait()
	wall := time.Since(start)
	cpu1, err := benchmarks.CPUTime()
	if err != nil {
		return sample{}, err
	}
	s := sample{n: n.Load(), wall: wall, cpu: cpu1 - cpu0}
	if failed != nil {
		return s, failed
	}
	if s.n == 0 {
		return s, fmt.Errorf("no request completed in %v", d)
	}
	return s, nil
}

// get GETs the URL, reads the body to its end and closes it; on a
// context that can be cancelled when the client is a cancellable one.
func (c *client) get() error {
	if c.cancellable {
		return benchmarks.GetCancellable(c.http, c.url)
	}
	return benchmarks.Get(context.Background(), c.http, c.url)
}
