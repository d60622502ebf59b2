package transfer

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/store"
	"github.com/kesu/kesu/store/storetest"
)

// A complaint team's own register, with Chinese headers, saved by Excel on
// a Chinese Windows (GBK).
const teamCSV = "工单号,登记时间,客户,电话,问题描述,产品,问题类型,备注\n" +
	"A-001,2025-06-01 09:15,张三,13800000001,洗衣机漏水，要求退款,滚筒洗衣机,质量,\n" +
	"A-002,2025/6/2 14:30,李四,13800000002,快递三天没有更新,,物流,加急\n" +
	"A-003,2025-06-03,王五,not-a-phone,电话号码写错的一行,,质量,\n" +
	",2025-06-04 08:00,赵六,13800000004,没有工单号的一行也只导入一次,,其他,\n"

func teamMapping() *Mapping {
	return &Mapping{
		Columns: map[string]string{
			"external_id":    "{工单号}",
			"registered_at":  "登记时间",
			"customer.name":  "客户",
			"customer.phone": "电话",
			"description":    "问题描述",
			"product":        "产品",
			"category":       "问题类型",
			"tags":           "{备注}",
			"channel":        "=phone",
		},
		Values:     map[string]map[string]string{"category": {"质量": "quality", "物流": "delivery", "*": "other"}},
		Categories: map[string]string{"other": "其他 / Other", "delivery": "物流配送 / Delivery"},
	}
}

func TestImportMappedGBK(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := open(t, dsn)
		gbk, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(teamCSV))
		if err != nil {
			t.Fatal(err)
		}
		shanghai := time.FixedZone("CST", 8*3600)
		opts := ImportOptions{Format: CSV, Clock: clock, Mapping: teamMapping(), Location: shanghai}
		var rows []RowResult
		opts.OnRow = func(r RowResult) { rows = append(rows, r) }
		// Dry run: checks everything, writes nothing.
		dry := opts
		dry.DryRun = true
		rep, err := Import(ctx, f.db, bytes.NewReader(gbk), dry)
		if err != nil || rep != (Report{Created: 3, Failed: 1, DryRun: true}) {
			t.Fatalf("dry run: %v %v", rep, err)
		}
		if rows[2].Outcome != Failed || rows[2].Field != "customer.phone" || rows[2].Line != 4 {
			t.Fatalf("per-row error: %+v", rows[2])
		}
		if page, _ := f.db.Complaints(ctx, store.Filter{Limit: 10}); len(page.Items) != 0 {
			t.Fatal("the dry run wrote")
		}
		rows = nil
		rep, err = Import(ctx, f.db, bytes.NewReader(gbk), opts)
		if err != nil || rep != (Report{Created: 3, Failed: 1}) {
			t.Fatalf("import: %v %v %+v", rep, err, rows)
		}
		c, err := f.db.ComplaintByExternalID(ctx, "A-001")
		if err != nil {
			t.Fatal(err)
		}
		want := time.Date(2025, 6, 1, 9, 15, 0, 0, shanghai)
		if !c.RegisteredAt.Equal(want) || c.Customer.Name != "张三" || c.Description != "洗衣机漏水，要求退款" ||
			c.Category != "quality" || c.Channel != kesu.ChannelPhone || !strings.HasPrefix(c.Number, "TS20250601") {
			t.Fatalf("A-001: %+v", c)
		}
		c2, _ := f.db.ComplaintByExternalID(ctx, "A-002")
		if c2.Category != "delivery" || len(c2.Tags) != 1 || c2.Tags[0] != "加急" {
			t.Fatalf("A-002: %+v", c2)
		}
		noID := rows[3]
		if noID.Outcome != Created || !strings.HasPrefix(noID.ExternalID, "row:") {
			t.Fatalf("row without id: %+v", noID)
		}
		if c4, err := f.db.ComplaintByExternalID(ctx, noID.ExternalID); err != nil || c4.Category != "other" {
			t.Fatalf("row without id: %v %+v", err, c4)
		}
		// The same rows again, re-encoded as UTF-8: nothing new.
		rows = nil
		rep, err = Import(ctx, f.db, strings.NewReader(teamCSV), opts)
		if err != nil || rep != (Report{Present: 3, Failed: 1}) {
			t.Fatalf("re-run: %v %v %+v", rep, err, rows)
		}
		// A mapping naming a column the file lacks stops before any row.
		bad := teamMapping()
		bad.Columns["order_no"] = "订单号"
		if _, err := Import(ctx, f.db, strings.NewReader(teamCSV), ImportOptions{Format: CSV, Mapping: bad}); err == nil ||
			!strings.Contains(err.Error(), "订单号") {
			t.Fatalf("missing column: %v", err)
		}
	})
}

func teamWorkbook(t testing.TB) []byte {
	x := excelize.NewFile()
	defer x.Close()
	sheet := x.GetSheetName(0)
	for r, rec := range strings.Split(strings.TrimSpace(teamCSV), "\n") {
		for c, v := range strings.Split(rec, ",") {
			cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
			x.SetCellValue(sheet, cell, v)
		}
	}
	// Excel keeps dates as serial numbers with a display format, and phone
	// numbers often as numbers.
	x.SetCellValue(sheet, "B2", time.Date(2025, 6, 1, 9, 15, 0, 0, time.UTC))
	style, _ := x.NewStyle(&excelize.Style{NumFmt: 22})
	x.SetCellStyle(sheet, "B2", "B2", style)
	x.SetCellValue(sheet, "D2", 13800000001)
	var b bytes.Buffer
	if err := x.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestImportXLSX(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := open(t, dsn)
		shanghai := time.FixedZone("CST", 8*3600)
		var rows []RowResult
		rep, err := Import(ctx, f.db, bytes.NewReader(teamWorkbook(t)), ImportOptions{Format: XLSX, Clock: clock,
			Mapping: teamMapping(), Location: shanghai, OnRow: func(r RowResult) { rows = append(rows, r) }})
		if err != nil || rep != (Report{Created: 3, Failed: 1}) {
			t.Fatalf("import: %v %v %+v", rep, err, rows)
		}
		c, err := f.db.ComplaintByExternalID(ctx, "A-001")
		if err != nil || !c.RegisteredAt.Equal(time.Date(2025, 6, 1, 9, 15, 0, 0, shanghai)) || c.Customer.Phone != "13800000001" {
			t.Fatalf("A-001: %v %s %q", err, c.RegisteredAt, c.Customer.Phone)
		}
		if rows[2].Line != 4 || rows[2].Field != "customer.phone" {
			t.Fatalf("row error: %+v", rows[2])
		}
		if _, err := Import(ctx, f.db, strings.NewReader("PK\x03\x04 not a workbook"), ImportOptions{Format: XLSX}); kesu.ErrorCodeOf(err) != kesu.EInvalid {
			t.Fatalf("broken workbook: %v", err)
		}
	})
}

// cfpbFile is the CFPB sample of ../shared/data (skips when absent).
func cfpbFile(t testing.TB) string {
	p := filepath.Join("..", "..", "shared", "data", "cfpb", "cfpb_sample_2015-2020_nyu-bdm_6623rows.csv")
	if _, err := os.Stat(p); err != nil {
		t.Skip("no ../shared/data/cfpb")
	}
	return p
}

func cfpbMapping(t testing.TB) *Mapping {
	mf, err := os.Open(filepath.Join("mappings", "cfpb.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer mf.Close()
	m, err := ReadMapping(mf)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestImportCFPB(t *testing.T) {
	path := cfpbFile(t)
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := open(t, dsn)
		var failed []RowResult
		opts := ImportOptions{Format: CSV, Clock: kesu.FixedClock{T: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)},
			Mapping: cfpbMapping(t), OnRow: func(r RowResult) {
				if r.Outcome == Failed {
					failed = append(failed, r)
				}
			}}
		in, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer in.Close()
		rep, err := Import(ctx, f.db, in, opts)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("CFPB: %v; failed rows: %v", rep, failed)
		// One narrative is longer than kesu's 20,000-character limit.
		if rep.Created+rep.Failed != 6623 || rep.Failed > 1 {
			t.Fatalf("CFPB: %v %v", rep, failed)
		}
		c, err := f.db.ComplaintByExternalID(ctx, "cfpb:3571115")
		if err != nil || c.Category != "finance.credit_reporting" || c.Channel != kesu.ChannelRegulator ||
			c.RegisteredAt.Format("2006-01-02") != "2020-03-18" || !strings.HasPrefix(c.Number, "TS20200318") {
			t.Fatalf("cfpb:3571115: %v %+v", err, c)
		}
		in.Seek(0, 0)
		rep, err = Import(ctx, f.db, in, opts)
		if err != nil || rep.Created != 0 || rep.Present != 6623-rep.Failed {
			t.Fatalf("re-run: %v %v", rep, err)
		}
	})
}

// BenchmarkImportMapped measures the CFPB sample through its mapping and a
// large synthetic CSV, on a fresh SQLite file each run:
//
//	go test ./transfer -run '^$' -bench ImportMapped -benchtime 3x
func BenchmarkImportMapped(b *testing.B) {
	b.Run("cfpb", func(b *testing.B) {
		data, err := os.ReadFile(cfpbFile(b))
		if err != nil {
			b.Fatal(err)
		}
		m := cfpbMapping(b)
		benchImport(b, data, CSV, m, 6623)
	})
	b.Run("synthetic100k", func(b *testing.B) {
		const n = 100000
		benchImport(b, syntheticCSV(n), CSV, teamMapping(), n)
	})
}

func benchImport(b *testing.B, data []byte, format Format, m *Mapping, rows int) {
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		f := openBench(b, storetest.SQLite(b))
		b.StartTimer()
		rep, err := Import(ctx, f, bytes.NewReader(data), ImportOptions{Format: format, Mapping: m,
			Clock: kesu.FixedClock{T: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)}})
		if err != nil || rep.Created+rep.Failed != rows || rep.Failed > 1 {
			b.Fatalf("import: %v %v", rep, err)
		}
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
}

// syntheticCSV is a team register of n varied rows (see teamCSV).
func syntheticCSV(n int) []byte {
	var b bytes.Buffer
	b.WriteString("工单号,登记时间,客户,电话,问题描述,产品,问题类型,备注\n")
	kinds := []string{"质量", "物流", "其他"}
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "S-%07d,2025-%02d-%02d %02d:%02d,客户%d,139%08d,第%d号：购买的洗衣机第二次使用就漏水，订单 ORD-%06d，客服说要等一周，要求退款,滚筒洗衣机,%s,\n",
			i, 1+i%12, 1+i%28, 8+i%10, i%60, i%5000, i%20000, i, i, kinds[i%3])
	}
	return b.Bytes()
}
