package httpx_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/httpx"
	"github.com/go-resilience/resilience/timeout"
)

func TestIsFailureStatuses(t *testing.T) {
	failures := map[int]bool{408: true, 429: true, 500: true, 502: true, 503: true, 504: true}
	for code := 100; code < 600; code++ {
		resp := &http.Response{StatusCode: code}
		assert.Equal(t, failures[code], httpx.IsFailure(resp, nil), "IsFailure(%d, nil)", code)
		se := &httpx.StatusError{StatusCode: code, Response: resp}
		assert.Equal(t, failures[code], httpx.IsFailure(nil, se), "IsFailure(nil, StatusError %d)", code)
		assert.Equal(t, failures[code], httpx.IsFailure(resp, resilience.Permanent(se)), "IsFailure(%d, Permanent(StatusError))", code)
	}
	assert.False(t, httpx.IsFailure(nil, nil), "IsFailure(nil, nil)")
}

func TestIsFailureErrors(t *testing.T) {
	urlErr := func(err error) error { return &url.Error{Op: "Get", URL: "https://example.test", Err: err} }
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"connection refused", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}, true},
		{"reset, through url.Error", urlErr(errors.New("read: connection reset by peer")), true},
		{"deadline", context.DeadlineExceeded, true},
		{"timeout policy", timeout.ErrExceeded, true},
		{"EOF", fmt.Errorf("net/http: HTTP/1.x transport connection broken: %w", errors.New("unexpected EOF")), true},
		{"caller cancelled", urlErr(context.Canceled), false},
		{"invalid request", fmt.Errorf("%w: nil URL", httpx.ErrInvalidRequest), false},
		{"unsupported scheme", urlErr(errors.New(`unsupported protocol scheme "ftp"`)), false},
		{"invalid header", errors.New(`net/http: invalid header field name "a b"`), false},
		{"invalid trailer", errors.New(`net/http: invalid trailer field value for "X"`), false},
		{"invalid method", errors.New(`net/http: invalid method "G T"`), false},
		{"no host", errors.New("http: no Host in request URL"), false},
		{"too many redirects", urlErr(errors.New("stopped after 10 redirects")), false},
		{"unknown authority", urlErr(x509.UnknownAuthorityError{}), false},
		{"invalid certificate", x509.CertificateInvalidError{Reason: x509.Expired}, false},
		{"hostname mismatch", x509.HostnameError{Host: "example.test", Certificate: &x509.Certificate{}}, false},
		{"certificate verification", &tls.CertificateVerificationError{Err: errors.New("bad")}, false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, httpx.IsFailure(nil, tt.err), "IsFailure(nil, %s)", tt.name)
	}
}

func TestStatusErrorMessage(t *testing.T) {
	err := &httpx.StatusError{StatusCode: 503}
	assert.Equal(t, "httpx: 503 Service Unavailable", err.Error())
}
