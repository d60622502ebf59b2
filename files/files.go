// Package files stores attachment contents on disk, addressed by their
// SHA-256, so that the same photo uploaded twice is kept once.
package files

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/kesu/kesu"
)

// Dir is a content-addressed file store in one directory.
type Dir struct {
	root string
}

// NewDir creates the directory if needed.
func NewDir(root string) (*Dir, error) {
	if err := os.MkdirAll(root, 0o750); err != nil {
		return nil, err
	}
	return &Dir{root: root}, nil
}

// Stored describes saved content.
type Stored struct {
	SHA256      string
	Size        int64
	ContentType string
}

// Save copies r to the store, refusing more than max bytes and content whose
// sniffed type is not allowed. filename helps name types that sniffing
// reports as generic (office documents are zip files).
func (d *Dir) Save(r io.Reader, max int64, filename string) (Stored, error) {
	tmp, err := os.CreateTemp(d.root, ".upload-*")
	if err != nil {
		return Stored{}, err
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	defer tmp.Close()
	h := sha256.New()
	var head bytes.Buffer
	n, err := io.Copy(io.MultiWriter(tmp, h, &limitedBuffer{buf: &head, max: 512}), io.LimitReader(r, max+1))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return Stored{}, kesu.Errorf(kesu.ETooLarge, "the file is larger than %d bytes", max)
		}
		return Stored{}, err
	}
	if n > max {
		return Stored{}, kesu.Errorf(kesu.ETooLarge, "the file is larger than %d bytes", max)
	}
	if n == 0 {
		return Stored{}, kesu.FieldError("file", "the file is empty")
	}
	ct, ok := ContentType(head.Bytes(), filename)
	if !ok {
		return Stored{}, kesu.FieldError("file", "files of type %s are not accepted", ct)
	}
	if err := tmp.Sync(); err != nil {
		return Stored{}, err
	}
	sum := hex.EncodeToString(h.Sum(nil))
	dst := d.path(sum)
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return Stored{}, err
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return Stored{}, err
	}
	return Stored{SHA256: sum, Size: n, ContentType: ct}, nil
}

var shaPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

// Open returns the content with the given hash.
func (d *Dir) Open(sha string) (*os.File, error) {
	if !shaPattern.MatchString(sha) {
		return nil, kesu.Errorf(kesu.ENotFound, "no such file")
	}
	f, err := os.Open(d.path(sha))
	if errors.Is(err, os.ErrNotExist) {
		return nil, kesu.Errorf(kesu.ENotFound, "the file's content is missing from storage")
	}
	return f, err
}

func (d *Dir) path(sha string) string {
	return filepath.Join(d.root, sha[:2], sha[2:4], sha)
}

type limitedBuffer struct {
	buf *bytes.Buffer
	max int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.max - l.buf.Len(); room > 0 {
		if len(p) < room {
			room = len(p)
		}
		l.buf.Write(p[:room])
	}
	return len(p), nil
}

// allowed are the sniffed types accepted as evidence: pictures, documents,
// audio (call recordings) and video.
var allowed = map[string]bool{
	"image/jpeg": true, "image/png": true, "image/gif": true, "image/webp": true, "image/bmp": true,
	"image/heic": true, "application/pdf": true, "text/plain; charset=utf-8": true,
	"audio/mpeg": true, "audio/wave": true, "audio/amr": true, "audio/aiff": true, "application/ogg": true,
	"audio/mp4": true, "video/mp4": true, "video/webm": true, "video/quicktime": true,
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document":   true,
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":         true,
	"application/vnd.openxmlformats-officedocument.presentationml.presentation": true,
}

// ContentType sniffs the content type from the first bytes; the type a
// client declares is never trusted.
func ContentType(head []byte, filename string) (string, bool) {
	ct := http.DetectContentType(head)
	switch {
	case bytes.HasPrefix(head, []byte("#!AMR")):
		ct = "audio/amr"
	case mp3Frame(head):
		ct = "audio/mpeg" // an MP3 without an ID3 tag, as call recorders write them
	case len(head) >= 12 && string(head[4:8]) == "ftyp":
		switch brand := string(head[8:12]); {
		case brand == "heic" || brand == "heix" || brand == "mif1" || brand == "msf1":
			ct = "image/heic"
		case brand == "M4A ":
			ct = "audio/mp4"
		case brand == "qt  ":
			ct = "video/quicktime"
		default:
			ct = "video/mp4"
		}
	case ct == "application/zip":
		switch strings.ToLower(filepath.Ext(filename)) {
		case ".docx":
			ct = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
		case ".xlsx":
			ct = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
		case ".pptx":
			ct = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
		}
	}
	return ct, allowed[ct]
}

// mp3Frame reports whether head starts with an MPEG audio frame header:
// 11 sync bits, a version and layer that exist, a usable bitrate and a
// sample rate that exists.
func mp3Frame(head []byte) bool {
	if len(head) < 4 || head[0] != 0xFF || head[1]&0xE0 != 0xE0 {
		return false
	}
	version, layer := (head[1]>>3)&3, (head[1]>>1)&3
	bitrate, rate := head[2]>>4, (head[2]>>2)&3
	return version != 1 && layer != 0 && bitrate != 0 && bitrate != 15 && rate != 3
}
