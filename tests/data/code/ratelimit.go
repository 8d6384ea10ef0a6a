// Package ratelimit implements a token bucket that refills continuously.
package ratelimit

import (
	"errors"
	"sync"
	"time"
)

// ErrBurstTooLarge is returned when a caller asks for more tokens than the bucket holds.
var ErrBurstTooLarge = errors.New("ratelimit: request exceeds bucket capacity")

// Bucket hands out tokens at a fixed rate, up to a burst capacity.
type Bucket struct {
	mu       sync.Mutex
	capacity float64
	tokens   float64
	perSec   float64
	last     time.Time
	now      func() time.Time
}

// New returns a full bucket refilling perSec tokens each second.
func New(capacity int, perSec float64) *Bucket {
	b := &Bucket{capacity: float64(capacity), tokens: float64(capacity), perSec: perSec, now: time.Now}
	b.last = b.now()
	return b
}

func (b *Bucket) refill() {
	t := b.now()
	elapsed := t.Sub(b.last).Seconds()
	if elapsed <= 0 {
		return
	}
	b.tokens += elapsed * b.perSec
	if b.tokens > b.capacity {
		b.tokens = b.capacity
	}
	b.last = t
}

// Take removes n tokens if they are available and reports whether it did.
func (b *Bucket) Take(n int) (bool, error) {
	if float64(n) > b.capacity {
		return false, ErrBurstTooLarge
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refill()
	if b.tokens < float64(n) {
		return false, nil
	}
	b.tokens -= float64(n)
	return true, nil
}

// Wait reports how long a caller must sleep before n tokens are available.
func (b *Bucket) Wait(n int) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refill()
	missing := float64(n) - b.tokens
	if missing <= 0 {
		return 0
	}
	return time.Duration(missing / b.perSec * float64(time.Second))
}
