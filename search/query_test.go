package search

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/tokenize"
)

func TestParse(t *testing.T) {
	cases := []struct {
		in    string
		terms []string
	}{
		{"退款", []string{"退款"}},
		{"  退款   物流 ", []string{"退款", "物流"}},
		{"退款　物流", []string{"退款", "物流"}}, // ideographic space
		{`"退款 物流" 客服`, []string{"退款 物流", "客服"}},
		{"“申请 退款”", []string{"申请 退款"}},
		{"ORD-2026-0042", []string{"ord 2026 0042"}},
		{"iPhone15屏幕", []string{"iphone15屏幕"}},
		{"退款 退款 ！", []string{"退款"}},
	}
	for _, c := range cases {
		q, err := Parse(c.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.in, err)
			continue
		}
		var got []string
		for _, term := range q.Terms {
			got = append(got, term.Text)
		}
		if strings.Join(got, "|") != strings.Join(c.terms, "|") {
			t.Errorf("Parse(%q) = %q, want %q", c.in, got, c.terms)
		}
	}
	for _, bad := range []string{"", "   ", "！？。", "\"\"", "a\xffb", "甲 乙 丙 丁 戊 己 庚 辛 壬 癸 子"} {
		if _, err := Parse(bad); kesu.ErrorCodeOf(err) != kesu.EInvalid {
			t.Errorf("Parse(%q) = %v, want invalid", bad, err)
		}
	}
}

func TestExact(t *testing.T) {
	for q, want := range map[string]bool{"退款": true, "退": true, "refund": true, "退款申请": false, "ord-1": false, "REFUND": true} {
		pq, err := Parse(q)
		if err != nil {
			t.Fatal(err)
		}
		if pq.exact() != want {
			t.Errorf("%q exact = %v", q, !want)
		}
	}
}

func TestSnippet(t *testing.T) {
	q, _ := Parse("退款 <b>")
	c := &kesu.Complaint{Title: "标题", Description: strings.Repeat("很长的前文。", 10) + "我要<b>退款</b>，退款！" + strings.Repeat("后文。", 40)}
	field, snip := snippet(q, c, nil)
	if field != "description" || !strings.Contains(snip, "我要&lt;<mark>b</mark>&gt;<mark>退款</mark>&lt;/<mark>b</mark>&gt;，<mark>退款</mark>！") ||
		!strings.HasPrefix(snip, "…") || !strings.HasSuffix(snip, "…") {
		t.Fatalf("snippet %s: %s", field, snip)
	}
	// Contact data stays masked in snippets.
	q, _ = Parse("电话")
	_, snip = snippet(q, &kesu.Complaint{Description: "我的电话是13812345678"}, nil)
	if strings.Contains(snip, "13812345678") {
		t.Fatalf("phone shown: %s", snip)
	}
}

// FuzzParse: any text gives a query or a clear error, never a panic; a
// query's terms are normalised and within the limits, and matching and
// snippets work on arbitrary stored text.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"退款", `"申请 退款" ORD-2026`, "“物流”", "a\xffb", "！？", "iPhone15屏幕 12345", `"""`, "退\u3000款"} {
		f.Add(s, "我要退款，订单ORD-2026-0042")
	}
	f.Fuzz(func(t *testing.T, in, text string) {
		q, err := Parse(in)
		if err != nil {
			if kesu.ErrorCodeOf(err) != kesu.EInvalid {
				t.Fatalf("Parse(%q): %v", in, err)
			}
			return
		}
		if len(q.Terms) == 0 || len(q.Terms) > MaxTerms || len(q.Tokens()) > MaxTokens {
			t.Fatalf("Parse(%q): %d terms", in, len(q.Terms))
		}
		for _, term := range q.Terms {
			if term.Text == "" || term.Text != tokenize.Normalize(term.Text) || len(term.Tokens) == 0 {
				t.Fatalf("Parse(%q): bad term %+v", in, term)
			}
		}
		c := &kesu.Complaint{Title: text, Description: in + text}
		if !q.Matches(c, nil) {
			t.Fatalf("%q does not match a description that contains it", in)
		}
		_, snip := snippet(q, c, []string{text})
		if !utf8.ValidString(snip) && utf8.ValidString(text) {
			t.Fatalf("snippet not valid UTF-8: %q", snip)
		}
		_ = score(q, c, normFields(c, nil))
	})
}
