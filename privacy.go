package kesu

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// Personal data is shown masked (138****5678) to everyone by default;
// roles with PermUnmask may reveal it, and every reveal is an audit event
// (DOMAIN.md section 7). Masking happens on the server, so the full value
// never reaches a browser that did not ask for it.

// MaskPhone keeps the first three and last four digits of a mobile number
// (13812345678 -> 138****5678); shorter numbers keep less.
func MaskPhone(s string) string {
	r := []rune(s)
	n := len(r)
	switch {
	case n == 0:
		return ""
	case n >= 11:
		return string(r[:3]) + "****" + string(r[n-4:])
	case n >= 7:
		return string(r[:2]) + "****" + string(r[n-2:])
	default:
		return strings.Repeat("*", n)
	}
}

// MaskEmail keeps the first character of the local part and the domain
// (zhang@example.com -> z***@example.com).
func MaskEmail(s string) string {
	at := strings.LastIndexByte(s, '@')
	if at <= 0 {
		return MaskPhone(s)
	}
	first, _ := utf8.DecodeRuneInString(s)
	return string(first) + "***" + s[at:]
}

// MaskIDNumber keeps the first three and last four characters of an
// identity document number (110105199001011234 -> 110***********1234).
func MaskIDNumber(s string) string {
	r := []rune(s)
	if len(r) <= 7 {
		return strings.Repeat("*", len(r))
	}
	return string(r[:3]) + strings.Repeat("*", len(r)-7) + string(r[len(r)-4:])
}

// MaskHandle hides a messaging id (openid) but its last four characters.
func MaskHandle(s string) string {
	r := []rune(s)
	if len(r) <= 4 {
		return strings.Repeat("*", len(r))
	}
	return "****" + string(r[len(r)-4:])
}

var (
	idNumberPattern = regexp.MustCompile(`\b\d{17}[\dXx]\b`)
	mobilePattern   = regexp.MustCompile(`(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}`)
	cardPattern     = regexp.MustCompile(`\d(?:[- ]?\d){15,18}`)
	emailPattern    = regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`)
)

// MaskText masks identity numbers, bank card numbers, mobile numbers and
// email addresses that appear inside free text (descriptions, notes,
// messages).
func MaskText(s string) string {
	// Most texts hold no such thing, and scanning the digit runs rules the
	// patterns out without running them: an identity number is a run of 17
	// digits (and a check character), a card number 16 to 19 digits and a
	// mobile number 11 digits that single spaces or hyphens may split, an
	// email address has an @.
	longest, split := digitRuns(s)
	if longest >= 17 {
		s = idNumberPattern.ReplaceAllStringFunc(s, MaskIDNumber)
	}
	if split >= 16 {
		s = maskCards(s)
	}
	if split >= 11 {
		s = maskMobiles(s)
	}
	if strings.IndexByte(s, '@') < 0 {
		return s
	}
	return emailPattern.ReplaceAllStringFunc(s, MaskEmail)
}

// digitRuns returns the length of the longest run of ASCII digits in s, and
// the most digits in a run where single spaces or hyphens may stand between
// digits.
func digitRuns(s string) (longest, split int) {
	run, splitRun := 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case isDigit(c):
			run++
			splitRun++
		case (c == ' ' || c == '-') && run > 0:
			run = 0 // the split run goes on if a digit follows
		default:
			run, splitRun = 0, 0
		}
		longest, split = max(longest, run), max(split, splitRun)
	}
	return longest, split
}

// maskMobiles masks the mobile numbers in s (mobileSpans).
func maskMobiles(s string) string {
	spans := mobileSpans(s)
	if len(spans) == 0 {
		return s
	}
	var b strings.Builder
	last := 0
	for _, sp := range spans {
		number := onlyDigits(s[sp[0]:sp[1]])
		b.WriteString(s[last:sp[0]])
		b.WriteString(MaskPhone(number[len(number)-11:]))
		last = sp[1]
	}
	b.WriteString(s[last:])
	return b.String()
}

// mobileSpans finds mobile numbers standing on their own: a match inside a
// longer run of digits (an order or card number) is not a phone number.
func mobileSpans(s string) [][2]int {
	var out [][2]int
	for _, m := range mobilePattern.FindAllStringIndex(s, -1) {
		if (m[0] > 0 && isDigit(s[m[0]-1])) || (m[1] < len(s) && isDigit(s[m[1]])) {
			continue
		}
		out = append(out, [2]int{m[0], m[1]})
	}
	return out
}

// maskCards masks bank card numbers: 16 to 19 digits standing on their own,
// grouped by single spaces or hyphens or not, whose Luhn check holds (as
// every UnionPay, Visa and Mastercard number's does; an order number passes
// by chance one time in ten, and masking it then is the safe mistake).
func maskCards(s string) string {
	return replaceStandalone(s, cardPattern, func(m string) string {
		digits := onlyDigits(m)
		if !luhn(digits) {
			return m
		}
		return digits[:4] + " **** **** " + digits[len(digits)-4:]
	})
}

// replaceStandalone replaces the matches of re that no digit touches.
func replaceStandalone(s string, re *regexp.Regexp, fn func(string) string) string {
	var b strings.Builder
	last := 0
	for _, m := range re.FindAllStringIndex(s, -1) {
		if (m[0] > 0 && isDigit(s[m[0]-1])) || (m[1] < len(s) && isDigit(s[m[1]])) {
			continue
		}
		b.WriteString(s[last:m[0]])
		b.WriteString(fn(s[m[0]:m[1]]))
		last = m[1]
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

func onlyDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// luhn reports whether the decimal digits pass the Luhn check.
func luhn(digits string) bool {
	sum := 0
	for i := 0; i < len(digits); i++ {
		d := int(digits[len(digits)-1-i] - '0')
		if i%2 == 1 {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// Masked returns the customer with contact details masked.
func (cu Customer) Masked() Customer {
	cu.Phone, cu.Email, cu.WeChatID = MaskPhone(cu.Phone), MaskEmail(cu.Email), MaskHandle(cu.WeChatID)
	return cu
}

// Masked returns a copy of c with the customer's contact details and any
// contact data in its free text masked.
func (c Complaint) Masked() Complaint {
	c.Customer = c.Customer.Masked()
	c.Title, c.Description = MaskText(c.Title), MaskText(c.Description)
	return c
}

// Masked returns a copy of e with contact data in its text masked.
func (e Event) Masked() Event {
	e.Body = MaskText(e.Body)
	return e
}
