package faultserver

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Config configures a Server. The zero Config serves every request without
// a fault.
type Config struct {
	// Schedule picks the fault of each arrival. nil = None for all.
	Schedule Schedule

	// Stall is how long StallHeaders and StallBody wait. A stall ends
	// early when the client goes away or the server closes. 0 = 1s.
	Stall time.Duration

	// RetryAfter gives the Retry-After value of a Shed503 or Shed429
	// answer to the arrival-th arrival of id. nil = "0".
	RetryAfter func(id string, arrival int) string

	// BodySize is the size in bytes of the body of every answer: Body(id,
	// BodySize) for a 200, as much filler for a 5xx or 429. 0 = 4096.
	BodySize int

	// MaxRequestBody caps the request body the server reads; a longer one
	// counts as torn. 0 = 8 MiB.
	MaxRequestBody int64
}

// A Record is what the server saw of one request id.
type Record struct {
	Arrivals int     // times the request reached the server's handler
	Taken    int     // arrivals the server acted on (see Fault.Taken)
	Intact   int     // arrivals whose body arrived whole and matched X-Body-Sum
	Torn     int     // arrivals whose body arrived to its end but did not match X-Body-Sum
	Cut      int     // arrivals whose body ended in an error: the client or the network gave up
	Faults   []Fault // the fault each arrival met, in order
}

// A Server is a loopback HTTP/1.1 server that injects faults. Start one
// with Start, point a client at URL, and Close it when done.
type Server struct {
	cfg     Config
	ln      *Listener
	srv     *http.Server
	url     string
	closing chan struct{}
	served  chan error     // Serve's result
	running sync.WaitGroup // handlers in progress

	injected [NumFaults]atomic.Int64

	mu      sync.Mutex // guards records and changed
	records map[string]*Record
	changed chan struct{} // closed and replaced whenever a record changes
}

// Start starts a Server on a loopback port.
func Start(cfg Config) (*Server, error) {
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	if cfg.Stall == 0 {
		cfg.Stall = time.Second
	}
	if cfg.BodySize == 0 {
		cfg.BodySize = 4096
	}
	if cfg.MaxRequestBody == 0 {
		cfg.MaxRequestBody = 8 << 20
	}
	s := &Server{
		cfg:     cfg,
		ln:      NewListener(l),
		url:     "http://" + l.Addr().String(),
		closing: make(chan struct{}),
		served:  make(chan error, 1),
		records: make(map[string]*Record),
		changed: make(chan struct{}),
	}
	s.srv = &http.Server{
		Handler:  s,
		ErrorLog: log.New(io.Discard, "", 0), // resets and cut bodies are the point
	}
	go func() { s.served <- s.srv.Serve(s.ln) }()
	return s, nil
}

// URL returns the server's base URL, "http://127.0.0.1:port".
func (s *Server) URL() string { return s.url }

// Listener returns the server's listener, which counts its connections.
func (s *Server) Listener() *Listener { return s.ln }

// Close stops the server: it ends stalls, closes the listener and every
// connection, and waits until every handler has returned.
func (s *Server) Close() error {
	select {
	case <-s.closing:
		return nil
	default:
	}
	close(s.closing)
	err := s.srv.Close()
	s.running.Wait()
	if serr := <-s.served; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	return err
}

// Faults returns how many arrivals met each fault so far, None included.
func (s *Server) Faults() [NumFaults]int {
	var n [NumFaults]int
	for i := range n {
		n[i] = int(s.injected[i].Load())
	}
	return n
}

// Record returns a copy of what the server saw of request id.
func (s *Server) Record(id string) Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.records[id]; r != nil {
		c := *r
		c.Faults = append([]Fault(nil), r.Faults...)
		return c
	}
	return Record{}
}

// Records returns a copy of every record, by request id.
func (s *Server) Records() map[string]Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := make(map[string]Record, len(s.records))
	for id, r := range s.records {
		c := *r
		c.Faults = append([]Fault(nil), r.Faults...)
		m[id] = c
	}
	return m
}

// ServeHTTP answers one arrival of a request, with the fault the schedule
// picks for it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.running.Add(1)
	defer s.running.Done()
	id := r.Header.Get(HeaderID)
	arrival, fault := s.arrive(id)

	if fault == Reset {
		s.reset(w, r)
		return
	}
	switch s.readBody(id, r) {
	case bodyCut:
		return // the client is gone: nobody to answer
	case bodyTorn:
		http.Error(w, "faultserver: torn request body", http.StatusBadRequest)
		return
	}
	switch fault {
	case Shed503, Shed429:
		code := http.StatusServiceUnavailable
		if fault == Shed429 {
			code = http.StatusTooManyRequests
		}
		ra := "0"
		if s.cfg.RetryAfter != nil {
			ra = s.cfg.RetryAfter(id, arrival)
		}
		w.Header().Set("Retry-After", ra)
		s.filler(w, code)
		return
	}
	s.take(id)
	switch fault {
	case StallHeaders:
		if s.stall(r) {
			s.ok(w, r, id, 0)
		}
	case StallBody:
		s.ok(w, r, id, s.cfg.BodySize/2)
	case Status503:
		s.filler(w, http.StatusServiceUnavailable)
	case Status500:
		s.filler(w, http.StatusInternalServerError)
	case CloseConn:
		w.Header().Set("Connection", "close")
		s.ok(w, r, id, 0)
	case PartialBody:
		s.partial(w, id)
	default:
		s.ok(w, r, id, 0)
	}
}

// touch wakes the waiters of WaitRecord. It requires that s.mu is held.
func (s *Server) touch() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// WaitRecord waits until the record of id satisfies until (a record not
// yet made is the zero Record) and returns it, or returns ctx's error.
// Tests use it to wait for the server's side of an exchange, which may
// finish after the client's.
func (s *Server) WaitRecord(ctx context.Context, id string, until func(Record) bool) (Record, error) {
	for {
		s.mu.Lock()
		changed := s.changed
		s.mu.Unlock()
		rec := s.Record(id)
		if until(rec) {
			return rec, nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return rec, ctx.Err()
		}
	}
}

// arrive records an arrival of id and returns its number and its fault.
func (s *Server) arrive(id string) (int, Fault) {
	s.mu.Lock()
	rec := s.records[id]
	if rec == nil {
		rec = &Record{}
		s.records[id] = rec
	}
	rec.Arrivals++
	arrival := rec.Arrivals
	s.touch()
	s.mu.Unlock()

	fault := None
	if s.cfg.Schedule != nil {
		fault = s.cfg.Schedule(id, arrival)
	}
	if int(fault) >= NumFaults {
		fault = None
	}
	s.injected[fault].Add(1)
	s.mu.Lock()
	rec.Faults = append(rec.Faults, fault)
	s.touch()
	s.mu.Unlock()
	return arrival, fault
}

func (s *Server) take(id string) {
	s.mu.Lock()
	s.records[id].Taken++
	s.touch()
	s.mu.Unlock()
}

type bodyState uint8

const (
	bodyOK bodyState = iota
	bodyCut
	bodyTorn
)

// readBody reads the whole request body and checks it against its
// X-Body-Sum, if it has one.
func (s *Server) readBody(id string, r *http.Request) bodyState {
	b, err := io.ReadAll(io.LimitReader(r.Body, s.cfg.MaxRequestBody+1))
	want := r.Header.Get(HeaderSum)
	state := bodyOK
	switch {
	case err != nil:
		state = bodyCut
	case int64(len(b)) > s.cfg.MaxRequestBody, want != "" && Sum(b) != want:
		state = bodyTorn
	case want == "":
		return bodyOK
	}
	s.mu.Lock()
	rec := s.records[id]
	switch state {
	case bodyOK:
		rec.Intact++
	case bodyCut:
		rec.Cut++
	case bodyTorn:
		rec.Torn++
	}
	s.touch()
	s.mu.Unlock()
	return state
}

// reset reads half the request body, if any, and resets the connection.
func (s *Server) reset(w http.ResponseWriter, r *http.Request) {
	if n := r.ContentLength / 2; n > 0 {
		_, _ = io.CopyN(io.Discard, r.Body, n)
	} else if r.ContentLength < 0 {
		_, _ = io.CopyN(io.Discard, r.Body, 1)
	}
	s.hijack(w, true)
}

// hijack takes the connection from net/http and resets or closes it.
func (s *Server) hijack(w http.ResponseWriter, reset bool) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	if c, ok := conn.(*Conn); ok && reset {
		_ = c.Reset()
		return
	}
	_ = conn.Close()
}

// stall waits Stall, and reports whether the client is still there and
// the server still open.
func (s *Server) stall(r *http.Request) bool {
	t := time.NewTimer(s.cfg.Stall)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
	case <-s.closing:
	}
	return false
}

// ok answers 200 with Body(id). With pause > 0 it writes the first pause
// bytes, flushes them, and stalls before the rest.
func (s *Server) ok(w http.ResponseWriter, r *http.Request, id string, pause int) {
	body := Body(id, s.cfg.BodySize)
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set(HeaderSum, Sum(body))
	h.Set(HeaderID, id)
	w.WriteHeader(http.StatusOK)
	if pause > 0 {
		_, _ = w.Write(body[:pause])
		_ = http.NewResponseController(w).Flush()
		if !s.stall(r) {
			return
		}
		body = body[pause:]
	}
	_, _ = w.Write(body)
}

// partial declares Body(id) but sends only its first half, then closes the
// connection.
func (s *Server) partial(w http.ResponseWriter, id string) {
	body := Body(id, s.cfg.BodySize)
	h := w.Header()
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set(HeaderSum, Sum(body))
	h.Set(HeaderID, id)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body[:len(body)/2])
	_ = http.NewResponseController(w).Flush()
	s.hijack(w, false)
}

// filler answers code with BodySize bytes of text.
func (s *Server) filler(w http.ResponseWriter, code int) {
	body := bytes.Repeat([]byte("x"), s.cfg.BodySize)
	copy(body, strconv.Itoa(code)+" "+http.StatusText(code)+"\n")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(code)
	_, _ = w.Write(body)
}
