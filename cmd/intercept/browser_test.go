package main

import (
	"context"
	"encoding/json"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
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
	// The report's structure: the at-a-glance list (one line per
	// experiment, a coloured verdict badge each), the group sections and
	// their verdict tables, and the experiments outside any section.
	Glance         int      `json:"glance"`
	GlanceColoured int      `json:"glanceColoured"`
	GlanceTargets  []string `json:"glanceTargets"`
	Groups         []string `json:"groups"`
	VerdictTables  int      `json:"verdictTables"`
	TableRows      int      `json:"tableRows"`
	Ungrouped      []string `json:"ungrouped"`
}

// checkReportInBrowser opens report.html in headless Chromium, offline, and
// checks that every plot rendered with a non-empty box and no image is
// broken. It skips when Chromium is not installed.
func checkReportInBrowser(t *testing.T, report string, wantPlots int, experiments []string, wantGroups int) {
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
				glance: document.querySelectorAll("#glance li").length,
				glanceColoured: [...document.querySelectorAll("#glance li .badge")].filter(b => {
					const c = getComputedStyle(b).backgroundColor;
					return c && c !== "rgba(0, 0, 0, 0)" && c !== "transparent";
				}).length,
				glanceTargets: [...document.querySelectorAll("#glance li a")].map(a => a.getAttribute("href").slice(1)),
				groups: [...document.querySelectorAll("h2.group")].map(h => h.id + ": " + h.textContent),
				verdictTables: document.querySelectorAll("table.verdict-table").length,
				tableRows: [...document.querySelectorAll("table.verdict-table")].reduce((n, t) => n + t.querySelectorAll("tr").length - 1, 0),
				ungrouped: names.filter(n => {
					const h = document.getElementById(n);
					if (!h) return false;
					let p = h.previousElementSibling;
					while (p && !(p.tagName === "H2" && p.classList.contains("group"))) p = p.previousElementSibling;
					return !p;
				}),
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
	if got.Glance != len(experiments) || got.GlanceColoured != len(experiments) {
		t.Errorf("at a glance: %d lines, %d with a coloured verdict, for %d experiments", got.Glance, got.GlanceColoured, len(experiments))
	}
	if strings.Join(got.GlanceTargets, ",") != strings.Join(experiments, ",") {
		t.Errorf("at a glance links %v, want %v", got.GlanceTargets, experiments)
	}
	if len(got.Groups) != wantGroups || got.VerdictTables != wantGroups {
		t.Errorf("%d group sections (%v) and %d verdict tables, want %d", len(got.Groups), got.Groups, got.VerdictTables, wantGroups)
	}
	if len(got.Groups) > 0 && !strings.Contains(got.Groups[0], "The document's claims") {
		t.Errorf("the first section is %q, want the document's claims", got.Groups[0])
	}
	if got.TableRows != len(experiments) {
		t.Errorf("the verdict tables have %d rows for %d experiments", got.TableRows, len(experiments))
	}
	if len(got.Ungrouped) > 0 {
		t.Errorf("experiments outside any group section: %v", got.Ungrouped)
	}
	if got.Title == "" {
		t.Error("the report has no title")
	}
}
