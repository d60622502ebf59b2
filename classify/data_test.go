package classify

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The real data sets live beside the repository (../shared/data); tests
// that need them skip when they are absent.
func sharedData(t testing.TB, rel string) string {
	t.Helper()
	for _, base := range []string{"../../shared/data", "../shared/data"} {
		p := filepath.Join(base, rel)
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Skipf("shared data %s is absent", rel)
	return ""
}

// HeimaoPath and CFPBPath are the two real data sets the quality bar is
// measured on.
const (
	heimaoPath = "zh_complaints/heimao_fin_6class/train.csv"
	cfpbPath   = "cfpb/cfpb_sample_2015-2020_nyu-bdm_6623rows.csv"
)

func loadHeimao(t testing.TB) []Example {
	f, err := os.Open(sharedData(t, heimaoPath))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ds, err := ReadHeaderlessCSV(f)
	if err != nil {
		t.Fatal(err)
	}
	return ds.Examples
}

func loadCFPB(t testing.TB) []Example {
	f, err := os.Open(sharedData(t, cfpbPath))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ds, err := ReadCFPB(f)
	if err != nil {
		t.Fatal(err)
	}
	return ds.Examples
}

// TestHeldOutQuality trains on the training part of each real data set
// and measures the held-out test part (Split, TestPercent): the figures in
// BENCHMARKS.md. The floors only catch regressions; the measured figures are
// logged (go test -v -run TestHeldOutQuality ./classify).
func TestHeldOutQuality(t *testing.T) {
	for _, tc := range []struct {
		name  string
		load  func(testing.TB) []Example
		floor float64
	}{{"heimao_fin_6class", loadHeimao, 0.68}, {"cfpb_5_families", loadCFPB, 0.83}} {
		t.Run(tc.name, func(t *testing.T) {
			train, test := Split(tc.load(t), TestPercent)
			m, err := Train(train, Options{})
			if err != nil {
				t.Fatal(err)
			}
			r := Evaluate(m, test)
			t.Logf("%s: train %d, test %d: accuracy %.4f, macro-F1 %.4f", tc.name, len(train), len(test), r.Accuracy, r.MacroF1)
			if r.Accuracy < tc.floor {
				t.Errorf("accuracy %.4f fell below %.2f", r.Accuracy, tc.floor)
			}
		})
	}
}

// BenchmarkPredict measures one prediction on one goroutine over real
// Chinese complaints (or the built-in samples without the data).
func BenchmarkPredict(b *testing.B) {
	examples := SampleExamples()
	if _, err := os.Stat("../../shared/data/" + heimaoPath); err == nil {
		examples = loadHeimao(b)
	}
	m, err := Train(examples, Options{})
	if err != nil {
		b.Fatal(err)
	}
	var bytes int64
	for _, e := range examples {
		bytes += int64(len(e.Text))
	}
	b.SetBytes(bytes / int64(len(examples)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		m.Predict(examples[i%len(examples)].Text)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "complaints/s")
}

// TestTune compares options on a validation split carved out of the
// training part only (the test part is never looked at). Run it by hand:
// KESU_CLASSIFY_TUNE=1 go test -run TestTune -v ./classify
func TestTune(t *testing.T) {
	if os.Getenv("KESU_CLASSIFY_TUNE") == "" {
		t.Skip("set KESU_CLASSIFY_TUNE=1 to compare training options")
	}
	for name, all := range map[string][]Example{"heimao": loadHeimao(t), "cfpb": loadCFPB(t)} {
		train, _ := Split(all, TestPercent)
		fit, val := Split(relabelSplit(train), 20)
		for _, opt := range []Options{
			{MinDF: 1}, {MinDF: 2}, {MinDF: 3},
		} {
			start := time.Now()
			m, err := Train(fit, opt)
			if err != nil {
				t.Fatal(err)
			}
			r := Evaluate(m, val)
			fmt.Printf("%-7s %+v  val acc %.4f macroF1 %.4f  (%d/%d, %v, %d rows)\n", name, opt, r.Accuracy, r.MacroF1,
				len(fit), len(val), time.Since(start).Round(time.Millisecond), len(m.idf))
		}
	}
}

// relabelSplit makes the validation split independent of the test split's
// hash by salting texts.
func relabelSplit(in []Example) []Example {
	out := make([]Example, len(in))
	for i, e := range in {
		out[i] = Example{Text: e.Text + "\x00v", Label: e.Label}
	}
	return out
}

// cnbAccuracy: complement naive Bayes over the same weighted vectors, to
// compare model families.
func cnbAccuracy(fit, val []Example, f Features, alpha float64) float64 {
	bits := uint8(20)
	var scratch []uint64
	labels := map[string]int{}
	for _, e := range fit {
		if _, ok := labels[e.Label]; !ok {
			labels[e.Label] = len(labels)
		}
	}
	C := len(labels)
	df := map[uint32]float64{}
	var vs []sparse
	for _, e := range fit {
		var v sparse
		v, scratch = vectorize(e.Text, bits, f, scratch)
		for _, b := range v.idx {
			df[b]++
		}
		vs = append(vs, v)
	}
	n := float64(len(fit))
	idf := func(b uint32) float32 { return float32(math.Log((1+n)/(1+df[b])) + 1) }
	sum := make([]map[uint32]float64, C)
	tot := make([]float64, C)
	all := map[uint32]float64{}
	allTot := 0.0
	for c := range sum {
		sum[c] = map[uint32]float64{}
	}
	for i, v := range vs {
		v.weigh(idf)
		c := labels[fit[i].Label]
		for k, b := range v.idx {
			sum[c][b] += float64(v.val[k])
			tot[c] += float64(v.val[k])
			all[b] += float64(v.val[k])
			allTot += float64(v.val[k])
		}
	}
	V := float64(len(df))
	w := make([]map[uint32]float64, C)
	for c := range C {
		w[c] = map[uint32]float64{}
		norm := 0.0
		for b := range df {
			th := math.Log((alpha + all[b] - sum[c][b]) / (alpha*V + allTot - tot[c]))
			w[c][b] = th
			norm += math.Abs(th)
		}
		for b := range w[c] {
			w[c][b] /= norm
		}
	}
	correct := 0
	for _, e := range val {
		var v sparse
		v, scratch = vectorize(e.Text, bits, f, scratch)
		v.weigh(idf)
		best, bestS := -1, math.Inf(1)
		for c := range C {
			s := 0.0
			for k, b := range v.idx {
				if _, ok := df[b]; ok {
					s += float64(v.val[k]) * w[c][b]
				}
			}
			if s < bestS {
				best, bestS = c, s
			}
		}
		if best == labels[e.Label] {
			correct++
		}
	}
	return float64(correct) / float64(len(val))
}

// TestTuneNaiveBayes compares complement naive Bayes (rejected: see
// BENCHMARKS.md) on the same validation split as TestTune.
func TestTuneNaiveBayes(t *testing.T) {
	if os.Getenv("KESU_CLASSIFY_TUNE") == "" {
		t.Skip()
	}
	for name, all := range map[string][]Example{"heimao": loadHeimao(t), "cfpb": loadCFPB(t)} {
		train, _ := Split(all, TestPercent)
		fit, val := Split(relabelSplit(train), 20)
		for _, f := range []Features{{CJKMax: 3, WordBigrams: true}, {CJKMax: 2, WordBigrams: false}, {CJKMax: 3, WordBigrams: false}} {
			for _, a := range []float64{0.01, 0.1, 0.3, 1} {
				fmt.Println(name, f, a, cnbAccuracy(fit, val, f, a))
			}
		}
	}
}
