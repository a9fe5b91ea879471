package api

import (
	"sync"
	"time"
)

// authFailures counts failed bearer-token attempts per client address in
// fixed windows, so that tokens cannot be guessed at speed. fiber's
// limiter does not fit: it counts every request through its chain and
// can leave some out only by their status, so a valid token's 404 or 422
// would count as a failed attempt.
type authFailures struct {
	max    int
	window time.Duration
	// capacity bounds the addresses tracked at once (about 100 bytes
	// each), whatever number of addresses the failures come from.
	capacity int

	mu     sync.Mutex
	byAddr map[string]failureWindow
	swept  time.Time
}

type failureWindow struct {
	start time.Time
	count int
}

func newAuthFailures(max int, window time.Duration) *authFailures {
	return &authFailures{max: max, window: window, capacity: 100_000, byAddr: map[string]failureWindow{}}
}

// retryAfter is how long addr must wait once it has used up its failures
// in the current window; 0 when it may try.
func (f *authFailures) retryAfter(addr string, now time.Time) time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	w, ok := f.byAddr[addr]
	if !ok || w.count < f.max {
		return 0
	}
	return max(w.start.Add(f.window).Sub(now), 0)
}

// fail counts a failed attempt from addr, and reports whether it used up
// the address's failures.
func (f *authFailures) fail(addr string, now time.Time) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sweep(now)
	w, ok := f.byAddr[addr]
	if !ok || now.Sub(w.start) >= f.window {
		if !ok && len(f.byAddr) >= f.capacity {
			// Flooded from more addresses than fit: forget one, at random
			// (map order), rather than grow.
			for other := range f.byAddr {
				delete(f.byAddr, other)
				break
			}
		}
		w = failureWindow{start: now}
	}
	w.count++
	f.byAddr[addr] = w
	return w.count == f.max
}

// sweep forgets the windows that have passed, at most once a window.
func (f *authFailures) sweep(now time.Time) {
	if now.Sub(f.swept) < f.window {
		return
	}
	f.swept = now
	for addr, w := range f.byAddr {
		if now.Sub(w.start) >= f.window {
			delete(f.byAddr, addr)
		}
	}
}
