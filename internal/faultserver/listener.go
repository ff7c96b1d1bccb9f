package faultserver

import (
	"context"
	"net"
	"sync"
	"sync/atomic"
)

// A Listener wraps a net.Listener and counts the connections it accepts,
// the ones still open and their peak. Its connections are [*Conn]s, which
// can be reset instead of closed. Between [Listener.Down] and
// [Listener.Up] it refuses every connection: the server is down.
type Listener struct {
	net.Listener

	accepted atomic.Int64
	resets   atomic.Int64
	refused  atomic.Int64

	mu      sync.Mutex         // guards the fields below
	conns   map[*Conn]struct{} // the connections accepted and not yet closed
	peak    int                // the largest len(conns) ever was
	changed chan struct{}      // closed and replaced whenever a connection closes
	down    bool               // between Down and Up
}

// NewListener returns a Listener over l.
func NewListener(l net.Listener) *Listener {
	return &Listener{Listener: l, conns: make(map[*Conn]struct{}), changed: make(chan struct{})}
}

// Accept waits for the next connection and returns it as a *Conn. While
// the listener is down, it resets each connection it accepts instead and
// waits for the next.
func (l *Listener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		l.mu.Lock()
		if l.down {
			l.mu.Unlock()
			l.refused.Add(1)
			resetConn(c)
			continue
		}
		l.accepted.Add(1)
		conn := &Conn{Conn: c, l: l}
		l.conns[conn] = struct{}{}
		l.peak = max(l.peak, len(l.conns))
		l.mu.Unlock()
		return conn, nil
	}
}

// Down takes the server down until Up, as a load balancer with no healthy
// backend is: it resets every open connection, and then every connection
// it accepts, so that a client's connection attempts end in "connection
// reset by peer" at once, without a response. The test says when the
// outage begins and ends, on whatever clock it drives.
func (l *Listener) Down() {
	l.mu.Lock()
	l.down = true
	open := make([]*Conn, 0, len(l.conns))
	for c := range l.conns {
		open = append(open, c)
	}
	l.mu.Unlock()
	for _, c := range open {
		_ = c.Reset()
	}
}

// Up ends the outage that Down began.
func (l *Listener) Up() {
	l.mu.Lock()
	l.down = false
	l.mu.Unlock()
}

// Refused returns the number of connections reset while the listener was
// down: each is one connection attempt of a client during an outage.
func (l *Listener) Refused() int { return int(l.refused.Load()) }

// Accepted returns the number of connections accepted so far.
func (l *Listener) Accepted() int { return int(l.accepted.Load()) }

// Resets returns the number of connections reset so far.
func (l *Listener) Resets() int { return int(l.resets.Load()) }

// Open returns the number of accepted connections not yet closed.
func (l *Listener) Open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.conns)
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
		open, changed := len(l.conns), l.changed
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

func (l *Listener) closed(c *Conn) {
	l.mu.Lock()
	delete(l.conns, c)
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
		c.l.closed(c)
	}
	return err
}

// Reset closes the connection abruptly: over TCP the peer gets a reset
// (RST) rather than an orderly end of stream, so a client that is still
// writing or waiting for an answer sees "connection reset by peer".
func (c *Conn) Reset() error {
	setLinger0(c.Conn)
	c.l.resets.Add(1)
	return c.Close()
}

// resetConn closes c so that the peer gets a reset.
func resetConn(c net.Conn) {
	setLinger0(c)
	_ = c.Close()
}

// setLinger0 makes closing c send RST and drop unsent data, over TCP.
func setLinger0(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
}
