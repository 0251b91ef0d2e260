package lab

import (
	"bytes"
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
// writes. Version 2 holds aggregates and each trial's scalars, not the
// trials' series (those are in the trials' files under trials/ and in
// metrics.parquet); version 1 (and files without a version) held the
// series too, and is still read.
const ResultsFormat = 2

// Results is the content of results.json.
type Results struct {
	// Format is the file's format version (ResultsFormat). Files written
	// before versioning have none and are read as version 1; versions 1
	// and 2 are read, any other is refused.
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
	switch r.Format {
	case 0:
		r.Format = 1
	case 1, 2:
	default:
		return nil, fmt.Errorf("%s: results format version %d, this intercept reads versions 1 and 2 (use the intercept that wrote it)", path, r.Format)
	}
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
//
// The experiments are analyzed in parallel (each Analyze function reads
// only its own result).
func Analyze(reg *Registry, results []*ExperimentResult) {
	next := make(chan *ExperimentResult)
	var wg sync.WaitGroup
	for w := 0; w < min(runtime.GOMAXPROCS(0), len(results)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range next {
				analyze1(reg, r)
			}
		}()
	}
	for _, r := range results {
		next <- r
	}
	close(next)
	wg.Wait()
}

// analyze1 is Analyze for one result.
func analyze1(reg *Registry, r *ExperimentResult) {
	e := reg.Get(r.Name)
	if e == nil || e.Analyze == nil {
		return
	}
	if v := unknownVariant(r); v != "" {
		r.Analysis = &Analysis{Verdict: Verdict{Inconclusive, fmt.Sprintf("variant %q is not one this version of %s defines, so the results cannot be analyzed.", v, r.Name)}}
		return
	}
	defer func() {
		if p := recover(); p != nil {
			r.Analysis = &Analysis{Verdict: Verdict{Inconclusive, fmt.Sprintf("the analysis failed: %v", p)}}
		}
	}()
	a := e.Analyze(r)
	guardVerdict(r, &a)
	r.Analysis = &a
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

// WriteReport writes report.html, results.json, metrics.parquet and the
// plots (plots/*.svg) into dir. Every file is written atomically.
func WriteReport(dir string, res *Results) error { return writeReport(dir, res, true) }

// writeReport is WriteReport; with withResults false it leaves
// results.json alone (a re-rendering never rewrites the file it read).
//
// The plots are drawn in memory, in parallel, while metrics.parquet is
// encoded; then results.json, metrics.parquet and report.html are written
// and synced, the plots renamed into place without a sync (`intercept
// report DIR` draws them again).
func writeReport(dir string, res *Results, withResults bool) error {
	if err := os.MkdirAll(filepath.Join(dir, "plots"), 0o755); err != nil {
		return err
	}
	res.Fingerprint = NewFingerprint(res.Experiments)
	type job struct {
		exp string
		p   *Plot
		svg []byte
		err error
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
	var metrics []byte
	var metricsErr error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		metrics, metricsErr = encodeMetrics(res)
	}()
	next := make(chan *job)
	for w := 0; w < min(runtime.GOMAXPROCS(0), len(jobs)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range next {
				j.svg, _, j.err = render(j.p, false)
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
		p.SVG = filepath.ToSlash(filepath.Join("plots", safeName(j.exp+"-"+p.Name)+".svg"))
		svgs[p] = inlineSVG(j.svg)
	}
	// The numbers first: whatever happens to the plots' files,
	// results.json and metrics.parquet are on disk.
	if withResults {
		if err := writeResultsJSON(dir, res); err != nil {
			return err
		}
	}
	if metricsErr != nil {
		return fmt.Errorf("encoding %s: %w", MetricsFile, metricsErr)
	}
	if err := WriteFileAtomic(filepath.Join(dir, MetricsFile), metrics); err != nil {
		return err
	}
	for _, j := range jobs {
		if j.err == nil {
			if err := writeFileRenamed(filepath.Join(dir, j.p.SVG), j.svg); err != nil {
				return err
			}
		}
	}
	var html bytes.Buffer
	if err := reportTemplate.Execute(&html, reportData{res, svgs}); err != nil {
		return fmt.Errorf("rendering report.html: %w", err)
	}
	return WriteFileAtomic(filepath.Join(dir, "report.html"), html.Bytes())
}

// writeResultsJSON writes results.json in format ResultsFormat: compact
// JSON, each trial with its scalars but not its series, each plot with its
// title, labels and file but not its data (drawn from the trials' series,
// which metrics.parquet holds).
func writeResultsJSON(dir string, res *Results) error {
	out := *res
	out.Format = ResultsFormat
	out.Experiments = make([]*ExperimentResult, len(res.Experiments))
	for i, r := range res.Experiments {
		rc := *r
		rc.Variants = make([]*VariantResult, len(r.Variants))
		for k, v := range r.Variants {
			vc := *v
			vc.Trials = make([]TrialRecord, len(v.Trials))
			for n, t := range v.Trials {
				if t.Result != nil {
					tr := *t.Result
					tr.Series = nil
					t.Result = &tr
				}
				vc.Trials[n] = t
			}
			rc.Variants[k] = &vc
		}
		if r.Analysis != nil {
			a := *r.Analysis
			a.Plots = make([]Plot, len(r.Analysis.Plots))
			for k, p := range r.Analysis.Plots {
				p.Lines = nil
				a.Plots[k] = p
			}
			rc.Analysis = &a
		}
		out.Experiments[i] = &rc
	}
	b, err := json.Marshal(&out)
	if err != nil {
		return fmt.Errorf("encoding results.json: %w", err)
	}
	return WriteFileAtomic(filepath.Join(dir, "results.json"), append(b, '\n'))
}

// inlineSVG strips the XML prolog so the SVG can sit inside HTML.
func inlineSVG(svg []byte) template.HTML {
	s := string(svg)
	if i := strings.Index(s, "<svg"); i >= 0 {
		s = s[i:]
	}
	return template.HTML(s)
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

// FmtSummary formats "mean ± std [ci low, ci high]", followed by the
// number of seeds whose value was not finite, as diverged.
func FmtSummary(s Summary) string { return FmtSummaryAs(s, "diverged") }

// FmtSummaryAs is FmtSummary naming what a non-finite value means for this
// quantity ("diverged", "never reached"): the statistics are over the
// finite values, and the others are counted, "(2 of 10 never reached)".
func FmtSummaryAs(s Summary, nonFinite string) string {
	if s.N == 0 {
		if s.NonFinite > 0 {
			return fmt.Sprintf("%s (%d/%d)", nonFinite, s.NonFinite, len(s.Values))
		}
		return "n/a"
	}
	out := Fmt(s.Mean)
	if s.N > 1 {
		out += " ± " + Fmt(s.Std) + " [" + Fmt(s.CILow) + ", " + Fmt(s.CIHigh) + "]"
	}
	if s.NonFinite > 0 {
		out += fmt.Sprintf(" (%d of %d %s)", s.NonFinite, len(s.Values), nonFinite)
	}
	return out
}

// reportGroups returns the report's sections in order (Claims, Literature,
// then any other group), each with its experiments in registration order.
func reportGroups(exps []*ExperimentResult) []reportGroup {
	var out []reportGroup
	index := map[Group]int{}
	for _, g := range []Group{Claims, Literature} {
		index[g] = len(out)
		out = append(out, reportGroup{Group: g})
	}
	for _, e := range exps {
		g := e.Section()
		i, ok := index[g]
		if !ok {
			i = len(out)
			index[g] = i
			out = append(out, reportGroup{Group: g})
		}
		out[i].Experiments = append(out[i].Experiments, e)
	}
	var kept []reportGroup
	for _, g := range out {
		if len(g.Experiments) > 0 {
			kept = append(kept, g)
		}
	}
	return kept
}

// reportGroup is one section of the report.
type reportGroup struct {
	Group       Group
	Experiments []*ExperimentResult
}

// ID is the section's HTML anchor, "group-claims".
func (g reportGroup) ID() string { return "group-" + safeName(string(g.Group)) }

// Title is the section's heading.
func (g reportGroup) Title() string { return g.Group.Title() }

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
	"groups":      reportGroups,
	"outcomes": func(r *ExperimentResult) string {
		n, d, f := r.Outcomes()
		s := fmt.Sprintf("%d trials", n)
		if d > 0 {
			s += fmt.Sprintf(", %d diverged", d)
		}
		if f > 0 {
			s += fmt.Sprintf(", %d failed", f)
		}
		return s
	},
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
h2 { border-top: 3px solid #888; padding-top: 1em; margin-top: 2.5em; }
h3 { border-top: 1px solid #ccc; padding-top: 1em; margin-top: 2em; font-size: 1.3em; }
ul.glance { list-style: none; padding-left: 0; }
ul.glance li { margin: 0.25em 0; }
.badge { display: inline-block; min-width: 8.5em; text-align: center; padding: 0.1em 0.5em; border-radius: 4px; font-weight: bold; font-size: 0.8em; text-transform: uppercase; color: #fff; }
.badge.supported { background: #2e8b2e; }
.badge.not-supported { background: #c0392b; }
.badge.depends { background: #b8860b; }
.badge.inconclusive { background: #777; }
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
Each experiment states a claim, from the document <em>Bias in neural networks</em> or from the literature, and ends with a
verdict decided on the 95% confidence interval of the paired, same-seed difference against a margin the experiment states:
<em>supported</em> when the interval clears the margin, <em>not supported</em> when it lies within the margin or on the other
side (never from fewer than 10 seeds), <em>inconclusive</em> otherwise; <em>depends</em> when the answer differs across a
swept setting. Diverged runs and targets never reached are counted and shown, not dropped.</p>
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

<h2 id="at-a-glance">At a glance</h2>
<ul id="glance" class="glance">
{{range .Experiments}}<li><span class="badge {{with .Analysis}}{{statusClass .Verdict.Status}}{{else}}inconclusive{{end}}">{{with .Analysis}}{{.Verdict.Status}}{{else}}no verdict{{end}}</span> <a href="#{{.Name}}">{{.Title}}</a> <small>({{.Section.Title}}; {{outcomes .}})</small></li>
{{end}}</ul>
{{range groups .Experiments}}
<h2 id="{{.ID}}" class="group">{{.Title}}</h2>
<table id="verdict-table-{{.Group}}" class="verdict-table">
<tr><th>experiment</th><th>claim</th><th>verdict</th><th>measurement</th><th>runs</th></tr>
{{range .Experiments}}<tr><td><a href="#{{.Name}}">{{.Title}}</a></td><td class="claim">{{.Claim}}</td>
<td>{{with .Analysis}}<span class="status badge {{statusClass .Verdict.Status}}">{{.Verdict.Status}}</span>{{end}}</td>
<td>{{with .Analysis}}{{.Verdict.Text}}{{end}}</td><td>{{outcomes .}}</td></tr>
{{end}}</table>
{{range .Experiments}}{{$exp := .}}
<h3 id="{{.Name}}" class="experiment">{{.Title}} <small>(<code>{{.Name}}</code>)</small></h3>
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
<figcaption>{{.Title}} (its data are in metrics.parquet)</figcaption>{{else}}{{svg $.SVG .}}
<figcaption>{{.Title}} — <a href="{{.SVG}}">SVG</a></figcaption>{{end}}</figure>
{{end}}
{{range .Notes}}<p>{{.}}</p>
{{end}}
{{end}}
{{end}}
{{end}}
<h2>Files</h2>
<p><code>results.json</code> holds every summary, each trial's scalars and the verdicts; <code>metrics.parquet</code>
every recorded number once (series points and scalars, long format: experiment, variant, seed, kind, metric, step,
value; <code>pandas.read_parquet</code>, polars or DuckDB read it directly); <code>trials/</code> what <code>--resume</code>,
<code>merge</code> and <code>report</code> read back: one Parquet file per experiment once its trials finished, one per trial
until then; <code>plots/</code> every
figure as SVG. <code>intercept report DIR</code> re-renders this page from <code>results.json</code> and the
trials.</p>
</body>
</html>
`))
