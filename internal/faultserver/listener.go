package faultserver

import (
	"context"
	"net"
	"sync"
	"sync/atomic"
)

// A Listener wraps a net.Listener and counts the connections it accepts,
// the ones still open and their peak. Its connections are [*Conn]s, which
// can be reset instead of closed.
type Listener struct {
	net.Listener

	accepted atomic.Int64
	resets   atomic.Int64

	mu      sync.Mutex    // guards the fields below
	open    int           // connections accepted and not yet closed
	peak    int           // the largest open ever was
	changed chan struct{} // closed and replaced whenever open falls
}

// NewListener returns a Listener over l.
func NewListener(l net.Listener) *Listener {
	return &Listener{Listener: l, changed: make(chan struct{})}
}

// Accept waits for the next connection and returns it as a *Conn.
func (l *Listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.accepted.Add(1)
	l.mu.Lock()
	l.open++
	l.peak = max(l.peak, l.open)
	l.mu.Unlock()
	return &Conn{Conn: c, l: l}, nil
}

// Accepted returns the number of connections accepted so far.
func (l *Listener) Accepted() int { return int(l.accepted.Load()) }

// Resets returns the number of connections reset so far.
func (l *Listener) Resets() int { return int(l.resets.Load()) }

// Open returns the number of accepted connections not yet closed.
func (l *Listener) Open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.open
}

// Peak returns the largest number of connections that were open at once.
func (l *Listener) Peak() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.peak
}

// WaitOpen waits until at most n connections are open, and returns nil, or
// ctx's error if ctx ends first. It does not poll: closing a connection
// wakes it.
func (l *Listener) WaitOpen(ctx context.Context, n int) error {
	for {
		l.mu.Lock()
		open, changed := l.open, l.changed
		l.mu.Unlock()
		if open <= n {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (l *Listener) closed() {
	l.mu.Lock()
	l.open--
	close(l.changed)
	l.changed = make(chan struct{})
	l.mu.Unlock()
}

// A Conn is a connection a [Listener] accepted.
type Conn struct {
	net.Conn
	l    *Listener
	done atomic.Bool
}

// Close closes the connection; only the first call counts.
func (c *Conn) Close() error {
	err := c.Conn.Close()
	if c.done.CompareAndSwap(false, true) {
		c.l.closed()
	}
	return err
}

// Reset closes the connection abruptly: over TCP the peer gets a reset
// (RST) rather than an orderly end of stream, so a client that is still
// writing or waiting for an answer sees "connection reset by peer".
func (c *Conn) Reset() error {
	if tc, ok := c.Conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0) // unsent data is dropped and RST is sent on close
	}
	c.l.resets.Add(1)
	return c.Close()
}
