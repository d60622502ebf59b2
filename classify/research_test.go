package classify

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"
)

// Research harness: 5-fold cross-validation inside the TRAINING part of a
// data set (the test part is never touched), comparing feature sets and
// learners (results in BENCHMARKS.md). One experiment per run:
//
//	KESU_CLASSIFY_TUNE=1 KESU_EXP=NAME [KESU_SET=heimao|cfpb] [KESU_CONF=1] \
//	    go test -count=1 -run 'TestResearch$' -v ./classify
//
// NAME: (empty) baseline, lr, epochs, grid, feat, weight, words (learnt
// dictionary + max-matching segmentation), pos (head/tail n-grams), svm
// (Pegasos one-vs-rest, NB-SVM), ens (softmax + NB-SVM), bal (class-balanced
// loss), mlp (one hidden layer), knn (softmax + k nearest neighbours), lsa
// (randomized-SVD coordinates appended).

type rfeat struct {
	maxN   int  // CJK char n-grams 1..maxN
	skip   bool // also CJK skip-bigrams (c[i], c[i+2])
	length int  // this many copies of a length-bucket feature
	demand bool // n-grams of the clauses after 要求/希望/请求/诉求 tagged
	head   int  // also n-grams (tagged) of the first head CJK runes
	tail   int  // and of the last tail CJK runes
	words  bool // learnt-dictionary words
	wbi    bool // word bigrams
	minN   int
	latin2 bool
}

func rhashes(text string, f rfeat, dict map[string]bool) []uint64 {
	var out []uint64
	var run []rune
	flushRun := func() {
		for i := range run {
			h := uint64(0x9E3779B97F4A7C15)
			for n := 1; n <= f.maxN && i+n <= len(run); n++ {
				h = mix(h, run[i+n-1])
				if n >= max(1, f.minN) {
					out = append(out, finish(h^uint64(n)*0x51))
				}
			}
		}
		if f.skip {
			for i := 0; i+2 < len(run); i++ {
				out = append(out, finish(mix(mix(0x5555, run[i]), run[i+2])))
			}
		}
		if f.words && dict != nil {
			ws := segment(run, dict)
			prev := ""
			for _, w := range ws {
				h := uint64(0x27D4EB2F165667C5)
				for _, r := range w {
					h = mix(h, r)
				}
				out = append(out, finish(h^0x77))
				if f.wbi && prev != "" {
					h2 := uint64(0x1234567)
					for _, r := range prev + "|" + w {
						h2 = mix(h2, r)
					}
					out = append(out, finish(h2^0x99))
				}
				prev = w
			}
		}
		run = run[:0]
	}
	var word []rune
	numLen := 0
	var prevWord uint64
	flushWord := func() {
		if len(word) > 0 {
			h := uint64(seedWord)
			for _, r := range word {
				h = mix(h, r)
			}
			h = finish(h)
			out = append(out, h)
			if f.latin2 && prevWord != 0 {
				out = append(out, finish(prevWord*prime^h))
			}
			prevWord = h
			word = word[:0]
		}
		if numLen > 0 {
			out = append(out, finish(mix(seedNum, rune(min(numLen, 12)))))
			numLen = 0
		}
	}
	for _, r := range text {
		r = fold(r)
		switch {
		case r < utf8.RuneSelf && 'a' <= r && r <= 'z':
			flushRun()
			if numLen > 0 {
				flushWord()
			}
			word = append(word, r)
		case r < utf8.RuneSelf && '0' <= r && r <= '9':
			flushRun()
			if len(word) > 0 {
				flushWord()
			}
			numLen++
		case r >= utf8.RuneSelf && isCJK(r):
			flushWord()
			prevWord = 0
			run = append(run, r)
		default:
			flushWord()
			flushRun()
		}
	}
	flushWord()
	flushRun()
	if f.demand {
		rs := []rune(text)
		for _, kw := range []string{"要求", "希望", "请求", "诉求", "请", "退还", "赔偿"} {
			k := []rune(kw)
			for i := 0; i+len(k) <= len(rs); i++ {
				if string(rs[i:i+len(k)]) != kw {
					continue
				}
				var cl []rune
				for j := i + len(k); j < len(rs) && len(cl) < 20; j++ {
					if !isCJK(rs[j]) {
						if len(cl) > 0 && strings.ContainsRune("，。！？；,.!?;", rs[j]) {
							break
						}
						continue
					}
					cl = append(cl, rs[j])
				}
				for a := range cl {
					h := uint64(0xDDDD)
					for n := 1; n <= 2 && a+n <= len(cl); n++ {
						h = mix(h, cl[a+n-1])
						out = append(out, finish(h^uint64(n)*0x57))
					}
				}
			}
		}
	}
	if f.length > 0 {
		n := utf8.RuneCountInString(text)
		b := int(math.Log2(float64(n + 1)))
		for range f.length {
			out = append(out, finish(0x4444^uint64(b)))
		}
	}
	if f.head > 0 || f.tail > 0 {
		var all []rune
		for _, r := range text {
			if isCJK(r) {
				all = append(all, r)
			}
		}
		tag := func(rs []rune, seed uint64) {
			for i := range rs {
				h := seed
				for n := 1; n <= 2 && i+n <= len(rs); n++ {
					h = mix(h, rs[i+n-1])
					out = append(out, finish(h^uint64(n)*0x53))
				}
			}
		}
		if f.head > 0 {
			tag(all[:min(f.head, len(all))], 0xAAAA)
		}
		if f.tail > 0 {
			tag(all[max(0, len(all)-f.tail):], 0xBBBB)
		}
	}
	return out
}

// segment: forward maximum matching with the dictionary (max 6 runes).
func segment(run []rune, dict map[string]bool) []string {
	var out []string
	for i := 0; i < len(run); {
		l := 1
		for n := min(6, len(run)-i); n >= 2; n-- {
			if dict[string(run[i:i+n])] {
				l = n
				break
			}
		}
		out = append(out, string(run[i:i+l]))
		i += l
	}
	return out
}

// learnDict: n-grams (2..6) occurring in >= minDocs texts whose
// left and right branching entropy are high (word boundaries) and whose
// cohesion (PMI of the weakest split) is high.
func learnDict(texts []string, minCount int, minPMI, minEnt float64) map[string]bool {
	counts := map[string]int{}
	left := map[string]map[rune]int{}
	right := map[string]map[rune]int{}
	total := 0
	for _, t := range texts {
		var run []rune
		flush := func() {
			for i := range run {
				total++
				for n := 1; n <= 6 && i+n <= len(run); n++ {
					s := string(run[i : i+n])
					counts[s]++
					if n >= 2 {
						var l, r rune = 0, 0
						if i > 0 {
							l = run[i-1]
						}
						if i+n < len(run) {
							r = run[i+n]
						}
						if left[s] == nil {
							left[s], right[s] = map[rune]int{}, map[rune]int{}
						}
						left[s][l]++
						right[s][r]++
					}
				}
			}
			run = run[:0]
		}
		for _, r := range t {
			if isCJK(r) {
				run = append(run, r)
			} else {
				flush()
			}
		}
		flush()
	}
	ent := func(m map[rune]int) float64 {
		n := 0
		for _, c := range m {
			n += c
		}
		e := 0.0
		for k, c := range m {
			p := float64(c) / float64(n)
			if k == 0 {
				// boundary: count each as distinct
				e -= float64(c) * (1 / float64(n)) * math.Log(1/float64(n))
				continue
			}
			e -= p * math.Log(p)
		}
		return e
	}
	dict := map[string]bool{}
	for s, c := range counts {
		rs := []rune(s)
		if len(rs) < 2 || c < minCount {
			continue
		}
		pmi := math.Inf(1)
		for k := 1; k < len(rs); k++ {
			a, b := counts[string(rs[:k])], counts[string(rs[k:])]
			v := math.Log(float64(c) * float64(total) / (float64(a) * float64(b)))
			pmi = min(pmi, v)
		}
		if pmi < minPMI {
			continue
		}
		if min(ent(left[s]), ent(right[s])) < minEnt {
			continue
		}
		dict[s] = true
	}
	return dict
}

type rdata struct {
	x   []sparse
	y   []int
	dim int
	C   int
}

type rweight struct {
	logTF  bool
	binary bool
	idf    bool
	minDF  int
}

// vectorise fit and val with a shared vocabulary built from fit.
func rvectors(fitT, valT []string, fitY, valY []int, C int, f rfeat, wt rweight, dict map[string]bool) (rdata, rdata) {
	vocab := map[uint64]int{}
	var df []float64
	count := func(t string) map[uint64]int {
		m := map[uint64]int{}
		for _, h := range rhashes(t, f, dict) {
			m[h]++
		}
		return m
	}
	fitC := make([]map[uint64]int, len(fitT))
	for i, t := range fitT {
		fitC[i] = count(t)
		for h := range fitC[i] {
			j, ok := vocab[h]
			if !ok {
				j = len(df)
				vocab[h] = j
				df = append(df, 0)
			}
			df[j]++
		}
	}
	// drop rare
	keep := map[uint64]int{}
	var kdf []float64
	for h, j := range vocab {
		if int(df[j]) >= wt.minDF {
			keep[h] = len(kdf)
			kdf = append(kdf, df[j])
		}
	}
	n := float64(len(fitT))
	mk := func(c map[uint64]int) sparse {
		type kv struct {
			k int
			v float64
		}
		var kvs []kv
		for h, cnt := range c {
			j, ok := keep[h]
			if !ok {
				continue
			}
			v := float64(cnt)
			if wt.binary {
				v = 1
			} else if wt.logTF {
				v = 1 + math.Log(v)
			}
			if wt.idf {
				v *= math.Log((1+n)/(1+kdf[j])) + 1
			}
			kvs = append(kvs, kv{j, v})
		}
		sort.Slice(kvs, func(a, b int) bool { return kvs[a].k < kvs[b].k })
		var s sparse
		norm := 0.0
		for _, e := range kvs {
			norm += e.v * e.v
		}
		norm = math.Sqrt(norm)
		for _, e := range kvs {
			s.idx = append(s.idx, uint32(e.k))
			s.val = append(s.val, float32(e.v/max(norm, 1e-12)))
		}
		return s
	}
	a := rdata{dim: len(kdf), C: C, y: fitY}
	for _, c := range fitC {
		a.x = append(a.x, mk(c))
	}
	b := rdata{dim: len(kdf), C: C, y: valY}
	for _, t := range valT {
		b.x = append(b.x, mk(count(t)))
	}
	return a, b
}

// scorer returns class scores for a vector.
type scorer func(x sparse) []float64

func dot(w []float64, x sparse) float64 {
	s := 0.0
	for i, j := range x.idx {
		s += w[j] * float64(x.val[i])
	}
	return s
}

// softmax SGD like Train.
var balanced bool

func learnSoftmax(d rdata, epochs int, rate0, l2 float64, seed uint64) scorer {
	C := d.C
	cw := make([]float64, C)
	for _, y := range d.y {
		cw[y]++
	}
	for c := range cw {
		cw[c] = float64(len(d.y)) / (float64(C) * cw[c])
		if !balanced {
			cw[c] = 1
		}
	}
	w := make([]float64, d.dim*C)
	b := make([]float64, C)
	p := make([]float64, C)
	order := rand.New(rand.NewPCG(seed, 1)).Perm(len(d.x))
	rng := rand.New(rand.NewPCG(seed, 2))
	t := 0.0
	scale := 1.0
	for ep := 0; ep < epochs; ep++ {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, i := range order {
			x := d.x[i]
			rate := rate0 / (1 + rate0*l2*t)
			t++
			for c := range p {
				p[c] = 0
			}
			for k, j := range x.idx {
				v := float64(x.val[k]) * scale
				for c := range C {
					p[c] += v * w[int(j)*C+c]
				}
			}
			softmax(p, b)
			p[d.y[i]]--
			for c := range p {
				p[c] *= cw[d.y[i]]
			}
			scale *= 1 - rate*l2
			if scale < 1e-9 {
				for k := range w {
					w[k] *= scale
				}
				scale = 1
			}
			for k, j := range x.idx {
				v := rate * float64(x.val[k]) / scale
				for c := range C {
					w[int(j)*C+c] -= v * p[c]
				}
			}
			for c := range C {
				b[c] -= rate * p[c]
			}
		}
	}
	for k := range w {
		w[k] *= scale
	}
	return func(x sparse) []float64 {
		s := make([]float64, C)
		for k, j := range x.idx {
			for c := range C {
				s[c] += float64(x.val[k]) * w[int(j)*C+c]
			}
		}
		softmax(s, b)
		return s
	}
}

// One-vs-rest linear SVM by Pegasos (hinge or squared hinge), with averaging.
func learnSVM(d rdata, epochs int, lambda float64, seed uint64, rscale [][]float64) scorer {
	C := d.C
	ws := make([][]float64, C)
	bs := make([]float64, C)
	for c := range C {
		w := make([]float64, d.dim)
		avg := make([]float64, d.dim)
		var b, bavg float64
		rng := rand.New(rand.NewPCG(seed, uint64(c)))
		order := rng.Perm(len(d.x))
		scale := 1.0
		t := 1.0
		nAvg := 0.0
		for ep := 0; ep < epochs; ep++ {
			rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
			for _, i := range order {
				x := d.x[i]
				y := -1.0
				if d.y[i] == c {
					y = 1
				}
				eta := 1 / (lambda * (t + 100))
				t++
				s := b
				for k, j := range x.idx {
					v := float64(x.val[k])
					if rscale != nil {
						v *= rscale[c][j]
					}
					s += v * w[j] * scale
				}
				scale *= 1 - eta*lambda
				if scale < 1e-9 {
					for k := range w {
						w[k] *= scale
					}
					scale = 1
				}
				if y*s < 1 {
					for k, j := range x.idx {
						v := float64(x.val[k])
						if rscale != nil {
							v *= rscale[c][j]
						}
						w[j] += eta * y * v / scale
					}
					b += eta * y * 0.1
				}
			}
			if ep >= epochs/2 {
				for k := range w {
					avg[k] += w[k] * scale
				}
				bavg += b
				nAvg++
			}
		}
		for k := range avg {
			avg[k] /= nAvg
		}
		ws[c] = avg
		bs[c] = bavg / nAvg
	}
	return func(x sparse) []float64 {
		s := make([]float64, C)
		for c := range C {
			s[c] = bs[c]
			for k, j := range x.idx {
				v := float64(x.val[k])
				if rscale != nil {
					v *= rscale[c][j]
				}
				s[c] += v * ws[c][j]
			}
		}
		return s
	}
}

// NB log-count ratios per class (one vs rest), binarised features.
func nbRatios(d rdata, alpha float64) [][]float64 {
	C := d.C
	r := make([][]float64, C)
	pos := make([][]float64, C)
	all := make([]float64, d.dim)
	for c := range C {
		pos[c] = make([]float64, d.dim)
	}
	for i, x := range d.x {
		for _, j := range x.idx {
			pos[d.y[i]][j]++
			all[j]++
		}
	}
	for c := range C {
		r[c] = make([]float64, d.dim)
		var sp, sq float64
		for j := range d.dim {
			sp += pos[c][j] + alpha
			sq += all[j] - pos[c][j] + alpha
		}
		for j := range d.dim {
			r[c][j] = math.Log(((pos[c][j] + alpha) / sp) / ((all[j] - pos[c][j] + alpha) / sq))
		}
	}
	return r
}

func accuracy(s scorer, d rdata) (float64, float64) {
	correct := 0
	C := d.C
	tp, fp, fn := make([]float64, C), make([]float64, C), make([]float64, C)
	for i, x := range d.x {
		p := s(x)
		best := 0
		for c := range p {
			if p[c] > p[best] {
				best = c
			}
		}
		if best == d.y[i] {
			correct++
			tp[best]++
		} else {
			fp[best]++
			fn[d.y[i]]++
		}
	}
	f1 := 0.0
	for c := range C {
		if tp[c] > 0 {
			f1 += 2 * tp[c] / (2*tp[c] + fp[c] + fn[c])
		}
	}
	return float64(correct) / float64(len(d.x)), f1 / float64(C)
}

func TestResearch(t *testing.T) {
	if os.Getenv("KESU_CLASSIFY_TUNE") == "" {
		t.Skip("set KESU_CLASSIFY_TUNE=1")
	}
	sets := map[string][]Example{"heimao": loadHeimao(t), "cfpb": loadCFPB(t)}
	only := os.Getenv("KESU_SET")
	exp := os.Getenv("KESU_EXP")
	for name, all := range sets {
		if only != "" && only != name {
			continue
		}
		train, _ := Split(all, TestPercent)
		labels := map[string]int{}
		var ls []string
		for _, e := range train {
			if _, ok := labels[e.Label]; !ok {
				labels[e.Label] = 0
				ls = append(ls, e.Label)
			}
		}
		sort.Strings(ls)
		for i, l := range ls {
			labels[l] = i
		}
		C := len(ls)
		const K = 5
		type cfg struct {
			name string
			f    rfeat
			wt   rweight
			dict [3]float64
			run  func(fit, val rdata, fitT []string) scorer
		}
		softmaxR := func(ep int, rate, l2 float64) func(rdata, rdata, []string) scorer {
			return func(fit, _ rdata, _ []string) scorer { return learnSoftmax(fit, ep, rate, l2, 1) }
		}
		svmR := func(ep int, lambda float64) func(rdata, rdata, []string) scorer {
			return func(fit, _ rdata, _ []string) scorer { return learnSVM(fit, ep, lambda, 1, nil) }
		}
		nbsvmR := func(ep int, lambda, alpha float64) func(rdata, rdata, []string) scorer {
			return func(fit, _ rdata, _ []string) scorer {
				r := nbRatios(fit, alpha)
				return learnSVM(fit, ep, lambda, 1, r)
			}
		}
		base := rfeat{maxN: 3}
		tfidf := rweight{logTF: true, idf: true, minDF: 3}
		var cfgs []cfg
		switch exp {
		case "lr":
			for _, l2 := range []float64{1e-6, 1e-5, 1e-4} {
				for _, rate := range []float64{0.5, 2} {
					for _, ep := range []int{30} {
						cfgs = append(cfgs, cfg{fmt.Sprintf("softmax ep%d rate%g l2 %g", ep, rate, l2), base, tfidf, [3]float64{}, softmaxR(ep, rate, l2)})
					}
				}
			}
		case "feat":
			for _, f := range []rfeat{{maxN: 2}, {maxN: 3}, {maxN: 4}, {maxN: 5}, {maxN: 3, latin2: true}} {
				for _, md := range []int{1, 2, 3} {
					w := tfidf
					w.minDF = md
					cfgs = append(cfgs, cfg{fmt.Sprintf("feat %+v mindf %d", f, md), f, w, [3]float64{}, softmaxR(30, 2, 1e-6)})
				}
			}
		case "svm":
			for _, lambda := range []float64{1e-5, 1e-4, 1e-3} {
				cfgs = append(cfgs, cfg{fmt.Sprintf("svm l%g", lambda), base, tfidf, [3]float64{}, svmR(20, lambda)})
				cfgs = append(cfgs, cfg{fmt.Sprintf("nbsvm l%g", lambda), base, rweight{binary: true, minDF: 3}, [3]float64{}, nbsvmR(20, lambda, 1)})
			}
		case "words":
			for _, d := range [][3]float64{{5, 2, 1}, {3, 1, 0.5}, {5, 3, 1.5}} {
				cfgs = append(cfgs, cfg{fmt.Sprintf("words %v", d), rfeat{maxN: 3, words: true}, tfidf, d, softmaxR(30, 2, 1e-6)})
				cfgs = append(cfgs, cfg{fmt.Sprintf("words+bi %v", d), rfeat{maxN: 3, words: true, wbi: true}, tfidf, d, softmaxR(30, 2, 1e-6)})
			}
		case "weight":
			for _, w := range []rweight{{logTF: true, idf: true, minDF: 3}, {binary: true, idf: true, minDF: 3}, {idf: true, minDF: 3}, {logTF: true, minDF: 3}} {
				cfgs = append(cfgs, cfg{fmt.Sprintf("w %+v", w), base, w, [3]float64{}, softmaxR(30, 2, 1e-6)})
			}
		case "pos":
			for _, f := range []rfeat{{maxN: 3, head: 20}, {maxN: 3, tail: 20}, {maxN: 3, head: 30, tail: 30}, {maxN: 3, head: 60, tail: 60}} {
				cfgs = append(cfgs, cfg{fmt.Sprintf("pos %+v", f), f, tfidf, [3]float64{}, softmaxR(30, 2, 1e-5)})
			}
		case "mlp":
			for _, H := range []int{32, 128} {
				for _, rate := range []float64{0.2, 0.5} {
					for _, wide := range []bool{false, true} {
						cfgs = append(cfgs, cfg{fmt.Sprintf("mlp H%d rate%g wide %v", H, rate, wide), base, tfidf, [3]float64{}, func(fit, _ rdata, _ []string) scorer {
							return learnMLP(fit, H, 20, rate, 1e-6, 0.3, wide, 1)
						}})
					}
				}
			}
		case "knn":
			for _, k := range []int{10, 30} {
				for _, wgt := range []float64{0, 0.3, 0.5} {
					cfgs = append(cfgs, cfg{fmt.Sprintf("lr+knn k%d w%g", k, wgt), base, tfidf, [3]float64{}, func(fit, _ rdata, _ []string) scorer {
						a := learnSoftmax(fit, 30, 2, 1e-5, 1)
						// dense fit matrix by inverted index
						post := make([][]int32, fit.dim)
						pv := make([][]float32, fit.dim)
						for i, x := range fit.x {
							for q, j := range x.idx {
								post[j] = append(post[j], int32(i))
								pv[j] = append(pv[j], x.val[q])
							}
						}
						return func(x sparse) []float64 {
							sim := make([]float64, len(fit.x))
							for q, j := range x.idx {
								for z, i := range post[j] {
									sim[i] += float64(x.val[q] * pv[j][z])
								}
							}
							idx := make([]int, len(sim))
							for i := range idx {
								idx[i] = i
							}
							sort.Slice(idx, func(u, v int) bool { return sim[idx[u]] > sim[idx[v]] })
							kp := make([]float64, fit.C)
							tot := 0.0
							for _, i := range idx[:k] {
								kp[fit.y[i]] += sim[i]
								tot += sim[i]
							}
							p := a(x)
							if wgt == 0 {
								for c := range kp {
									p[c] = kp[c]
								}
								return p
							}
							for c := range p {
								p[c] = (1-wgt)*p[c] + wgt*kp[c]/max(tot, 1e-9)
							}
							return p
						}
					}})
				}
			}
		case "grid":
			for _, l2 := range []float64{1e-5, 3e-5} {
				for _, rate := range []float64{1, 2} {
					for _, lat := range []bool{false, true} {
						for _, md := range []int{2, 3} {
							w := tfidf
							w.minDF = md
							cfgs = append(cfgs, cfg{fmt.Sprintf("l2 %g rate %g latin2 %v mindf %d", l2, rate, lat, md), rfeat{maxN: 3, latin2: lat}, w, [3]float64{}, softmaxR(30, rate, l2)})
						}
					}
				}
			}
		case "bal":
			balanced = true
			cfgs = append(cfgs, cfg{"balanced l2 1e-5", base, tfidf, [3]float64{}, softmaxR(30, 2, 1e-5)})
		case "lsa":
			for _, k := range []int{50, 150} {
				for _, sc := range []float64{0.5, 1} {
					cfgs = append(cfgs, cfg{fmt.Sprintf("lsa k%d scale %g", k, sc), base, tfidf, [3]float64{}, func(fit, _ rdata, _ []string) scorer {
						V := lsa(fit, k, 1)
						f2 := withLSA(fit, V, sc)
						a := learnSoftmax(f2, 30, 2, 1e-5, 1)
						return func(x sparse) []float64 {
							one := rdata{x: []sparse{x}, dim: fit.dim}
							return a(withLSA(one, V, sc).x[0])
						}
					}})
				}
			}
		case "epochs":
			for _, ep := range []int{10, 30, 60} {
				cfgs = append(cfgs, cfg{fmt.Sprintf("softmax l2 1e-5 epochs %d", ep), base, tfidf, [3]float64{}, softmaxR(ep, 2, 1e-5)})
			}
		case "skip":
			cfgs = append(cfgs, cfg{"skip-bigrams", rfeat{maxN: 3, skip: true}, tfidf, [3]float64{}, softmaxR(30, 2, 1e-5)})
		case "bag":
			for _, n := range []int{3, 5} {
				cfgs = append(cfgs, cfg{fmt.Sprintf("seed bag %d", n), base, tfidf, [3]float64{}, func(fit, _ rdata, _ []string) scorer {
					var ss []scorer
					for seed := range n {
						ss = append(ss, learnSoftmax(fit, 30, 2, 1e-5, uint64(seed+1)))
					}
					return func(x sparse) []float64 {
						p := make([]float64, fit.C)
						for _, s := range ss {
							for c, v := range s(x) {
								p[c] += v
							}
						}
						return p
					}
				}})
			}
		case "len":
			for _, n := range []int{1, 5, 20} {
				cfgs = append(cfgs, cfg{fmt.Sprintf("length bucket x%d", n), rfeat{maxN: 3, length: n}, tfidf, [3]float64{}, softmaxR(30, 2, 1e-5)})
			}
		case "demand":
			cfgs = append(cfgs, cfg{"demand clause", rfeat{maxN: 3, demand: true}, tfidf, [3]float64{}, softmaxR(30, 2, 1e-5)})
		case "clean":
			for _, th := range []float64{0.05, 0.15} {
				cfgs = append(cfgs, cfg{fmt.Sprintf("drop CV p(label) < %g, retrain", th), base, tfidf, [3]float64{}, func(fit, _ rdata, _ []string) scorer {
					keep := make([]bool, len(fit.x))
					for k := range 5 {
						var sub rdata
						sub.dim, sub.C = fit.dim, fit.C
						for i := range fit.x {
							if i%5 != k {
								sub.x, sub.y = append(sub.x, fit.x[i]), append(sub.y, fit.y[i])
							}
						}
						sc := learnSoftmax(sub, 30, 2, 1e-5, 1)
						for i := range fit.x {
							if i%5 == k {
								keep[i] = sc(fit.x[i])[fit.y[i]] >= th
							}
						}
					}
					var cl rdata
					cl.dim, cl.C = fit.dim, fit.C
					for i := range fit.x {
						if keep[i] {
							cl.x, cl.y = append(cl.x, fit.x[i]), append(cl.y, fit.y[i])
						}
					}
					fmt.Println("kept", len(cl.x), "of", len(fit.x))
					return learnSoftmax(cl, 30, 2, 1e-5, 1)
				}})
			}
		case "ens":
			for _, wgt := range []float64{0.3, 0.5, 0.7} {
				cfgs = append(cfgs, cfg{fmt.Sprintf("ens softmax+nbsvm %g", wgt), base, tfidf, [3]float64{}, func(fit, _ rdata, _ []string) scorer {
					a := learnSoftmax(fit, 30, 2, 1e-5, 1)
					r := nbRatios(fit, 1)
					b := learnSVM(fit, 20, 1e-4, 1, r)
					return func(x sparse) []float64 {
						p := a(x)
						q := b(x)
						sm := make([]float64, len(q))
						copy(sm, q)
						for c := range sm {
							sm[c] *= 3
						}
						softmax(sm, make([]float64, len(q)))
						for c := range p {
							p[c] = (1-wgt)*p[c] + wgt*sm[c]
						}
						return p
					}
				}})
			}
		default:
			cfgs = append(cfgs, cfg{"baseline softmax", base, tfidf, [3]float64{}, softmaxR(30, 2, 1e-6)})
		}
		for _, c := range cfgs {
			var accs, f1s []float64
			for k := range K {
				var fitT, valT []string
				var fitY, valY []int
				for _, e := range train {
					h := uint32(2166136261)
					for _, b := range []byte("fold" + e.Text) {
						h = (h ^ uint32(b)) * 16777619
					}
					if int(h%K) == k {
						valT, valY = append(valT, e.Text), append(valY, labels[e.Label])
					} else {
						fitT, fitY = append(fitT, e.Text), append(fitY, labels[e.Label])
					}
				}
				var dict map[string]bool
				if c.f.words {
					dict = learnDict(fitT, int(c.dict[0]), c.dict[1], c.dict[2])
				}
				fit, val := rvectors(fitT, valT, fitY, valY, C, c.f, c.wt, dict)
				s := c.run(fit, val, fitT)
				a, f := accuracy(s, val)
				if os.Getenv("KESU_CONF") != "" {
					conf := make([][]int, C)
					for i := range conf {
						conf[i] = make([]int, C)
					}
					for i, x := range val.x {
						p := s(x)
						best := 0
						for c := range p {
							if p[c] > p[best] {
								best = c
							}
						}
						conf[val.y[i]][best]++
					}
					fmt.Println(ls, conf)
				}
				accs, f1s = append(accs, a), append(f1s, f)
			}
			fmt.Printf("%-6s %-50s cv acc %.4f ±%.4f  macroF1 %.4f\n", name, c.name, mean(accs), sd(accs)/math.Sqrt(K), mean(f1s))
		}
	}
}

func mean(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

func sd(x []float64) float64 {
	m := mean(x)
	s := 0.0
	for _, v := range x {
		s += (v - m) * (v - m)
	}
	return math.Sqrt(s / float64(len(x)-1))
}

// learnMLP: one hidden ReLU layer over the sparse vector, plus a linear
// (wide) part, trained by SGD with dropout on the hidden layer.
func learnMLP(d rdata, H, epochs int, rate, l2, drop float64, wide bool, seed uint64) scorer {
	C := d.C
	rng := rand.New(rand.NewPCG(seed, 7))
	W1 := make([]float64, d.dim*H)
	for i := range W1 {
		W1[i] = (rng.Float64()*2 - 1) * 0.1
	}
	b1 := make([]float64, H)
	W2 := make([]float64, H*C)
	for i := range W2 {
		W2[i] = (rng.Float64()*2 - 1) * math.Sqrt(6/float64(H+C))
	}
	b2 := make([]float64, C)
	Wl := make([]float64, d.dim*C)
	h := make([]float64, H)
	mask := make([]float64, H)
	p := make([]float64, C)
	gh := make([]float64, H)
	order := rng.Perm(len(d.x))
	fwd := func(x sparse, train bool) {
		for k := range H {
			h[k] = b1[k]
		}
		for i, j := range x.idx {
			v := float64(x.val[i])
			row := W1[int(j)*H : int(j)*H+H]
			for k := range H {
				h[k] += v * row[k]
			}
		}
		for k := range H {
			if h[k] < 0 {
				h[k] = 0
			}
			mask[k] = 1
			if train && drop > 0 {
				if rng.Float64() < drop {
					mask[k] = 0
				} else {
					mask[k] = 1 / (1 - drop)
				}
			}
			h[k] *= mask[k]
		}
		for c := range C {
			p[c] = 0
			for k := range H {
				p[c] += h[k] * W2[k*C+c]
			}
		}
		if wide {
			for i, j := range x.idx {
				v := float64(x.val[i])
				for c := range C {
					p[c] += v * Wl[int(j)*C+c]
				}
			}
		}
		softmax(p, b2)
	}
	total := float64(epochs * len(order))
	t := 0.0
	for ep := 0; ep < epochs; ep++ {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, i := range order {
			lr := rate * (1 - t/total)
			t++
			x := d.x[i]
			fwd(x, true)
			p[d.y[i]]--
			for k := range H {
				g := 0.0
				for c := range C {
					g += p[c] * W2[k*C+c]
					W2[k*C+c] -= lr * (p[c]*h[k] + l2*W2[k*C+c])
				}
				if h[k] <= 0 {
					g = 0
				}
				gh[k] = g * mask[k]
				b1[k] -= lr * gh[k]
			}
			for c := range C {
				b2[c] -= lr * p[c]
			}
			for ii, j := range x.idx {
				v := float64(x.val[ii])
				row := W1[int(j)*H : int(j)*H+H]
				for k := range H {
					row[k] -= lr * v * gh[k]
				}
				if wide {
					for c := range C {
						Wl[int(j)*C+c] -= lr * v * p[c]
					}
				}
			}
		}
	}
	return func(x sparse) []float64 {
		fwd(x, false)
		out := make([]float64, C)
		copy(out, p)
		return out
	}
}

// lsa returns V (dim x k, column-major per component) of the top k right
// singular vectors of the fit matrix, by randomized SVD.
func lsa(d rdata, k int, seed uint64) [][]float64 {
	l := k + 20
	n := len(d.x)
	rng := rand.New(rand.NewPCG(seed, 9))
	// Y = X * Omega  (n x l)
	omega := make([][]float64, l)
	for c := range omega {
		omega[c] = make([]float64, d.dim)
		for j := range omega[c] {
			omega[c][j] = rng.NormFloat64()
		}
	}
	mulX := func(cols [][]float64) [][]float64 { // X * cols (cols are dim vectors) -> n vectors
		out := make([][]float64, len(cols))
		for c, v := range cols {
			out[c] = make([]float64, n)
			for i, x := range d.x {
				out[c][i] = dot(v, x)
			}
		}
		return out
	}
	mulXT := func(cols [][]float64) [][]float64 { // X^T * cols (n vectors) -> dim vectors
		out := make([][]float64, len(cols))
		for c, v := range cols {
			out[c] = make([]float64, d.dim)
			for i, x := range d.x {
				for q, j := range x.idx {
					out[c][j] += v[i] * float64(x.val[q])
				}
			}
		}
		return out
	}
	orth := func(vs [][]float64) {
		for a := range vs {
			for b := 0; b < a; b++ {
				s := 0.0
				for i := range vs[a] {
					s += vs[a][i] * vs[b][i]
				}
				for i := range vs[a] {
					vs[a][i] -= s * vs[b][i]
				}
			}
			s := 0.0
			for _, x := range vs[a] {
				s += x * x
			}
			s = math.Sqrt(s)
			for i := range vs[a] {
				vs[a][i] /= max(s, 1e-12)
			}
		}
	}
	Y := mulX(omega)
	orth(Y)
	for range 2 {
		Z := mulXT(Y)
		orth(Z)
		Y = mulX(Z)
		orth(Y)
	}
	// B = Q^T X : l x dim, rows are dim vectors = X^T q
	B := mulXT(Y)
	// M = B B^T (l x l), eigen by Jacobi
	M := make([][]float64, l)
	for a := range M {
		M[a] = make([]float64, l)
		for b := range M[a] {
			s := 0.0
			for i := range B[a] {
				s += B[a][i] * B[b][i]
			}
			M[a][b] = s
		}
	}
	Vv := make([][]float64, l)
	for a := range Vv {
		Vv[a] = make([]float64, l)
		Vv[a][a] = 1
	}
	for sweep := 0; sweep < 30; sweep++ {
		off := 0.0
		for p := 0; p < l; p++ {
			for q := p + 1; q < l; q++ {
				off += M[p][q] * M[p][q]
				if math.Abs(M[p][q]) < 1e-12 {
					continue
				}
				theta := (M[q][q] - M[p][p]) / (2 * M[p][q])
				t := math.Copysign(1, theta) / (math.Abs(theta) + math.Sqrt(theta*theta+1))
				c := 1 / math.Sqrt(t*t+1)
				s := t * c
				for r := 0; r < l; r++ {
					mrp, mrq := M[r][p], M[r][q]
					M[r][p], M[r][q] = c*mrp-s*mrq, s*mrp+c*mrq
				}
				for r := 0; r < l; r++ {
					mpr, mqr := M[p][r], M[q][r]
					M[p][r], M[q][r] = c*mpr-s*mqr, s*mpr+c*mqr
				}
				for r := 0; r < l; r++ {
					vrp, vrq := Vv[r][p], Vv[r][q]
					Vv[r][p], Vv[r][q] = c*vrp-s*vrq, s*vrp+c*vrq
				}
			}
		}
		if off < 1e-18 {
			break
		}
	}
	idx := make([]int, l)
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return M[idx[a]][idx[a]] > M[idx[b]][idx[b]] })
	V := make([][]float64, k)
	for c := range k {
		e := idx[c]
		sv := math.Sqrt(max(M[e][e], 1e-12))
		V[c] = make([]float64, d.dim)
		for a := range l {
			w := Vv[a][e] / sv
			for j := range d.dim {
				V[c][j] += w * B[a][j]
			}
		}
	}
	return V
}

// withLSA appends k LSA coordinates (scaled by s, unit length) to vectors.
func withLSA(d rdata, V [][]float64, s float64) rdata {
	out := d
	out.dim = d.dim + len(V)
	out.x = make([]sparse, len(d.x))
	for i, x := range d.x {
		z := make([]float64, len(V))
		norm := 0.0
		for c := range V {
			z[c] = dot(V[c], x)
			norm += z[c] * z[c]
		}
		norm = math.Sqrt(norm)
		nx := sparse{idx: append([]uint32(nil), x.idx...), val: append([]float32(nil), x.val...)}
		for c := range V {
			nx.idx = append(nx.idx, uint32(d.dim+c))
			nx.val = append(nx.val, float32(s*z[c]/max(norm, 1e-12)))
		}
		out.x[i] = nx
	}
	return out
}

// TestResearchDisagreements prints training-part texts whose 5-fold
// cross-validated prediction confidently disagrees with their label, to judge
// label noise (the test part is not used).
func TestResearchDisagreements(t *testing.T) {
	if os.Getenv("KESU_CLASSIFY_TUNE") == "" {
		t.Skip("set KESU_CLASSIFY_TUNE=1")
	}
	train, _ := Split(loadHeimao(t), TestPercent)
	shown, wrong, confident := 0, 0, 0
	for k := range 5 {
		fit, val := SplitSalted(train, 20, fmt.Sprint("dis", k))
		_ = k
		m, err := Train(fit, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range val {
			p := m.Predict(e.Text)
			if p.Label != e.Label {
				wrong++
				if p.Confidence > 0.8 {
					confident++
					if shown < 25 && k == 0 {
						shown++
						fmt.Printf("label %s predicted %s (%.2f): %.120s\n", e.Label, p.Label, p.Confidence, strings.ReplaceAll(e.Text, "\n", " "))
					}
				}
			}
		}
	}
	fmt.Println("wrong", wrong, "confidently wrong", confident)
}
