package lab

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html/template"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

// RunInfo describes how a run was made, for the report and results.json.
type RunInfo struct {
	Command     string    `json:"command"` // the command line that made the run
	Version     string    `json:"version"`
	GoVersion   string    `json:"go_version"`
	Platform    string    `json:"platform"`
	Kernel      string    `json:"kernel"`
	Seeds       []uint64  `json:"seeds"`
	Started     time.Time `json:"started"`
	Elapsed     float64   `json:"elapsed_seconds"` // wall-clock time of the run
	Interrupted bool      `json:"interrupted,omitempty"`
	Quick       bool      `json:"quick,omitempty"`
	// Shard is "i/n" for one shard of a sweep; Merged lists the run
	// directories a merged report was built from.
	Shard  string   `json:"shard,omitempty"`
	Merged []string `json:"merged,omitempty"`
}

// ResultsFormat is the format version of results.json this package
// writes and reads.
const ResultsFormat = 1

// Results is the content of results.json.
type Results struct {
	// Format is the file's format version (ResultsFormat). Files written
	// before versioning have none and are read as version 1; any other
	// version is refused.
	Format      int                 `json:"format"`
	Run         RunInfo             `json:"run"`         // how the run was made
	Experiments []*ExperimentResult `json:"experiments"` // in the order of the report
	// Fingerprint hashes every trial's metrics (NewFingerprint, see its
	// encoding); the report writer fills it in.
	Fingerprint *Fingerprint `json:"fingerprint,omitempty"`
}

// ReadResults loads a results.json written by WriteReport.
func ReadResults(path string) (*Results, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return decodeResults(path, b)
}

func decodeResults(path string, b []byte) (*Results, error) {
	var r Results
	if err := decodeStrict(b, &r); err != nil {
		return nil, fmt.Errorf("%s: not a results file: %w", path, err)
	}
	if r.Format != 0 && r.Format != ResultsFormat {
		return nil, fmt.Errorf("%s: results format version %d, this intercept reads version %d (use the intercept that wrote it)", path, r.Format, ResultsFormat)
	}
	r.Format = ResultsFormat
	for _, e := range r.Experiments {
		if e == nil {
			return nil, fmt.Errorf("%s: null experiment", path)
		}
		for _, v := range e.Variants {
			if v == nil {
				return nil, fmt.Errorf("%s: %s: null variant", path, e.Name)
			}
		}
	}
	if len(r.Experiments) == 0 {
		return nil, fmt.Errorf("%s: no experiments in the results", path)
	}
	return &r, nil
}

// Analyze is the pipeline's analyze step: it fills each result's Analysis
// with its experiment's Analyze function, turning a panic into an
// inconclusive verdict that says why. Results of experiments unknown to reg
// are left without analysis; a result with a variant the experiment no
// longer defines (no Cond) gets an inconclusive verdict.
func Analyze(reg *Registry, results []*ExperimentResult) {
	for _, r := range results {
		e := reg.Get(r.Name)
		if e == nil || e.Analyze == nil {
			continue
		}
		if v := unknownVariant(r); v != "" {
			r.Analysis = &Analysis{Verdict: Verdict{Inconclusive, fmt.Sprintf("variant %q is not one this version of %s defines, so the results cannot be analyzed.", v, r.Name)}}
			continue
		}
		func() {
			defer func() {
				if p := recover(); p != nil {
					r.Analysis = &Analysis{Verdict: Verdict{Inconclusive, fmt.Sprintf("the analysis failed: %v", p)}}
				}
			}()
			a := e.Analyze(r)
			guardVerdict(r, &a)
			r.Analysis = &a
		}()
	}
}

// unknownVariant returns the key of the first variant of r without a typed
// Cond (a run made by another version of the experiment), or "".
func unknownVariant(r *ExperimentResult) string {
	for _, v := range r.Variants {
		if v.Cond == nil {
			return v.Key
		}
	}
	return ""
}

// guardVerdict keeps a verdict from being drawn on missing data: when a
// variant has no finished trial (an interrupted run, or every trial
// failed), the verdict becomes inconclusive and says which variants are
// missing, keeping the partial reading after it.
func guardVerdict(r *ExperimentResult, a *Analysis) {
	var missing []string
	for _, v := range r.Variants {
		done := 0
		for _, t := range v.Trials {
			if t.Result != nil {
				done++
			}
		}
		if done == 0 {
			missing = append(missing, v.Label)
		}
	}
	if len(missing) == 0 || a.Verdict.Status == Inconclusive {
		return
	}
	text := fmt.Sprintf("%d of %d variants have no finished trial (%s), so no verdict.", len(missing), len(r.Variants), strings.Join(missing, "; "))
	if a.Verdict.Text != "" {
		text += " Partial reading, not to be trusted: " + a.Verdict.Text
	}
	a.Verdict = Verdict{Status: Inconclusive, Text: text}
}

// WriteReport writes report.html, results.json, metrics.csv and the plots
// (plots/*.png and *.svg) into dir. Every file is written atomically.
func WriteReport(dir string, res *Results) error { return writeReport(dir, res, true) }

// writeReport is WriteReport; with withResults false it leaves
// results.json alone (a re-rendering never rewrites the file it read).
func writeReport(dir string, res *Results, withResults bool) error {
	if err := os.MkdirAll(filepath.Join(dir, "plots"), 0o755); err != nil {
		return err
	}
	res.Format = ResultsFormat
	res.Fingerprint = NewFingerprint(res.Experiments)
	// The numbers first: whatever happens to the plots, results.json and
	// metrics.csv are on disk.
	if withResults {
		if err := writeResultsJSON(dir, res); err != nil {
			return err
		}
	}
	if err := writeMetricsCSV(dir, res); err != nil {
		return err
	}
	// Render the plots in parallel (each is independent), then write them.
	type job struct {
		exp      string
		p        *Plot
		svg, png []byte
		err      error
	}
	var jobs []*job
	for _, r := range res.Experiments {
		if r.Analysis == nil {
			continue
		}
		for i := range r.Analysis.Plots {
			jobs = append(jobs, &job{exp: r.Name, p: &r.Analysis.Plots[i]})
		}
	}
	next := make(chan *job)
	var wg sync.WaitGroup
	for w := 0; w < min(runtime.GOMAXPROCS(0), len(jobs)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range next {
				j.svg, j.png, j.err = render(j.p)
			}
		}()
	}
	for _, j := range jobs {
		next <- j
	}
	close(next)
	wg.Wait()
	svgs := map[*Plot]template.HTML{}
	for _, j := range jobs {
		p := j.p
		p.PNG, p.SVG, p.Error = "", "", ""
		if j.err != nil {
			// A plot that cannot be drawn is reported in its place; it
			// does not cost the user the rest of the report.
			p.Error = j.err.Error()
			continue
		}
		stem := safeName(j.exp + "-" + p.Name)
		p.PNG = filepath.ToSlash(filepath.Join("plots", stem+".png"))
		p.SVG = filepath.ToSlash(filepath.Join("plots", stem+".svg"))
		if err := WriteFileAtomic(filepath.Join(dir, p.PNG), j.png); err != nil {
			return err
		}
		if err := WriteFileAtomic(filepath.Join(dir, p.SVG), j.svg); err != nil {
			return err
		}
		svgs[p] = inlineSVG(j.svg)
	}
	// Again, now with the plots' file names.
	if withResults {
		if err := writeResultsJSON(dir, res); err != nil {
			return err
		}
	}
	var html bytes.Buffer
	if err := reportTemplate.Execute(&html, reportData{res, svgs}); err != nil {
		return fmt.Errorf("rendering report.html: %w", err)
	}
	return WriteFileAtomic(filepath.Join(dir, "report.html"), html.Bytes())
}

func writeResultsJSON(dir string, res *Results) error {
	b, err := json.MarshalIndent(res, "", " ")
	if err != nil {
		return fmt.Errorf("encoding results.json: %w", err)
	}
	return WriteFileAtomic(filepath.Join(dir, "results.json"), b)
}

// inlineSVG strips the XML prolog so the SVG can sit inside HTML.
func inlineSVG(svg []byte) template.HTML {
	s := string(svg)
	if i := strings.Index(s, "<svg"); i >= 0 {
		s = s[i:]
	}
	return template.HTML(s)
}

// writeMetricsCSV merges every trial's series into one long-format CSV.
func writeMetricsCSV(dir string, res *Results) error {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write([]string{"experiment", "variant", "seed", "series", "step", "value"})
	for _, r := range res.Experiments {
		for _, v := range r.Variants {
			for _, t := range v.Trials {
				if t.Result == nil {
					continue
				}
				for _, name := range sortedKeys(t.Result.Series) {
					for step, x := range t.Result.Series[name] {
						w.Write([]string{r.Name, v.Key, strconv.FormatUint(t.Seed, 10), name, strconv.Itoa(step), strconv.FormatFloat(x, 'g', -1, 64)})
					}
				}
			}
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	return WriteFileAtomic(filepath.Join(dir, "metrics.csv"), buf.Bytes())
}

type reportData struct {
	*Results
	SVG map[*Plot]template.HTML
}

// Fmt formats a number for tables: 4 significant digits, NaN as "diverged".
func Fmt(x float64) string {
	switch {
	case math.IsNaN(x):
		return "n/a"
	case math.IsInf(x, 0):
		return "inf"
	case x == 0:
		return "0"
	case math.Abs(x) >= 1e5 || math.Abs(x) < 1e-3:
		return strconv.FormatFloat(x, 'e', 2, 64)
	}
	return strconv.FormatFloat(x, 'g', 4, 64)
}

// FmtSummary formats "mean ± std [ci low, ci high]".
func FmtSummary(s Summary) string {
	if s.N == 0 {
		if s.NonFinite > 0 {
			return fmt.Sprintf("diverged (%d/%d)", s.NonFinite, len(s.Values))
		}
		return "n/a"
	}
	out := Fmt(s.Mean)
	if s.N > 1 {
		out += " ± " + Fmt(s.Std) + " [" + Fmt(s.CILow) + ", " + Fmt(s.CIHigh) + "]"
	}
	if s.NonFinite > 0 {
		out += fmt.Sprintf(" (%d diverged)", s.NonFinite)
	}
	return out
}

var reportTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"fmtTime": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") },
	"fmtSecs": func(s float64) string { return strconv.FormatFloat(s, 'f', 1, 64) },
	"svg": func(m map[*Plot]template.HTML, p *Plot) template.HTML {
		return m[p]
	},
	"divergences": func(v *VariantResult) string {
		var parts []string
		for _, t := range v.Trials {
			if t.Result != nil && t.Result.Diverged {
				parts = append(parts, fmt.Sprintf("seed %d at step %d, loss %s", t.Seed, t.Result.DivergedStep, Fmt(t.Result.DivergedValue)))
			}
		}
		return strings.Join(parts, "; ")
	},
	"failures": func(v *VariantResult) string {
		var parts []string
		for _, t := range v.Trials {
			if t.Error != "" {
				parts = append(parts, fmt.Sprintf("seed %d: %s", t.Seed, t.Error))
			}
		}
		return strings.Join(parts, "; ")
	},
	"plots": func(a *Analysis) []*Plot {
		var out []*Plot
		for i := range a.Plots {
			out = append(out, &a.Plots[i])
		}
		return out
	},
	"statusClass": func(s string) string { return strings.ReplaceAll(s, " ", "-") },
	"join":        strings.Join,
	"fingerprint": (*Fingerprint).Of,
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>intercept lab report</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }
h1 { margin-bottom: 0.2em; }
h2 { border-top: 1px solid #ccc; padding-top: 1em; margin-top: 2em; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.92em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
.verdict { padding: 0.6em 0.9em; border-radius: 6px; margin: 0.8em 0; }
.supported { background: #e3f5e3; border-left: 6px solid #2e8b2e; }
.not-supported { background: #fbe4e4; border-left: 6px solid #c0392b; }
.depends { background: #fdf3dc; border-left: 6px solid #d4a017; }
.inconclusive { background: #eee; border-left: 6px solid #888; }
.status { font-weight: bold; text-transform: uppercase; font-size: 0.85em; }
.claim { font-style: italic; }
figure { margin: 1em 0; }
figure svg { max-width: 100%; height: auto; }
figcaption { font-size: 0.85em; color: #555; }
.meta td:first-child { font-weight: bold; }
.warn { color: #a33; font-weight: bold; }
code { background: #f5f5f5; padding: 0 0.2em; }
</style>
</head>
<body>
<h1>intercept lab report</h1>
<p>What the bias term of a neuron and the initialization of a network really do, measured over several seeds.
Each experiment states a claim, mostly from the document <em>Bias in neural networks</em>, and ends with a verdict.</p>
{{if .Run.Interrupted}}<p class="warn">This run was interrupted: the report shows the trials that finished.</p>{{end}}
{{if .Run.Quick}}<p class="warn">Quick mode: shorter training than the defaults, for a fast look. Verdicts can differ from a full run.</p>{{end}}
{{if .Run.Shard}}<p class="warn">This is shard {{.Run.Shard}} of a sweep: it holds only its share of the trials. Merge the shards with <code>intercept merge</code> for the full report.</p>{{end}}
<table class="meta">
<tr><td>command</td><td><code>{{.Run.Command}}</code></td></tr>
<tr><td>version</td><td>intercept {{.Run.Version}}, {{.Run.GoVersion}}, {{.Run.Platform}}, kernel {{.Run.Kernel}}</td></tr>
<tr><td>seeds</td><td>{{.Run.Seeds}}</td></tr>
<tr><td>started</td><td>{{fmtTime .Run.Started}}</td></tr>
<tr><td>elapsed</td><td>{{fmtSecs .Run.Elapsed}} s</td></tr>
{{with .Run.Merged}}<tr><td>merged from</td><td>{{range .}}<code>{{.}}</code> {{end}}</td></tr>{{end}}
{{with .Fingerprint}}<tr><td>fingerprint</td><td><code id="fingerprint">{{.SHA256}}</code> (SHA-256 of the {{.Trials}} trials' metrics, {{.Encoding}}; <code>intercept verify DIR</code> re-runs trials to check them bit for bit)</td></tr>{{end}}
</table>

<h2 id="verdicts">Verdicts</h2>
<table id="verdict-table">
<tr><th>experiment</th><th>claim</th><th>verdict</th><th>measurement</th></tr>
{{range .Experiments}}<tr><td><a href="#{{.Name}}">{{.Title}}</a></td><td class="claim">{{.Claim}}</td>
<td>{{with .Analysis}}<span class="status">{{.Verdict.Status}}</span>{{end}}</td>
<td>{{with .Analysis}}{{.Verdict.Text}}{{end}}</td></tr>
{{end}}</table>

{{range .Experiments}}{{$exp := .}}
<h2 id="{{.Name}}">{{.Title}} <small>(<code>{{.Name}}</code>)</small></h2>
<p><span class="claim">Claim: “{{.Claim}}”</span>{{if .Source}} — {{.Source}}{{end}}</p>
{{with .Analysis}}<div class="verdict {{statusClass .Verdict.Status}}"><span class="status">{{.Verdict.Status}}</span>: {{.Verdict.Text}}</div>{{end}}
{{if not .Complete}}<p class="warn">Incomplete: not every trial finished.</p>{{end}}
<p>Parameters: <code>{{join .Config " "}}</code>{{if .Data}}; data: <code>{{.Data}}</code>{{end}}; seeds: {{len .Seeds}}.</p>
{{with fingerprint $.Fingerprint .Name}}<p class="fingerprint">Fingerprint of its metrics: <code>{{.}}</code></p>{{end}}
<table>
<tr><th>variant</th><th>trials</th><th>diverged</th><th>failed</th></tr>
{{range .Variants}}<tr><td>{{.Label}}</td><td>{{len .Trials}}</td><td>{{.Diverged}}{{with divergences .}} <span class="diverged">({{.}})</span>{{end}}</td><td>{{.Failed}}{{with failures .}} <span class="failed">({{.}})</span>{{end}}</td></tr>
{{end}}</table>
{{range .Variants}}{{range .Trials}}{{if .Error}}<p class="warn">{{$exp.Name}} seed {{.Seed}} failed: {{.Error}}</p>{{end}}{{end}}{{end}}
{{with .Analysis}}
{{range .Tables}}<table><caption>{{.Title}}</caption>
<tr>{{range .Columns}}<th>{{.}}</th>{{end}}</tr>
{{range .Rows}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>
{{end}}</table>
{{end}}
{{range plots .}}<figure class="plot" id="plot-{{$exp.Name}}-{{.Name}}">{{if .Error}}<p class="plot-error">This plot could not be drawn: {{.Error}}</p>
<figcaption>{{.Title}} (its data are in results.json)</figcaption>{{else}}{{svg $.SVG .}}
<figcaption>{{.Title}} — <a href="{{.PNG}}">PNG</a>, <a href="{{.SVG}}">SVG</a></figcaption>{{end}}</figure>
{{end}}
{{range .Notes}}<p>{{.}}</p>
{{end}}
{{end}}
{{end}}
<h2>Files</h2>
<p><code>results.json</code> holds every measurement, summary and verdict; <code>metrics.csv</code> every recorded
series point (long format); <code>trials/</code> one directory per trial with <code>summary.json</code> and
<code>metrics.jsonl</code>; <code>plots/</code> every figure as PNG and SVG.
<code>intercept report DIR</code> re-renders this page from <code>results.json</code>.</p>
</body>
</html>
`))
