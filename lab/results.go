package lab

import "sort"

// TrialRecord is a finished (or failed) trial as stored in results.json.
type TrialRecord struct {
	Seed   uint64       `json:"seed"`
	Result *TrialResult `json:"result,omitempty"` // nil when the trial failed
	Error  string       `json:"error,omitempty"`  // why it failed
}

// VariantResult gathers the trials of one variant over all seeds.
type VariantResult struct {
	Variant
	Trials   []TrialRecord      `json:"trials"`   // in seed order
	Scalars  map[string]Summary `json:"scalars"`  // each scalar summarized over the seeds
	Diverged int                `json:"diverged"` // trials whose loss became NaN or infinite
	Failed   int                `json:"failed"`   // trials that returned an error or panicked
}

// Scalar returns the summary of a scalar over the seeds (zero Summary when
// absent).
func (v *VariantResult) Scalar(name string) Summary { return v.Scalars[name] }

// Series returns the named series of every successful trial, in seed order.
func (v *VariantResult) Series(name string) [][]float64 {
	var out [][]float64
	for _, t := range v.Trials {
		if t.Result != nil && t.Result.Series[name] != nil {
			out = append(out, t.Result.Series[name])
		}
	}
	return out
}

// ExperimentResult is everything one experiment measured, aggregated.
type ExperimentResult struct {
	Name   string `json:"name"`
	Title  string `json:"title"`
	Claim  string `json:"claim"`
	Source string `json:"source"`
	// Group is the report section of the experiment (Experiment.Group);
	// results written before groups existed have none (see Section).
	Group    Group            `json:"group,omitempty"`
	Config   []string         `json:"config"`         // the resolved parameters as name=value
	Data     string           `json:"data,omitempty"` // the --data source, "" for the embedded default
	Seeds    []uint64         `json:"seeds"`
	Variants []*VariantResult `json:"variants"`
	// Complete is false when the run was interrupted before every trial
	// finished.
	Complete bool      `json:"complete"`
	Analysis *Analysis `json:"analysis,omitempty"`
	// Resolved is Config as the experiment's typed parameters (Resolved.Int
	// and so on), for Analyze. It is not stored: Load rebuilds it.
	Resolved Config `json:"-"`
}

// Variant returns the result of the variant with the given key, or nil.
func (r *ExperimentResult) Variant(key string) *VariantResult {
	for _, v := range r.Variants {
		if v.Key == key {
			return v
		}
	}
	return nil
}

// VariantOf returns the result of the variant of condition c, or nil.
func (r *ExperimentResult) VariantOf(c Condition) *VariantResult {
	return r.Variant(NewVariant(c).Key)
}

// Section is the report section the result belongs to: its Group, or
// Claims when it has none.
func (r *ExperimentResult) Section() Group {
	if r.Group == "" {
		return Claims
	}
	return r.Group
}

// Outcomes counts the trials of every variant: finished, diverged (among
// the finished) and failed.
func (r *ExperimentResult) Outcomes() (trials, diverged, failed int) {
	for _, v := range r.Variants {
		trials += len(v.Trials)
		diverged += v.Diverged
		failed += v.Failed
	}
	return trials, diverged, failed
}

// Aggregate fills the scalar summaries and the diverged and failed counts
// of every variant from its trials (the runner does it; a test that builds
// trials by hand calls it before Analyze).
func (r *ExperimentResult) Aggregate() {
	for _, v := range r.Variants {
		sort.Slice(v.Trials, func(i, j int) bool { return v.Trials[i].Seed < v.Trials[j].Seed })
		vals := map[string][]float64{}
		v.Diverged, v.Failed = 0, 0
		for _, t := range v.Trials {
			if t.Result == nil {
				v.Failed++
				continue
			}
			if t.Result.Diverged {
				v.Diverged++
			}
			for k, x := range t.Result.Scalars {
				vals[k] = append(vals[k], x)
			}
		}
		v.Scalars = map[string]Summary{}
		for k, xs := range vals {
			v.Scalars[k] = Summarize(xs)
		}
	}
}

// Verdict statuses.
const (
	Supported    = "supported"
	NotSupported = "not supported"
	Depends      = "depends"
	Inconclusive = "inconclusive"
)

// Verdict compares a measurement with the claim under test.
type Verdict struct {
	Status string `json:"status"` // Supported, NotSupported, Depends or Inconclusive
	Text   string `json:"text"`   // one or two sentences with the numbers
}

// Analysis is the report's content for one experiment.
type Analysis struct {
	Verdict Verdict  `json:"verdict"`          // the claim against the measurement
	Tables  []Table  `json:"tables,omitempty"` // summary tables
	Plots   []Plot   `json:"plots,omitempty"`  // figures, drawn by WriteReport
	Notes   []string `json:"notes,omitempty"`  // explanations shown under the verdict
}

// Table is a small table of the report.
type Table struct {
	Title   string     `json:"title"`
	Columns []string   `json:"columns"`
	Rows    [][]string `json:"rows"`
}

// PlotKind selects how a Plot is drawn.
type PlotKind string

// Plot kinds.
const (
	LinePlot PlotKind = "line" // one line per Line, with a confidence band when Low/High are set
	BarPlot  PlotKind = "bar"  // one bar per Line (Y[0]) with a 95% interval (Low[0], High[0])
	HistPlot PlotKind = "hist" // overlaid histograms of each Line's Values
)

// Plot describes one figure of the report.
type Plot struct {
	Name   string   `json:"name"` // file name stem, unique within the experiment
	Kind   PlotKind `json:"kind"`
	Title  string   `json:"title"`
	XLabel string   `json:"xlabel"`
	YLabel string   `json:"ylabel"`
	LogY   bool     `json:"log_y,omitempty"`
	// Lines are the plot's data; results.json leaves them out (they are
	// drawn from the trials' series, in metrics.parquet).
	Lines []Line `json:"lines,omitempty"`
	// Files are filled by the report writer: the SVG's path relative to
	// the run directory (and the PNG's, in runs written before the lab
	// drew SVG only).
	PNG string `json:"png,omitempty"`
	SVG string `json:"svg,omitempty"`
	// Error says why the plot could not be drawn (the report shows it in
	// the plot's place).
	Error string `json:"error,omitempty"`
}

// Line is one data series of a plot.
type Line struct {
	Label  string    `json:"label"`
	X      []float64 `json:"x,omitempty"`
	Y      []float64 `json:"y,omitempty"`
	Low    []float64 `json:"low,omitempty"`
	High   []float64 `json:"high,omitempty"`
	Values []float64 `json:"values,omitempty"` // HistPlot samples
	Dashed bool      `json:"dashed,omitempty"`
	// Group, if set, gives lines of one group the same colour (e.g. the
	// with- and without-bias runs of one condition, told apart by Dashed).
	Group string `json:"group,omitempty"`
}
