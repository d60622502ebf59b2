package transfer

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/store"
	"github.com/kesu/kesu/store/storetest"
)

// want is the expected outcome of one row: its line and, for a failed row,
// the field named (or "" for a fault of the whole row).
type want struct {
	line    int
	outcome Outcome
	field   string
}

func checkRows(t *testing.T, got []RowResult, wants []want) {
	t.Helper()
	if len(got) != len(wants) {
		t.Errorf("%d rows reported, want %d:", len(got), len(wants))
	}
	for i := 0; i < len(got) || i < len(wants); i++ {
		var g RowResult
		var w want
		if i < len(got) {
			g = got[i]
		}
		if i < len(wants) {
			w = wants[i]
		}
		if g.Line != w.line || g.Outcome != w.outcome || g.Field != w.field {
			t.Errorf("row %d: got line %d %s field %q (%s); want line %d %s field %q",
				i, g.Line, g.Outcome, g.Field, g.Message, w.line, w.outcome, w.field)
		} else if g.Outcome == Failed && g.Message == "" {
			t.Errorf("row %d: failed without a message", i)
		}
	}
}

func count(t *testing.T, db *store.DB) int {
	t.Helper()
	return len(all(t, db))
}

// mixedJSONL has good rows and one of each kind of bad row; the blank line
// 9 is skipped.
func mixedJSONL() ([]byte, []want) {
	lines := []string{
		/* 1 */ `{"description":"好的一行：冰箱不制冷","customer":{"phone":"13800000001"},"external_id":"m-1","tags":["冰箱"]}`,
		/* 2 */ `{"description":"malformed", "customer":{"phone":"13800000002"}`,
		/* 3 */ `{"description":5,"customer":{"phone":"13800000003"}}`,
		/* 4 */ `{"description":"bad phone","customer":{"phone":"call me"}}`,
		/* 5 */ `{"description":"unknown field","customer":{"phone":"13800000005"},"colour":"red"}`,
		/* 6 */ `{"description":"unknown nested","customer":{"phone":"13800000006","age":40}}`,
		/* 7 */ "{\"description\":\"bad \xff\xfe UTF-8\",\"customer\":{\"phone\":\"13800000007\"}}",
		/* 8 */ `{"description":"amount as a number","customer":{"phone":"13800000008"},"amount":12.5}`,
		/* 9 */ ``,
		/* 10 */ `{"description":"no such category","customer":{"phone":"13800000010"},"category":"nope"}`,
		/* 11 */ `[1,2,3]`,
		/* 12 */ `{"id":77,"number":"KS-20250101-0001","status":"closed","version":9,"updated_at":"2025-01-02T00:00:00Z",` +
			`"proposal":{"remedy":"refund","amount":"1.00"},"customer":{"id":5,"phone":"13800000012"},` +
			`"description":"exported row: output-only fields are ignored","registered_at":"2025-01-01T08:00:00+08:00",` +
			`"co_departments":["x"],"escalation":1,"validity":"valid","return_count":0}`,
		/* 13 */ `{"description":"registered in the future","customer":{"phone":"13800000013"},"registered_at":"2099-01-01T00:00:00Z"}`,
		/* 14 */ `{"description":"` + strings.Repeat("长", MaxLine/3+10) + `","customer":{"phone":"13800000014"}}`,
		/* 15 */ `{"description":"trailing data"} {}`,
		/* 16 */ `{"kind":"rant","description":"bad enum","customer":{"phone":"13800000016"}}`,
		/* 17 */ `{"description":"no contact for a complaint"}`,
		/* 18 */ `{"description":"last good row, CRLF line end","customer":{"email":"A@Example.com"},"external_id":"m-18","occurred_at":"2026-03-01T10:00:00+08:00"}` + "\r",
	}
	return []byte(strings.Join(lines, "\n")), []want{
		{1, Created, ""},
		{2, Failed, ""},
		{3, Failed, "description"},
		{4, Failed, "customer.phone"},
		{5, Failed, "colour"},
		{6, Failed, "customer.age"},
		{7, Failed, "description"},
		{8, Failed, "amount"},
		{10, Failed, "category"},
		{11, Failed, ""},
		{12, Created, ""},
		{13, Failed, "registered_at"},
		{14, Failed, ""},
		{15, Failed, ""},
		{16, Failed, "kind"},
		{17, Failed, "customer.phone"},
		{18, Created, ""},
	}
}

// mixedCSV is the same idea for CSV: good rows, bad rows, a quoted field
// spanning lines and a row of empty cells.
func mixedCSV() ([]byte, []want) {
	text := "external_id,description,customer.phone,amount,tags,registered_at,number\n" + // 1
		"c-1,电视没有声音，要求上门维修,13800000001,99.50,电视|上门,2026-03-01 10:00,\n" + // 2
		"c-2,too few fields,13800000002\n" + // 3
		"c-3,\"bad \xff byte\",13800000003,,,,\n" + // 4
		"c-4,bad amount,13800000004,abc,,,\n" + // 5
		"c-5,bare \"quote,13800000005,,,,\n" + // 6
		"c-6,\"多行描述\n第二行，快递员态度差\",13800000006,,,2026/3/2 9:15,\n" + // 7-8
		"c-7,bad time,13800000007,,,yesterday,\n" + // 9
		",,,,,,\n" + // 10: skipped
		",exported row without external id,13800000011,,,2026-03-03T08:00:00+08:00,KS-20260303-0009\n" + // 11
		"c-12,\"'=1+1 公式\",'+8613800000012,,'@tag,,\n" + // 12
		"c-13,too,many,fields,here,,,,\n" // 13
	return []byte(text), []want{
		{2, Created, ""},
		{3, Failed, ""},
		{4, Failed, "description"},
		{5, Failed, "amount"},
		{6, Failed, ""},
		{7, Created, ""},
		{9, Failed, "registered_at"},
		{11, Created, ""},
		{12, Created, ""},
		{13, Failed, ""},
	}
}

func TestMixedRows(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := open(t, dsn)
		for _, tc := range []struct {
			format Format
			data   func() ([]byte, []want)
		}{{JSONL, mixedJSONL}, {CSV, mixedCSV}} {
			t.Run(string(tc.format), func(t *testing.T) {
				data, wants := tc.data()
				before := count(t, f.db)
				rep, rows := importAll(t, f.db, data, tc.format, false)
				checkRows(t, rows, wants)
				created := 0
				for _, w := range wants {
					if w.outcome == Created {
						created++
					}
				}
				if rep != (Report{Created: created, Failed: len(wants) - created}) {
					t.Errorf("report %v", rep)
				}
				if n := count(t, f.db) - before; n != created {
					t.Errorf("%d complaints created, want %d", n, created)
				}
				// A re-run creates nothing twice.
				rep2, _ := importAll(t, f.db, data, tc.format, false)
				if rep2 != (Report{Present: created, Failed: len(wants) - created}) {
					t.Errorf("re-run report %v", rep2)
				}
				if n := count(t, f.db) - before; n != created {
					t.Errorf("re-run: %d complaints, want %d", n, created)
				}
			})
		}
		// Details the mixed files promise.
		c, err := f.db.ComplaintByExternalID(ctx, "kesu:KS-20250101-0001")
		if err != nil || c.Status != kesu.StatusRegistered || c.Customer.Phone != "13800000012" ||
			c.Version != 1 || c.Proposal != nil || !strings.HasPrefix(c.Number, "TS20250101") {
			t.Errorf("exported JSONL row imported as %+v, %v", c, err)
		}
		c, err = f.db.ComplaintByExternalID(ctx, "c-6")
		if err != nil || c.Description != "多行描述\n第二行，快递员态度差" ||
			!c.RegisteredAt.Equal(time.Date(2026, 3, 2, 9, 15, 0, 0, time.UTC)) {
			t.Errorf("multi-line CSV row: %q %v %v", c.Description, c.RegisteredAt, err)
		}
		c, err = f.db.ComplaintByExternalID(ctx, "c-1")
		if err != nil || c.Amount != 9950 || strings.Join(c.Tags, ",") != "电视,上门" {
			t.Errorf("CSV row c-1: %+v %v", c, err)
		}
		c, err = f.db.ComplaintByExternalID(ctx, "c-12")
		if err != nil || c.Description != "=1+1 公式" || c.Customer.Phone != "+8613800000012" || strings.Join(c.Tags, ",") != "@tag" {
			t.Errorf("escaped CSV cells: %+v %v", c, err)
		}
		if _, err := f.db.ComplaintByExternalID(ctx, "kesu:KS-20260303-0009"); err != nil {
			t.Errorf("CSV number as external id: %v", err)
		}
	})
}

func TestCSVHeaderErrorsStopBeforeAnyRow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := open(t, dsn)
		for _, tc := range []struct{ header, field string }{
			{"description,customer.phone,colour", "colour"},
			{"description,customer.age", "customer.age"},
			{"description,Description", "description"},
			{"description,,customer.phone", ""},
		} {
			data := tc.header + "\ngood row,13800000001,x\n"
			rep, err := Import(ctx, f.db, strings.NewReader(data), ImportOptions{Format: CSV, Clock: clock})
			if kesu.ErrorCodeOf(err) != kesu.EInvalid || kesu.ErrorFieldOf(err) != tc.field || rep != (Report{}) {
				t.Errorf("header %q: %v, %v; want an error naming %q", tc.header, rep, err, tc.field)
			}
		}
		if _, err := Import(ctx, f.db, strings.NewReader(""), ImportOptions{Format: CSV, Clock: clock}); kesu.ErrorCodeOf(err) != kesu.EInvalid {
			t.Errorf("empty CSV: %v", err)
		}
		if n := count(t, f.db); n != 0 {
			t.Errorf("%d complaints after header errors", n)
		}
	})
}

func TestDryRunWritesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := open(t, dsn)
		for _, tc := range []struct {
			format Format
			data   func() ([]byte, []want)
		}{{JSONL, mixedJSONL}, {CSV, mixedCSV}} {
			data, wants := tc.data()
			dryRep, dryRows := importAll(t, f.db, data, tc.format, true)
			checkRows(t, dryRows, wants)
			if n := count(t, f.db); n != 0 {
				t.Fatalf("%s dry run created %d complaints", tc.format, n)
			}
			if !dryRep.DryRun || !strings.HasPrefix(dryRep.String(), "would import ") {
				t.Errorf("dry run report %q", dryRep)
			}
		}
		// A dry run against data already imported says what a real run would.
		data, _ := mixedJSONL()
		realRep, _ := importAll(t, f.db, data, JSONL, false)
		dryRep, _ := importAll(t, f.db, data, JSONL, true)
		if dryRep.Present != realRep.Created || dryRep.Created != 0 || dryRep.Failed != realRep.Failed {
			t.Errorf("dry run after import: %v, import was %v", dryRep, realRep)
		}
		// Repeated external ids within one file count as present.
		twice := []byte(`{"description":"a","customer":{"phone":"13800000099"},"external_id":"dup"}` + "\n" +
			`{"description":"a","customer":{"phone":"13800000099"},"external_id":"dup"}` + "\n")
		if rep, _ := importAll(t, f.db, twice, JSONL, true); rep != (Report{Created: 1, Present: 1, DryRun: true}) {
			t.Errorf("dry run with a repeated external id: %v", rep)
		}
		if rep, _ := importAll(t, f.db, twice, JSONL, false); rep != (Report{Created: 1, Present: 1}) {
			t.Errorf("import with a repeated external id: %v", rep)
		}
	})
}

// unseekable hides Seek, as standard input from a pipe does.
type unseekable struct{ r *bytes.Reader }

func (u unseekable) Read(p []byte) (int, error) { return u.r.Read(p) }

func TestChineseEncodings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := open(t, dsn)
		text := "external_id,title,description,customer.name,customer.phone,location\n" +
			"gb-1,洗衣机漏水,购买的洗衣机第二次使用就漏水，要求退款。,张三,13800000001,上海徐汇店\n" +
			"gb-2,快递太慢,物流三天没有更新，客服电话打不通。,李四,13800000002,北京朝阳区\n" +
			"gb-3,𠀀生僻字,GB18030 四字节字符：𠀀𪚥,王五,13800000003,广州\n"
		gb18030, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(text))
		if err != nil {
			t.Fatal(err)
		}
		gbk, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(strings.Split(text, "gb-3")[0]))
		if err != nil {
			t.Fatal(err)
		}
		for i, tc := range []struct {
			name string
			data []byte
			rows int
		}{
			{"gb18030 file", gb18030, 3},
			{"gbk stream", gbk, 2},
			{"utf-8 with BOM", append(append([]byte{}, utf8BOM...), text...), 3},
		} {
			t.Run(tc.name, func(t *testing.T) {
				prefix := fmt.Sprintf("t%d-", i)
				data := bytes.ReplaceAll(tc.data, []byte("gb-"), []byte(prefix))
				var r = bytes.NewReader(data)
				var in interface{ Read([]byte) (int, error) } = r
				if strings.Contains(tc.name, "stream") {
					in = unseekable{r}
				}
				rep, err := Import(ctx, f.db, in, ImportOptions{Format: CSV, Clock: clock})
				if err != nil || rep != (Report{Created: tc.rows}) {
					t.Fatalf("import: %v %v", rep, err)
				}
				c, err := f.db.ComplaintByExternalID(ctx, prefix+"1")
				if err != nil || c.Title != "洗衣机漏水" || c.Customer.Name != "张三" ||
					c.Description != "购买的洗衣机第二次使用就漏水，要求退款。" || c.Location != "上海徐汇店" {
					t.Errorf("decoded as %q %q %q %q, %v", c.Title, c.Customer.Name, c.Description, c.Location, err)
				}
				if tc.rows == 3 {
					c, err := f.db.ComplaintByExternalID(ctx, prefix+"3")
					if err != nil || c.Description != "GB18030 四字节字符：𠀀𪚥" {
						t.Errorf("four-byte GB18030: %q %v", c.Description, err)
					}
				}
			})
		}
	})
}

func TestExportFilterAndFormat(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := open(t, dsn)
		orig := f.seed(t)
		var buf bytes.Buffer
		from, to := t0.Add(time.Hour), t0.Add(25*time.Hour)
		n, err := Export(ctx, f.db, &buf, ExportOptions{Format: JSONL,
			Filter: store.Filter{Statuses: []kesu.Status{kesu.StatusRegistered}, From: &from, To: &to}})
		if err != nil || n != 2 || strings.Count(buf.String(), "\n") != 2 {
			t.Fatalf("filtered export: %d %v\n%s", n, err, buf.String())
		}
		buf.Reset()
		if _, err := Export(ctx, f.db, &buf, ExportOptions{Format: CSV, BOM: true, Location: time.FixedZone("CST", 8*3600)}); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		if !strings.HasPrefix(out, "\ufeffid,number,status,") {
			t.Errorf("CSV starts %q", out[:40])
		}
		for _, s := range []string{
			orig[0].Number, "2026-03-05T09:30:00+08:00", "漏水|VIP|售后", "1999.00", "solution_proposed",
			"after_sales", "换新机", `"'=HYPERLINK(""http://evil.example"",""点我"") 快递三天没动"`, "'+86 客户来电",
		} {
			if !strings.Contains(out, s) {
				t.Errorf("CSV export lacks %q:\n%s", s, out)
			}
		}
		if _, err := Export(ctx, f.db, &buf, ExportOptions{Format: JSONL, BOM: true}); kesu.ErrorFieldOf(err) != "bom" {
			t.Errorf("BOM on JSONL: %v", err)
		}
	})
}

func TestParseFormat(t *testing.T) {
	for _, tc := range []struct{ name, file, want string }{
		{"", "a.jsonl", "jsonl"}, {"", "A.CSV", "csv"}, {"", "x.ndjson", "jsonl"}, {"CSV", "a.jsonl", "csv"},
		{"", "a.txt", ""}, {"xlsx", "a.csv", "xlsx"}, {"", "b.XLSX", "xlsx"}, {"pdf", "a.csv", ""},
	} {
		f, err := ParseFormat(tc.name, tc.file)
		if string(f) != tc.want || (err != nil) != (tc.want == "") {
			t.Errorf("ParseFormat(%q, %q) = %q, %v", tc.name, tc.file, f, err)
		}
	}
}

func TestCellEscapeRoundTrip(t *testing.T) {
	for _, v := range []string{"", "a", "=1", "+86", "-", "@x", "'", "''", "'a", "'=1", "\tx", "中文", "=", "'\r"} {
		e := escapeCell(v)
		if e != "" && strings.IndexByte("=+-@\t\r", e[0]) >= 0 {
			t.Errorf("escapeCell(%q) = %q still starts a formula", v, e)
		}
		if got := unescapeCell(e); got != v {
			t.Errorf("unescapeCell(escapeCell(%q)) = %q", v, got)
		}
	}
}
