package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/benchload"
)

// TestGracefulShutdown sends SIGTERM while an attachment upload is still
// streaming in: the listener must close at once (new connections refused),
// the upload must still complete with its 201, and the process must exit 0.
func TestGracefulShutdown(t *testing.T) {
	exe := buildKesu(t)
	ctx := context.Background()
	dir := t.TempDir()
	dsn := filepath.Join(dir, "kesu.db")
	// Debug logging: the server says when it starts handling a request, so
	// that the test knows the upload is in flight before it sends SIGTERM.
	srv := startTestServer(t, exe, dsn, dir, true, "--log-level", "debug")
	client := benchload.NewClient(2)
	target := benchload.Target{BaseURL: srv.URL, Token: srv.Token, Client: client}

	gen := &benchload.Generator{Seed: 3, Now: time.Now()}
	created, err := target.Create(ctx, gen.Body(1), "shutdown-1")
	if err != nil || created.Status != http.StatusCreated {
		t.Fatalf("create: %v HTTP %d %s", err, created.Status, created.Body)
	}
	var complaint kesu.Complaint
	if err := json.Unmarshal(created.Body, &complaint); err != nil {
		t.Fatal(err)
	}

	// 256 KiB of evidence, sent 4 KiB at a time through a pipe: the request
	// is on the wire long before its body is complete.
	var content bytes.Buffer
	for i := 0; content.Len() < 256<<10; i++ {
		fmt.Fprintf(&content, "通话录音转写 第%05d行：客户要求三天内退款。\n", i)
	}
	const chunk = 4 << 10
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/api/v1/complaints/"+complaint.Number+"/attachments", pr)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+srv.Token)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	type outcome struct {
		status int
		body   []byte
		err    error
	}
	uploaded := make(chan outcome, 1)
	// The upload goes on a new connection. Reusing the keep-alive connection
	// of the create above would race with Shutdown, which closes connections
	// it sees idle: a request whose headers the server has not read yet on
	// an idle connection is cut (clients retry such requests). A new
	// connection is never closed by Shutdown while it is young.
	uploadClient := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	go func() {
		resp, err := uploadClient.Do(req)
		if err != nil {
			uploaded <- outcome{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		uploaded <- outcome{status: resp.StatusCode, body: b, err: err}
	}()
	abort := func(format string, args ...any) {
		t.Helper()
		pw.CloseWithError(errors.New("test failed"))
		t.Fatalf(format, args...)
	}
	if err := mw.WriteField("visibility", "internal"); err != nil {
		abort("write: %v", err)
	}
	file, err := mw.CreateFormFile("file", "通话录音转写.txt")
	if err != nil {
		abort("write: %v", err)
	}
	data := content.Bytes()
	// A pipe write returns once the HTTP client has taken the bytes: the
	// request is in flight when the signal goes out.
	if _, err := file.Write(data[:chunk]); err != nil {
		abort("write: %v", err)
	}
	// Until the server has accepted the connection and read the request's
	// headers, the upload is not in flight: a connection still in the
	// listen backlog is rightly refused by a server that shuts down.
	for start := time.Now(); !strings.Contains(srv.Stderr(), `msg="http start" method=POST path=/api/v1/complaints/`+complaint.Number+`/attachments`); {
		if time.Since(start) > 20*time.Second {
			abort("the server never started handling the upload")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := srv.Signal(syscall.SIGTERM); err != nil {
		abort("SIGTERM: %v", err)
	}

	// Stream the rest slowly (about 1.5 s), checking meanwhile that the
	// server refuses new connections; keep the upload open until it does.
	refused := false
	deadline := time.Now().Add(20 * time.Second)
	for off := chunk; off < len(data) || (!refused && time.Now().Before(deadline)); off += chunk {
		time.Sleep(25 * time.Millisecond)
		if off < len(data) {
			if _, err := file.Write(data[off:min(off+chunk, len(data))]); err != nil {
				res := <-uploaded // the client stopped reading the body: say why
				abort("the upload broke off during shutdown after %d bytes: %v (client: HTTP %d %s %v)", off, err, res.status, res.body, res.err)
			}
		}
		if !refused {
			refused = connectionRefused(t, srv.Addr)
		}
	}
	if !refused {
		t.Errorf("kesu serve still accepted new connections 20 s after SIGTERM")
	}
	if err := mw.Close(); err != nil {
		abort("write: %v", err)
	}
	pw.Close()

	res := <-uploaded
	if res.err != nil {
		t.Fatalf("the in-flight upload failed during shutdown: %v", res.err)
	}
	if res.status != http.StatusCreated {
		t.Fatalf("the in-flight upload got HTTP %d %s, want 201", res.status, res.body)
	}
	var att kesu.Attachment
	if err := json.Unmarshal(res.body, &att); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	if att.Size != int64(len(data)) || att.SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("stored %d bytes with sha256 %s, sent %d bytes with %x", att.Size, att.SHA256, len(data), sum)
	}

	if err := srv.Wait(30 * time.Second); err != nil {
		t.Fatalf("kesu serve did not exit with status 0 after SIGTERM: %v", err)
	}
	if !connectionRefused(t, srv.Addr) {
		t.Errorf("a connection to %s was accepted after the server exited", srv.Addr)
	}

	// The upload's commit is durable: a new server on the same files has it.
	srv = startTestServer(t, exe, dsn, dir, false)
	target.BaseURL = srv.URL
	resp, err := target.Do(ctx, http.MethodGet, fmt.Sprintf("/api/v1/complaints/%s/attachments/%d", complaint.Number, att.ID), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != http.StatusOK || !bytes.Equal(resp.Body, data) {
		t.Errorf("after restart the attachment reads back as HTTP %d with %d bytes, want 200 with the %d bytes sent",
			resp.Status, len(resp.Body), len(data))
	}
}

// connectionRefused reports whether a fresh TCP connection to addr is
// refused; a connection that is accepted is closed again at once.
func connectionRefused(t *testing.T, addr string) bool {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err == nil {
		conn.Close()
		return false
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dial %s: %v (want accepted or refused)", addr, err)
	}
	return true
}
