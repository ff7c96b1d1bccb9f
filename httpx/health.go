package httpx

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/benbjohnson/clock"

	"github.com/go-resilience/resilience"
)

// healthDefaultTimeout bounds a check when neither Timeout nor Interval
// says otherwise.
const healthDefaultTimeout = 5 * time.Second

// healthDrainLimit is how much of a check's response body is read so that
// its connection can be reused.
const healthDrainLimit = 4 << 10

// HealthCheck configures the active health checks of a [Failover]: every
// Interval, each endpoint is asked for Path at the same time; an endpoint
// that fails UnhealthyAfter checks in a row is skipped by requests until
// it passes HealthyAfter checks in a row. Endpoints start healthy. The
// zero value checks nothing.
type HealthCheck struct {
	// Interval is the time between the starts of two rounds of checks; the
	// first round runs when the Failover is created. 0 means no active
	// checks: Failover.CheckHealth still runs a round on demand.
	Interval time.Duration

	// Path is what a check requests, joined to the endpoint's URL like a
	// request's path; it may carry a query ("/healthz?full=1"). "" means
	// the endpoint's URL itself.
	Path string

	// Method is the check's HTTP method. "" means GET.
	Method string

	// Timeout bounds each check, on the Failover's Clock. 0 means
	// min(Interval, 5s), or 5s when Interval is 0.
	Timeout time.Duration

	// ExpectStatus is the status code a healthy endpoint answers. 0 means
	// any 2xx.
	ExpectStatus int

	// UnhealthyAfter is how many checks in a row must fail to mark a
	// healthy endpoint unhealthy. 0 means 1.
	UnhealthyAfter int

	// HealthyAfter is how many checks in a row must pass to mark an
	// unhealthy endpoint healthy again. 0 means 1.
	HealthyAfter int

	// OnCheck, if set, is called after every check with its result, once
	// the round it belongs to has ended. nil means no hook. On the
	// Failover's own checker goroutine a panic in it is recovered and
	// reported to the Observer (see [PanicError]); it may call Close,
	// which then returns at once, and no callback follows.
	OnCheck func(HealthResult)
}

// HealthResult is the outcome of one health check of one endpoint.
type HealthResult struct {
	Endpoint string // the endpoint's URL as configured
	Err      error  // why the check failed; nil when it passed
	Healthy  bool   // the endpoint's health after this check
	Changed  bool   // whether this check changed it
}

func (c HealthCheck) validate() error {
	switch {
	case c.Interval < 0:
		return foConfigError("HealthCheck.Interval", c.Interval, "must be >= 0 (0 = no active checks)")
	case c.Timeout < 0:
		return foConfigError("HealthCheck.Timeout", c.Timeout, "must be >= 0 (0 = min(Interval, 5s))")
	case c.Method != "" && !isToken(c.Method):
		return foConfigError("HealthCheck.Method", fmt.Sprintf("%q", c.Method), "must be an HTTP method token")
	case c.ExpectStatus != 0 && (c.ExpectStatus < 100 || c.ExpectStatus > 999):
		return foConfigError("HealthCheck.ExpectStatus", c.ExpectStatus, "must be a status code (100-999) or 0 (any 2xx)")
	case c.UnhealthyAfter < 0:
		return foConfigError("HealthCheck.UnhealthyAfter", c.UnhealthyAfter, "must be >= 0 (0 = 1)")
	case c.HealthyAfter < 0:
		return foConfigError("HealthCheck.HealthyAfter", c.HealthyAfter, "must be >= 0 (0 = 1)")
	}
	if _, err := healthParsePath(c.Path); err != nil {
		return foConfigError("HealthCheck.Path", fmt.Sprintf("%q", c.Path), err.Error())
	}
	return nil
}

func healthParsePath(p string) (*url.URL, error) {
	ref, err := url.Parse(p)
	switch {
	case err != nil:
		return nil, fmt.Errorf("must be a valid path: %w", err)
	case ref.Scheme != "" || ref.Host != "" || ref.Opaque != "" || ref.Fragment != "":
		return nil, fmt.Errorf("must be a path with an optional query, not a URL")
	}
	return ref, nil
}

// foHealth is a Failover's health-check settings and round state.
type foHealth struct {
	method         string
	ref            *url.URL // Path, parsed
	timeout        time.Duration
	expect         int
	unhealthyAfter int
	healthyAfter   int
	onCheck        func(HealthResult)
	clock          clock.Clock // nil: the standard library's timers

	mu sync.Mutex // held for a whole round, so rounds never overlap; guards foEndpoint.passes and .fails
}

func newFoHealth(c HealthCheck, clk clock.Clock) *foHealth {
	h := &foHealth{
		method:         c.Method,
		timeout:        c.Timeout,
		expect:         c.ExpectStatus,
		unhealthyAfter: max(c.UnhealthyAfter, 1),
		healthyAfter:   max(c.HealthyAfter, 1),
		onCheck:        c.OnCheck,
		clock:          clk,
	}
	h.ref, _ = healthParsePath(c.Path) // checked by Validate
	if h.method == "" {
		h.method = http.MethodGet
	}
	if h.timeout == 0 {
		h.timeout = healthDefaultTimeout
		if c.Interval > 0 {
			h.timeout = min(c.Interval, healthDefaultTimeout)
		}
	}
	return h
}

// target returns the URL checks of the endpoint at base request.
func (h *foHealth) target(base *url.URL) *url.URL {
	u := *base
	u.Path, u.RawPath = foJoinPath(base, h.ref)
	u.RawQuery = foJoinQuery(base.RawQuery, h.ref.RawQuery)
	return &u
}

func (f *Failover) startHealthChecks(interval time.Duration) {
	ctx, cancel := context.WithCancel(context.Background())
	f.stop, f.done = cancel, make(chan struct{})
	clk := f.clock
	if clk == nil {
		clk = clock.New()
	}
	ticker := clk.Ticker(interval) // made here, so that a mock clock moved after New ticks it
	go func() {
		defer close(f.done)
		defer ticker.Stop()
		defer f.checking(goroutineID())()
		f.round(ctx, true)
		for {
			select {
			case <-ctx.Done():
				return
			case <-ticker.C:
				f.round(ctx, true)
			}
		}
	}()
}

// checking records that the goroutine id runs the background checks,
// until the func it returns is called, so that Close called there (from a
// callback) does not wait for the goroutine it is running on.
func (f *Failover) checking(id uint64) (done func()) {
	if id == 0 {
		return func() {}
	}
	f.checkers.Store(id, struct{}{})
	return func() { f.checkers.Delete(id) }
}

// onChecker reports whether the calling goroutine runs the background
// checks.
func (f *Failover) onChecker() bool {
	_, ok := f.checkers.Load(goroutineID())
	return ok
}

// CheckHealth runs one round of health checks now: every endpoint is
// checked at the same time, each check bounded by HealthCheck.Timeout and
// by ctx, and the endpoints' health is updated when all have ended. A
// round cut short by ctx changes nothing. Rounds never overlap: a call
// made during a round waits for it. The Failover's own checks call it
// every Interval; tests and readiness probes may call it directly.
//
// A panic in Next during one of the checks, or in OnCheck, propagates to
// the caller of CheckHealth unchanged (a round cut short by a panic in
// Next changes nothing). The Failover's own checks, which have no caller
// to propagate it to, recover it instead: see [PanicError].
func (f *Failover) CheckHealth(ctx context.Context) {
	if p := f.round(ctx, false); p != nil {
		panic(p.Value)
	}
}

// round runs one round of checks (see CheckHealth). On the background
// checker (background) it recovers every panic: a check that panicked
// failed with a *PanicError, and that and a panic of OnCheck are reported
// to the observer; it stops calling back once ctx is done (Close called
// from a callback). Otherwise a check that panicked ends the round,
// changing nothing, and round returns the panic for the caller to
// propagate; callbacks' panics propagate by themselves.
func (f *Failover) round(ctx context.Context, background bool) *PanicError {
	h := f.health
	results := make([]HealthResult, len(f.eps))
	panics := make([]*PanicError, len(f.eps))
	h.mu.Lock()
	var wg sync.WaitGroup
	for i, e := range f.eps {
		results[i].Endpoint = e.url
		wg.Go(func() {
			if background {
				defer f.checking(goroutineID())()
			}
			panics[i], results[i].Err = f.safeCheck(ctx, e)
		})
	}
	wg.Wait()
	if !background {
		for _, p := range panics {
			if p != nil {
				h.mu.Unlock()
				return p
			}
		}
	}
	if ctx.Err() != nil {
		h.mu.Unlock()
		return nil
	}
	for i, e := range f.eps {
		results[i].Healthy, results[i].Changed = f.record(e, results[i].Err)
	}
	h.mu.Unlock()

	for i, res := range results {
		if !background {
			f.announce(ctx, res)
			continue
		}
		if ctx.Err() != nil { // a callback closed the Failover: the checker stops
			return nil
		}
		if panics[i] != nil {
			f.reportPanic(ctx, res.Endpoint, res.Err)
		}
		f.announceRecovering(ctx, res)
	}
	return nil
}

// reportPanic tells the observer of a panic recovered on the checker, as
// a resilience.EventFailure with err, which wraps a *PanicError. A panic
// of the observer itself is dropped.
func (f *Failover) reportPanic(ctx context.Context, endpoint string, err error) {
	if resilience.Observing(f.observer) {
		recovering(func() {
			resilience.Emit(ctx, f.observer, resilience.Event{
				Policy: "httpx", Name: f.healthName(endpoint), Kind: resilience.EventFailure, Err: err,
			})
		})
	}
}

// announce passes res to OnCheck and, if it changed the endpoint's
// health, to the observer.
func (f *Failover) announce(ctx context.Context, res HealthResult) {
	if f.health.onCheck != nil {
		f.health.onCheck(res)
	}
	if res.Changed && resilience.Observing(f.observer) {
		f.emitHealth(ctx, res)
	}
}

// announceRecovering is announce on the background checker, where a
// panic would crash the process: a panic of OnCheck is reported to the
// observer as a resilience.EventFailure with a *PanicError, and one of the
// observer is dropped, there being nobody left to tell.
func (f *Failover) announceRecovering(ctx context.Context, res HealthResult) {
	if f.health.onCheck != nil {
		if p := recovering(func() { f.health.onCheck(res) }); p != nil {
			f.reportPanic(ctx, res.Endpoint, fmt.Errorf("httpx: HealthCheck.OnCheck for %s: %w", res.Endpoint, p))
		}
	}
	if res.Changed && resilience.Observing(f.observer) {
		recovering(func() { f.emitHealth(ctx, res) })
	}
}

// recovering calls fn and returns the panic it raised, if any (a
// runtime.Goexit ends the goroutine all the same).
func recovering(fn func()) (p *PanicError) {
	defer func() {
		if v := recover(); v != nil {
			p = newPanicError(v)
		}
	}()
	fn()
	return nil
}

// record applies one check's outcome to e's streaks and health and
// returns e's health and whether it changed. It requires that f.health.mu
// is held.
func (f *Failover) record(e *foEndpoint, err error) (healthy, changed bool) {
	h := f.health
	healthy = e.healthy.Load()
	if err == nil {
		e.passes, e.fails = e.passes+1, 0
		changed = !healthy && e.passes >= h.healthyAfter
	} else {
		e.passes, e.fails = 0, e.fails+1
		changed = healthy && e.fails >= h.unhealthyAfter
	}
	if !changed {
		return healthy, false
	}
	healthy = !healthy
	e.healthy.Store(healthy)
	if healthy {
		f.healthy.Add(1)
	} else {
		f.healthy.Add(-1)
	}
	return healthy, true
}

// healthName is the Name of the health events of endpoint.
func (f *Failover) healthName(endpoint string) string {
	if f.name != "" {
		return f.name + " " + endpoint
	}
	return endpoint
}

func (f *Failover) emitHealth(ctx context.Context, res HealthResult) {
	name := f.healthName(res.Endpoint)
	from, to := "healthy", "unhealthy"
	if res.Healthy {
		from, to = to, from
	}
	resilience.Emit(ctx, f.observer, resilience.Event{
		Policy: "httpx", Name: name, Kind: resilience.EventStateChange,
		From: from, To: to, Err: res.Err,
	})
}

// safeCheck is check, with a panic of Next recovered: the check failed,
// with an error wrapping p, which is also returned.
func (f *Failover) safeCheck(ctx context.Context, e *foEndpoint) (p *PanicError, err error) {
	returned := false
	defer func() {
		if returned {
			return
		}
		// recover is nil only under runtime.Goexit: since Go 1.21,
		// panic(nil) panics with a *runtime.PanicNilError.
		if v := recover(); v != nil {
			p = newPanicError(v)
			err = fmt.Errorf("httpx: health check of %s: %w", e.health.Redacted(), p)
		} else {
			err = fmt.Errorf("httpx: health check of %s: Next called runtime.Goexit", e.health.Redacted())
		}
	}()
	err = f.check(ctx, e)
	returned = true
	return nil, err
}

// check asks one endpoint whether it is healthy; nil means it is. A
// response without a body is judged by its status, and neither a response
// nor an error is a failed check, as for requests.
func (f *Failover) check(ctx context.Context, e *foEndpoint) error {
	h := f.health
	ctx, cancel := srvWithTimeout(ctx, h.clock, h.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, h.method, e.health.String(), nil)
	if err != nil {
		return err
	}
	resp, err := f.next.RoundTrip(req)
	if err != nil || resp == nil {
		if resp != nil && resp.Body != nil { // a RoundTripper breaking its contract
			resp.Body.Close()
		}
		if err == nil {
			err = errFoNilResponse
		}
		return fmt.Errorf("httpx: health check of %s: %w", e.health.Redacted(), err)
	}
	if resp.Body != nil {
		drain(resp.Body, healthDrainLimit)
		resp.Body.Close()
	}
	if h.expect == 0 && resp.StatusCode/100 == 2 || resp.StatusCode == h.expect {
		return nil
	}
	want := "2xx"
	if h.expect != 0 {
		want = fmt.Sprint(h.expect)
	}
	return fmt.Errorf("httpx: health check of %s: status %d, want %s", e.health.Redacted(), resp.StatusCode, want)
}
