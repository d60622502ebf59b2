package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/kesu/kesu/classify"
)

const modelUsage = `Usage:
  kesu model train --data FILE.csv [--field category|level|department|NAME] [--name NAME]
  kesu model train --from-closed [--field category|level|department]
  kesu model eval  --data FILE.csv [--name NAME] [--field NAME] [--json]
  kesu model split --data FILE [--format csv|headerless|cfpb] --out DIR [--test-percent 20]
  kesu model list
  kesu model bench [--data FILE.csv] [--name NAME] [--duration 3s]

Training files are CSV with a header naming a text column and a label column
("label", or the --field name). Every command takes --db.`

func runModel(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{modelUsage}
	}
	switch args[0] {
	case "train":
		return runModelTrain(ctx, args[1:], stdout, stderr)
	case "eval":
		return runModelEval(ctx, args[1:], stdout, stderr)
	case "split":
		return runModelSplit(args[1:], stdout, stderr)
	case "list":
		return runModelList(ctx, args[1:], stdout, stderr)
	case "bench":
		return runModelBench(ctx, args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprintln(stderr, modelUsage)
		return flag.ErrHelp
	}
	return usageError{fmt.Sprintf("unknown model command %q\n%s", args[0], modelUsage)}
}

// readTrainingCSV reads a text,label CSV file.
func readTrainingCSV(path, labelColumn string) (classify.Dataset, error) {
	f, err := os.Open(path)
	if err != nil {
		return classify.Dataset{}, err
	}
	defer f.Close()
	ds, err := classify.ReadCSV(f, labelColumn)
	if err != nil {
		return ds, fmt.Errorf("%s: %w", path, err)
	}
	return ds, nil
}

func runModelTrain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg Config
	var data, field, name string
	var fromClosed bool
	fs := newFlags("model train", stderr)
	cfg.dbFlags(fs)
	fs.StringVar(&data, "data", "", "CSV file with a header: text,label")
	fs.StringVar(&field, "field", "category", "what the labels are: category, level, department (suggested at intake) or any name")
	fs.StringVar(&name, "name", "", "model name (default: the field)")
	fs.BoolVar(&fromClosed, "from-closed", false, "learn from this database's closed complaints and agents' corrections")
	if err := parse(fs, args); err != nil {
		return err
	}
	if (data == "") == !fromClosed {
		return usageError{"give either --data FILE.csv or --from-closed"}
	}
	if name == "" {
		name = field
	}
	var ds classify.Dataset
	if data != "" {
		var err error
		if ds, err = readTrainingCSV(data, field); err != nil {
			return err
		}
	}
	app, err := OpenApp(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer app.Close()
	svc := classify.NewService(app.DB, app.Clock, app.Log)
	start := time.Now()
	var res classify.TrainResult
	if fromClosed {
		if name != field {
			return usageError{"--from-closed trains the model of --field; --name cannot differ"}
		}
		res, err = svc.TrainFromClosed(ctx, field, 0)
	} else {
		res, err = svc.TrainAndSave(ctx, name, field, filepath.Base(data), ds.Examples, 0)
	}
	if err != nil {
		return err
	}
	m := res.Model
	fmt.Fprintf(stdout, "trained model %q #%d for %s from %d examples (%s) in %s; %d labels\n",
		m.Name, m.ID, m.Field, m.Examples, m.Source, time.Since(start).Round(time.Millisecond), len(m.Labels))
	if ds.Skipped > 0 {
		fmt.Fprintf(stdout, "skipped %d rows without text or label\n", ds.Skipped)
	}
	if res.Report != nil {
		fmt.Fprintf(stdout, "held-out %d%% (%d examples): accuracy %.4f, macro-F1 %.4f\n",
			classify.TestPercent, res.Report.N, res.Report.Accuracy, res.Report.MacroF1)
	}
	return nil
}

func runModelEval(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg Config
	var data, field, name string
	var asJSON bool
	fs := newFlags("model eval", stderr)
	cfg.dbFlags(fs)
	fs.StringVar(&data, "data", "", "CSV file with a header: text,label (required)")
	fs.StringVar(&field, "field", "category", "label column name if not \"label\"; also the default model name")
	fs.StringVar(&name, "name", "", "model to evaluate (default: the field)")
	fs.BoolVar(&asJSON, "json", false, "print one JSON object")
	if err := parse(fs, args); err != nil {
		return err
	}
	if data == "" {
		return usageError{"--data FILE.csv is required"}
	}
	if name == "" {
		name = field
	}
	ds, err := readTrainingCSV(data, field)
	if err != nil {
		return err
	}
	db, err := cfg.openDB(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	m, sm, err := classify.LoadModel(ctx, db, name)
	if err != nil {
		return err
	}
	r := classify.Evaluate(m, ds.Examples)
	if asJSON {
		return json.NewEncoder(stdout).Encode(struct {
			Model   string `json:"model"`
			ModelID int64  `json:"model_id"`
			Data    string `json:"data"`
			Skipped int    `json:"skipped"`
			classify.Report
		}{sm.Name, sm.ID, data, ds.Skipped, r})
	}
	fmt.Fprintf(stdout, "model %q #%d on %s\n", sm.Name, sm.ID, data)
	if ds.Skipped > 0 {
		fmt.Fprintf(stdout, "skipped %d rows without text or label\n", ds.Skipped)
	}
	return r.WriteText(stdout)
}

func runModelSplit(args []string, stdout, stderr io.Writer) error {
	var data, format, out string
	var percent int
	fs := newFlags("model split", stderr)
	fs.StringVar(&data, "data", "", "the data set (required)")
	fs.StringVar(&format, "format", "csv", "csv (header text,label), headerless (text,label rows) or cfpb (CFPB export; Product grouped into 5 families)")
	fs.StringVar(&out, "out", "", "directory for train.csv and test.csv (required)")
	fs.IntVar(&percent, "test-percent", classify.TestPercent, "share held out for test")
	if err := parse(fs, args); err != nil {
		return err
	}
	if data == "" || out == "" {
		return usageError{"--data and --out are required"}
	}
	if percent < 1 || percent > 99 {
		return usageError{"--test-percent must be 1 to 99"}
	}
	f, err := os.Open(data)
	if err != nil {
		return err
	}
	defer f.Close()
	var ds classify.Dataset
	switch format {
	case "csv":
		ds, err = classify.ReadCSV(f, "")
	case "headerless":
		ds, err = classify.ReadHeaderlessCSV(f)
	case "cfpb":
		ds, err = classify.ReadCFPB(f)
	default:
		return usageError{"--format must be csv, headerless or cfpb"}
	}
	if err != nil {
		return fmt.Errorf("%s: %w", data, err)
	}
	train, test := classify.Split(ds.Examples, percent)
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	for name, part := range map[string][]classify.Example{"train.csv": train, "test.csv": test} {
		if err := writeExamples(filepath.Join(out, name), part); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "%s: %d examples (%d rows skipped: no text or label) -> %s/train.csv %d, %s/test.csv %d\n",
		data, len(ds.Examples), ds.Skipped, out, len(train), out, len(test))
	return nil
}

func writeExamples(path string, examples []classify.Example) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := classify.WriteCSV(f, examples); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func runModelList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg Config
	fs := newFlags("model list", stderr)
	cfg.dbFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	db, err := cfg.openDB(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	models, err := db.Models(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%-5s %-14s %-12s %8s %8s %8s  %-20s %s\n", "id", "name", "field", "examples", "accuracy", "macroF1", "trained", "source")
	for _, m := range models {
		fmt.Fprintf(stdout, "%-5d %-14s %-12s %8d %8s %8s  %-20s %s\n", m.ID, m.Name, m.Field, m.Examples,
			optFloat(m.Accuracy), optFloat(m.MacroF1), m.CreatedAt.Format(time.DateTime), m.Source)
	}
	return nil
}

func optFloat(f *float64) string {
	if f == nil {
		return "-"
	}
	return fmt.Sprintf("%.4f", *f)
}

// runModelBench measures predictions per second on one goroutine (one
// core), over texts from --data or built-in sample complaints.
func runModelBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg Config
	var data, name string
	var duration time.Duration
	fs := newFlags("model bench", stderr)
	cfg.dbFlags(fs)
	fs.StringVar(&data, "data", "", "CSV (text,label header) whose texts are predicted; default: a model trained on built-in samples")
	fs.StringVar(&name, "name", "", "stored model to measure (default: train one on --data or the samples, not stored)")
	fs.DurationVar(&duration, "duration", 3*time.Second, "how long to predict")
	if err := parse(fs, args); err != nil {
		return err
	}
	examples := classify.SampleExamples()
	if data != "" {
		ds, err := readTrainingCSV(data, "")
		if err != nil {
			return err
		}
		examples = ds.Examples
	}
	if len(examples) == 0 {
		return usageError{"no texts to predict"}
	}
	var m *classify.Model
	if name != "" {
		db, err := cfg.openDB(ctx)
		if err != nil {
			return err
		}
		defer db.Close()
		if m, _, err = classify.LoadModel(ctx, db, name); err != nil {
			return err
		}
	} else {
		var err error
		if m, err = classify.Train(examples, classify.Options{}); err != nil {
			return err
		}
	}
	texts := make([]string, len(examples))
	var bytes int
	for i, e := range examples {
		texts[i] = e.Text
		bytes += len(e.Text)
	}
	cpu0 := selfCPU()
	start := time.Now()
	n := 0
	for time.Since(start) < duration && ctx.Err() == nil {
		for _, t := range texts[:min(len(texts), 1000)] {
			m.Predict(t)
		}
		n += min(len(texts), 1000)
		texts = append(texts[min(len(texts), 1000):], texts[:min(len(texts), 1000)]...)
	}
	el := time.Since(start)
	cpu := selfCPU() - cpu0
	fmt.Fprintf(stdout, "predicted %d complaints in %s on one goroutine: %.0f complaints/s, %.1f µs each (mean text %d bytes, %d labels)\n",
		n, el.Round(time.Millisecond), float64(n)/el.Seconds(), float64(el.Microseconds())/float64(n), bytes/len(examples), len(m.Labels))
	// On a shared machine the wall clock includes waiting for a core; the
	// CPU time the process used is what one core can do.
	if cpu > 0 {
		fmt.Fprintf(stdout, "CPU time %s: %.0f complaints per CPU-second (%.1f µs of CPU each)\n",
			cpu.Round(time.Millisecond), float64(n)/cpu.Seconds(), float64(cpu.Microseconds())/float64(n))
	}
	return nil
}
