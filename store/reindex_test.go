package store_test

import (
	"testing"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/search"
	"github.com/kesu/kesu/store"
	"github.com/kesu/kesu/store/storetest"
	"github.com/kesu/kesu/tokenize"
)

// Reindex restores the search tokens (messages included) and fingerprints of
// complaints whose index rows are missing, as in a database indexed by an
// older kesu.
func TestReindex(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := open(t, dsn)
		eng := search.New(f.db)
		in := sample()
		res, err := f.db.CreateComplaint(f.ctx, in, f.agent, t0, nil)
		if err != nil {
			t.Fatal(err)
		}
		num := res.Complaint.Number
		if _, err := f.db.AddPost(f.ctx, num, kesu.NewPost{Body: "包裹在驿站丢失", Visibility: kesu.VisibilityCustomer}, f.agent, t0); err != nil {
			t.Fatal(err)
		}
		found := func(q string) bool {
			t.Helper()
			pq, err := search.Parse(q)
			if err != nil {
				t.Fatal(err)
			}
			page, err := eng.List(f.ctx, store.Filter{}, pq, search.Newest)
			if err != nil {
				t.Fatalf("%q: %v", q, err)
			}
			return len(page.Items) == 1 && page.Items[0].Number == num
		}
		queries := []string{"漏水", "包裹", "0042", num}
		for _, q := range queries {
			if !found(q) {
				t.Fatalf("%q: not found before the index was wiped", q)
			}
		}
		wipe := `DELETE FROM complaint_search`
		if store.IsPostgresURL(dsn) {
			wipe = `DELETE FROM complaint_search WHERE complaint_id > 0`
		}
		for _, q := range []string{wipe, `DELETE FROM complaint_simhash`} {
			if err := f.db.ExecForTest(f.ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		if found("漏水") {
			t.Fatal("found through a wiped index")
		}
		if fp, _ := f.db.NearDuplicates(f.ctx, tokenize.SimHash(in.Title, in.Description), 0, 0, 20); len(fp) != 0 {
			t.Fatalf("fingerprints after the wipe: %+v", fp)
		}
		var progress []int
		n, err := f.db.Reindex(f.ctx, func(done int) { progress = append(progress, done) })
		if err != nil || n != 1 || len(progress) != 1 || progress[0] != 1 {
			t.Fatalf("reindex = %d, %v (progress %v), want 1", n, err, progress)
		}
		for _, q := range queries {
			if !found(q) {
				t.Errorf("%q: not found after reindex", q)
			}
		}
		// The fingerprint is back: a lookup by the complaint's own SimHash finds it.
		h := tokenize.SimHash(in.Title, in.Description)
		if fp, err := f.db.NearDuplicates(f.ctx, h, 0, 0, 20); err != nil || len(fp) != 1 || fp[0].ComplaintID != res.Complaint.ID {
			t.Fatalf("fingerprint lookup after reindex = %+v, %v", fp, err)
		}
		// Running it again changes nothing and still succeeds.
		if n, err := f.db.Reindex(f.ctx, nil); err != nil || n != 1 {
			t.Fatalf("second reindex = %d, %v", n, err)
		}
		for _, q := range queries {
			if !found(q) {
				t.Errorf("%q: not found after a second reindex", q)
			}
		}
	})
}
