package classify

import (
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"

	"github.com/kesu/kesu"
)

// Example is one labelled text.
type Example struct {
	Text  string
	Label string
}

// Options tune training. Zero values take the defaults, which were chosen on
// validation splits carved out of the training data (BENCHMARKS.md).
type Options struct {
	Bits   uint8   // hash space is 2^Bits buckets (default 20)
	Epochs int     // passes over the data (default 30)
	L2     float64 // weight decay per example (default 1e-5)
	Rate   float64 // initial learning rate (default 2)
	Seed   uint64  // shuffling; the same data and seed give the same model
	// MinDF drops features seen in fewer training texts (default 3): a
	// feature seen once cannot generalise, and dropping them makes models
	// several times smaller and faster.
	MinDF int
	// Features to extract; zero means DefaultFeatures.
	Features Features
}

func (o Options) withDefaults() Options {
	if o.Bits == 0 {
		o.Bits = 20
	}
	o.Bits = min(max(o.Bits, 10), 24)
	if o.Epochs <= 0 {
		o.Epochs = 30
	}
	if o.L2 <= 0 {
		o.L2 = 1e-5
	}
	if o.Rate <= 0 {
		o.Rate = 2
	}
	if o.Features.CJKMax == 0 {
		o.Features = DefaultFeatures
	}
	if o.MinDF <= 0 {
		o.MinDF = 3
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	return o
}

// Model is a trained classifier. It is safe for concurrent use.
type Model struct {
	Labels   []string `json:"labels"`
	Examples int      `json:"examples"` // how many examples trained it
	bits     uint8
	features Features
	// rows maps a bucket seen in training to its row; buckets never seen
	// carry no information and are absent, which keeps models compact.
	rows map[uint32]int32
	// table is rows as an open-addressing hash table for prediction: buckets
	// are hashes already, so their low bits index it directly.
	tableKeys []uint32 // bucket+1; 0 is empty
	tableRows []int32
	idf       []float32 // per row
	w         []float32 // per row, len(Labels) weights each
	bias      []float32 // per label

	scratch sync.Pool
}

// smallTrainingSet is the size below which MinDF does not apply.
const smallTrainingSet = 1000

// MinExamples is the least a model can learn from.
const MinExamples = 2

// Train learns a model from examples. Labels are kept as given (trimmed);
// at least two distinct labels are needed.
func Train(examples []Example, opt Options) (*Model, error) {
	opt = opt.withDefaults()
	labelIndex := map[string]int{}
	var labels []string
	for _, e := range examples {
		l := strings.TrimSpace(e.Label)
		if l == "" {
			continue
		}
		if _, ok := labelIndex[l]; !ok {
			labelIndex[l] = len(labels)
			labels = append(labels, l)
		}
	}
	sort.Strings(labels)
	for i, l := range labels {
		labelIndex[l] = i
	}
	if len(labels) > MaxLabels {
		return nil, kesu.FieldError("label", "more than %d different labels", MaxLabels)
	}
	if len(labels) < 2 {
		return nil, kesu.FieldError("label", "need examples of at least two different labels, got %d", len(labels))
	}
	m := &Model{Labels: labels, bits: opt.Bits, features: opt.Features, rows: map[uint32]int32{}}
	// Vectorise once; count document frequencies per bucket.
	type doc struct {
		v sparse
		y int
	}
	docs := make([]doc, 0, len(examples))
	var df []int32
	var scratch []uint64
	for _, e := range examples {
		l := strings.TrimSpace(e.Label)
		if l == "" {
			continue
		}
		var v sparse
		v, scratch = vectorize(e.Text, opt.Bits, opt.Features, scratch)
		for i, b := range v.idx {
			r, ok := m.rows[b]
			if !ok {
				r = int32(len(df))
				m.rows[b] = r
				df = append(df, 0)
			}
			df[r]++
			v.idx[i] = uint32(r) // from here on, vectors index rows
		}
		docs = append(docs, doc{v, labelIndex[l]})
	}
	m.Examples = len(docs)
	// Drop rare features and renumber the rows that stay. Small training
	// sets keep everything: there, size does not matter and every feature
	// counts.
	minDF := opt.MinDF
	if len(docs) < smallTrainingSet {
		minDF = 1
	}
	renum := make([]int32, len(df))
	kept := 0
	for r, d := range df {
		renum[r] = -1
		if int(d) >= minDF {
			renum[r] = int32(kept)
			df[kept] = d
			kept++
		}
	}
	df = df[:kept]
	for b, r := range m.rows {
		if renum[r] < 0 {
			delete(m.rows, b)
		} else {
			m.rows[b] = renum[r]
		}
	}
	for i := range docs {
		v := &docs[i].v
		k := 0
		for j, r := range v.idx {
			if nr := renum[r]; nr >= 0 {
				v.idx[k], v.val[k] = uint32(nr), v.val[j]
				k++
			}
		}
		v.idx, v.val = v.idx[:k], v.val[:k]
	}
	n := float64(len(docs))
	m.idf = make([]float32, len(df))
	for r, d := range df {
		m.idf[r] = float32(math.Log((1+n)/(1+float64(d))) + 1)
	}
	for _, d := range docs {
		d.v.weigh(func(r uint32) float32 { return m.idf[r] })
	}

	// Multinomial logistic regression by SGD. L2 decay is applied through a
	// global scale (w = scale*v), so each step touches only the features of
	// one document.
	C := len(labels)
	v := make([]float64, len(df)*C)
	bias := make([]float64, C)
	scale := 1.0
	p := make([]float64, C)
	order := make([]int, len(docs))
	for i := range order {
		order[i] = i
	}
	rng := rand.New(rand.NewPCG(opt.Seed, 0x6b657375))
	t := 0.0
	for epoch := 0; epoch < opt.Epochs; epoch++ {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, di := range order {
			d := docs[di]
			rate := opt.Rate / (1 + opt.Rate*opt.L2*t)
			t++
			for c := range C {
				p[c] = 0
			}
			for i, r := range d.v.idx {
				x := float64(d.v.val[i]) * scale
				row := v[int(r)*C : int(r)*C+C]
				for c := range C {
					p[c] += x * row[c]
				}
			}
			softmax(p, bias)
			p[d.y]--
			scale *= 1 - rate*opt.L2
			if scale < 1e-9 {
				for i := range v {
					v[i] *= scale
				}
				scale = 1
			}
			for i, r := range d.v.idx {
				x := rate * float64(d.v.val[i]) / scale
				row := v[int(r)*C : int(r)*C+C]
				for c := range C {
					row[c] -= x * p[c]
				}
			}
			for c := range C {
				bias[c] -= rate * p[c]
			}
		}
	}
	m.w = make([]float32, len(v))
	for i := range v {
		m.w[i] = float32(v[i] * scale)
	}
	m.bias = make([]float32, C)
	for c := range C {
		m.bias[c] = float32(bias[c])
	}
	m.buildTable()
	return m, nil
}

// buildTable indexes rows for lookup, at most half full.
func (m *Model) buildTable() {
	size := 16
	for size < 2*len(m.rows) {
		size *= 2
	}
	m.tableKeys, m.tableRows = make([]uint32, size), make([]int32, size)
	mask := uint32(size - 1)
	for b, r := range m.rows {
		i := b & mask
		for m.tableKeys[i] != 0 {
			i = (i + 1) & mask
		}
		m.tableKeys[i], m.tableRows[i] = b+1, r
	}
}

// row returns the row of bucket b, or -1.
func (m *Model) row(b uint32) int32 {
	mask := uint32(len(m.tableKeys) - 1)
	for i := b & mask; ; i = (i + 1) & mask {
		switch m.tableKeys[i] {
		case b + 1:
			return m.tableRows[i]
		case 0:
			return -1
		}
	}
}

// softmax turns scores (plus bias) into probabilities in place.
func softmax(p, bias []float64) {
	hi := math.Inf(-1)
	for c := range p {
		p[c] += bias[c]
		hi = max(hi, p[c])
	}
	var sum float64
	for c := range p {
		p[c] = math.Exp(p[c] - hi)
		sum += p[c]
	}
	for c := range p {
		p[c] /= sum
	}
}

// Prediction is a model's answer for one text.
type Prediction struct {
	Label      string  `json:"label"`
	Confidence float64 `json:"confidence"` // the model's probability of Label, 0 to 1
}

type predictScratch struct {
	hashes []uint64
	tf     sparse // by bucket
	v      sparse // by row, weighted
	p      []float64
	bias   []float64
}

// Predict returns the most probable label for text and its probability.
func (m *Model) Predict(text string) Prediction {
	p := m.Probabilities(text, nil)
	best := 0
	for c := range p {
		if p[c] > p[best] {
			best = c
		}
	}
	return Prediction{Label: m.Labels[best], Confidence: p[best]}
}

// Probabilities appends the probability of each of m.Labels for text to dst.
func (m *Model) Probabilities(text string, dst []float64) []float64 {
	s := m.getScratch()
	defer m.scratch.Put(s)
	s.tf, s.hashes = vectorizeInto(s.tf, text, m.bits, m.features, s.hashes)
	return append(dst, m.score(s.tf, s)...)
}

func (m *Model) getScratch() *predictScratch {
	s, _ := m.scratch.Get().(*predictScratch)
	if s == nil {
		C := len(m.Labels)
		s = &predictScratch{p: make([]float64, C), bias: make([]float64, C)}
		for c := range C {
			s.bias[c] = float64(m.bias[c])
		}
	}
	return s
}

// score turns term frequencies (by bucket, not changed) into probabilities
// held in s.p.
func (m *Model) score(tf sparse, s *predictScratch) []float64 {
	C := len(m.Labels)
	// Look rows up once; unseen buckets carry nothing.
	v := sparse{idx: s.v.idx[:0], val: s.v.val[:0]}
	for i, b := range tf.idx {
		if r := m.row(b); r >= 0 {
			v.idx = append(v.idx, uint32(r))
			v.val = append(v.val, tf.val[i])
		}
	}
	s.v = v
	v.weigh(func(r uint32) float32 { return m.idf[r] })
	for c := range C {
		s.p[c] = 0
	}
	for i, r := range v.idx {
		x := float64(v.val[i])
		row := m.w[int(r)*C : int(r)*C+C]
		for c := range C {
			s.p[c] += x * float64(row[c])
		}
	}
	softmax(s.p, s.bias)
	return s.p
}

// PredictAll predicts text with each of models, extracting the text's
// features once for models that share their settings (models trained with
// the same Options do): one complaint, three suggestions, one pass.
func PredictAll(models []*Model, text string) []Prediction {
	out := make([]Prediction, len(models))
	var tf sparse
	var hashes []uint64
	var last *Model
	for i, m := range models {
		if last == nil || m.bits != last.bits || m.features != last.features {
			tf, hashes = vectorizeInto(tf, text, m.bits, m.features, hashes)
		}
		last = m
		s := m.getScratch()
		p := m.score(tf, s)
		best := 0
		for c := range p {
			if p[c] > p[best] {
				best = c
			}
		}
		out[i] = Prediction{Label: m.Labels[best], Confidence: p[best]}
		m.scratch.Put(s)
	}
	return out
}
