package kesu

import "time"

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
