package store_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/store"
	"github.com/kesu/kesu/store/storetest"
)

// BenchmarkCreateComplaint measures the store's intake path (customer
// upsert, number, complaint, event, search index, idempotency key) with
// concurrent callers, as the HTTP handlers call it.
func BenchmarkCreateComplaint(b *testing.B) {
	for _, backend := range []string{"sqlite", "postgres"} {
		b.Run(backend, func(b *testing.B) {
			dsn := storetest.SQLite(b)
			if backend == "postgres" {
				dsn = storetest.Postgres(b)
			}
			db, err := store.Open(context.Background(), dsn, store.Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			actor := kesu.Actor{UserID: 1, Role: kesu.RoleAgent}
			var n atomic.Int64
			b.SetParallelism(16)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := n.Add(1)
					in := sample()
					in.Category = ""
					in.Customer.Phone = fmt.Sprintf("139%08d", i%50000)
					idem := &store.Idempotency{UserID: 1, Key: fmt.Sprint(i), RequestHash: []byte("h")}
					if _, err := db.CreateComplaint(context.Background(), in, actor, time.Now(), idem); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
