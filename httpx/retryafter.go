package httpx

import (
	"errors"
	"net/http"
	"strings"
	"time"
)

// MaxRetryAfter is the longest Retry-After that RetryAfter obeys. A longer
// one is absurd for a client waiting on a call (or a typo, or an attack on
// the client's memory of pending work) and is ignored.
const MaxRetryAfter = 24 * time.Hour

// RetryAfter returns the delay a 429 or 503 response asks for in its
// Retry-After header, or -1 when there is none to obey. It has the shape
// of retry.Config.DelayFunc: a negative delay there means "use the
// backoff", so
//
//	retry.Config[*http.Response]{DelayFunc: httpx.RetryAfter}
//
// waits what the server asks and backs off otherwise. The response is resp
// or, when resp is nil, the one a [StatusError] in err carries.
//
// The header holds delta-seconds (digits only) or an HTTP-date in any of
// the three formats http.ParseTime reads; a date is measured against the
// response's Date header when it has a valid one, else against the current
// time, and a date already past gives 0. A malformed value, or one above
// [MaxRetryAfter], gives -1: it is ignored, never obeyed.
//
// A delay that would overrun the retry's MaxDuration or the ctx deadline,
// or is above its MaxDelay, ends the retry at once; the Transport then
// returns the response itself, with a nil error.
func RetryAfter(attempt int, resp *http.Response, err error) time.Duration {
	if resp == nil {
		var se *StatusError
		if !errors.As(err, &se) {
			return -1
		}
		resp = se.Response
	}
	if resp == nil || resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusServiceUnavailable {
		return -1
	}
	return parseRetryAfter(resp.Header.Get("Retry-After"), resp.Header.Get("Date"), time.Now)
}

// parseRetryAfter parses a Retry-After value; date is the response's Date
// header ("" if none) and now gives the time to measure from without one.
func parseRetryAfter(value, date string, now func() time.Time) time.Duration {
	value = strings.Trim(value, " \t")
	if value == "" {
		return -1
	}
	if isDigit(value[0]) {
		return parseDeltaSeconds(value)
	}
	at, err := http.ParseTime(value)
	if err != nil {
		return -1
	}
	ref, err := http.ParseTime(strings.Trim(date, " \t"))
	if err != nil {
		ref = now()
	}
	d := at.Sub(ref)
	switch {
	case d < 0:
		return 0
	case d > MaxRetryAfter:
		return -1
	}
	return d
}

// parseDeltaSeconds parses digits only: no sign, no space, no fraction.
func parseDeltaSeconds(s string) time.Duration {
	const maxSeconds = int64(MaxRetryAfter / time.Second)
	var n int64
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return -1
		}
		n = n*10 + int64(s[i]-'0')
		if n > maxSeconds { // also keeps n far from overflowing
			return -1
		}
	}
	return time.Duration(n) * time.Second
}

func isDigit(b byte) bool { return '0' <= b && b <= '9' }
