package provider

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// pacer spaces requests to each rate-limit bucket so that a large fan-out
// slows down before the API refuses it. Okta-style APIs say, on every
// response, the bucket's limit (X-Rate-Limit-Limit), how many requests
// remain (X-Rate-Limit-Remaining) and when the window resets
// (X-Rate-Limit-Reset, epoch seconds). While more than half the limit
// remains, requests go as fast as concurrency allows, so small fan-outs are
// not slowed; below that, the pacer spreads what remains evenly over what is
// left of the window, leaving room for other clients of the same org; with
// nothing left, requests wait for the reset.
type pacer struct {
	mu      sync.Mutex
	buckets map[string]*bucket

	// waiting counts requests held back; held is the wall time during
	// which at least one was, for progress reports.
	waiting   int
	waitStart time.Time
	held      time.Duration
}

type bucket struct {
	known     bool // the last response gave the bucket's state
	remaining int
	reset     time.Time
	inflight  int
	// queued are the requests of inflight still waiting on the limiter:
	// they are paced already, and do not lower the rate again.
	queued  int
	limiter *rate.Limiter
	// learned is closed when a response to the bucket arrives. While the
	// bucket's state is unknown, one request goes first and the rest wait
	// for it, so that a fan-out never starts by overrunning a small limit.
	learned chan struct{}
}

func (p *pacer) bucket(key string) *bucket {
	if p.buckets == nil {
		p.buckets = map[string]*bucket{}
	}
	b, ok := p.buckets[key]
	if !ok {
		b = &bucket{}
		p.buckets[key] = b
	}
	return b
}

// wait blocks until a request to the bucket may go, and counts it in flight.
// Every wait must be followed by done.
func (p *pacer) wait(ctx context.Context, key string) error {
	for {
		p.mu.Lock()
		b := p.bucket(key)
		now := time.Now()
		if b.known && now.After(b.reset) {
			// A new window; its first response tells its budget.
			b.known = false
			b.limiter = nil
		}
		if !b.known && b.inflight > 0 && b.learned != nil {
			learned := b.learned
			p.mu.Unlock()
			select {
			case <-learned:
			case <-ctx.Done():
				return ctx.Err()
			}
			continue
		}
		if !b.known && b.learned == nil {
			b.learned = make(chan struct{})
		}
		if b.known && b.remaining-b.inflight <= 0 {
			d := b.reset.Sub(now) + jitter(b.reset.Sub(now))
			p.mu.Unlock()
			if err := p.sleep(ctx, d); err != nil {
				return err
			}
			continue
		}
		b.inflight++
		limiter := b.limiter
		p.mu.Unlock()
		if limiter == nil {
			return nil
		}
		r := limiter.Reserve()
		if !r.OK() {
			p.release(key)
			r.Cancel()
			continue
		}
		p.queue(key, 1)
		err := p.sleep(ctx, r.Delay())
		p.queue(key, -1)
		if err != nil {
			r.Cancel()
			p.release(key)
			return err
		}
		return nil
	}
}

func (p *pacer) queue(key string, delta int) {
	p.mu.Lock()
	p.bucket(key).queued += delta
	p.mu.Unlock()
}

func (p *pacer) release(key string) {
	p.mu.Lock()
	p.bucket(key).inflight--
	p.mu.Unlock()
}

// done ends a request to the bucket and learns the bucket's state from the
// response's rate-limit headers, if it has them.
func (p *pacer) done(key string, resp *http.Response) {
	p.mu.Lock()
	defer p.mu.Unlock()
	b := p.bucket(key)
	b.inflight--
	if b.learned != nil {
		close(b.learned)
		b.learned = nil
	}
	if resp == nil {
		return
	}
	remaining, resetIn, ok := rateLimitState(resp)
	if !ok {
		return
	}
	reset := time.Now().Add(resetIn)
	// Responses to concurrent requests arrive in any order; within one
	// window the fewest remaining is the truth.
	if b.known && reset.Sub(b.reset).Abs() < 1500*time.Millisecond {
		remaining = min(remaining, b.remaining)
		reset = b.reset
	}
	b.known = true
	b.remaining = remaining
	b.reset = reset
	if limit, err := strconv.Atoi(resp.Header.Get("X-Rate-Limit-Limit")); err == nil && remaining > limit/2 {
		b.limiter = nil
		return
	}
	seconds := max(resetIn.Seconds(), 1)
	// Requests sent but not answered will still use the budget; those
	// queued on the limiter will be spread with it.
	budget := max(remaining-(b.inflight-b.queued), 0)
	// Never zero: a zero rate would hold a reservation forever. With no
	// budget left, wait turns requests back until the reset anyway.
	limit := rate.Limit(max(float64(budget), 1) / seconds)
	if b.limiter == nil {
		b.limiter = rate.NewLimiter(limit, 1)
	} else {
		b.limiter.SetLimit(limit)
	}
}

// sleep waits d, or until ctx ends, counting the time as held back.
func (p *pacer) sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	p.mu.Lock()
	if p.waiting == 0 {
		p.waitStart = time.Now()
	}
	p.waiting++
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		p.waiting--
		if p.waiting == 0 {
			p.held += time.Since(p.waitStart)
		}
		p.mu.Unlock()
	}()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// heldBack is the wall time during which requests waited for rate limits.
func (p *pacer) heldBack() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	d := p.held
	if p.waiting > 0 {
		d += time.Since(p.waitStart)
	}
	return d
}

// rateLimitState reads X-Rate-Limit-Remaining and -Reset. The reset time is
// taken relative to the response's Date, so a skewed local clock does not
// matter.
func rateLimitState(resp *http.Response) (remaining int, resetIn time.Duration, ok bool) {
	rem, err1 := strconv.Atoi(resp.Header.Get("X-Rate-Limit-Remaining"))
	reset, err2 := strconv.ParseInt(resp.Header.Get("X-Rate-Limit-Reset"), 10, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, false
	}
	now := time.Now()
	if date, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
		now = date
	}
	return rem, max(time.Unix(reset, 0).Sub(now), 0), true
}

// retryDelay says how long to wait before retrying a 429: until the window
// resets, or as Retry-After says, or else a backoff by attempt.
func retryDelay(resp *http.Response, attempt int, base time.Duration) time.Duration {
	if _, resetIn, ok := rateLimitState(resp); ok {
		// The reset is in whole seconds; wait out the second it names.
		return resetIn + time.Second
	}
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(resp.Header.Get("Retry-After")); err == nil {
		return max(time.Until(t), 0)
	}
	return backoff(attempt, base)
}

// backoff doubles base with each attempt, up to 30 seconds.
func backoff(attempt int, base time.Duration) time.Duration {
	d := base << min(attempt-1, 10)
	return min(d, 30*time.Second)
}

// jitter spreads retries of many waiting requests: up to a tenth of the
// wait, at least up to 100ms.
func jitter(d time.Duration) time.Duration {
	span := max(d/10, 100*time.Millisecond)
	return time.Duration(rand.Int64N(int64(span)))
}
