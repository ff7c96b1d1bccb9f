package httpx

import (
	"bytes"
	"io"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/go-resilience/resilience/internal/hold"
)

// drainTimeout bounds the drain of one discarded body, so that a server
// trickling an error page cannot stall the next attempt; past it the
// connection is closed instead of reused.
const drainTimeout = time.Second

// body wraps the body of a response an attempt produced, and holds the
// attempt: it ran under hold, which Close (or a discard) releases, and
// with it the connection's claim on the caller. It also holds the copy of
// the request the attempt sent, which the inner transport keeps until the
// body is done. One allocation serves all three.
type body struct {
	rc       io.ReadCloser
	hold     hold.Hold
	sent     attemptRequest
	closed   atomic.Bool
	upgraded bool  // rc is an upgraded connection (101), with no end to drain to
	link     *body // the call's previous body, see call.bodies
}

func (b *body) Read(p []byte) (int, error) { return b.rc.Read(p) }

// Close closes the body and releases the attempt. Closing it again does
// nothing.
func (b *body) Close() error {
	if b.closed.Swap(true) {
		return nil
	}
	err := b.rc.Close()
	b.hold.Release()
	return err
}

// abandon drains (bounded, unless upgraded) and closes b if nobody closed
// it: a response a panic left behind.
func (b *body) abandon(maxDrain int64) {
	if b.closed.Load() {
		return
	}
	if maxDrain > 0 && !b.upgraded {
		b.drain(maxDrain)
	}
	b.Close()
}

// drain reads and drops at most max bytes of a discarded body, for at most
// drainTimeout, so that its connection can be reused.
func (b *body) drain(max int64) {
	stop := time.AfterFunc(drainTimeout, b.hold.Release) // ends the read by cancelling the attempt
	drain(b.rc, max)
	stop.Stop()
}

// switchingBody is the body of a 101 Switching Protocols response: the
// upgraded connection, which callers also write to.
type switchingBody struct {
	*body
	w io.Writer
}

func (b *switchingBody) Write(p []byte) (int, error) { return b.w.Write(p) }

// wrapBody makes resp.Body b, which releases the attempt when closed. It
// returns false when there is no body to wrap: the caller releases at once.
func wrapBody(resp *http.Response, b *body) bool {
	switch resp.Body {
	case nil, http.NoBody:
		return false
	}
	b.rc = resp.Body
	if w, ok := resp.Body.(io.Writer); ok && resp.StatusCode == http.StatusSwitchingProtocols {
		b.upgraded = true
		resp.Body = &switchingBody{body: b, w: w}
		return true
	}
	resp.Body = b
	return true
}

// discard drains (bounded) and closes the body of a response the policies
// dropped, before they start another attempt: the connection goes back to
// the pool instead of staying claimed, which with MaxConnsPerHost would
// deadlock the next attempt.
func discard(resp *http.Response, maxDrain int64) {
	if resp == nil || resp.Body == nil {
		return
	}
	if maxDrain > 0 && resp.ContentLength <= maxDrain {
		switch b := resp.Body.(type) {
		case *body:
			b.drain(maxDrain)
		case *switchingBody: // an upgraded connection has no end to drain to
		default:
			drain(b, maxDrain)
		}
	}
	resp.Body.Close()
}

func drain(r io.Reader, max int64) {
	_, _ = io.CopyN(io.Discard, r, max)
}

// bufferedBody is one attempt's copy of a request body the Transport read
// into memory. Each attempt gets its own reader over the same bytes, which
// are never written again: the inner transport may still read them after
// its RoundTrip returned.
type bufferedBody struct {
	bytes.Reader
}

func (*bufferedBody) Close() error { return nil }

func newBufferedBody(buf []byte) *bufferedBody {
	b := &bufferedBody{}
	b.Reset(buf)
	return b
}
