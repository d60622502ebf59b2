package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/store"
	"github.com/kesu/kesu/store/storetest"
)

func TestCreateComplaintsBulk(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := open(t, dsn)
		var effects int
		f.db.AddEffect(func(_ context.Context, _ *store.Tx, ch store.Change) error {
			if ch.Created() {
				effects++
			}
			return nil
		})
		historic := time.Date(2019, 3, 5, 9, 30, 0, 0, time.UTC)
		n := store.BulkChunk + 20 // two chunks
		ins := make([]kesu.NewComplaint, n)
		for i := range ins {
			in := sample()
			in.ExternalID = fmt.Sprintf("bulk-%d", i)
			in.Customer.Phone = fmt.Sprintf("1390000%04d", i%50)
			if i%2 == 0 {
				r := historic.Add(time.Duration(i) * time.Minute)
				in.RegisteredAt = &r
				in.OccurredAt = nil
			}
			ins[i] = in
		}
		ins[3].Customer.Phone = "not a phone" // invalid: fails alone
		ins[7].Category = "no_such"           // unknown category: fails alone
		ins[9].ExternalID = ins[8].ExternalID // repeat within the call: replay of row 8
		// A repeat in a later chunk, which is prepared while the first is written.
		ins[store.BulkChunk+5].ExternalID = ins[1].ExternalID
		res, err := f.db.CreateComplaints(f.ctx, ins, f.agent, t0)
		if err != nil {
			t.Fatal(err)
		}
		numbers := map[string]bool{}
		for i, r := range res {
			switch i {
			case 3, 7:
				if kesu.ErrorCodeOf(r.Err) != kesu.EInvalid {
					t.Fatalf("row %d: want invalid, got %+v", i, r)
				}
				continue
			case 9:
				if !r.Replayed || r.Complaint.Number != res[8].Complaint.Number {
					t.Fatalf("row 9 should replay row 8: %+v", r)
				}
				continue
			case store.BulkChunk + 5:
				if !r.Replayed || r.Complaint.Number != res[1].Complaint.Number {
					t.Fatalf("row %d should replay row 1: %+v", i, r)
				}
				continue
			}
			if r.Err != nil || r.Replayed || r.Complaint.ID == 0 {
				t.Fatalf("row %d: %+v", i, r)
			}
			if numbers[r.Complaint.Number] {
				t.Fatalf("number %s twice", r.Complaint.Number)
			}
			numbers[r.Complaint.Number] = true
		}
		// Effects ran for every created row (more often when a chunk was
		// rolled back and redone row by row: their writes went with it).
		if effects < n-4 {
			t.Fatalf("effects ran %d times, want %d", effects, n-4)
		}
		effectsBefore := effects
		// Historic rows keep their registration time and day's number.
		c, err := f.db.Complaint(f.ctx, res[0].Complaint.Number)
		if err != nil {
			t.Fatal(err)
		}
		if !c.RegisteredAt.Equal(historic) || c.Number[:10] != "TS20190305" {
			t.Fatalf("historic row: %s %s", c.RegisteredAt, c.Number)
		}
		if c.Customer.ID == 0 || c.Title != "洗衣机漏水" {
			t.Fatalf("stored: %+v", c)
		}
		// Numbers of one day are gap-free on SQLite and unique everywhere.
		if got := res[2].Complaint.Number; got[:10] != "TS20190305" {
			t.Fatalf("row 2: %s", got)
		}
		// A re-run creates nothing.
		again, err := f.db.CreateComplaints(f.ctx, ins, f.agent, t0.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range again {
			if i == 3 || i == 7 {
				continue
			}
			if !r.Replayed || r.Complaint.Number != res[i].Complaint.Number {
				t.Fatalf("re-run row %d: %+v (first %+v)", i, r, res[i])
			}
		}
		if effects != effectsBefore {
			t.Fatalf("a re-run ran effects: %d", effects-effectsBefore)
		}
	})
}

// BenchmarkCreateComplaints measures the bulk path on a fresh SQLite file,
// 5,000 rows a run:
//
//	go test ./store -run '^$' -bench CreateComplaints -benchtime 3x
func BenchmarkCreateComplaints(b *testing.B) {
	const rows = 5000
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		db, err := store.Open(ctx, storetest.SQLite(b), store.Options{})
		if err != nil {
			b.Fatal(err)
		}
		ins := make([]kesu.NewComplaint, rows)
		for k := range ins {
			in := sample()
			in.Category = ""
			in.ExternalID = fmt.Sprintf("b-%d-%d", i, k)
			in.Customer.Phone = fmt.Sprintf("138%08d", k)
			ins[k] = in
		}
		b.StartTimer()
		res, err := db.CreateComplaints(ctx, ins, kesu.SystemActor, t0)
		if err != nil || res[rows-1].Complaint.ID == 0 {
			b.Fatalf("%v %+v", err, res[rows-1])
		}
		b.StopTimer()
		db.Close()
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
}
