package provider

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestRetryDelay(t *testing.T) {
	date := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	header := func(kv ...string) *http.Response {
		h := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			h.Set(kv[i], kv[i+1])
		}
		return &http.Response{Header: h}
	}
	reset := strconv.FormatInt(date.Add(30*time.Second).Unix(), 10)
	cases := []struct {
		name string
		resp *http.Response
		want time.Duration
	}{
		{"until the window resets, by the server's clock", header("Date", date.Format(http.TimeFormat), "X-Rate-Limit-Remaining", "0", "X-Rate-Limit-Reset", reset), 31 * time.Second},
		{"a reset in the past waits a second", header("Date", date.Format(http.TimeFormat), "X-Rate-Limit-Remaining", "0", "X-Rate-Limit-Reset", strconv.FormatInt(date.Add(-time.Hour).Unix(), 10)), time.Second},
		{"Retry-After in seconds", header("Retry-After", "7"), 7 * time.Second},
		{"nothing said: backoff by attempt", header(), 2 * time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, retryDelay(tc.resp, 3, 500*time.Millisecond))
		})
	}
	// Retry-After as an HTTP date.
	d := retryDelay(header("Retry-After", time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)), 1, time.Second)
	require.InDelta(t, time.Hour.Seconds(), d.Seconds(), 2)
	require.Equal(t, 30*time.Second, backoff(20, time.Second), "backoff is capped")
}
