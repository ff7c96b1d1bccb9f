package httpx

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"slices"
	"sync/atomic"

	"github.com/go-resilience/resilience"
)

// bodyMode says how each attempt gets its copy of the request body.
type bodyMode uint8

const (
	bodyNone     bodyMode = iota // no body: every attempt sends none
	bodyRewind                   // the first attempt sends req.Body, later ones GetBody's
	bodyBuffered                 // every attempt reads its own reader over a buffer
	bodyOnce                     // req.Body can be sent once: one attempt only
)

// A call is the state of one RoundTrip, shared by its attempts (which may
// run concurrently under a hedging policy). Calls are pooled: after
// Execute has returned no attempt runs, and nothing an attempt hands to
// the inner transport refers to the call.
type call struct {
	t        *Transport
	req      *http.Request
	fn       resilience.Func[*http.Response] // c.attempt, bound once per pooled call
	policies bool                            // policies run: the body may need replaying
	repeat   bool                            // c.repeatable(), set by prepare
	mode     bodyMode
	buf      []byte                        // bodyBuffered: the body; a new one per call, never reused
	getBody  func() (io.ReadCloser, error) // bodyBuffered: a GetBody over buf for the inner transport
	taken    atomic.Bool                   // req.Body went to an attempt (bodyRewind, bodyOnce)
	spent    atomic.Bool                   // an attempt that must not be repeated was made

	// For a request that must not be repeated: the response to its one
	// attempt, and whether a policy discarded it. A policy of the user's
	// (a FailureIf that fails a 409, say) may drop that response and try
	// again; the attempt is refused, and the dropped response, held back
	// from draining, is what the server answered: RoundTrip returns it.
	sent    atomic.Pointer[http.Response]
	held    atomic.Bool
	discard func(*http.Response) // c.keepSent, bound once per pooled call

	// The bodies of every response the attempts produced, newest first,
	// linked through body.link: what a panic leaves unreturned is closed.
	bodies atomic.Pointer[body]
}

// track adds b, the body of a response an attempt produced, to c.bodies.
func (c *call) track(b *body) {
	for {
		head := c.bodies.Load()
		b.link = head
		if c.bodies.CompareAndSwap(head, b) {
			return
		}
	}
}

// keepSent is the discard func of a request that must not be repeated: it
// holds back the response to the request's one attempt and discards any
// other.
func (c *call) keepSent(resp *http.Response) {
	if resp != nil && resp == c.sent.Load() {
		c.held.Store(true)
		return
	}
	c.t.discard(resp)
}

// outcome settles what Execute returned for a request whose one sent
// response a policy discarded: that response is the answer unless the
// policies settled on another of their own making.
func (c *call) outcome(resp *http.Response, err error) (*http.Response, error) {
	sent := c.sent.Load()
	if !c.held.Load() || resp == sent {
		return resp, err
	}
	if resp != nil && err == nil { // a response the policies made (a fallback's)
		c.t.discard(sent)
		return resp, nil
	}
	if resp != nil {
		c.t.discard(resp)
	}
	return sent, nil
}

func (t *Transport) call(req *http.Request, policies bool) *call {
	c, _ := t.calls.Get().(*call)
	if c == nil {
		c = &call{}
		c.fn, c.discard = c.attempt, c.keepSent
	}
	c.t, c.req, c.policies = t, req, policies
	return c
}

// done closes the request body if no attempt took it, and recycles c.
func (t *Transport) done(c *call) {
	c.closeUntaken()
	for b := c.bodies.Load(); b != nil; {
		// The returned body must not keep the discarded ones reachable.
		b, b.link = b.link, nil
	}
	*c = call{fn: c.fn, discard: c.discard}
	t.calls.Put(c)
}

// closeUntaken closes the request body if no attempt took it.
func (c *call) closeUntaken() {
	if (c.mode == bodyRewind || c.mode == bodyOnce) && !c.taken.Load() {
		closeBody(c.req)
	}
}

// abandon releases what a RoundTrip that is panicking holds: the request
// body, if no attempt took it, and the body of every response its
// attempts produced that is not closed yet, drained (bounded) and closed
// as a discarded one. c, nil if the panic came before there was one, is
// not recycled.
func (t *Transport) abandon(req *http.Request, c *call) {
	if c == nil {
		closeBody(req)
		return
	}
	c.closeUntaken()
	max := t.maxDrain
	if max == 0 {
		max = defaultMaxDrain
	}
	for b := c.bodies.Load(); b != nil; b = b.link {
		b.abandon(max)
	}
}

// prepare chooses how attempts get the request body, buffering it when
// it has to and may.
func (c *call) prepare() error {
	req := c.req
	switch {
	case req.Body == nil || req.Body == http.NoBody:
		c.mode = bodyNone
	case req.GetBody != nil:
		c.mode = bodyRewind
	case !c.policies || req.ContentLength <= 0 || req.ContentLength > c.t.bodyBufferLimit():
		c.mode = bodyOnce
	default:
		c.mode = bodyBuffered
		buf := make([]byte, req.ContentLength)
		n, err := io.ReadFull(req.Body, buf)
		req.Body.Close()
		if err != nil {
			return fmt.Errorf("httpx: reading request body: ContentLength=%d with Body length %d: %w", req.ContentLength, n, err)
		}
		c.buf = buf
		c.getBody = func() (io.ReadCloser, error) { return newBufferedBody(buf), nil }
	}
	// The request may be sent more than once on any failure when it is
	// idempotent (or RetryAll) and its body can be replayed.
	c.repeat = c.mode != bodyOnce && (c.t.retryAll || idempotent(req))
	return nil
}

// body returns the body of one attempt and the GetBody the inner
// transport may use to rewind it.
func (c *call) body() (io.ReadCloser, func() (io.ReadCloser, error), error) {
	req := c.req
	switch c.mode {
	case bodyNone:
		return req.Body, req.GetBody, nil
	case bodyBuffered:
		return newBufferedBody(c.buf), c.getBody, nil
	}
	if c.taken.CompareAndSwap(false, true) {
		return req.Body, req.GetBody, nil
	}
	if c.mode == bodyOnce {
		return nil, nil, ErrBodyNotReplayable
	}
	b, err := req.GetBody()
	if err != nil {
		return nil, nil, fmt.Errorf("httpx: GetBody: %w", err)
	}
	return b, req.GetBody, nil
}

// attempt sends one clone of the request. It runs under a hold.Hold:
// until a response arrives the policies' ctx bounds it; after that only
// the caller's ctx does, until the response body is closed or discarded.
func (c *call) attempt(ctx context.Context) (*http.Response, error) {
	req := c.req
	if c.spent.Load() {
		return nil, resilience.Permanent(ErrNotRepeatable)
	}
	reqBody, getBody, err := c.body()
	if err != nil {
		return nil, resilience.Permanent(err)
	}
	held := ctx
	var b *body // holds the attempt and its request; becomes the response body's wrapper
	if c.policies {
		// Until a response arrives the policies' ctx bounds the attempt;
		// after that only the caller's, until the body is closed or
		// discarded (and a discard can end a slow drain by releasing).
		// Without policies ctx is the caller's, and nothing is discarded.
		b = &body{}
		held = b.hold.Start(ctx, req.Context())
	}
	handedOff := false
	defer func() {
		if !handedOff && b != nil { // the inner transport panicked
			b.hold.Release()
		}
	}()
	var ct *connTrace
	if !c.repeat && c.policies { // whether it connected decides whether it may be repeated
		ct = newConnTrace()
		held = httptrace.WithClientTrace(held, &ct.trace)
	}
	var sent *attemptRequest
	if b != nil {
		sent = &b.sent
	} else {
		sent = new(attemptRequest)
	}
	r := sent.clone(req, held)
	r.Body, r.GetBody = reqBody, getBody

	resp, err := c.t.nextRT().RoundTrip(r)
	if err != nil || resp == nil {
		if resp != nil && resp.Body != nil { // a RoundTripper breaking its contract
			resp.Body.Close()
		}
		if err == nil {
			err = errNoResponse
		}
		if b != nil {
			b.hold.Release()
		}
		handedOff = true
		return nil, c.failure(ctx, nil, err, ct)
	}
	if resp.Request == r {
		resp.Request = req
	}
	if b != nil {
		b.hold.Keep()
		if wrapBody(resp, b) {
			c.track(b)
		} else {
			b.hold.Release()
		}
	}
	handedOff = true
	if !c.repeat && c.policies && !shedStatus(resp) && !c.spent.Swap(true) {
		c.sent.Store(resp) // the server took it: no attempt may follow
	}
	if !failureStatus(resp.StatusCode) {
		return resp, nil
	}
	return resp, c.failure(ctx, resp, nil, ct)
}

// An attemptRequest is the copy of the request that one attempt sends,
// with its URL: one allocation, or none of its own inside a body.
type attemptRequest struct {
	req http.Request
	url url.URL
}

// clone makes a the copy of req under ctx, as req.Clone does, but in a's
// memory. Its header maps and TransferEncoding are copied too, so that an
// inner RoundTripper that sets a header (one that signs each attempt, say)
// changes its own attempt's copy only. Form, PostForm and MultipartForm,
// which a client transport does not read, are shared with req.
func (a *attemptRequest) clone(req *http.Request, ctx context.Context) *http.Request {
	a.req = *req.WithContext(ctx) // WithContext is inlined: its copy stays on the stack
	r := &a.req
	if req.URL != nil {
		a.url = *req.URL // its *Userinfo, immutable, is shared
		r.URL = &a.url
	}
	if req.Header != nil {
		r.Header = req.Header.Clone()
	}
	if req.Trailer != nil {
		r.Trailer = req.Trailer.Clone()
	}
	if req.TransferEncoding != nil {
		r.TransferEncoding = slices.Clone(req.TransferEncoding)
	}
	return r
}

var errNoResponse = errors.New("httpx: RoundTrip returned neither a response nor an error")

// failure returns the error the policies see for a failed attempt run
// under ctx: a *StatusError for a failure response, else err; marked
// permanent when the attempt must not be repeated.
func (c *call) failure(ctx context.Context, resp *http.Response, err error, ct *connTrace) error {
	if resp != nil {
		err = &StatusError{StatusCode: resp.StatusCode, Response: resp}
		switch {
		case c.mode == bodyOnce:
			return resilience.Permanent(err)
		case !c.repeat && !shedStatus(resp):
			c.spent.Store(true)
			return resilience.Permanent(err)
		}
		return err
	}
	if errors.Is(err, context.Canceled) && ctx.Err() != nil && !resilience.CallerEnded(ctx) {
		// The held ctx ends by cancellation whatever ended ctx, and an inner
		// transport may report that as context.Canceled: the attempt was
		// cut by a policy's deadline, a failure like any timeout.
		err = context.Cause(ctx)
	}
	switch {
	case c.mode == bodyOnce:
		return resilience.Permanent(err)
	case !c.repeat && !notSent(err, ct):
		c.spent.Store(true)
		return resilience.Permanent(err)
	}
	if !failureError(err) || c.req.Context().Err() != nil { // repeating cannot help
		return resilience.Permanent(err)
	}
	return err
}
