package transfer

import (
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/kesu/kesu"
)

// MaxXLSX bounds an uploaded workbook, in bytes: an XLSX is a zip file read
// into memory, and a complaint register of a million rows stays below it.
const MaxXLSX = 256 << 20

// xlsxRecords reads the rows of one worksheet as text cells. Cells are read
// raw (not through their display format), so a phone number keeps its
// digits and a date is an Excel serial number, converted by excelTime for
// the time fields.
type xlsxRecords struct {
	f    *excelize.File
	rows *excelize.Rows
	line int
}

func newXLSXRecords(r io.Reader, sheet string) (*xlsxRecords, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxXLSX+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxXLSX {
		return nil, kesu.Errorf(kesu.ETooLarge, "the workbook is larger than %d bytes", MaxXLSX)
	}
	f, err := openWorkbook(data)
	if err != nil {
		return nil, err
	}
	if sheet == "" {
		sheets := f.GetSheetList()
		if len(sheets) == 0 {
			f.Close()
			return nil, kesu.Errorf(kesu.EInvalid, "the workbook has no worksheet")
		}
		sheet = sheets[0]
	}
	if idx, err := f.GetSheetIndex(sheet); err != nil || idx < 0 {
		f.Close()
		return nil, kesu.FieldError("sheet", "the workbook has no worksheet %q", sheet)
	}
	rows, err := f.Rows(sheet)
	if err != nil {
		f.Close()
		return nil, kesu.Errorf(kesu.EInvalid, "the worksheet %q cannot be read: %v", sheet, err)
	}
	return &xlsxRecords{f: f, rows: rows}, nil
}

// openWorkbook opens XLSX bytes, turning the library's failures (and any
// panic on a malformed file) into an invalid-input error.
func openWorkbook(data []byte) (f *excelize.File, err error) {
	defer func() {
		if p := recover(); p != nil {
			f, err = nil, kesu.Errorf(kesu.EInvalid, "not a readable XLSX workbook")
		}
	}()
	f, err = excelize.OpenReader(strings.NewReader(string(data)), excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, kesu.Errorf(kesu.EInvalid, "not a readable XLSX workbook: %v", err)
	}
	return f, nil
}

func (x *xlsxRecords) next() (rec []string, line int, rowErr error, err error) {
	defer func() {
		if p := recover(); p != nil {
			rec, rowErr, err = nil, nil, kesu.Errorf(kesu.EInvalid, "the worksheet is malformed near row %d", x.line)
		}
	}()
	if !x.rows.Next() {
		if e := x.rows.Error(); e != nil {
			return nil, 0, nil, kesu.Errorf(kesu.EInvalid, "the worksheet is malformed near row %d: %v", x.line, e)
		}
		x.rows.Close()
		x.f.Close()
		return nil, 0, nil, io.EOF
	}
	x.line++
	cols, e := x.rows.Columns(excelize.Options{RawCellValue: true})
	if e != nil {
		return nil, x.line, kesu.Errorf(kesu.EInvalid, "row %d cannot be read: %v", x.line, e), nil
	}
	return cols, x.line, nil, nil
}

// excelTime turns an Excel serial date (days since 1899-12-30, the time as
// the fraction) into "2006-01-02 15:04:05" wall time, read later in the
// import's location like any zoneless time. Text passes unchanged.
func excelTime(v string, _ *time.Location) string {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || f < 1 || f > 2958465 || math.IsNaN(f) {
		return v
	}
	t, err := excelize.ExcelDateToTime(f, false)
	if err != nil {
		return v
	}
	// Round to the second: serials carry floating-point noise.
	return t.Add(500 * time.Millisecond).Truncate(time.Second).Format("2006-01-02 15:04:05")
}
