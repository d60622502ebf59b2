package kesu_test

import (
	"encoding/json"
	"testing"

	"github.com/kesu/kesu"
)

func TestParseMoney(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want kesu.Money
		str  string // String() of the result
	}{
		{"199", 19900, "199.00"},
		{"199.5", 19950, "199.50"},
		{"199.00", 19900, "199.00"},
		{"-1.20", -120, "-1.20"},
		{"0.01", 1, "0.01"},
		{"-0.01", -1, "-0.01"},
		{"0", 0, "0.00"},
		{"-0", 0, "0.00"},
		{"", 0, "0.00"},
		{" 5 ", 500, "5.00"},
		{"007.10", 710, "7.10"},
		{"1234567890123", 123456789012300, "1234567890123.00"},
		{"9999999999999.99", 999999999999999, "9999999999999.99"},
		{"-9999999999999.99", -999999999999999, "-9999999999999.99"},
	} {
		got, err := kesu.ParseMoney(tc.in)
		if err != nil {
			t.Errorf("ParseMoney(%q): %v", tc.in, err)
			continue
		}
		if got != tc.want || got.String() != tc.str {
			t.Errorf("ParseMoney(%q) = %d %q, want %d %q", tc.in, int64(got), got.String(), int64(tc.want), tc.str)
		}
	}
	for _, in := range []string{
		"1.234", "abc", "1e5", "12345678901234", "-12345678901234", "1.", ".5", "-", "--1", "+5",
		"1,5", "1 000", "0x10", "1.2.3", "-.5", "١٢٣", "5元", "NaN", "Inf", "1.-5",
	} {
		if got, err := kesu.ParseMoney(in); err == nil {
			t.Errorf("ParseMoney(%q) = %s, want an error", in, got)
		} else if kesu.ErrorCodeOf(err) != kesu.EInvalid {
			t.Errorf("ParseMoney(%q): %v, want an invalid error", in, err)
		}
	}
}

func TestMoneyStringRoundTrips(t *testing.T) {
	for _, m := range []kesu.Money{0, 1, -1, 9, 10, 99, 100, 101, -101, 19900, -120, 999999999999999, -999999999999999} {
		back, err := kesu.ParseMoney(m.String())
		if err != nil || back != m {
			t.Errorf("%d -> %q -> %d %v", int64(m), m.String(), int64(back), err)
		}
	}
}

func TestMoneyJSON(t *testing.T) {
	b, err := json.Marshal(struct {
		A kesu.Money `json:"a"`
		B kesu.Money `json:"b"`
	}{19900, -5})
	if err != nil || string(b) != `{"a":"199.00","b":"-0.05"}` {
		t.Fatalf("marshal: %s %v", b, err)
	}
	for _, tc := range []struct {
		in   string
		want kesu.Money
	}{
		{`"199.5"`, 19950},
		{`"0.01"`, 1},
		{`""`, 0},
	} {
		var m kesu.Money
		if err := json.Unmarshal([]byte(tc.in), &m); err != nil || m != tc.want {
			t.Errorf("unmarshal %s = %d %v, want %d", tc.in, int64(m), err, int64(tc.want))
		}
	}
	// Numbers are refused so that no amount passes through a float.
	for _, in := range []string{`199`, `199.5`, `0.1`, `true`, `{}`, `["1"]`, `"1.234"`, `"abc"`} {
		m := kesu.Money(77)
		if err := json.Unmarshal([]byte(in), &m); err == nil {
			t.Errorf("unmarshal %s = %s, want an error", in, m)
		} else if m != 77 {
			t.Errorf("unmarshal %s changed the value to %s on error", in, m)
		}
	}
	// Inside a struct the error is a *kesu.Error the API can report.
	var in struct {
		Amount kesu.Money `json:"amount"`
	}
	err = json.Unmarshal([]byte(`{"amount": 12.5}`), &in)
	if kesu.ErrorCodeOf(err) != kesu.EInvalid {
		t.Fatalf("a number inside a struct: %v (%T), want an invalid *kesu.Error", err, err)
	}
}

// FuzzParseMoney checks that parsing never panics and that whatever parses
// formats to a canonical string that parses back to the same amount.
func FuzzParseMoney(f *testing.F) {
	for _, s := range []string{"199", "199.5", "199.00", "-1.20", "0.01", "", "1.234", "abc", "1e5",
		"12345678901234", " 5 ", "-", "-0", "9999999999999.99", "\xff", "1.\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := kesu.ParseMoney(s)
		if err != nil {
			if kesu.ErrorCodeOf(err) != kesu.EInvalid {
				t.Fatalf("ParseMoney(%q): %v is not an invalid *kesu.Error", s, err)
			}
			return
		}
		str := m.String()
		back, err := kesu.ParseMoney(str)
		if err != nil || back != m {
			t.Fatalf("ParseMoney(%q) = %d; String %q parses to %d %v", s, int64(m), str, int64(back), err)
		}
		if back.String() != str {
			t.Fatalf("String is not stable: %q then %q", str, back.String())
		}
		// Through JSON too.
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		var viaJSON kesu.Money
		if err := json.Unmarshal(b, &viaJSON); err != nil || viaJSON != m {
			t.Fatalf("JSON %s -> %d %v, want %d", b, int64(viaJSON), err, int64(m))
		}
	})
}
