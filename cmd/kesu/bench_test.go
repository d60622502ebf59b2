package main

import (
	"context"
	"io"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/api"
	"github.com/kesu/kesu/auth"
	"github.com/kesu/kesu/benchload"
	"github.com/kesu/kesu/store/storetest"
)

// BenchmarkIntake runs the load of `kesu bench intake` (32 keep-alive
// clients posting varied complaints) against the real App in this process,
// so that -cpuprofile and -memprofile see the server:
//
//	go test ./cmd/kesu -run XXX -bench Intake -benchtime 5s -cpuprofile /tmp/cpu.out
//
// The client's share of the profile is the net/http client and benchload;
// request bodies are generated before the timer starts.
func BenchmarkIntake(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchmarkIntake(b, storetest.SQLite(b)) })
	b.Run("postgres", func(b *testing.B) { benchmarkIntake(b, storetest.Postgres(b)) })
}

func benchmarkIntake(b *testing.B, dsn string) {
	const clients = 32
	ctx := context.Background()
	app, err := OpenApp(ctx, Config{DB: dsn, FilesDir: filepath.Join(b.TempDir(), "files"), LogLevel: "warn"}, io.Discard)
	if err != nil {
		b.Fatal(err)
	}
	defer app.Close()
	// An admin without a password: EnsureAdmin's bcrypt would show in the
	// profile, though it is not intake work.
	admin, err := api.CreateUser(ctx, app.DB, api.NewUser{Email: "bench@kesu.local", Name: "Bench", Role: kesu.RoleAdmin}, app.Clock.Now())
	if err != nil {
		b.Fatal(err)
	}
	token, hash := auth.NewToken()
	if _, err := app.DB.CreateToken(ctx, admin.ID, "bench", hash, app.Clock.Now()); err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(app.API)
	defer ts.Close()
	target := benchload.Target{BaseURL: ts.URL, Token: token, Client: benchload.NewClient(clients)}
	runID := randomHex(4)
	gen := &benchload.Generator{Seed: 1, Now: time.Now(), RunID: runID}
	if gen.Categories, err = target.EnsureCategories(ctx); err != nil {
		b.Fatal(err)
	}
	bodies := make([][]byte, b.N)
	for i := range bodies {
		bodies[i] = gen.Body(int64(i + 1))
	}

	b.ResetTimer()
	res, err := benchload.Run(ctx, target, benchload.Options{
		Clients: clients, Requests: b.N, KeyPrefix: "gobench-" + runID + "-",
		Body: func(seq int64) []byte { return bodies[seq-1] },
	})
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	if res.OK != b.N || res.Replayed != 0 {
		b.Fatalf("%d of %d creates succeeded (%d replayed); errors %v, e.g. %q", res.OK, b.N, res.Replayed, res.Errors, res.ErrorSamples)
	}
	b.ReportMetric(res.Rate(), "complaints/s")
	b.ReportMetric(float64(res.Percentile(50).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(res.Percentile(99).Microseconds())/1000, "p99-ms")
}
