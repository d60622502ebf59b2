package portal

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/i18n"
)

// Every key the portal uses is in the catalog in both languages: the
// literal keys of the templates and of the Go code, and the keys made from
// statuses, actions, remedies and ratings.
func TestCatalogComplete(t *testing.T) {
	keys := map[string]bool{}
	literal := regexp.MustCompile(`"(portal\.[a-z0-9_.]+)"`)
	add := func(src string) {
		for _, m := range literal.FindAllStringSubmatch(src, -1) {
			if !strings.HasSuffix(m[1], ".") {
				keys[m[1]] = true
			}
		}
	}
	fs.WalkDir(assets, "templates", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := assets.ReadFile(path)
			add(string(b))
		}
		return nil
	})
	for _, src := range goSources(t) {
		add(src)
	}
	for _, s := range kesu.Statuses {
		keys["portal.status."+string(s)] = true
		keys["portal.status_help."+string(s)] = true
	}
	for _, a := range kesu.Actions {
		keys["portal.action_done."+string(a)] = true
	}
	for _, a := range customerActions {
		keys["portal.action."+string(a)] = true
	}
	for _, r := range kesu.Remedies {
		keys["portal.remedy."+string(r)] = true
	}
	for _, r := range kesu.RejectReasons {
		keys["portal.reject."+string(r)] = true
	}
	for _, r := range kesu.Recourses {
		keys["portal.recourse."+string(r)] = true
	}
	for i := 1; i <= 5; i++ {
		keys["portal.rating."+string(rune('0'+i))] = true
	}
	for _, f := range []string{"phone", "email", "name", "description", "category", "order_no", "amount", "remedy",
		"expect_note", "photos", "number", "code", "note", "body", "satisfaction", "comment", "title"} {
		keys["portal.err.field."+f] = true
	}
	if len(keys) < 150 {
		t.Fatalf("only %d keys found; the scan is broken", len(keys))
	}
	for k := range keys {
		for _, l := range i18n.Langs {
			if !i18n.Has(l, k) {
				t.Errorf("catalog: %s has no %s text", k, l)
			}
		}
	}
}

func goSources(t *testing.T) []string {
	var out []string
	for _, name := range []string{"portal.go", "page.go", "submit.go", "track.go", "complaint.go"} {
		b, err := readFile(name)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}
