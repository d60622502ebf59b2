package tokenize

import (
	"reflect"
	"strings"
	"testing"
	"unicode"
)

func TestTokens(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"退款", []string{"退款", "款"}},
		{"申请退款失败", []string{"申请", "请退", "退款", "款失", "失败", "败"}},
		{"快递 慢", []string{"快递", "递", "慢"}},
		{"iPhone15屏幕坏了", []string{"iphone", "15", "屏幕", "幕坏", "坏了", "了"}},
		{"订单号ORD2026-0042", []string{"订单", "单号", "号", "ord", "2026", "0042"}},
		{"Hello, WORLD!", []string{"hello", "world"}},
		{"138****5678", []string{"138", "5678"}},
		{"", nil},
		{"！？。，", nil},
	}
	for _, c := range cases {
		got := Tokens(nil, c.in)
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("Tokens(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestDocumentInvalidUTF8(t *testing.T) {
	// Invalid bytes decode as U+FFFD (a symbol): separators, never a panic.
	if got := Document("a\xffb"); got != "a b" {
		t.Fatalf("got %q", got)
	}
}

func FuzzTokens(f *testing.F) {
	f.Add("申请退款失败 ORD123 hello")
	f.Fuzz(func(t *testing.T, s string) {
		for _, tok := range Tokens(nil, s) {
			if tok == "" || len(tok) > MaxTokenBytes {
				t.Fatalf("bad token %q from %q", tok, s)
			}
		}
	})
}

func TestQueryTokens(t *testing.T) {
	got := QueryTokens(nil, "退 退款申请 ORD-12")
	want := []Token{{"退", true}, {"退款", false}, {"款申", false}, {"申请", false}, {"ord", true}, {"12", true}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("QueryTokens = %v, want %v", got, want)
	}
}

func TestFragments(t *testing.T) {
	got := Fragments("JD-2026")
	want := "jd 2026 d 026 26 6"
	if got != want {
		t.Fatalf("Fragments = %q, want %q", got, want)
	}
}

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"ORD-2026 / 退款，": "ord 2026 退款",
		"  ！":            "",
		"Hello,World":    "hello world",
	} {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

// Every index token of a text's characters is reachable by the query tokens
// of any substring of it: the property substring search relies on.
func TestQueryTokensFindSubstrings(t *testing.T) {
	doc := "我申请退款三次都失败了，订单号呢？客服说物流丢件" // Latin words match from their start only
	index := map[string]bool{}
	for _, tok := range Tokens(nil, doc) {
		index[tok] = true
	}
	runes := []rune(doc)
	for i := range runes {
		for j := i + 1; j <= len(runes) && j <= i+6; j++ {
			sub := string(runes[i:j])
			for _, q := range QueryTokens(nil, sub) {
				found := index[q.Text]
				if q.Prefix && !found {
					for tok := range index {
						if len(tok) >= len(q.Text) && tok[:len(q.Text)] == q.Text {
							found = true
							break
						}
					}
				}
				if !found {
					t.Errorf("substring %q: token %v not in the index", sub, q)
				}
			}
		}
	}
}

func TestSimHash(t *testing.T) {
	a := SimHash("耳机左耳没有声音，申请退货被拒绝，客服一直不回复，要求全额退款")
	b := SimHash("耳机左耳没有声音，申请退货被拒绝，客服一直不回复！要求全额退款。")
	c := SimHash("The courier left the parcel outside and it was stolen; I want a refund")
	if d := Distance(a, b); d > 3 {
		t.Errorf("near duplicates %d bits apart", d)
	}
	if d := Distance(a, c); d < 10 {
		t.Errorf("unrelated texts only %d bits apart", d)
	}
	if SimHash("") != 0 {
		t.Error("empty text")
	}
}

func FuzzQueryTokens(f *testing.F) {
	f.Add("退款 ORD-2026 \"物流\"")
	f.Fuzz(func(t *testing.T, s string) {
		for _, tok := range QueryTokens(nil, s) {
			if tok.Text == "" || len(tok.Text) > MaxTokenBytes {
				t.Fatalf("bad token %q from %q", tok.Text, s)
			}
		}
		_ = SimHash(s)
		_ = Fragments(s)
		if n := Normalize(s); n != Normalize(n) {
			t.Fatalf("Normalize not idempotent on %q", s)
		}
	})
}

func TestClassifyASCII(t *testing.T) {
	for r := rune(0); r < 128; r++ {
		want := sep
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			want = word
		}
		if got := classify(r); got != want {
			t.Errorf("classify(%q) = %v, want %v", r, got, want)
		}
	}
}

func BenchmarkSimHash(b *testing.B) {
	text := strings.Repeat("耳机左耳没有声音，申请退货被拒绝，客服一直不回复，要求全额退款。", 10) // 300 characters
	for b.Loop() {
		SimHash("耳机没声音", text)
	}
}

// votes counts bits exactly as a plain loop does, past the lane flushes.
func TestVotes(t *testing.T) {
	var v votes
	var want [64]int32
	h := uint64(0x9e3779b97f4a7c15)
	for i := 0; i < 1000; i++ {
		h = mix(h + uint64(i))
		v.add(h)
		for b := 0; b < 64; b++ {
			want[b] += int32(h >> b & 1)
		}
	}
	v.flush()
	if v.counts != want {
		t.Fatalf("counts %v, want %v", v.counts, want)
	}
}
