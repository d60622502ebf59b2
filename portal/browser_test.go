package portal

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kesu/kesu/store/storetest"
)

// The portal on a 375 px wide phone screen in headless Chromium: submit a
// complaint with a photo using the keyboard-reachable form, then track it
// with a code, in Chinese; then the same pages on a desktop screen in English.
// No page may scroll sideways. Screenshots go to
// $KESU_SCREENSHOTS/portal (or the test's temp dir).
func TestPhoneBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	exe := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			exe = p
			break
		}
	}
	if exe == "" {
		storetest.Missing(t, "Chromium is not installed")
	}
	f := newFixture(t, storetest.SQLite(t), Config{})
	shots := t.TempDir()
	if d := os.Getenv("KESU_SCREENSHOTS"); d != "" {
		shots = filepath.Join(d, "portal")
		if err := os.MkdirAll(shots, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	photo := filepath.Join(t.TempDir(), "photo.png")
	os.WriteFile(photo, pngBytes, 0o644)

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.WindowSize(375, 812))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 90*time.Second)
	defer cancel()

	var overflow []string
	// check screenshots the page at 375 px and notes a page wider than the screen.
	width := "375"
	check := func(page string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			buf, err := chromedp.FullScreenshot(100)(ctx, tg)
			if err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(shots, page+"-"+width+".png"), buf, 0o644); err != nil {
				return err
			}
			wide, err := chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`)(ctx, tg)
			if wide {
				overflow = append(overflow, page)
			}
			return err
		})
	}
	id := func(s string) chromedp.ID { return chromedp.ID(s) }
	run := func(steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("browser: %v", err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(id(sel)))
		if err != nil {
			t.Fatalf("text of #%s: %v", sel, err)
		}
		return strings.TrimSpace(s)
	}
	run(chromedp.EmulateViewport(375, 812),
		chromedp.Navigate(f.srv.URL+"/portal/?lang=zh-CN"), // the default language, whatever the browser's
		chromedp.WaitVisible(id("portal-submit-link")),
		check("home"),
		chromedp.Click(id("portal-submit-link")),
		chromedp.WaitVisible(id("submit-form")),
		check("submit"),
		chromedp.SendKeys(id("name"), "李四"),
		chromedp.SendKeys(id("phone"), "13912345678"),
		chromedp.SetValue(id("category"), "quality"),
		chromedp.SendKeys(id("description"), "快递三天没到，电话无人接听。"),
		chromedp.SetValue(id("remedy"), "compensation"),
		chromedp.SendKeys(id("amount"), "50"),
		chromedp.SetUploadFiles(id("photos"), []string{photo}),
		chromedp.Click(id("submit-button")),
		chromedp.WaitVisible(id("complaint-number")),
		check("submitted"))
	number := text("complaint-number")
	run(chromedp.Click(id("track-link")),
		chromedp.WaitVisible(id("track-form")),
		check("track"),
		chromedp.SendKeys(id("number"), number),
		chromedp.Click(id("code-button")),
		chromedp.WaitVisible(id("verify-form")),
		check("code"))
	run(chromedp.SendKeys(id("code"), f.latestCode(number)),
		chromedp.Click(id("verify-button")),
		chromedp.WaitVisible(id("timeline")),
		check("complaint"))
	status, timeline := text("status"), text("timeline")
	if !strings.HasPrefix(number, "TS") || status == "" || !strings.Contains(timeline, "photo.png") {
		t.Fatalf("number %q status %q timeline %q", number, status, timeline)
	}
	// The same pages on a desktop screen, in English.
	width = "desktop"
	run(chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(f.srv.URL+"/portal/complaint?lang=en"), chromedp.WaitVisible(id("timeline")), check("complaint-en"),
		chromedp.Navigate(f.srv.URL+"/portal/?lang=en"), chromedp.WaitVisible(id("portal-track-link")), check("home-en"),
		chromedp.Navigate(f.srv.URL+"/portal/submit"), chromedp.WaitVisible(id("submit-form")), check("submit-en"),
		chromedp.Navigate(f.srv.URL+"/portal/track"), chromedp.WaitVisible(id("track-form")), check("track-en"))
	if len(overflow) > 0 {
		t.Fatalf("pages wider than 375 px: %v (screenshots in %s)", overflow, shots)
	}
	t.Logf("screenshots in %s", shots)
}
