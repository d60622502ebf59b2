package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kesu/kesu/classify"
)

// TestModelCommands drives kesu model split, train, eval (text and --json),
// list and bench on a synthetic data set, as a person would.
func TestModelCommands(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "kesu.db")
	all := filepath.Join(dir, "all.csv")
	f, err := os.Create(all)
	if err != nil {
		t.Fatal(err)
	}
	if err := classify.WriteCSV(f, classify.SampleExamples()); err != nil {
		t.Fatal(err)
	}
	f.Close()
	kesuRun := func(want int, args ...string) (string, string) {
		t.Helper()
		var out, errb bytes.Buffer
		if code := run(args, &out, &errb); code != want {
			t.Fatalf("kesu %s exited %d, want %d:\n%s%s", strings.Join(args, " "), code, want, out.String(), errb.String())
		}
		return out.String(), errb.String()
	}
	split := filepath.Join(dir, "split")
	out, _ := kesuRun(0, "model", "split", "--data", all, "--out", split)
	if !strings.Contains(out, "400 examples") {
		t.Errorf("split: %s", out)
	}
	out, _ = kesuRun(0, "model", "train", "--db", db, "--data", filepath.Join(split, "train.csv"))
	if !strings.Contains(out, `trained model "category" #1 for category`) || !strings.Contains(out, "held-out 20%") {
		t.Errorf("train: %s", out)
	}
	test := filepath.Join(split, "test.csv")
	out, _ = kesuRun(0, "model", "eval", "--db", db, "--data", test)
	for _, want := range []string{"accuracy  ", "macro-F1  ", "confusion matrix (rows: true label, columns: predicted)", "logistics"} {
		if !strings.Contains(out, want) {
			t.Errorf("eval output lacks %q:\n%s", want, out)
		}
	}
	out, _ = kesuRun(0, "model", "eval", "--db", db, "--data", test, "--json")
	var r struct {
		Accuracy  *float64 `json:"accuracy"`
		MacroF1   *float64 `json:"macro_f1"`
		N         int      `json:"n"`
		Confusion [][]int  `json:"confusion"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil || strings.Count(strings.TrimSpace(out), "\n") != 0 {
		t.Fatalf("--json must print one JSON object: %v\n%s", err, out)
	}
	if r.Accuracy == nil || r.MacroF1 == nil || *r.Accuracy < 0.9 || r.N == 0 || len(r.Confusion) != 4 {
		t.Errorf("eval --json: %s", out)
	}
	// Another field and name.
	levels := filepath.Join(dir, "levels.csv")
	os.WriteFile(levels, []byte("text,level\n我要找媒体曝光,critical\n快递慢了一天,general\n记者已经联系我了,critical\n包装有点破,general\n"), 0o644)
	out, _ = kesuRun(0, "model", "train", "--db", db, "--data", levels, "--field", "level", "--name", "level-v1")
	if !strings.Contains(out, `"level-v1" #2 for level from 4 examples`) {
		t.Errorf("train level: %s", out)
	}
	out, _ = kesuRun(0, "model", "list", "--db", db)
	if !strings.Contains(out, "level-v1") || !strings.Contains(out, "category") {
		t.Errorf("list: %s", out)
	}
	out, _ = kesuRun(0, "model", "bench", "--duration", "100ms")
	if !strings.Contains(out, "complaints/s") {
		t.Errorf("bench: %s", out)
	}

	// Mistakes get clear messages and exit codes; nothing is stored.
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("words,label\nx,y\n"), 0o644)
	_, errOut := kesuRun(1, "model", "train", "--db", db, "--data", bad)
	if !strings.Contains(errOut, "the header must name a text column") {
		t.Errorf("bad header: %s", errOut)
	}
	one := filepath.Join(dir, "one.csv")
	os.WriteFile(one, []byte("text,label\nx,y\nz,y\n"), 0o644)
	_, errOut = kesuRun(1, "model", "train", "--db", db, "--data", one)
	if !strings.Contains(errOut, "at least two different labels") {
		t.Errorf("one label: %s", errOut)
	}
	kesuRun(2, "model", "train", "--db", db)
	kesuRun(2, "model", "eval", "--db", db)
	kesuRun(2, "model", "frobnicate")
	_, errOut = kesuRun(1, "model", "eval", "--db", db, "--data", test, "--name", "nothing")
	if !strings.Contains(errOut, `no model named "nothing"`) {
		t.Errorf("missing model: %s", errOut)
	}
	_, errOut = kesuRun(1, "model", "train", "--db", db, "--from-closed")
	if !strings.Contains(errOut, "cannot train category") {
		t.Errorf("from closed with no history: %s", errOut)
	}
	out, _ = kesuRun(0, "model", "list", "--db", db)
	if strings.Count(out, "\n") != 3 {
		t.Errorf("failed commands stored models:\n%s", out)
	}
}
