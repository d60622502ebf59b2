package classify

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"strings"

	"github.com/kesu/kesu"
)

// MaxTextBytes bounds one example's text when reading training files.
const MaxTextBytes = 64 << 10

// Dataset is what a training file held.
type Dataset struct {
	Examples []Example
	// Skipped counts rows without text or label: they are reported, never
	// silently dropped.
	Skipped int
}

// ReadCSV reads labelled examples from CSV with a header row. The header must
// name a "text" column and a label column: labelColumn if given (e.g.
// "category", "level", "department"), else "label"; other columns are
// ignored. A UTF-8 byte order mark is allowed.
func ReadCSV(r io.Reader, labelColumn string) (Dataset, error) {
	cr := newCSVReader(r)
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return Dataset{}, kesu.FieldError("data", "empty file: the first line must be a header such as text,label")
	}
	if err != nil {
		return Dataset{}, csvError(err)
	}
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\uFEFF")
	}
	textCol, labelCol := -1, -1
	want := strings.ToLower(strings.TrimSpace(labelColumn))
	for i, h := range header {
		switch h = strings.ToLower(strings.TrimSpace(h)); {
		case h == "text":
			textCol = i
		case want != "" && h == want:
			labelCol = i
		case h == "label" && (want == "" || labelCol < 0):
			labelCol = i
		}
	}
	if textCol < 0 || labelCol < 0 {
		name := "label"
		if want != "" {
			name = want + " (or label)"
		}
		return Dataset{}, kesu.FieldError("data", "the header must name a text column and a %s column; got %q", name, strings.Join(header, ","))
	}
	return readRows(cr, textCol, labelCol)
}

// ReadHeaderlessCSV reads text,label rows with no header (the layout of
// some public data sets).
func ReadHeaderlessCSV(r io.Reader) (Dataset, error) {
	return readRows(newCSVReader(r), 0, 1)
}

func newCSVReader(r io.Reader) *csv.Reader {
	cr := csv.NewReader(bufio.NewReader(r))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	return cr
}

func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return kesu.FieldError("data", "line %d: %v", pe.StartLine, pe.Err)
	}
	return err
}

func readRows(cr *csv.Reader, textCol, labelCol int) (Dataset, error) {
	var ds Dataset
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return ds, nil
		}
		if err != nil {
			return ds, csvError(err)
		}
		if len(rec) <= max(textCol, labelCol) {
			ds.Skipped++
			continue
		}
		text, label := strings.TrimSpace(rec[textCol]), strings.TrimSpace(rec[labelCol])
		if text == "" || label == "" {
			ds.Skipped++
			continue
		}
		if len(text) > MaxTextBytes {
			line, _ := cr.FieldPos(textCol)
			return ds, kesu.FieldError("data", "line %d: text longer than %d bytes", line, MaxTextBytes)
		}
		ds.Examples = append(ds.Examples, Example{Text: strings.Clone(text), Label: strings.Clone(label)})
	}
}

// WriteCSV writes examples with a text,label header: the format ReadCSV and
// `kesu model train --data` read.
func WriteCSV(w io.Writer, examples []Example) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"text", "label"}); err != nil {
		return err
	}
	for _, e := range examples {
		if err := cw.Write([]string{e.Text, e.Label}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// TestPercent is the share of examples held out for testing.
const TestPercent = 20

// Split divides examples into a training and a test part; about testPercent
// of them go to test. The side is decided by a hash of the example's text, so
// the split is reproducible, independent of order, and a text that occurs
// twice never lands on both sides (duplicates are common in real complaints).
func Split(examples []Example, testPercent int) (train, test []Example) {
	return SplitSalted(examples, testPercent, "")
}

// SplitSalted is Split with the hash salted: a different salt gives an
// independent split (to hold out part of what Split put in training).
func SplitSalted(examples []Example, testPercent int, salt string) (train, test []Example) {
	for _, e := range examples {
		h := fnv.New32a()
		h.Write([]byte(salt))
		h.Write([]byte(strings.TrimSpace(e.Text)))
		if int(h.Sum32()%100) < testPercent {
			test = append(test, e)
		} else {
			train = append(train, e)
		}
	}
	return train, test
}

// cfpbFamilies groups the CFPB database's Product values (every value used
// from 2011 to 2020) into five families. The families follow the CFPB's own
// product menu: what it split or renamed over the years goes back together.
var cfpbFamilies = map[string]string{
	"Debt collection": "debt_collection",

	"Credit reporting, credit repair services, or other personal consumer reports": "credit_reporting",
	"Credit reporting": "credit_reporting",

	"Credit card or prepaid card": "credit_card",
	"Credit card":                 "credit_card",
	"Prepaid card":                "credit_card",

	"Mortgage":              "mortgages_and_loans",
	"Student loan":          "mortgages_and_loans",
	"Vehicle loan or lease": "mortgages_and_loans",
	"Payday loan, title loan, or personal loan": "mortgages_and_loans",
	"Payday loan":   "mortgages_and_loans",
	"Consumer Loan": "mortgages_and_loans",

	"Checking or savings account":                        "retail_banking",
	"Bank account or service":                            "retail_banking",
	"Money transfer, virtual currency, or money service": "retail_banking",
	"Money transfers":                                    "retail_banking",
	"Virtual currency":                                   "retail_banking",
	"Other financial service":                            "retail_banking",
}

// CFPBFamily returns the family of a CFPB Product value, or "".
func CFPBFamily(product string) string { return cfpbFamilies[strings.TrimSpace(product)] }

// ReadCFPB reads the CFPB Consumer Complaint Database CSV export: the
// narrative becomes the text and the Product's family the label. Rows
// without a narrative are skipped (counted); an unknown Product is an error,
// so that a new CFPB product is noticed rather than dropped.
func ReadCFPB(r io.Reader) (Dataset, error) {
	cr := newCSVReader(r)
	header, err := cr.Read()
	if err != nil {
		return Dataset{}, csvError(err)
	}
	textCol, productCol := -1, -1
	for i, h := range header {
		switch strings.TrimPrefix(strings.TrimSpace(h), "\uFEFF") {
		case "Consumer complaint narrative":
			textCol = i
		case "Product":
			productCol = i
		}
	}
	if textCol < 0 || productCol < 0 {
		return Dataset{}, kesu.FieldError("data", "not a CFPB export: no Product and Consumer complaint narrative columns")
	}
	var ds Dataset
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return ds, nil
		}
		if err != nil {
			return ds, csvError(err)
		}
		if len(rec) <= max(textCol, productCol) || strings.TrimSpace(rec[textCol]) == "" {
			ds.Skipped++
			continue
		}
		fam := CFPBFamily(rec[productCol])
		if fam == "" {
			return ds, fmt.Errorf("CFPB product %q has no family in classify's table", rec[productCol])
		}
		ds.Examples = append(ds.Examples, Example{Text: strings.Clone(strings.TrimSpace(rec[textCol])), Label: fam})
	}
}
