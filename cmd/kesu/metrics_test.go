package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

// /metrics reports requests by route pattern, not by raw path.
func TestMetrics(t *testing.T) {
	ctx := context.Background()
	app, err := OpenApp(ctx, Config{DB: filepath.Join(t.TempDir(), "kesu.db")}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	srv := httptest.NewServer(newHTTPMetrics().instrument(app.Handler()))
	defer srv.Close()
	for _, path := range []string{"/healthz", "/api/v1/complaints/TS20261123000001", "/api/v1/complaints/TS20261123000002"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	text := string(body)
	for _, want := range []string{
		`kesu_http_requests_total{code="200",route="GET /healthz"} 1`,
		`kesu_http_requests_total{code="401",route="GET /api/v1/complaints/{number}"} 2`,
		`kesu_http_request_duration_seconds_count{route="GET /healthz"} 1`,
		"go_goroutines",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if strings.Contains(text, "TS20261123000001") {
		t.Error("/metrics has a raw path in a label")
	}
}
