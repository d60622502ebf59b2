package files

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/kesu/kesu"
)

func TestContentType(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	heic := []byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00")
	zip := []byte("PK\x03\x04\x14\x00\x06\x00")
	cases := []struct {
		head     []byte
		name     string
		want     string
		accepted bool
	}{
		{png, "a.png", "image/png", true},
		{heic, "IMG_0001.HEIC", "image/heic", true},
		{[]byte("#!AMR\n"), "call.amr", "audio/amr", true},
		{[]byte("%PDF-1.7\n"), "x.pdf", "application/pdf", true},
		{[]byte("客户说明：已退款"), "note.txt", "text/plain; charset=utf-8", true},
		{zip, "report.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", true},
		{zip, "archive.zip", "application/zip", false},
		{[]byte("\x7fELF\x02\x01\x01"), "photo.jpg", "application/octet-stream", false}, // the name does not decide
		{[]byte("MZ\x90\x00"), "x.exe", "application/octet-stream", false},
		{[]byte("<html><script>"), "x.html", "text/html; charset=utf-8", false},
	}
	for _, c := range cases {
		got, ok := ContentType(c.head, c.name)
		if got != c.want || ok != c.accepted {
			t.Errorf("%s: %q %v, want %q %v", c.name, got, ok, c.want, c.accepted)
		}
	}
}

func TestSave(t *testing.T) {
	d, err := NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	body := "%PDF-1.7\n" + strings.Repeat("x", 1000)
	a, err := d.Save(strings.NewReader(body), 2000, "a.pdf")
	if err != nil || a.Size != int64(len(body)) || a.ContentType != "application/pdf" {
		t.Fatalf("save: %v %+v", err, a)
	}
	b, err := d.Save(strings.NewReader(body), 2000, "copy.pdf")
	if err != nil || b.SHA256 != a.SHA256 {
		t.Fatalf("the same content is stored once under its hash: %v %+v", err, b)
	}
	f, err := d.Open(a.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(f)
	f.Close()
	if !bytes.Equal(got, []byte(body)) {
		t.Fatal("content differs")
	}
	if _, err := d.Save(strings.NewReader(body), 500, "a.pdf"); kesu.ErrorCodeOf(err) != kesu.ETooLarge {
		t.Errorf("over the limit: %v", err)
	}
	if _, err := d.Save(strings.NewReader(""), 500, "a.pdf"); kesu.ErrorCodeOf(err) != kesu.EInvalid {
		t.Errorf("empty: %v", err)
	}
	if _, err := d.Save(strings.NewReader("\x7fELF\x02\x01"), 500, "a.jpg"); kesu.ErrorFieldOf(err) != "file" {
		t.Errorf("executable: %v", err)
	}
	for _, bad := range []string{"../../etc/passwd", "", strings.Repeat("a", 64)} {
		if _, err := d.Open(bad); kesu.ErrorCodeOf(err) != kesu.ENotFound {
			t.Errorf("Open(%q): %v", bad, err)
		}
	}
}
