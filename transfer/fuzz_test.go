package transfer

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/kesu/kesu"
)

// The row parsers take outside input: whatever the bytes, they must return
// a request or an error, never panic, and what they return must go through
// the domain's Build without panicking either.

func FuzzParseJSONLine(f *testing.F) {
	seeds, _ := mixedJSONL()
	for _, line := range bytes.Split(seeds, []byte("\n")) {
		if len(line) < 4096 {
			f.Add(line)
		}
	}
	f.Add([]byte(`{"customer":null,"expectation":{"amount":"-1"},"proposal":7,"tags":null}`))
	f.Add([]byte(`{"customer":{"customer":{}},"a.b":1,"registered_at":"2026-01-01T00:00:00Z"}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		p, err := parseJSONLine(line)
		if err != nil {
			if kesu.ErrorCodeOf(err) != kesu.EInvalid {
				t.Fatalf("error of code %s: %v", kesu.ErrorCodeOf(err), err)
			}
			return
		}
		build(t, p)
	})
}

func FuzzCSV(f *testing.F) {
	seeds, _ := mixedCSV()
	f.Add(seeds)
	f.Add([]byte(strings.Join(Columns(), ",") + "\n" + strings.Repeat(",", len(columns)-1) + "\n"))
	f.Add([]byte("\xef\xbb\xbfdescription,tags,demand_reasonable,occurred_at\n\"x\",a|b|,yes,2026/1/2\n"))
	f.Add([]byte("description,customer.name\n\xc4\xe3\xba\xc3,\xd5\xc5\xc8\xfd\n")) // GBK
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := newCSVReader(bytes.NewReader(data), time.UTC, nil)
		if err != nil {
			return // a header error stops the import: fine
		}
		for i := 0; i < 1000; i++ {
			r, err := rows.next()
			if err == io.EOF {
				return
			}
			if err != nil {
				t.Fatalf("only header errors stop a CSV import: %v", err)
			}
			if r.line < 2 {
				t.Fatalf("row on line %d", r.line)
			}
			if r.err == nil {
				build(t, r.parsed)
			} else if kesu.ErrorCodeOf(r.err) != kesu.EInvalid {
				t.Fatalf("row error of code %s: %v", kesu.ErrorCodeOf(r.err), r.err)
			}
		}
	})
}

func build(t *testing.T, p parsed) {
	p.in.ExternalID = p.externalID()
	if _, err := p.in.Build(clock.Now(), kesu.SystemActor); err != nil && kesu.ErrorCodeOf(err) != kesu.EInvalid {
		t.Fatalf("Build: error of code %s: %v", kesu.ErrorCodeOf(err), err)
	}
}

// FuzzMappedCSV reads foreign CSV files through a column mapping.
func FuzzMappedCSV(f *testing.F) {
	f.Add([]byte(teamCSV))
	f.Add([]byte("工单号,登记时间\n\"A\"\"1\",2025-13-40\n"))
	f.Add([]byte("\xb9\xa4\xb5\xa5\xba\xc5,x\n1,2\n")) // GBK header
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := newCSVReader(bytes.NewReader(data), time.UTC, teamMapping())
		if err != nil {
			return // header errors stop the import
		}
		drain(t, rows)
	})
}

// FuzzXLSX reads workbooks: whatever the bytes, a header error or rows,
// never a panic.
func FuzzXLSX(f *testing.F) {
	f.Add(teamWorkbook(f))
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, m := range []*Mapping{nil, teamMapping()} {
			src, err := newXLSXRecords(bytes.NewReader(data), "")
			if err != nil {
				if kesu.ErrorCodeOf(err) != kesu.EInvalid {
					t.Fatalf("open: %v", err)
				}
				return
			}
			rows, err := newTableReader(src, time.UTC, m, false, true)
			if err != nil {
				continue
			}
			drain(t, rows)
		}
	})
}

func drain(t *testing.T, rows rowReader) {
	for i := 0; i < 1000; i++ {
		r, err := rows.next()
		if err == io.EOF {
			return
		}
		if err != nil {
			if kesu.ErrorCodeOf(err) == kesu.EInvalid {
				return // a worksheet broken past its header stops the import
			}
			t.Fatalf("only invalid input stops an import: %v", err)
		}
		if r.err == nil {
			build(t, r.parsed)
		} else if kesu.ErrorCodeOf(r.err) != kesu.EInvalid {
			t.Fatalf("row error of code %s: %v", kesu.ErrorCodeOf(r.err), r.err)
		}
	}
}
