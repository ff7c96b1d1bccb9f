package httpx

import (
	"errors"
	"fmt"
	"net/http"
)

var (
	// ErrInvalidRequest is wrapped by the errors RoundTrip returns, before
	// any policy runs, for a request net/http would refuse: a nil URL or
	// Header, a scheme other than http or https, no host, an invalid method,
	// or an invalid header or trailer field. Repeating such a request cannot
	// help, so IsFailure reports false for it.
	ErrInvalidRequest = errors.New("httpx: invalid request")

	// ErrBodyNotReplayable is returned, as a permanent error and without
	// sending anything, when a policy asks for a second attempt of a
	// request whose body cannot be sent again (no GetBody, and too large or
	// of unknown length to buffer). The Transport hands the policies the
	// first attempt's outcome as a permanent error, so only a policy that
	// ignores resilience.IsPermanent ever sees it.
	ErrBodyNotReplayable = errors.New("httpx: request body cannot be replayed")

	// ErrNotRepeatable is returned, as a permanent error and without
	// sending anything, when a policy asks for another attempt of a request
	// that is not idempotent after an attempt that may have reached the
	// server (see [Transport]). As with ErrBodyNotReplayable, only a policy
	// that ignores resilience.IsPermanent ever sees it.
	ErrNotRepeatable = errors.New("httpx: request is not idempotent and may have been received")
)

// checkRequest reports what net/http would refuse in req without an error
// type to recognise it by, so that such a request fails at once instead
// of being retried or counted against a breaker.
func checkRequest(req *http.Request) error {
	switch {
	case req.URL == nil:
		return fmt.Errorf("%w: nil URL", ErrInvalidRequest)
	case req.Header == nil:
		return fmt.Errorf("%w: nil Header", ErrInvalidRequest)
	case req.URL.Scheme != "http" && req.URL.Scheme != "https":
		return fmt.Errorf("%w: unsupported protocol scheme %q", ErrInvalidRequest, req.URL.Scheme)
	case req.URL.Host == "":
		return fmt.Errorf("%w: no host in URL", ErrInvalidRequest)
	case req.Method != "" && !isToken(req.Method):
		return fmt.Errorf("%w: invalid method %q", ErrInvalidRequest, req.Method)
	}
	if err := checkFields("header", req.Header); err != nil {
		return err
	}
	return checkFields("trailer", req.Trailer)
}

func checkFields(kind string, h http.Header) error {
	if len(h) == 0 {
		return nil // spares starting an iteration over an empty map
	}
	for name, values := range h {
		if !isToken(name) {
			return fmt.Errorf("%w: invalid %s field name %q", ErrInvalidRequest, kind, name)
		}
		for _, v := range values {
			if !validFieldValue(v) {
				// The value itself stays out of the error: it may be a secret.
				return fmt.Errorf("%w: invalid %s field value for %q", ErrInvalidRequest, kind, name)
			}
		}
	}
	return nil
}

// isToken reports whether s is a non-empty RFC 9110 token.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !tokenChar[s[i]] {
			return false
		}
	}
	return true
}

// validFieldValue reports whether v has no control byte other than tab,
// as net/http requires of header values.
func validFieldValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if b := v[i]; b < ' ' && b != '\t' || b == 0x7f {
			return false
		}
	}
	return true
}

var tokenChar = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()
