package main

import (
	"context"
	"encoding/json"
	"net/url"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath returns the Chromium binary, or "" when none is installed.
func chromiumPath() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// pageCheck is what the browser reports about the rendered report.
type pageCheck struct {
	Title        string   `json:"title"`
	Figures      int      `json:"figures"`
	RenderedSVGs int      `json:"renderedSVGs"`
	Images       int      `json:"images"`
	BrokenImages []string `json:"brokenImages"`
	Verdicts     int      `json:"verdicts"`
	Missing      []string `json:"missing"`
}

// checkReportInBrowser opens report.html in headless Chromium, offline, and
// checks that every plot rendered with a non-empty box and no image is
// broken. It skips when Chromium is not installed.
func checkReportInBrowser(t *testing.T, report string, wantPlots int, experiments []string) {
	t.Helper()
	bin := chromiumPath()
	if bin == "" {
		t.Log("chromium not installed: skipping the browser check of the report (apt-get install -y chromium)")
		return
	}
	abs, err := filepath.Abs(report)
	if err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
	)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 60*time.Second)
	defer cancel()

	u := url.URL{Scheme: "file", Path: abs}
	names, _ := json.Marshal(experiments)
	if _, err := chromedp.Run(ctx, chromedp.Navigate(u.String())); err != nil {
		t.Fatalf("chromium could not open %s: %v", report, err)
	}
	if _, err := chromedp.Run(ctx, chromedp.WaitReady("body")); err != nil {
		t.Fatalf("chromium: %s never became ready: %v", report, err)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[pageCheck](`((names) => {
			const figs = [...document.querySelectorAll("figure.plot")];
			const rendered = figs.filter(f => {
				const s = f.querySelector("svg");
				if (!s) return false;
				const r = s.getBoundingClientRect();
				return r.width > 100 && r.height > 100 && s.querySelectorAll("path, line, polyline, rect, text").length > 10;
			});
			const imgs = [...document.images];
			return {
				title: document.title,
				figures: figs.length,
				renderedSVGs: rendered.length,
				images: imgs.length,
				brokenImages: imgs.filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src),
				verdicts: document.querySelectorAll(".verdict").length,
				missing: names.filter(n => !document.getElementById(n)),
			};
		})(`+string(names)+`)`))
	if err != nil {
		t.Fatalf("chromium could not render %s: %v", report, err)
	}
	t.Logf("browser: %+v", got)
	if got.Figures != wantPlots {
		t.Errorf("report shows %d plots, results.json has %d", got.Figures, wantPlots)
	}
	if got.RenderedSVGs != got.Figures {
		t.Errorf("only %d of %d plots rendered as a visible SVG", got.RenderedSVGs, got.Figures)
	}
	if len(got.BrokenImages) > 0 {
		t.Errorf("broken images: %v", got.BrokenImages)
	}
	if len(got.Missing) > 0 {
		t.Errorf("experiments missing from the report: %v", got.Missing)
	}
	if got.Verdicts < len(experiments) {
		t.Errorf("%d verdicts shown for %d experiments", got.Verdicts, len(experiments))
	}
	if got.Title == "" {
		t.Error("the report has no title")
	}
}
