package httpx_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/httpx"
)

func retryAfterResponse(code int, retryAfter, date string) *http.Response {
	h := http.Header{}
	if retryAfter != "" {
		h["Retry-After"] = []string{retryAfter}
	}
	if date != "" {
		h["Date"] = []string{date}
	}
	return &http.Response{StatusCode: code, Header: h}
}

func TestRetryAfter(t *testing.T) {
	const date = "Sun, 06 Nov 1994 08:49:37 GMT"
	tests := []struct {
		code             int
		retryAfter, date string
		want             time.Duration
	}{
		{503, "120", "", 120 * time.Second},
		{429, "0", "", 0},
		{429, "007", "", 7 * time.Second},
		{503, " 5\t", "", 5 * time.Second}, // surrounding whitespace is not part of the value
		{503, "86400", "", 24 * time.Hour},
		{503, "86401", "", -1}, // absurd: ignored
		{503, "99999999999999999999999", "", -1},
		{503, "-5", "", -1},
		{503, "+5", "", -1},
		{503, "5 5", "", -1},
		{503, "1.5", "", -1},
		{503, "5s", "", -1},
		{503, "", "", -1},
		{503, "soon", "", -1},
		{500, "5", "", -1}, // only 429 and 503 carry one
		{200, "5", "", -1},
		{301, "5", "", -1},
		{503, "Sun, 06 Nov 1994 08:49:47 GMT", date, 10 * time.Second}, // IMF-fixdate
		{503, "Sunday, 06-Nov-94 08:50:37 GMT", date, time.Minute},     // RFC 850
		{503, "Sun Nov  6 08:49:38 1994", date, time.Second},           // ANSI C asctime
		{429, "Sun, 06 Nov 1994 08:00:00 GMT", date, 0},                // in the past: at once
		{503, "Mon, 07 Nov 1994 08:49:38 GMT", date, -1},               // over a day away: ignored
		{503, "Sun, 06 Nov 1994 08:49:47 PST", date, -1},               // not GMT: malformed
		{503, "Sun, 06 Nov 1994 25:49:47 GMT", date, -1},
	}
	for _, tt := range tests {
		resp := retryAfterResponse(tt.code, tt.retryAfter, tt.date)
		got := httpx.RetryAfter(1, resp, nil)
		assert.Equal(t, tt.want, got, "RetryAfter(%d, Retry-After %q, Date %q) = %v, want %v", tt.code, tt.retryAfter, tt.date, got, tt.want)
	}
}

func TestRetryAfterDateAgainstNow(t *testing.T) {
	at := time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)
	got := httpx.RetryAfter(1, retryAfterResponse(503, at, ""), nil)
	assert.InDelta(t, float64(time.Hour), float64(got), float64(2*time.Second), "RetryAfter(in an hour, no Date) = %v", got)

	got = httpx.RetryAfter(1, retryAfterResponse(503, at, "garbage"), nil)
	assert.InDelta(t, float64(time.Hour), float64(got), float64(2*time.Second), "an invalid Date counts as absent: %v", got)
}

func TestRetryAfterFromStatusError(t *testing.T) {
	resp := retryAfterResponse(429, "3", "")
	se := &httpx.StatusError{StatusCode: 429, Response: resp}
	assert.Equal(t, 3*time.Second, httpx.RetryAfter(1, nil, se), "from a StatusError")
	assert.Equal(t, 3*time.Second, httpx.RetryAfter(2, nil, resilience.Permanent(se)), "from a wrapped StatusError")
	assert.Equal(t, time.Duration(-1), httpx.RetryAfter(1, nil, &httpx.StatusError{StatusCode: 503}), "a StatusError without response")
	assert.Equal(t, time.Duration(-1), httpx.RetryAfter(1, nil, nil), "nothing")
	assert.Equal(t, time.Duration(-1), httpx.RetryAfter(1, nil, http.ErrHandlerTimeout), "another error")
}

func FuzzRetryAfter(f *testing.F) {
	for _, seed := range []struct{ v, date string }{
		{"120", ""}, {"0", ""}, {"86401", ""}, {"-1", ""}, {"1e3", ""}, {"  42 ", ""},
		{"Sun, 06 Nov 1994 08:49:47 GMT", "Sun, 06 Nov 1994 08:49:37 GMT"},
		{"Sunday, 06-Nov-94 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 GMT"},
		{"Sun Nov  6 08:49:37 1994", ""},
		{"Fri, 31 Dec 9999 23:59:59 GMT", "Mon, 01 Jan 0001 00:00:00 GMT"},
		{"18446744073709551617", ""},
	} {
		f.Add(seed.v, seed.date)
	}
	f.Fuzz(func(t *testing.T, value, date string) {
		resp := retryAfterResponse(503, value, date)
		got := httpx.RetryAfter(1, resp, nil)
		if got != -1 && (got < 0 || got > httpx.MaxRetryAfter) {
			t.Fatalf("RetryAfter(%q, Date %q) = %v, want -1 or in [0, %v]", value, date, got, httpx.MaxRetryAfter)
		}
		trimmed := strings.Trim(value, " \t")
		if trimmed != "" && strings.Trim(trimmed, "0123456789") == "" {
			var n int64
			for _, c := range trimmed {
				n = n*10 + int64(c-'0')
				if n > 1<<40 {
					break
				}
			}
			want := time.Duration(-1)
			if n <= 86400 {
				want = time.Duration(n) * time.Second
			}
			if got != want {
				t.Fatalf("RetryAfter(%q) = %v, want %v", value, got, want)
			}
		}
		if again := httpx.RetryAfter(1, resp, nil); date != "" && got != -1 && again != got {
			if _, err := http.ParseTime(strings.Trim(date, " \t")); err == nil {
				t.Fatalf("RetryAfter(%q, Date %q) not deterministic: %v then %v", value, date, got, again)
			}
		}
	})
}
