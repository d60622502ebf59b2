package kesu

import (
	"sync"
	"time"
)

// Clock tells the time. The domain never reads the clock itself; callers
// pass now in, and tests pass a fixed clock.
type Clock interface {
	Now() time.Time
}

// SystemClock is the real clock.
type SystemClock struct{}

func (SystemClock) Now() time.Time { return time.Now() }

// FixedClock always returns T; for tests and reproducible demos.
type FixedClock struct{ T time.Time }

func (c FixedClock) Now() time.Time { return c.T }

// ManualClock is a clock that tests and simulations set and move by hand;
// safe for concurrent use (servers read it while a test advances it).
type ManualClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewManualClock returns a clock standing at now.
func NewManualClock(now time.Time) *ManualClock { return &ManualClock{now: now} }

func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Set puts the clock at t.
func (c *ManualClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}
