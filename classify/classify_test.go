package classify

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/kesu/kesu"
)

func TestLearnsAndGeneralises(t *testing.T) {
	train := sampleSet(rand.New(rand.NewPCG(1, 2)), 400)
	test := sampleSet(rand.New(rand.NewPCG(3, 4)), 200)
	m, err := Train(train, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(m.Labels, ","); got != "billing,logistics,quality,service" {
		t.Fatalf("labels %s", got)
	}
	r := Evaluate(m, test)
	if r.Accuracy < 0.95 {
		t.Fatalf("accuracy %.3f on unseen synthetic complaints", r.Accuracy)
	}
	// Texts never seen, in either language, with width and case variants.
	for text, want := range map[string]string{
		"快递三天了还没送到，物流信息不更新":                         "logistics",
		"The parcel never arrived, courier lost it": "logistics",
		"洗衣机漏水，质量太差":                                "quality",
		"客服态度恶劣，直接挂电话":                              "service",
		"ＦＥＥ charged twice on my card":              "billing",
	} {
		if p := m.Predict(text); p.Label != want || p.Confidence <= 0 || p.Confidence > 1 {
			t.Errorf("Predict(%q) = %+v, want %s", text, p, want)
		}
	}
	// Same data and seed, same model.
	m2, _ := Train(train, Options{})
	a, _ := m.MarshalBinary()
	b, _ := m2.MarshalBinary()
	if !bytes.Equal(a, b) {
		t.Error("training is not deterministic")
	}
}

func TestTrainRefusesTooFewLabels(t *testing.T) {
	for _, ex := range [][]Example{nil, {{Text: "a", Label: "x"}, {Text: "b", Label: "x"}}, {{Text: "a", Label: " "}}} {
		if _, err := Train(ex, Options{}); kesu.ErrorCodeOf(err) != kesu.EInvalid {
			t.Errorf("Train(%v) = %v, want invalid", ex, err)
		}
	}
}

func TestModelRoundTrip(t *testing.T) {
	m, err := Train(SampleExamples(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	data, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	m2, err := UnmarshalModel(data)
	if err != nil {
		t.Fatal(err)
	}
	if m2.Examples != m.Examples || strings.Join(m2.Labels, ",") != strings.Join(m.Labels, ",") {
		t.Fatalf("header lost: %+v", m2)
	}
	for _, e := range sampleSet(rand.New(rand.NewPCG(9, 9)), 50) {
		if a, b := m.Predict(e.Text), m2.Predict(e.Text); a != b {
			t.Fatalf("prediction changed after load: %+v vs %+v", a, b)
		}
	}
	// Damaged models are refused, never half-loaded or panicking.
	for i := range []int{0, 1, 2, 3} {
		bad := bytes.Clone(data)
		switch i {
		case 0:
			bad = bad[:len(bad)/2]
		case 1:
			bad[0] = 'X'
		case 2:
			bad = append(bad, 1, 2, 3)
		case 3:
			bad = []byte(magic)
		}
		if _, err := UnmarshalModel(bad); err == nil {
			t.Errorf("damage %d accepted", i)
		}
	}
}

func FuzzUnmarshalModel(f *testing.F) {
	m, _ := Train(SampleExamples()[:40], Options{Bits: 12})
	data, _ := m.MarshalBinary()
	f.Add(data)
	f.Add([]byte(magic))
	f.Add([]byte("nonsense"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := UnmarshalModel(b)
		if err == nil {
			m.Predict("快递 delivery 12315")
		}
	})
}

func TestReadCSV(t *testing.T) {
	ds, err := ReadCSV(strings.NewReader("\uFEFFid,Text,Label\n1,快递慢,logistics\n2,\"multi\nline, quoted\",billing\n3,,quality\n4,no label,\n"), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.Examples) != 2 || ds.Skipped != 2 || ds.Examples[1].Text != "multi\nline, quoted" || ds.Examples[0].Label != "logistics" {
		t.Fatalf("got %+v", ds)
	}
	// --field names the label column.
	ds, err = ReadCSV(strings.NewReader("text,level,label\n客户威胁曝光,critical,x\n"), "level")
	if err != nil || ds.Examples[0].Label != "critical" {
		t.Fatalf("field column: %+v %v", ds, err)
	}
	for _, bad := range []string{"", "text\n", "a,b\n1,2\n", "text,label\n\"open quote,x\n"} {
		_, err := ReadCSV(strings.NewReader(bad), "")
		if kesu.ErrorCodeOf(err) != kesu.EInvalid || kesu.ErrorFieldOf(err) != "data" {
			t.Errorf("ReadCSV(%q) = %v, want an invalid data error", bad, err)
		}
	}
	_, err = ReadCSV(strings.NewReader("text,label\nok,a\n\"broken\"x,b\n"), "")
	if err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Errorf("error should name the line: %v", err)
	}
}

func FuzzReadCSV(f *testing.F) {
	f.Add("text,label\n快递慢,logistics\n", "")
	f.Add("\uFEFFText,Category\n\"a\"\"b\",c\n", "category")
	f.Add("text,label\n\"unterminated\n", "")
	f.Add("label,text\n,\n,,,\n", "level")
	f.Fuzz(func(t *testing.T, data, field string) {
		ds, err := ReadCSV(strings.NewReader(data), field)
		if err != nil {
			if kesu.ErrorCodeOf(err) != kesu.EInvalid {
				t.Fatalf("error is not invalid input: %v", err)
			}
			return
		}
		for _, e := range ds.Examples {
			if strings.TrimSpace(e.Text) == "" || strings.TrimSpace(e.Label) == "" {
				t.Fatalf("empty example kept: %+v", e)
			}
		}
		var buf bytes.Buffer
		if err := WriteCSV(&buf, ds.Examples); err != nil {
			t.Fatal(err)
		}
		back, err := ReadCSV(&buf, "")
		if err != nil || len(back.Examples) != len(ds.Examples) {
			t.Fatalf("write/read round trip: %v, %d vs %d", err, len(back.Examples), len(ds.Examples))
		}
	})
}

func TestSplitIsStableAndKeepsDuplicatesTogether(t *testing.T) {
	ex := SampleExamples()
	ex = append(ex, ex[:50]...) // duplicates
	train, test := Split(ex, 20)
	if len(test) < len(ex)/10 || len(test) > len(ex)*3/10 {
		t.Fatalf("test share %d of %d", len(test), len(ex))
	}
	inTrain := map[string]bool{}
	for _, e := range train {
		inTrain[e.Text] = true
	}
	for _, e := range test {
		if inTrain[e.Text] {
			t.Fatalf("%q is on both sides", e.Text)
		}
	}
	train2, _ := Split(ex, 20)
	if len(train2) != len(train) {
		t.Fatal("split not reproducible")
	}
}

func TestReport(t *testing.T) {
	m, _ := Train(SampleExamples(), Options{})
	test := append(sampleSet(rand.New(rand.NewPCG(5, 6)), 40), Example{Text: "完全无关的话", Label: "other"})
	r := Evaluate(m, test)
	if r.N != 41 || len(r.Labels) != 5 || len(r.Confusion) != 5 {
		t.Fatalf("report %+v", r)
	}
	total := 0
	for _, row := range r.Confusion {
		for _, n := range row {
			total += n
		}
	}
	if total != 41 {
		t.Fatalf("confusion counts %d", total)
	}
	var buf bytes.Buffer
	if err := r.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"accuracy  0.9", "macro-F1", "confusion matrix", "billing", "other"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("text report lacks %q:\n%s", want, buf.String())
		}
	}
	js, _ := json.Marshal(r)
	var back map[string]any
	json.Unmarshal(js, &back)
	for _, k := range []string{"accuracy", "macro_f1", "confusion", "labels", "per_label"} {
		if _, ok := back[k]; !ok {
			t.Errorf("JSON lacks %s: %s", k, js)
		}
	}
}

func TestRiskMatch(t *testing.T) {
	m := NewRiskMatcher(DefaultRiskWords)
	for text, want := range map[string]string{
		"我要找媒体曝光你们":             "媒体,曝光",
		"再不处理我就打１２３１５":          "12315",
		"已拨打 12315 热线":          "12315",
		"我的电话是 13812315678":     "",
		"金额123150元":             "",
		"准备去3·15晚会":             "3·15",
		"准备去３・１５晚会":             "3·15",
		"3 · 15 见":              "3·15",
		"315晚会":                 "3·15",
		"价格3.15元":               "",
		"我已经联系了律 师":             "律师",
		"消　协":                   "消协",
		"我会投诉到底":                "投诉到底",
		"快递慢":                   "",
		"":                      "",
		"记者\u200b朋友":            "记者",
		"MEDIA? 媒 体 exposure":   "媒体,media",
		"I will sue you":        "sue",
		"my lawyers and I":      "lawyer",
		"an issue with billing": "",
		"向消费者协会反映":              "消费者协会",
	} {
		var got []string
		for _, h := range m.Match(text) {
			got = append(got, h.Word)
		}
		if strings.Join(got, ",") != want {
			t.Errorf("Match(%q) = %v, want %s", text, got, want)
		}
	}
	// Latin words match case-insensitively and across widths.
	m = NewRiskMatcher([]RiskWord{{Word: "CCTV"}, {Word: "lawyer"}})
	if got := m.Match("My ＬＡＷＹＥＲ and cctv"); len(got) != 2 {
		t.Errorf("got %v", got)
	}
}

func TestRiskWordValidate(t *testing.T) {
	for _, w := range []RiskWord{{Word: " "}, {Word: "·"}, {Word: "媒体", Escalation: 4}, {Word: "媒体", Priority: "high!"},
		{Word: strings.Repeat("长", MaxRiskWordRunes+1)}} {
		if err := w.Validate(); kesu.ErrorCodeOf(err) != kesu.EInvalid {
			t.Errorf("Validate(%+v) = %v", w, err)
		}
	}
	w := RiskWord{Word: " 曝光 ", Escalation: 2, Priority: kesu.PriorityUrgent}
	if err := w.Validate(); err != nil || w.Word != "曝光" {
		t.Errorf("Validate: %v %+v", err, w)
	}
}

func TestAssess(t *testing.T) {
	c := &kesu.Complaint{Escalation: 0, Priority: kesu.PriorityNormal}
	a := Assess(c, NewRiskMatcher(DefaultRiskWords).Match("我要找记者，还要去12315"), nil, DefaultRiskPolicy)
	if a.Escalation != 2 || a.Priority != kesu.PriorityUrgent || !a.Changed(c) ||
		!strings.Contains(a.Reason, "风险词：记者、12315") || !strings.Contains(a.Reason, "risk words: 记者, 12315") {
		t.Fatalf("%+v", a)
	}
	// Never lowers.
	high := &kesu.Complaint{Escalation: 3, Priority: kesu.PriorityUrgent}
	if a := Assess(high, []RiskWord{{Word: "消协", Escalation: 1, Priority: kesu.PriorityHigh}}, nil, DefaultRiskPolicy); a.Changed(high) {
		t.Fatalf("lowered: %+v", a)
	}
	// A confident predicted level raises per policy; an unsure one does not.
	if a := Assess(c, nil, &Prediction{Label: "critical", Confidence: 0.9}, DefaultRiskPolicy); a.Escalation != 2 || a.Level == nil ||
		!strings.Contains(a.Reason, "紧急") {
		t.Fatalf("%+v", a)
	}
	if a := Assess(c, nil, &Prediction{Label: "critical", Confidence: 0.5}, DefaultRiskPolicy); a.Changed(c) || a.Reason != "" {
		t.Fatalf("%+v", a)
	}
	if a := Assess(c, nil, &Prediction{Label: "general", Confidence: 1}, DefaultRiskPolicy); a.Changed(c) {
		t.Fatalf("%+v", a)
	}
}

func TestRiskPolicyValidate(t *testing.T) {
	if err := DefaultRiskPolicy.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, p := range []RiskPolicy{{MinConfidence: 2}, {Major: Raise{Escalation: 9}}, {Critical: Raise{Priority: "now"}}} {
		if err := p.Validate(); kesu.ErrorCodeOf(err) != kesu.EInvalid {
			t.Errorf("Validate(%+v) = %v", p, err)
		}
	}
}

func TestPredictAllMatchesPredict(t *testing.T) {
	ex := SampleExamples()
	a, _ := Train(ex, Options{})
	b, _ := Train(ex, Options{Seed: 2})
	c, _ := Train(ex, Options{Bits: 16}) // other settings: its own features
	for _, e := range ex[:30] {
		got := PredictAll([]*Model{a, b, c}, e.Text)
		for i, m := range []*Model{a, b, c} {
			if want := m.Predict(e.Text); got[i] != want {
				t.Fatalf("PredictAll[%d] = %+v, Predict = %+v", i, got[i], want)
			}
		}
	}
}

func FuzzRiskMatch(f *testing.F) {
	for _, s := range []string{"我要找媒体曝光", "１２３１５", "3·15", "I will sue", "\xff\xfe", "消\u200b协"} {
		f.Add(s)
	}
	m := NewRiskMatcher(DefaultRiskWords)
	f.Fuzz(func(t *testing.T, text string) {
		for _, h := range m.Match(text) {
			if h.Word == "" {
				t.Fatal("empty hit")
			}
		}
		hashes(nil, text, DefaultFeatures)
	})
}
