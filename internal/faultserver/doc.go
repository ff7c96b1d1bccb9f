// Package faultserver is a loopback HTTP server that misbehaves on
// purpose, for testing HTTP clients under faults: it resets connections
// mid-request, stalls before the headers or in the middle of the body,
// answers 5xx and 429 with and without Retry-After, closes keep-alive
// connections and cuts bodies short.
//
// Which fault a request meets is decided by a [Schedule] from the request's
// id (the X-Request-Id header) and how many times that id has arrived, so
// that a run is reproducible whatever the interleaving of its requests:
// [Chance] draws faults by seeded chance, [Script] plays a fixed list.
//
// The server counts what it did and what it saw: faults injected by kind,
// and per request id the arrivals, the requests it took (acted on) and the
// request bodies received whole and intact, or torn. Its [Listener] counts
// open connections, their peak and the connections accepted, and can reset
// a connection (TCP RST) instead of closing it.
//
// A request with a body carries the body's SHA-256 in the X-Body-Sum
// header ([Sum]); a response body is [Body] of the request id and carries
// its sum the same way, so that both sides can tell a torn body from an
// intact one.
//
// The server's [Listener] can go down ([Listener.Down], [Listener.Up]):
// while it is, it resets every connection it accepts, and counts them, so
// that a test can measure how a client rides out a server that refuses
// connections and how hard it hits it.
//
// The package is for tests only; it is safe for concurrent use.
package faultserver
