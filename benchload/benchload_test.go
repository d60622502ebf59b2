package benchload_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/api"
	"github.com/kesu/kesu/auth"
	"github.com/kesu/kesu/benchload"
	"github.com/kesu/kesu/store"
	"github.com/kesu/kesu/store/storetest"
)

// The load must consist of valid, varied requests, or a benchmark measures
// error handling.
func TestGeneratorMakesValidVariedComplaints(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	g := &benchload.Generator{Seed: 1, Now: now, RunID: "t", Categories: []string{"logistics"}}
	var phoneOnly, withEmail, withOrder, withExternal int
	shortest, longest := 1<<30, 0
	for seq := int64(1); seq <= 2000; seq++ {
		in := g.Complaint(seq)
		if _, err := in.Build(now, kesu.Actor{}); err != nil {
			t.Fatalf("complaint %d is invalid: %v", seq, err)
		}
		body := g.Body(seq)
		if !bytes.Equal(body, g.Body(seq)) {
			t.Fatalf("complaint %d differs between two calls", seq)
		}
		// What the API will decode (strictly) is what was generated.
		var back kesu.NewComplaint
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&back); err != nil {
			t.Fatalf("complaint %d: %v\n%s", seq, err, body)
		}
		if !reflect.DeepEqual(back, in) {
			t.Fatalf("complaint %d does not survive the wire:\nsent %+v\ngot  %+v", seq, in, back)
		}
		n := utf8.RuneCountInString(in.Description)
		shortest, longest = min(shortest, n), max(longest, n)
		if in.Customer.Email == "" {
			phoneOnly++
		} else {
			withEmail++
		}
		if in.OrderNo != "" {
			withOrder++
		}
		if in.ExternalID != "" {
			withExternal++
			if !strings.Contains(in.ExternalID, "-t-") {
				t.Fatalf("external id %q lacks the run id", in.ExternalID)
			}
		}
	}
	if shortest > 60 || longest < 800 {
		t.Errorf("descriptions run from %d to %d characters; want short ones and long letters", shortest, longest)
	}
	if phoneOnly == 0 || withEmail == 0 || withOrder == 0 || withExternal == 0 {
		t.Errorf("not varied: %d phone-only, %d with email, %d with order, %d with external id", phoneOnly, withEmail, withOrder, withExternal)
	}
}

// Run's accounting against the real API: every request counted once, every
// 2xx stored once.
func TestRunCountsWhatTheServerStored(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, storetest.SQLite(t), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Now()
	admin, err := api.CreateUser(ctx, db, api.NewUser{Email: "load@kesu.local", Name: "Load", Role: kesu.RoleAdmin}, now)
	if err != nil {
		t.Fatal(err)
	}
	token, hash := auth.NewToken()
	if _, err := db.CreateToken(ctx, admin.ID, "load", hash, now); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(api.New(api.Config{DB: db}))
	defer ts.Close()

	target := benchload.Target{BaseURL: ts.URL, Token: token, Client: benchload.NewClient(4)}
	g := &benchload.Generator{Seed: 2, Now: now, RunID: "r"}
	if g.Categories, err = target.EnsureCategories(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := target.EnsureCategories(ctx); err != nil {
		t.Fatalf("categories that exist are kept: %v", err)
	}
	bad := func(seq int64) []byte {
		if seq%10 == 0 {
			return []byte(`{"description": ""}`) // invalid: 400
		}
		return g.Body(seq)
	}
	res, err := benchload.Run(ctx, target, benchload.Options{Clients: 4, Requests: 250, Body: bad, KeyPrefix: "k-"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Sent != 250 || res.OK != 225 || res.Errors["400"] != 25 || res.ErrorCount() != 25 || res.Replayed != 0 {
		t.Fatalf("sent %d, ok %d, errors %v, replayed %d; want 250, 225, 400 x25, 0", res.Sent, res.OK, res.Errors, res.Replayed)
	}
	if len(res.Latencies) != 250 || res.Percentile(50) > res.Percentile(99) || res.Percentile(99) > res.Percentile(100) ||
		res.Percentile(100) != res.Latencies[249] {
		t.Errorf("latencies: %d, p50 %s p99 %s max %s", len(res.Latencies), res.Percentile(50), res.Percentile(99), res.Percentile(100))
	}
	listed, err := target.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(listed) != res.TotalOK() {
		t.Errorf("%d complaints listed, %d acknowledged", len(listed), res.TotalOK())
	}

	// The same keys again: every acknowledged request is a replay, nothing new is stored.
	again, err := benchload.Run(ctx, target, benchload.Options{Clients: 4, Requests: 250, Body: bad, KeyPrefix: "k-"})
	if err != nil {
		t.Fatal(err)
	}
	if again.OK != 225 || again.Replayed != 225 {
		t.Errorf("repeat run: %d ok, %d replayed; want 225 and 225", again.OK, again.Replayed)
	}
	if listed, err = target.List(ctx); err != nil || len(listed) != 225 {
		t.Errorf("after the repeat run %d complaints are listed (%v), want 225", len(listed), err)
	}
}
