package faultserver

import (
	"crypto/sha256"
	"encoding/hex"
)

// The headers the server reads and writes.
const (
	// HeaderID names the request; requests without it share the id "".
	HeaderID = "X-Request-Id"
	// HeaderSum carries the hex SHA-256 of a body: on a request, of the
	// body the client sends; on a response, of the whole body the server
	// means to send.
	HeaderSum = "X-Body-Sum"
)

// Sum returns the hex SHA-256 of b, as HeaderSum carries it.
func Sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// Body returns size bytes that depend on id: the response body the server
// sends for id, and a convenient request body for clients. Different ids
// give different bodies.
func Body(id string, size int) []byte {
	b := make([]byte, 0, size+sha256.Size)
	block := sha256.Sum256([]byte(id))
	for len(b) < size {
		b = append(b, block[:]...)
		block = sha256.Sum256(block[:])
	}
	return b[:size]
}
