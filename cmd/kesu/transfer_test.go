package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/store"
)

// TestImportExportCommands drives `kesu import` and `kesu export` as a
// person would: dry run, errors file, exit codes, CSV with BOM into a second
// database, a re-run, --as.
func TestImportExportCommands(t *testing.T) {
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "src.db"), filepath.Join(dir, "dst.db")
	in := filepath.Join(dir, "in.jsonl")
	os.WriteFile(in, []byte(`{"description":"冰箱不制冷","customer":{"phone":"13800000001"},"external_id":"crm-1"}`+"\n"+
		`{"description":"no contact"}`+"\n"+
		`{"description":"快递太慢","customer":{"phone":"13800000002"},"registered_at":"2026-01-05T10:00:00+08:00"}`+"\n"), 0o644)
	kesuRun := func(want int, args ...string) (string, string) {
		t.Helper()
		var out, errb bytes.Buffer
		if code := run(args, &out, &errb); code != want {
			t.Fatalf("kesu %s exited %d, want %d:\n%s%s", strings.Join(args, " "), code, want, out.String(), errb.String())
		}
		return out.String(), errb.String()
	}
	count := func(path string) int {
		db, err := store.Open(context.Background(), path, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		n := 0
		db.EachComplaint(context.Background(), store.Filter{}, func(kesu.Complaint) error { n++; return nil })
		return n
	}

	out, errOut := kesuRun(1, "import", "--db", src, "--file", in, "--dry-run")
	if out != "would import 2, already present 0, failed 1\n" || !strings.Contains(errOut, "line 2: customer.phone: ") {
		t.Errorf("dry run: %q %q", out, errOut)
	}
	if n := count(src); n != 0 {
		t.Fatalf("dry run wrote %d complaints", n)
	}

	errFile := filepath.Join(dir, "errors.csv")
	out, errOut = kesuRun(1, "import", "--db", src, "--file", in, "--errors", errFile)
	if out != "imported 2, already present 0, failed 1\n" || !strings.Contains(errOut, "1 row failed; see "+errFile) {
		t.Errorf("import: %q %q", out, errOut)
	}
	f, _ := os.Open(errFile)
	recs, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil || len(recs) != 2 || strings.Join(recs[0], ",") != "line,field,message" || recs[1][0] != "2" || recs[1][1] != "customer.phone" {
		t.Errorf("errors file: %q %v", recs, err)
	}

	out, _ = kesuRun(0, "reindex", "--db", src)
	if !strings.HasPrefix(out, "reindexed 2 complaints in ") {
		t.Errorf("reindex: %q", out)
	}
	kesuRun(2, "reindex", "--db", src, "--bogus")

	exported := filepath.Join(dir, "out.csv")
	_, errOut = kesuRun(0, "export", "--db", src, "--out", exported, "--bom")
	if !strings.Contains(errOut, "exported 2 complaints to "+exported) {
		t.Errorf("export: %q", errOut)
	}
	if b, _ := os.ReadFile(exported); !bytes.HasPrefix(b, []byte("\xef\xbb\xbfid,number,")) || !strings.Contains(string(b), "冰箱不制冷") {
		t.Errorf("exported CSV:\n%s", b)
	}
	out, _ = kesuRun(0, "export", "--db", src, "--from", "2026-01-05", "--to", "2026-01-05")
	if strings.Count(out, "\n") != 1 || !strings.Contains(out, `"description":"快递太慢"`) {
		t.Errorf("export --from --to:\n%s", out)
	}

	db, err := store.Open(context.Background(), dst, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	u, err := db.CreateUser(context.Background(), kesu.User{Email: "agent@example.com", Name: "坐席", Role: kesu.RoleAgent}, "", "", time.Now())
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	kesuRun(1, "import", "--db", dst, "--file", exported, "--as", "nobody@example.com")
	out, _ = kesuRun(0, "import", "--db", dst, "--file", exported, "--as", "agent@example.com")
	if out != "imported 2, already present 0, failed 0\n" {
		t.Errorf("import of the export: %q", out)
	}
	out, _ = kesuRun(0, "import", "--db", dst, "--file", exported, "--verbose")
	if !strings.HasSuffix(out, "imported 0, already present 2, failed 0\n") || strings.Count(out, "already present as") != 2 {
		t.Errorf("re-run: %q", out)
	}
	db, _ = store.Open(context.Background(), dst, store.Options{})
	defer db.Close()
	c, err := db.ComplaintByExternalID(context.Background(), "crm-1")
	if err != nil || c.CreatedBy != u.ID || c.Description != "冰箱不制冷" {
		t.Errorf("imported with --as: %+v %v", c, err)
	}

	badHeader := filepath.Join(dir, "bad.csv")
	os.WriteFile(badHeader, []byte("description,customer.wechat_idx\n冰箱,x\n"), 0o644)
	if _, errOut := kesuRun(1, "import", "--db", dst, "--file", badHeader); !strings.Contains(errOut, `column "customer.wechat_idx": unknown column`) {
		t.Errorf("header error: %q", errOut)
	}

	kesuRun(2, "import", "--db", dst)
	kesuRun(2, "export", "--db", dst, "--out", filepath.Join(dir, "x.xlsx"))
	kesuRun(2, "import", "--db", dst, "--file", "complaints.txt")
	kesuRun(2, "export", "--db", dst, "--status", "nope")
	kesuRun(2, "export", "--db", dst, "--from", "yesterday")
	kesuRun(2, "export", "--db", dst, "--format", "jsonl", "--bom")
}
