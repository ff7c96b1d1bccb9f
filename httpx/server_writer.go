package httpx

import (
	"bufio"
	"context"
	"errors"
	"maps"
	"net"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/go-resilience/resilience"
)

// errServerDone is what a handler gets that writes after it returned.
var errServerDone = errors.New("httpx: response written after the handler returned")

// srvWriter is the http.ResponseWriter a handler gets from the Middleware.
// It lets exactly one of the handler and the middleware answer: whoever
// sends headers first owns the response.
//
// With a Timeout, the handler fills a header map of its own, copied to
// w's when it writes, so that a timeout answer written from the timer's
// goroutine never shares a map with a handler that is still running.
type srvWriter struct {
	w      http.ResponseWriter
	req    *http.Request
	s      *srvShared
	h      http.Handler
	ran    atomic.Bool // the handler was called
	header http.Header // the handler's header map; nil without a Timeout (w's own is used)

	// With a Timeout: the request's context with the deadline, and the
	// one it was derived from.
	deadline, parent context.Context

	mu       sync.Mutex     // guards the fields below; held while the handler writes to w
	status   int            // the status sent
	wrote    bool           // headers sent, or the middleware claimed the answer
	timedOut bool           // the middleware answered 503 for the timeout
	hijacked bool           // the handler took the connection
	done     bool           // ServeHTTP is returning: w must not be touched any more
	expiring sync.WaitGroup // a timeout answer being written

	// A panic of the timeout answer (Reject, the Observer) on the timer's
	// goroutine, where it would crash the process; finish raises it on
	// the request's. Written before expiring.Done, read after Wait.
	expirePanic *PanicError
}

// Header returns the handler's header map.
func (sw *srvWriter) Header() http.Header {
	if sw.header != nil {
		return sw.header
	}
	return sw.w.Header()
}

// WriteHeader sends the handler's headers, unless the middleware answered
// first (then it does nothing).
func (sw *srvWriter) WriteHeader(code int) {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	switch {
	case sw.timedOut || sw.done:
		return
	case sw.wrote: // superfluous: net/http reports it
		sw.w.WriteHeader(code)
		return
	case sw.deadlinePassed(): // too late to start a response: the middleware answers
		return
	}
	sw.copyHeader()
	sw.w.WriteHeader(code)
	if code < 100 || code > 199 || code == http.StatusSwitchingProtocols {
		sw.wrote, sw.status = true, code
	}
}

// Write writes the handler's body, or fails with http.ErrHandlerTimeout
// once the middleware answered 503 for the timeout.
func (sw *srvWriter) Write(p []byte) (int, error) {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	if err := sw.claimLocked(); err != nil {
		return 0, err
	}
	return sw.w.Write(p)
}

// FlushError flushes what the handler wrote (sending its headers first if
// it had not), or fails like Write.
func (sw *srvWriter) FlushError() error {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	if err := sw.claimLocked(); err != nil {
		return err
	}
	return http.NewResponseController(sw.w).Flush()
}

// Flush is FlushError without the error, for http.Flusher.
func (sw *srvWriter) Flush() { _ = sw.FlushError() }

// Hijack hands the connection to the handler, unless the middleware
// answered first.
func (sw *srvWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	switch {
	case sw.timedOut || !sw.wrote && sw.deadlinePassed():
		return nil, nil, http.ErrHandlerTimeout
	case sw.done:
		return nil, nil, errServerDone
	}
	conn, rw, err := http.NewResponseController(sw.w).Hijack()
	if err == nil {
		sw.hijacked = true
	}
	return conn, rw, err
}

// Unwrap returns the ResponseWriter underneath, for
// http.ResponseController's deadlines and full duplex.
func (sw *srvWriter) Unwrap() http.ResponseWriter { return sw.w }

// claimLocked makes the handler the owner of the response before it
// writes a body, or reports why it cannot write: once the deadline has
// passed, only a response already started may go on. It requires that
// sw.mu is held.
func (sw *srvWriter) claimLocked() error {
	switch {
	case sw.timedOut || !sw.wrote && sw.deadlinePassed():
		return http.ErrHandlerTimeout
	case sw.done:
		return errServerDone
	case !sw.wrote:
		sw.copyHeader()
		sw.wrote, sw.status = true, http.StatusOK
	}
	return nil
}

// copyHeader makes w's header map the handler's. Without a Timeout they
// are the same map.
func (sw *srvWriter) copyHeader() {
	if sw.header == nil {
		return
	}
	h := sw.w.Header()
	clear(h)
	maps.Copy(h, sw.header)
}

// deadlinePassed reports whether the middleware's own deadline ended the
// request's context (rather than the client going away).
func (sw *srvWriter) deadlinePassed() bool {
	return sw.deadline != nil && sw.deadline.Err() != nil && sw.parent.Err() == nil
}

// outcome is the handler's result as the policies see it: the status it
// answered, or ErrServerTimeout when it had not answered by the deadline.
func (sw *srvWriter) outcome() (int, error) {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	switch {
	case sw.timedOut:
		return http.StatusServiceUnavailable, ErrServerTimeout
	case sw.wrote || sw.hijacked:
		return sw.status, nil
	case sw.deadlinePassed():
		return http.StatusServiceUnavailable, ErrServerTimeout
	}
	return http.StatusOK, nil
}

// respond completes the response once the policies returned: nothing if
// the handler or the timeout answered, else the rejection for err, or the
// handler's headers with status.
func (sw *srvWriter) respond(status int, err error) {
	sw.mu.Lock()
	if sw.wrote || sw.hijacked {
		handlerWrote := !sw.timedOut && !sw.hijacked
		sw.mu.Unlock()
		if handlerWrote {
			sw.copyHeader() // trailers the handler set after its headers went out
		}
		return
	}
	sw.wrote = true
	sw.mu.Unlock()
	if err != nil {
		if errors.Is(err, ErrServerTimeout) {
			sw.s.emitTimeout(sw.req.Context())
		}
		sw.s.answer(sw.w, sw.req, err)
		return
	}
	sw.copyHeader()
	if status != http.StatusOK && status >= 100 && status <= 999 {
		sw.w.WriteHeader(status)
	}
}

// expire answers 503 when the deadline passes before the handler wrote its
// headers. It runs on its own goroutine, while the handler may still run:
// from then on the handler's writes fail.
func (sw *srvWriter) expire() {
	if sw.parent.Err() != nil { // the client went away: nobody to answer
		return
	}
	sw.mu.Lock()
	if sw.done || sw.wrote || sw.hijacked {
		sw.mu.Unlock()
		return
	}
	sw.wrote, sw.timedOut, sw.status = true, true, http.StatusServiceUnavailable
	sw.expiring.Add(1)
	sw.mu.Unlock()
	defer sw.expiring.Done()
	sw.expirePanic = recovering(func() {
		sw.s.emitTimeout(sw.req.Context())
		sw.s.answerNow(sw.w, sw.req, ErrServerTimeout) // the client has its answer now, not when the handler returns
	})
}

// finish marks the response complete: no timeout answer may start, and
// one in progress is waited for, because w is unusable once ServeHTTP
// returns. A panic of that answer is raised here, on the request's
// goroutine, unchanged.
func (sw *srvWriter) finish() {
	sw.mu.Lock()
	sw.done = true
	sw.mu.Unlock()
	sw.expiring.Wait()
	if p := sw.expirePanic; p != nil {
		panic(p.Value)
	}
}

func (s *srvShared) emitTimeout(ctx context.Context) {
	if resilience.Observing(s.observer) {
		resilience.Emit(ctx, s.observer, resilience.Event{
			Policy: "httpx", Name: s.name, Kind: resilience.EventTimeout, Duration: s.timeout,
		})
	}
}
