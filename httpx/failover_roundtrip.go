package httpx

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/circuitbreaker"
)

// foKeepLimit is the largest failure body a Failover buffers so that it
// can still return that response after a later endpoint failed with a
// transport error. Error pages are small; a larger body is drained up to
// this limit and dropped.
const foKeepLimit = 64 << 10

var (
	errFoNilResponse = errors.New("httpx: RoundTripper returned a nil *Response and a nil error")
	errFoPanic       = errors.New("httpx: RoundTripper panicked")
)

// RoundTrip sends req to the endpoints in the order of the strategy until
// one answers; see [Failover]. It never modifies req, closes req.Body on
// every path, and returns a non-nil response or a non-nil error, never
// both. A panic in Next, FailureIf, OnFailover, the Observer or a
// breaker's hook propagates unchanged, after the request body and every
// response not returned have been closed and the attempt has left its
// endpoint's in-flight count.
func (f *Failover) RoundTrip(req *http.Request) (*http.Response, error) {
	if req == nil {
		return nil, fmt.Errorf("%w: nil request", ErrInvalidRequest)
	}
	if req.URL == nil {
		foCloseBody(req.Body)
		return nil, fmt.Errorf("%w: nil URL", ErrInvalidRequest)
	}
	var buf [foStackEndpoints]int
	r := foRun{f: f, req: req, repeatable: f.retryAll || idempotent(req)}
	returned := false
	defer func() {
		if !returned {
			r.abandon()
		}
	}()
	resp, err := r.run(f.order(buf[:0]))
	returned = true
	if !r.bodyUsed {
		foCloseBody(req.Body)
	}
	return resp, err
}

// abandon releases what a RoundTrip that is panicking (in FailureIf,
// OnFailover, the Observer, a breaker's hook or Next) holds, so that the
// panic leaves nothing open or in flight: the request body if no attempt
// took it, a replayed body not yet sent, and the responses not returned.
func (r *foRun) abandon() {
	if !r.bodyUsed {
		foCloseBody(r.req.Body)
	}
	if r.unsent != nil && r.unsent != r.req.Body {
		foCloseBody(r.unsent)
	}
	for _, resp := range [...]*http.Response{r.judged, r.pending} {
		if resp != nil {
			foCloseBody(resp.Body)
		}
	}
}

// foRun is the state of one RoundTrip.
type foRun struct {
	f          *Failover
	req        *http.Request
	repeatable bool // idempotent, or RetryAll: any failure may move on

	trace    *connTrace // the last attempt's, when traced (not repeatable)
	sent     int        // attempts sent
	bodyUsed bool       // req.Body went to an attempt

	pending *http.Response // the last failure response, body unread
	kept    *http.Response // an earlier failure response, body buffered
	errs    []error        // one *EndpointError per endpoint tried or skipped

	// For abandon: the body of the next attempt until it is sent, and the
	// response being judged, until it is returned or becomes pending.
	unsent io.ReadCloser
	judged *http.Response
}

func (r *foRun) run(order []int) (*http.Response, error) {
	ctx := r.req.Context()
	for _, i := range order {
		if r.sent == r.f.maxAttempts {
			break
		}
		e := r.f.eps[i]
		if !r.f.healthOK(e) {
			r.errs = append(r.errs, &EndpointError{Endpoint: e.url, Err: ErrUnhealthy})
			continue
		}
		body, err := r.nextBody()
		if err != nil {
			r.errs = append(r.errs, err)
			break
		}
		r.unsent = body
		permit, err := e.breaker.Allow(ctx)
		if err != nil { // the request never left
			if body != r.req.Body {
				foCloseBody(body)
			}
			r.unsent = nil
			r.errs = append(r.errs, &EndpointError{Endpoint: e.url, Err: err})
			continue
		}
		resp, err := r.attempt(ctx, e, body, permit)
		r.judged = resp
		if !r.f.failureIf(resp, err) {
			r.judged = nil
			return resp, err
		}
		e.failures.Add(1)
		failure := err
		if resp != nil {
			failure = &StatusError{StatusCode: resp.StatusCode, Response: resp}
		}
		epErr := &EndpointError{Endpoint: e.url, Err: failure}
		r.errs = append(r.errs, epErr)
		if ctx.Err() != nil || !r.mayMoveOn(resp, err) {
			if resp != nil {
				r.judged = nil
				return resp, nil
			}
			// An earlier failure response must not hide that this attempt
			// may have reached the server.
			r.kept = nil
			break
		}
		r.pending, r.judged = resp, nil
		r.movedOn(ctx, epErr)
	}
	return r.result(ctx)
}

// nextBody returns the body the next attempt sends: req.Body the first
// time, a fresh one from GetBody after that. An error (matching
// ErrBodyNotReplayable) ends the request: the body cannot be sent again.
func (r *foRun) nextBody() (io.ReadCloser, error) {
	req := r.req
	if !r.bodyUsed || req.Body == nil || req.Body == http.NoBody {
		return req.Body, nil
	}
	if req.GetBody == nil {
		return nil, ErrBodyNotReplayable
	}
	body, err := req.GetBody()
	if err != nil {
		return nil, errors.Join(ErrBodyNotReplayable, err)
	}
	return body, nil
}

// mayMoveOn reports whether a request whose attempt failed may be sent to
// the next endpoint: it is safe to repeat, or the failure proves the
// server never took it.
func (r *foRun) mayMoveOn(resp *http.Response, err error) bool {
	if r.repeatable {
		return true
	}
	if resp != nil {
		return shedStatus(resp)
	}
	return notSent(err, r.trace)
}

func (r *foRun) movedOn(ctx context.Context, err *EndpointError) {
	if r.f.onFailover != nil {
		r.f.onFailover(err.Endpoint, err.Err)
	}
	if resilience.Observing(r.f.observer) {
		resilience.Emit(ctx, r.f.observer, resilience.Event{
			Policy: "httpx", Name: r.f.name, Kind: resilience.EventRetry,
			Attempt: r.sent + 1, Err: err,
		})
	}
}

// result is the outcome when no endpoint succeeded: the last failure
// response if there is one, else the error of every endpoint.
func (r *foRun) result(ctx context.Context) (*http.Response, error) {
	if r.pending != nil {
		return r.pending, nil
	}
	if r.kept != nil && ctx.Err() == nil {
		return r.kept, nil
	}
	return nil, errors.Join(append([]error{ErrEndpointsFailed}, r.errs...)...)
}

// attempt sends the request, with body, to e, which admitted it with
// permit, and reports the outcome to the breaker.
func (r *foRun) attempt(ctx context.Context, e *foEndpoint, body io.ReadCloser, permit circuitbreaker.Permit[*http.Response]) (*http.Response, error) {
	r.releasePending()
	if body == r.req.Body {
		r.bodyUsed = true
	}
	actx, cancel := context.WithCancel(ctx)
	r.trace = nil
	if !r.repeatable {
		r.trace = newConnTrace()
		actx = httptrace.WithClientTrace(actx, &r.trace.trace)
	}
	out := e.rewrite(actx, r.req, body)
	r.sent++
	r.unsent = nil // next has it, and closes it
	e.attempts.Add(1)
	e.inFlight.Add(1)
	var resp *http.Response
	stage := 0 // 1 once next returned, 2 once the breaker was told
	defer func() {
		// A panic goes on; the attempt ends here.
		switch stage {
		case 0: // in next
			e.inFlight.Add(-1)
			cancel()
			permit.Done(nil, errFoPanic)
		case 1: // in the breaker's hooks (FailureIf, OnStateChange)
			if resp != nil {
				foCloseBody(resp.Body)
			}
			e.inFlight.Add(-1)
			cancel()
		}
	}()
	resp, err := r.f.next.RoundTrip(out)
	stage = 1
	if err != nil || resp == nil {
		if resp != nil { // a RoundTripper breaking its contract
			foCloseBody(resp.Body)
		}
		resp = nil
		if err == nil {
			err = errFoNilResponse
		}
	}
	if resilience.CallerEnded(ctx) {
		permit.Cancel()
	} else {
		permit.Done(resp, err)
	}
	stage = 2
	if resp == nil {
		e.inFlight.Add(-1)
		cancel()
		return nil, err
	}
	if resp.Body == nil {
		resp.Body = http.NoBody
	}
	w, upgraded := resp.Body.(io.Writer)
	switch {
	case upgraded && resp.StatusCode == http.StatusSwitchingProtocols:
		// The caller owns the connection now: its body keeps Write, and
		// the request is no longer in flight.
		e.inFlight.Add(-1)
		b := &foUpgradeBody{foBody: foBody{rc: resp.Body, ep: e, cancel: cancel}, w: w}
		b.done.Store(true)
		resp.Body = b
	case resp.Body == http.NoBody:
		e.inFlight.Add(-1)
		cancel()
	default:
		resp.Body = &foBody{rc: resp.Body, ep: e, cancel: cancel}
	}
	return resp, nil
}

// releasePending drains and closes the body of the last failure response
// before the next attempt starts, keeping its bytes when they fit in
// foKeepLimit so that the response can still be returned.
func (r *foRun) releasePending() {
	resp := r.pending
	if resp == nil {
		return
	}
	var stop func() bool
	if b, ok := resp.Body.(*foBody); ok { // bound the drain in time: cut it by cancelling the attempt
		stop = time.AfterFunc(drainTimeout, b.cancel).Stop
	}
	buf, err := io.ReadAll(io.LimitReader(resp.Body, foKeepLimit+1))
	if stop != nil {
		stop()
	}
	resp.Body.Close()
	r.pending = nil // only now: abandon closes it if reading it panics
	if err == nil && len(buf) <= foKeepLimit {
		resp.Body = io.NopCloser(bytes.NewReader(buf))
		resp.ContentLength = int64(len(buf))
		resp.TransferEncoding = nil
		r.kept = resp
	}
}

// rewrite returns a copy of req (see attemptRequest.clone), with ctx and
// body, sent to e: e's scheme and host, e's path prefix joined with req's
// path, both queries. The Host header follows the endpoint unless the
// caller set one that differs from req.URL's host.
func (e *foEndpoint) rewrite(ctx context.Context, req *http.Request, body io.ReadCloser) *http.Request {
	out := new(attemptRequest).clone(req, ctx) // the request and its URL in one allocation
	out.Body = body
	u, base := out.URL, e.base
	u.Scheme, u.Host, u.Opaque = base.Scheme, base.Host, ""
	if base.User != nil {
		u.User = base.User
	}
	u.Path, u.RawPath = foJoinPath(base, req.URL)
	u.RawQuery = foJoinQuery(base.RawQuery, req.URL.RawQuery)
	if req.Host == "" || req.Host == req.URL.Host {
		out.Host = ""
	}
	return out
}

// foJoinPath joins the endpoint's path prefix and the request's path with
// exactly one slash between them, keeping escaped forms.
func foJoinPath(base, u *url.URL) (path, rawPath string) {
	path = foJoinSlash(base.Path, u.Path)
	if base.RawPath == "" && u.RawPath == "" {
		return path, ""
	}
	rawPath = foJoinSlash(base.EscapedPath(), u.EscapedPath())
	return path, rawPath
}

func foJoinSlash(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	aSlash, bSlash := strings.HasSuffix(a, "/"), strings.HasPrefix(b, "/")
	switch {
	case aSlash && bSlash:
		return a + b[1:]
	case !aSlash && !bSlash:
		return a + "/" + b
	}
	return a + b
}

func foJoinQuery(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "&" + b
}

// foBody is the body of a response from an endpoint: closing it (or
// reading it to the end) ends the request's time in flight and releases
// the attempt's context.
type foBody struct {
	rc     io.ReadCloser
	ep     *foEndpoint
	cancel context.CancelFunc
	done   atomic.Bool
}

func (b *foBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if err == io.EOF {
		b.finish(false)
	}
	return n, err
}

func (b *foBody) Close() error {
	err := b.rc.Close()
	b.finish(true)
	return err
}

// finish leaves the endpoint's in-flight count once; after Close it also
// releases the attempt's context (after EOF the caller may not have
// closed yet, and cancelling would not change what it reads, but Close
// is where the contract says the caller is done).
func (b *foBody) finish(closed bool) {
	if b.done.CompareAndSwap(false, true) {
		b.ep.inFlight.Add(-1)
	}
	if closed {
		b.cancel()
	}
}

// foUpgradeBody is the body of a 101 Switching Protocols response: the
// upgraded connection, which the caller also writes to.
type foUpgradeBody struct {
	foBody
	w io.Writer
}

func (b *foUpgradeBody) Write(p []byte) (int, error) { return b.w.Write(p) }

func foCloseBody(b io.ReadCloser) {
	if b != nil {
		b.Close()
	}
}
