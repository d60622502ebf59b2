package api

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/store/storetest"
)

// pngImage encodes a w x h PNG; noisy pixels compress badly, for a file of
// a wanted size.
func pngImage(t testing.TB, w, h int, noisy bool) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(1, 2))
	for y := range h {
		for x := range w {
			c := color.RGBA{R: 200, G: 30, B: 30, A: 255}
			if noisy {
				c = color.RGBA{R: uint8(rng.IntN(256)), G: uint8(rng.IntN(256)), B: uint8(rng.IntN(256)), A: 255}
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// elfHeader is the start of a Linux x86-64 executable.
var elfHeader = append([]byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3e\x00\x01\x00\x00\x00"),
	bytes.Repeat([]byte{0x90}, 200)...)

// upload sends a multipart form: fields in order, then the file part.
func (f *apiFixture) upload(t testing.TB, token, number, filename string, content []byte, fields ...string) apiResponse {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for i := 0; i+1 < len(fields); i += 2 {
		if err := mw.WriteField(fields[i], fields[i+1]); err != nil {
			t.Fatal(err)
		}
	}
	if content != nil {
		part, err := mw.CreateFormFile("file", filename)
		if err != nil {
			t.Fatal(err)
		}
		part.Write(content)
	}
	mw.Close()
	return f.do(t, "POST", "/api/v1/complaints/"+number+"/attachments", token, body.Bytes(), "Content-Type", mw.FormDataContentType())
}

func TestAPIAttachments(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newAPIFixture(t, dsn)
		c := f.createComplaint(t, f.agent, fullComplaintBody)
		n := c.Number
		path := "/api/v1/complaints/" + n + "/attachments"

		photo := pngImage(t, 8, 8, false)
		if len(photo) >= fixtureMaxAttachment {
			t.Fatalf("the small PNG has %d bytes", len(photo))
		}
		a := decodeInto[kesu.Attachment](t, f.upload(t, f.agent, n, "漏水照片.png", photo), http.StatusCreated)
		if a.ID == 0 || a.ComplaintID != c.ID || a.Filename != "漏水照片.png" || a.ContentType != "image/png" ||
			a.Size != int64(len(photo)) || len(a.SHA256) != 64 || a.Visibility != kesu.VisibilityInternal ||
			a.UploadedBy != f.users[f.agent].ID || a.EventID == 0 {
			t.Errorf("uploaded %+v", a)
		}
		// The customer may see this one.
		shown := decodeInto[kesu.Attachment](t, f.upload(t, f.agent, n, `C:\Users\张三\发票.png`, pngImage(t, 4, 4, false), "visibility", "customer"), http.StatusCreated)
		if shown.Visibility != kesu.VisibilityCustomer || shown.Filename != "发票.png" {
			t.Errorf("customer-visible upload %+v", shown)
		}

		list := decodeInto[AttachmentList](t, f.do(t, "GET", path, f.auditor, nil), http.StatusOK).Items
		if len(list) != 2 || list[0].ID != a.ID || list[1].ID != shown.ID || list[0].SHA256 != a.SHA256 {
			t.Errorf("list %+v", list)
		}

		dl := f.do(t, "GET", path+"/"+strconv.FormatInt(a.ID, 10), f.agent, nil)
		if dl.Status != http.StatusOK || !bytes.Equal(dl.Body, photo) {
			t.Fatalf("download: HTTP %d, %d bytes, want the %d uploaded", dl.Status, len(dl.Body), len(photo))
		}
		if ct := dl.Header.Get("Content-Type"); ct != "image/png" {
			t.Errorf("download Content-Type %q", ct)
		}
		if dl.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.HasPrefix(dl.Header.Get("Content-Disposition"), "attachment") {
			t.Errorf("download headers %v", dl.Header)
		}
		wantError(t, f.do(t, "GET", path+"/999999", f.agent, nil), http.StatusNotFound, kesu.ENotFound, "")
		wantError(t, f.do(t, "GET", path+"/abc", f.agent, nil), http.StatusNotFound, kesu.ENotFound, "")

		// The timeline records both uploads; the customer's view only the shown one.
		evs := decodeInto[EventList](t, f.do(t, "GET", "/api/v1/complaints/"+n+"/events", f.agent, nil), http.StatusOK).Items
		var all, customer []int64
		for _, e := range evs {
			if e.Type == kesu.EventAttachment {
				all = append(all, e.ID)
			}
		}
		for _, e := range decodeInto[EventList](t, f.do(t, "GET", "/api/v1/complaints/"+n+"/events?visibility=customer", f.agent, nil), http.StatusOK).Items {
			if e.Type == kesu.EventAttachment {
				customer = append(customer, e.ID)
			}
		}
		if len(all) != 2 || all[0] != a.EventID || all[1] != shown.EventID || len(customer) != 1 || customer[0] != shown.EventID {
			t.Errorf("attachment events %v, customer-visible %v", all, customer)
		}

		// Refused uploads leave no row and no file.
		filesBefore := f.storedFiles(t)
		before := f.snapshot(t)
		for _, tc := range []struct {
			name     string
			token    string
			filename string
			content  []byte
			fields   []string
			status   int
			code     kesu.ErrorCode
			field    string
		}{
			{"ELF executable", f.agent, "invoice.png", elfHeader, nil, http.StatusBadRequest, kesu.EInvalid, "file"},
			{"Windows executable", f.agent, "setup.exe", append([]byte("MZ\x90\x00\x03\x00\x00\x00"), make([]byte, 100)...), nil, http.StatusBadRequest, kesu.EInvalid, "file"},
			{"unknown binary", f.agent, "data.bin", []byte{0x00, 0x01, 0x02, 0x03, 0xfe, 0xff, 0x10, 0x80}, nil, http.StatusBadRequest, kesu.EInvalid, "file"},
			{"HTML", f.agent, "page.png", []byte("<html><script>alert(1)</script></html>"), nil, http.StatusBadRequest, kesu.EInvalid, "file"},
			{"empty file", f.agent, "empty.png", []byte{}, nil, http.StatusBadRequest, kesu.EInvalid, "file"},
			{"over the size limit", f.agent, "big.png", pngImage(t, 32, 32, true), nil, http.StatusRequestEntityTooLarge, kesu.ETooLarge, ""},
			{"far over the size limit", f.agent, "huge.png", pngImage(t, 200, 200, true), nil, http.StatusRequestEntityTooLarge, kesu.ETooLarge, ""},
			{"no file part", f.agent, "", nil, []string{"visibility", "customer"}, http.StatusBadRequest, kesu.EInvalid, "file"},
			{"bad visibility", f.agent, "a.png", photo, []string{"visibility", "public"}, http.StatusBadRequest, kesu.EInvalid, "visibility"},
			{"unknown form field", f.agent, "a.png", photo, []string{"comment", "hi"}, http.StatusBadRequest, kesu.EInvalid, "comment"},
			{"handler of another department", f.handlerB, "a.png", photo, nil, http.StatusForbidden, kesu.EForbidden, ""},
			{"auditor", f.auditor, "a.png", photo, nil, http.StatusForbidden, kesu.EForbidden, ""},
			{"no token", "", "a.png", photo, nil, http.StatusUnauthorized, kesu.EUnauthorized, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if tc.name == "over the size limit" && len(tc.content) <= fixtureMaxAttachment {
					t.Fatalf("the big PNG has only %d bytes", len(tc.content))
				}
				wantError(t, f.upload(t, tc.token, n, tc.filename, tc.content, tc.fields...), tc.status, tc.code, tc.field)
				f.wantUnchanged(t, before)
				if got := f.storedFiles(t); got != filesBefore {
					t.Errorf("%d files in storage, want %d", got, filesBefore)
				}
			})
		}
		// Not multipart at all.
		wantError(t, f.do(t, "POST", path, f.agent, photo, "Content-Type", "image/png"), http.StatusBadRequest, kesu.EInvalid, "")
		wantError(t, f.upload(t, f.agent, "TS20260101999999", "a.png", photo), http.StatusNotFound, kesu.ENotFound, "")
		f.wantUnchanged(t, before)

		// The same content uploaded again is one more row but the same file.
		again := decodeInto[kesu.Attachment](t, f.upload(t, f.agent, n, "again.png", photo), http.StatusCreated)
		if again.SHA256 != a.SHA256 || again.ID == a.ID || f.storedFiles(t) != filesBefore {
			t.Errorf("re-upload %+v; %d files", again, f.storedFiles(t))
		}
	})
}
