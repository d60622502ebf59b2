package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kesu/kesu/store"
	"github.com/kesu/kesu/store/storetest"
)

// Two processes (two handles on one database) claiming at once never take
// the same message, and together take all of them; the wake-up runs only
// after a commit that enqueued something.
func TestOutboxClaimIsExclusive(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		a, err := store.Open(ctx, dsn, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		b, err := store.Open(ctx, dsn, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		woken := 0
		var mu sync.Mutex
		a.OnOutbox([]string{"webhook"}, func() { mu.Lock(); woken++; mu.Unlock() })
		const n = 120
		for i := range n {
			if err := a.Enqueue(ctx, store.OutboxMessage{Channel: "webhook", Recipient: "1", Template: "event",
				IdempotencyKey: fmt.Sprintf("k%d", i)}, t0); err != nil {
				t.Fatal(err)
			}
		}
		// A repeated key is ignored.
		if err := a.Enqueue(ctx, store.OutboxMessage{Channel: "webhook", Recipient: "1", Template: "event", IdempotencyKey: "k0"}, t0); err != nil {
			t.Fatal(err)
		}
		// A message of a channel the woken worker does not deliver wakes nobody.
		if err := a.Enqueue(ctx, store.OutboxMessage{Channel: "email", Recipient: "a@example.com", Template: "ack",
			IdempotencyKey: "email-0"}, t0); err != nil {
			t.Fatal(err)
		}
		if woken != n+1 {
			t.Errorf("woken %d times, want %d", woken, n+1)
		}
		seen := map[int64]int{}
		var wg sync.WaitGroup
		for _, db := range []*store.DB{a, b, a, b} {
			wg.Go(func() {
				for {
					msgs, err := db.ClaimOutbox(ctx, []string{"webhook"}, t0, time.Minute, 7)
					if err != nil {
						t.Error(err)
						return
					}
					if len(msgs) == 0 {
						return
					}
					mu.Lock()
					for _, m := range msgs {
						seen[m.ID]++
						if m.Attempts != 1 || m.LockedUntil == nil {
							t.Errorf("claimed %+v", m)
						}
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if len(seen) != n {
			t.Fatalf("claimed %d distinct messages, want %d", len(seen), n)
		}
		for id, k := range seen {
			if k != 1 {
				t.Fatalf("message %d claimed %d times", id, k)
			}
		}
		if _, ok, err := a.NextOutboxDue(ctx, []string{"webhook"}); err != nil || !ok {
			t.Fatalf("leased messages are still pending: %v %v", ok, err)
		}
	})
}
