package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/kesu/kesu/store/storetest"
	"github.com/kesu/kesu/transfer"
)

// BenchmarkImportCFPBApp imports the CFPB sample through its mapping into
// the fully wired application (every intake effect: SLA milestones,
// notifications, classification, search), a fresh SQLite file each run:
//
//	go test ./cmd/kesu -run '^$' -bench ImportCFPBApp -benchtime 2x
func BenchmarkImportCFPBApp(b *testing.B) {
	path := filepath.Join("..", "..", "..", "shared", "data", "cfpb", "cfpb_sample_2015-2020_nyu-bdm_6623rows.csv")
	data, err := os.ReadFile(path)
	if err != nil {
		b.Skip("no ../shared/data/cfpb")
	}
	mf, err := os.Open(filepath.Join("..", "..", "transfer", "mappings", "cfpb.json"))
	if err != nil {
		b.Fatal(err)
	}
	m, err := transfer.ReadMapping(mf)
	mf.Close()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		app, err := OpenApp(ctx, Config{DB: storetest.SQLite(b)}, io.Discard)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		rep, err := transfer.Import(ctx, app.DB, bytes.NewReader(data), transfer.ImportOptions{Format: transfer.CSV, Mapping: m, Clock: app.Clock})
		if err != nil || rep.Created+rep.Failed != 6623 {
			b.Fatalf("%v %v", rep, err)
		}
		b.StopTimer()
		app.Close()
	}
	b.ReportMetric(float64(6623*b.N)/b.Elapsed().Seconds(), "rows/s")
}
