package classify

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// Report is how well a model did on labelled examples.
type Report struct {
	N        int      `json:"n"`
	Accuracy float64  `json:"accuracy"`
	MacroF1  float64  `json:"macro_f1"`
	Labels   []string `json:"labels"`
	PerLabel []Score  `json:"per_label"`
	// Confusion[i][j] counts examples of Labels[i] predicted as Labels[j].
	Confusion [][]int `json:"confusion"`
}

// Score is one label's precision, recall and F1.
type Score struct {
	Label     string  `json:"label"`
	Support   int     `json:"support"` // examples with this true label
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
}

// Evaluate predicts every example and compares with its label. Macro-F1
// averages over the labels that occur in the examples.
func Evaluate(m *Model, examples []Example) Report {
	index := map[string]int{}
	var labels []string
	add := func(l string) {
		if _, ok := index[l]; !ok {
			index[l] = len(labels)
			labels = append(labels, l)
		}
	}
	for _, l := range m.Labels {
		add(l)
	}
	for _, e := range examples {
		add(strings.TrimSpace(e.Label))
	}
	sort.Strings(labels)
	for i, l := range labels {
		index[l] = i
	}
	r := Report{Labels: labels, Confusion: make([][]int, len(labels))}
	for i := range r.Confusion {
		r.Confusion[i] = make([]int, len(labels))
	}
	correct := 0
	for _, e := range examples {
		gold := index[strings.TrimSpace(e.Label)]
		pred := index[m.Predict(e.Text).Label]
		r.Confusion[gold][pred]++
		if gold == pred {
			correct++
		}
		r.N++
	}
	if r.N > 0 {
		r.Accuracy = float64(correct) / float64(r.N)
	}
	present := 0
	for i, l := range labels {
		var tp, predicted, support int
		for j := range labels {
			predicted += r.Confusion[j][i]
			support += r.Confusion[i][j]
		}
		tp = r.Confusion[i][i]
		s := Score{Label: l, Support: support}
		if predicted > 0 {
			s.Precision = float64(tp) / float64(predicted)
		}
		if support > 0 {
			s.Recall = float64(tp) / float64(support)
		}
		if s.Precision+s.Recall > 0 {
			s.F1 = 2 * s.Precision * s.Recall / (s.Precision + s.Recall)
		}
		if support > 0 {
			present++
			r.MacroF1 += s.F1
		}
		r.PerLabel = append(r.PerLabel, s)
	}
	if present > 0 {
		r.MacroF1 /= float64(present)
	}
	return r
}

// WriteText prints the report for a person: the figures, per-label scores and
// the confusion matrix (rows: true label, columns: predicted).
func (r Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "examples  %d\naccuracy  %.4f\nmacro-F1  %.4f\n\n", r.N, r.Accuracy, r.MacroF1)
	width := 5
	for _, l := range r.Labels {
		width = max(width, displayWidth(l))
	}
	fmt.Fprintf(&b, "%s  precision  recall      f1  support\n", pad("label", width))
	for _, s := range r.PerLabel {
		fmt.Fprintf(&b, "%s  %9.4f  %6.4f  %6.4f  %7d\n", pad(s.Label, width), s.Precision, s.Recall, s.F1, s.Support)
	}
	fmt.Fprintf(&b, "\nconfusion matrix (rows: true label, columns: predicted)\n%s", pad("", width))
	for i := range r.Labels {
		fmt.Fprintf(&b, " %6s", fmt.Sprintf("[%d]", i))
	}
	b.WriteByte('\n')
	for i, l := range r.Labels {
		b.WriteString(pad(l, width))
		for j := range r.Labels {
			fmt.Fprintf(&b, " %6d", r.Confusion[i][j])
		}
		fmt.Fprintf(&b, "  [%d]\n", i)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// displayWidth counts CJK characters as two columns.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x1100 && isCJK(r) || r >= 0xFF01 && r <= 0xFF60 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

func pad(s string, width int) string {
	if d := width - displayWidth(s); d > 0 {
		return s + strings.Repeat(" ", d)
	}
	return s
}
