package httpx

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"strings"
	"sync/atomic"
)

// A StatusError is the error the policies see for a response whose status
// [IsFailure] reports (408, 429, 500, 502, 503, 504), so that a policy with
// the default FailureIf (err != nil) retries, counts or falls back on it
// without configuration. The Transport never returns it: when the policies
// give up on such a response, the caller gets the response with a nil error.
type StatusError struct {
	StatusCode int            // the response's status code
	Response   *http.Response // the response; its body is closed once a policy discards it
}

// Error reads like "httpx: 503 Service Unavailable".
func (e *StatusError) Error() string {
	return "httpx: " + strconv.Itoa(e.StatusCode) + " " + http.StatusText(e.StatusCode)
}

// IsFailure reports whether an outcome of one HTTP attempt is a failure
// worth retrying or counting against a breaker:
//
//   - a response with status 408, 429, 500, 502, 503 or 504 (not 501, not
//     any other status);
//   - a [StatusError] with one of those codes;
//   - any other non-nil error, except those that repeating cannot fix: an
//     invalid request (unsupported scheme, invalid header, method or URL;
//     see [ErrInvalidRequest]), too many redirects, a TLS certificate that
//     fails verification, and cancellation by the caller
//     (context.Canceled; a deadline is a failure).
//
// IsFailure(nil, nil) is false. It has the shape of a FailureIf func, so
// policies that take one can use it directly.
func IsFailure(resp *http.Response, err error) bool {
	if err != nil {
		var se *StatusError
		if errors.As(err, &se) {
			return failureStatus(se.StatusCode)
		}
		return failureError(err)
	}
	return resp != nil && failureStatus(resp.StatusCode)
}

func failureStatus(code int) bool {
	switch code {
	case http.StatusRequestTimeout, http.StatusTooManyRequests,
		http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// netHTTPMessages are errors net/http returns without a type to tell them
// by; every one of them would fail again the same way.
var netHTTPMessages = [...]string{
	"unsupported protocol scheme",
	"net/http: invalid header",
	"net/http: invalid trailer",
	"net/http: invalid method",
	"http: no Host in request URL",
	"http: nil Request.URL",
	"http: nil Request.Header",
}

func failureError(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, ErrInvalidRequest) {
		return false
	}
	var (
		unknownAuthority x509.UnknownAuthorityError
		invalidCert      x509.CertificateInvalidError
		hostname         x509.HostnameError
		verification     *tls.CertificateVerificationError
	)
	if errors.As(err, &unknownAuthority) || errors.As(err, &invalidCert) ||
		errors.As(err, &hostname) || errors.As(err, &verification) {
		return false
	}
	msg := err.Error()
	for _, m := range netHTTPMessages {
		if strings.Contains(msg, m) {
			return false
		}
	}
	// http.Client's default CheckRedirect: "stopped after 10 redirects".
	return !(strings.Contains(msg, "stopped after ") && strings.Contains(msg, " redirects"))
}

// idempotent reports whether req may be sent more than once, as net/http's
// own isReplayable judges it, with PUT and DELETE added (RFC 9110 §9.2.2).
func idempotent(req *http.Request) bool {
	switch req.Method {
	case "", http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace,
		http.MethodPut, http.MethodDelete:
		return true
	}
	_, key := req.Header["Idempotency-Key"]
	_, xkey := req.Header["X-Idempotency-Key"]
	return key || xkey
}

// shedStatus reports whether resp proves that the server did not act on
// the request: a 429, or a 503 that carries Retry-After (deliberate load
// shedding; a bare 503 from a proxy proves nothing).
func shedStatus(resp *http.Response) bool {
	switch resp.StatusCode {
	case http.StatusTooManyRequests:
		return true
	case http.StatusServiceUnavailable:
		return resp.Header.Get("Retry-After") != ""
	}
	return false
}

// notSent reports whether the failure err proves that the request never
// reached the server, so that even a POST may be sent again: the inner
// transport looked for a connection and never got one (ct, when traced), a
// dial or proxy-connect error, a TLS handshake error, or HTTP/2
// REFUSED_STREAM.
func notSent(err error, ct *connTrace) bool {
	if ct != nil && ct.neverConnected() {
		return true
	}
	var op *net.OpError
	if errors.As(err, &op) && (op.Op == "dial" || op.Op == "proxyconnect") {
		return true
	}
	var (
		record tls.RecordHeaderError
		alert  tls.AlertError
	)
	if errors.As(err, &record) || errors.As(err, &alert) { // the server refused the handshake
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "; REFUSED_STREAM") ||
		strings.Contains(msg, "TLS handshake") || strings.Contains(msg, "tls: handshake")
}

// connTrace records whether the inner transport looked for a connection
// and whether it got one. An attempt that looked but never got one failed
// before a byte of the request left: while dialing, in a proxy CONNECT or
// in the TLS handshake. Only requests that are not idempotent pay for it.
type connTrace struct {
	getConn, gotConn atomic.Bool
	trace            httptrace.ClientTrace
}

func newConnTrace() *connTrace {
	ct := &connTrace{}
	ct.trace.GetConn = func(string) { ct.getConn.Store(true) }
	ct.trace.GotConn = func(httptrace.GotConnInfo) { ct.gotConn.Store(true) }
	return ct
}

func (ct *connTrace) neverConnected() bool { return ct.getConn.Load() && !ct.gotConn.Load() }
