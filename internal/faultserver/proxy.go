package faultserver

import (
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// A Proxy is a TCP proxy on a loopback port that forwards each connection
// to a target address, and that can go down: [Proxy.Down] resets every
// open connection and then, until [Proxy.Up], every new one as soon as it
// is accepted. A client sees what it sees of an upstream
// behind a load balancer with no healthy backend: its connection attempts
// end in "connection reset by peer" at once, without a response.
//
// It counts the connections it forwarded and the ones it refused, so that
// a test can tell how hard a client hit an upstream that was down.
type Proxy struct {
	ln     net.Listener
	target string
	url    string
	served chan struct{} // closed when the accept loop has returned
	pipes  sync.WaitGroup

	forwarded atomic.Int64
	refused   atomic.Int64
	cut       atomic.Int64

	mu      sync.Mutex                // guards the fields below
	down    bool                      // between Down and Up: every connection is reset
	open    map[*net.TCPConn]net.Conn // each forwarded client connection, with its upstream one
	closing bool
}

// StartProxy starts a Proxy on a loopback port that forwards to target
// ("127.0.0.1:port").
func StartProxy(target string) (*Proxy, error) {
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{
		ln:     l,
		target: target,
		url:    "http://" + l.Addr().String(),
		served: make(chan struct{}),
		open:   make(map[*net.TCPConn]net.Conn),
	}
	go p.serve()
	return p, nil
}

// URL returns the proxy's base URL, "http://127.0.0.1:port".
func (p *Proxy) URL() string { return p.url }

// Down takes the upstream down until Up: it resets every open connection,
// and every connection it accepts from then on. The test decides when the
// outage begins and ends, on whatever clock it drives.
func (p *Proxy) Down() {
	p.mu.Lock()
	p.down = true
	open := p.open
	p.open = make(map[*net.TCPConn]net.Conn)
	p.mu.Unlock()
	for c, up := range open {
		p.cut.Add(1)
		reset(c)
		_ = up.Close()
	}
}

// Up ends the outage that Down began: connections are forwarded again.
func (p *Proxy) Up() {
	p.mu.Lock()
	p.down = false
	p.mu.Unlock()
}

// Forwarded returns the number of connections the proxy forwarded.
func (p *Proxy) Forwarded() int { return int(p.forwarded.Load()) }

// Refused returns the number of connections the proxy reset as soon as it
// accepted them, because the upstream was down: each is one connection
// attempt of a client during an outage.
func (p *Proxy) Refused() int { return int(p.refused.Load()) }

// Cut returns the number of open connections that outages reset.
func (p *Proxy) Cut() int { return int(p.cut.Load()) }

// Close stops the proxy: it closes the listener and every connection, and
// waits until every goroutine of the proxy has returned.
func (p *Proxy) Close() error {
	p.mu.Lock()
	if p.closing {
		p.mu.Unlock()
		return nil
	}
	p.closing = true
	open := p.open
	p.open = nil
	p.mu.Unlock()
	err := p.ln.Close()
	for c, up := range open {
		_ = c.Close()
		_ = up.Close()
	}
	<-p.served
	p.pipes.Wait()
	return err
}

func (p *Proxy) serve() {
	defer close(p.served)
	for {
		c, err := p.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue // a transient accept error; the listener is still there
		}
		tc := c.(*net.TCPConn)
		p.mu.Lock()
		down := p.down
		p.mu.Unlock()
		if down {
			p.refused.Add(1)
			reset(tc)
			continue
		}
		p.pipes.Add(1)
		go p.forward(tc)
	}
}

// forward dials the target for c and copies both ways until either side
// ends, then closes both.
func (p *Proxy) forward(c *net.TCPConn) {
	defer p.pipes.Done()
	up, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil {
		reset(c)
		return
	}
	p.mu.Lock()
	if p.open == nil || p.down { // closing, or went down while dialing
		p.mu.Unlock()
		reset(c)
		_ = up.Close()
		return
	}
	p.open[c] = up
	p.mu.Unlock()
	p.forwarded.Add(1)

	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		done <- struct{}{}
	}
	go pipe(up, c)
	go pipe(c, up)
	<-done
	p.mu.Lock()
	if p.open != nil {
		delete(p.open, c)
	}
	p.mu.Unlock()
	_ = c.Close()
	_ = up.Close()
	<-done
}

// reset closes c so that the peer gets a TCP reset (RST).
func reset(c *net.TCPConn) {
	_ = c.SetLinger(0)
	_ = c.Close()
}
