package kesu

import (
	"strings"
	"testing"
)

func TestMasking(t *testing.T) {
	cases := []struct {
		fn       func(string) string
		in, want string
	}{
		{MaskPhone, "13812345678", "138****5678"},
		{MaskPhone, "+8613812345678", "+86****5678"},
		{MaskPhone, "0105551234", "01****34"},
		{MaskPhone, "12345", "*****"},
		{MaskPhone, "", ""},
		{MaskEmail, "zhang.san@example.com", "z***@example.com"},
		{MaskEmail, "", ""},
		{MaskIDNumber, "110105199001011234", "110***********1234"},
		{MaskIDNumber, "11010519900101123X", "110***********123X"},
		{MaskHandle, "oAbCdEfGh1234", "****1234"},
	}
	for _, c := range cases {
		if got := c.fn(c.in); got != c.want {
			t.Errorf("mask(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	text := "客户 13812345678 邮箱 a.b@example.com 身份证 110105199001011234，另一个号码 139-0000-1111"
	got := MaskText(text)
	for _, leak := range []string{"13812345678", "a.b@example.com", "110105199001011234", "139-0000-1111", "00001111"} {
		if strings.Contains(got, leak) {
			t.Errorf("MaskText leaves %q in %q", leak, got)
		}
	}
	for _, keep := range []string{"138****5678", "a***@example.com", "110***********1234", "139****1111"} {
		if !strings.Contains(got, keep) {
			t.Errorf("MaskText(%q) = %q, want it to contain %q", text, got, keep)
		}
	}
	// Bank cards: 16 to 19 digits that pass the Luhn check, grouped or not;
	// other long numbers (orders) stay.
	cards := MaskText("退款到卡 6222 0202 0011 2233 446，或 4111-1111-1111-1111，订单 6222020200112233445")
	if strings.Contains(cards, "0202 0011") || strings.Contains(cards, "1111-1111-1111") ||
		!strings.Contains(cards, "6222 **** **** 3446") || !strings.Contains(cards, "4111 **** **** 1111") ||
		!strings.Contains(cards, "6222020200112233445") {
		t.Errorf("bank cards: %q", cards)
	}
	c := Complaint{Customer: Customer{Name: "张三", Phone: "13812345678", Email: "z@example.com"}, Description: "电话13812345678"}
	m := c.Masked()
	if m.Customer.Phone != "138****5678" || m.Customer.Email != "z***@example.com" || m.Customer.Name != "张三" ||
		strings.Contains(m.Description, "12345678") || c.Customer.Phone != "13812345678" {
		t.Errorf("Masked: %+v (original %+v)", m, c)
	}
}

func FuzzMaskText(f *testing.F) {
	for _, s := range []string{"13812345678", "a@b.cn", "110105199001011234", "电话：+86 138 1234 5678", "\xff\xfe",
		"1381234567", "11010519900101123X 13812345678", "订单 2026112300012 退款", "x@y",
		"卡号 6222 0202 0011 2233 446", "6222020200112233445 4111-1111-1111-1111"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := MaskText(s)
		if len(mobileSpans(out)) > 0 {
			t.Fatalf("MaskText(%q) = %q still holds a mobile number", s, out)
		}
		// The digit and @ counts only skip patterns that cannot match.
		if all := maskTextWithEveryPattern(s); out != all {
			t.Fatalf("MaskText(%q) = %q, every pattern run gives %q", s, out, all)
		}
	})
}

func maskTextWithEveryPattern(s string) string {
	s = idNumberPattern.ReplaceAllStringFunc(s, MaskIDNumber)
	s = maskCards(s)
	s = maskMobiles(s)
	return emailPattern.ReplaceAllStringFunc(s, MaskEmail)
}

// BenchmarkMaskText masks a typical description without personal data, and
// one with a phone number and an email address.
func BenchmarkMaskText(b *testing.B) {
	plain := "我于11月20日在贵店购买的洗衣机到货后无法开机，联系客服三次均无答复，要求退货退款并赔偿误工损失。订单号 2026112012"
	personal := plain + "，电话 13812345678，邮箱 zhang.san@example.com"
	b.Run("plain", func(b *testing.B) {
		for b.Loop() {
			MaskText(plain)
		}
	})
	b.Run("personal", func(b *testing.B) {
		for b.Loop() {
			MaskText(personal)
		}
	})
}
