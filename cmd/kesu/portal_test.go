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

// The App serves the customer portal under /portal/ beside the API.
func TestAppServesPortal(t *testing.T) {
	ctx := context.Background()
	app, err := OpenApp(ctx, Config{DB: filepath.Join(t.TempDir(), "kesu.db")}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	srv := httptest.NewServer(app.Handler())
	defer srv.Close()
	for path, want := range map[string]string{"/portal/": `id="portal-submit-link"`, "/portal/static/portal.css": "max-width"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), want) {
			t.Fatalf("%s: %d\n%s", path, resp.StatusCode, b)
		}
	}
	found := false
	for _, w := range app.Workers {
		found = found || w.Name == "portal-sweep"
	}
	if !found {
		t.Fatal("no portal-sweep worker")
	}
}
