package tokenize

import (
	"reflect"
	"testing"
)

func TestTokens(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"退款", []string{"退款"}},
		{"申请退款失败", []string{"申请", "请退", "退款", "款失", "失败"}},
		{"快递 慢", []string{"快递", "慢"}},
		{"iPhone15屏幕坏了", []string{"iphone", "15", "屏幕", "幕坏", "坏了"}},
		{"订单号ORD2026-0042", []string{"订单", "单号", "ord", "2026", "0042"}},
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
