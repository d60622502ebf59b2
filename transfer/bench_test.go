package transfer

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/store"
	"github.com/kesu/kesu/store/storetest"
)

// benchRows is the size of one benchmarked import.
const benchRows = 5000

// benchFile makes a JSONL file of n varied, valid complaints.
func benchFile(n int) []byte {
	var b bytes.Buffer
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, `{"external_id":"bench-%d","channel":"phone","title":"第%d号投诉：洗衣机漏水",`+
			`"description":"购买的洗衣机第二次使用就漏水，要求退款。订单 ORD-%06d，客服说要等一周，非常不满意。",`+
			`"customer":{"name":"客户%d","phone":"138%08d"},"category":"quality","tags":["漏水","售后"],`+
			`"amount":"%d.00","registered_at":"2026-0%d-%02dT10:%02d:00+08:00"}`+"\n",
			i, i, i, i%700, i%700, 100+i%900, 1+i%3, 1+i%28, i%60)
	}
	return b.Bytes()
}

// BenchmarkImport measures import into a fresh database, 5000 rows a run:
//
//	go test ./transfer -run '^$' -bench Import -benchtime 3x
func BenchmarkImport(b *testing.B) {
	data := benchFile(benchRows)
	for _, backend := range []struct {
		name  string
		fresh func(testing.TB) string
	}{{"sqlite", storetest.SQLite}, {"postgres", storetest.Postgres}} {
		b.Run(backend.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				f := openBench(b, backend.fresh(b))
				b.StartTimer()
				rep, err := Import(ctx, f, bytes.NewReader(data), ImportOptions{Format: JSONL, Clock: clock})
				if err != nil || rep.Created != benchRows {
					b.Fatalf("import: %v %v", rep, err)
				}
			}
			b.ReportMetric(float64(benchRows*b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

func openBench(b *testing.B, dsn string) *store.DB {
	db, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if _, err := db.CreateDepartment(ctx, kesu.Department{Code: "after_sales", Name: "售后部"}, "", t0); err != nil {
		b.Fatal(err)
	}
	if _, err := db.CreateCategory(ctx, kesu.Category{Code: "quality", Name: "产品质量"}, store.CategoryRefs{Department: "after_sales"}, t0); err != nil {
		b.Fatal(err)
	}
	return db
}
