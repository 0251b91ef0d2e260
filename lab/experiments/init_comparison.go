package experiments

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/intercept-ml/intercept/lab"
	"github.com/intercept-ml/intercept/tensor"
	"github.com/intercept-ml/intercept/train"
)

// InitComparison trains the same network under every combination of
// weight and bias initialization.
func InitComparison() *lab.Experiment {
	return &lab.Experiment{
		Name:   "init-comparison",
		Title:  "5. Weight and bias initializations compared",
		Claim:  "Zero initialization fails completely (high loss); random normal may work but can be unstable; Xavier and He initialization balance bias and weights, which leads to better performance.",
		Source: "the document, “Now let’s compare how bias interacts with various weight initialization methods during training”",
		Group:  lab.Claims,
		Params: []lab.Param{
			{Name: "weight_inits", Default: "zeros,normal,xavier,kaiming,default", Kind: lab.Strings, Help: "weight inits"},
			{Name: "bias_inits", Default: "zeros,normal,0.1", Kind: lab.Strings, Help: "bias inits: zeros, normal (N(0, 0.1)) or a constant"},
			{Name: "hidden", Default: "128", Kind: lab.Int, Min: 1, Max: 4096, Help: "width of the two hidden layers"},
			{Name: "steps", Default: "300", Quick: "40", Kind: lab.Int, Min: 1, Max: 1e6, Help: "SGD steps (batch 64)"},
			{Name: "lr", Default: "0.05", Kind: lab.Float, Min: 1e-8, Max: 100, Help: "learning rate (plain SGD)"},
			{Name: "target_loss", Default: "0.5", Kind: lab.Float, Min: 0, Max: 1e6, Help: "loss threshold for 'steps to target'"},
		},
		Variants: func(c lab.Config) ([]lab.Variant, error) {
			return initVariants(c)
		},
		Memory:  func(c lab.Config) int64 { return mlpBytes(784, c.Int("hidden"), 2, 10, 64, 70000) },
		Run:     runInitComparison,
		Analyze: analyzeInitComparison,
	}
}

func runInitComparison(ctx context.Context, t lab.Trial) (*lab.TrialResult, error) {
	c := t.Config
	trainSet, testSet, err := loadClassification(c.Data, 0)
	if err != nil {
		return nil, err
	}
	h := c.Int("hidden")
	model := mlp(t.Gen, []int{trainSet.X().Size(1), h, h, 10}, "relu", true)
	v := t.Variant.Cond.(initCond)
	for _, l := range linears(model) {
		v.Weight.apply(l.Weight, t.Gen)
		v.Bias.apply(l.Bias, t.Gen)
	}
	res := lab.NewResult()
	res.Scalars["initial_loss"] = evalLoss(model, trainSet, train.CrossEntropy)
	tr, err := fit(ctx, model, trainSet, train.CrossEntropy,
		trainConfig{steps: c.Int("steps"), lr: c.Float("lr"), opt: "sgd", batch: 64, every: 2, maxLoss: 1e6, log: t.Log}, t.Gen)
	if err != nil {
		return nil, err
	}
	record(res, tr, "loss")
	target := c.Float("target_loss")
	reach := math.NaN()
	// a smoothed curve: the mean of the last 5 recorded losses
	for i := range tr.losses {
		lo := max(0, i-4)
		s := 0.0
		for _, v := range tr.losses[lo : i+1] {
			s += v
		}
		if s/float64(i+1-lo) < target {
			reach = tr.steps[i]
			break
		}
	}
	res.Scalars["steps_to_target"] = reach // NaN: never reached (counted in the table)
	if tr.diverged {
		res.Scalars["final_loss"] = math.Inf(1)
		res.Scalars["test_accuracy"] = math.NaN()
		// A diverged run is a network that did not learn: for the paired
		// comparisons it counts at chance level, not as a missing seed.
		res.Scalars["accuracy_or_chance"] = 1 / float64(classes(trainSet))
	} else {
		res.Scalars["final_loss"] = evalLoss(model, trainSet, train.CrossEntropy)
		res.Scalars["test_accuracy"] = accuracy(model, testSet)
		res.Scalars["accuracy_or_chance"] = res.Scalars["test_accuracy"]
	}
	return res, nil
}

// init-comparison's margins, in test accuracy: "fails completely" means at
// least zeroFailMargin below Xavier and He; "better performance" than
// N(0, 1) means at least betterMargin above it.
const (
	zeroFailMargin = 0.20
	betterMargin   = 0.02
)

func analyzeInitComparison(r *lab.ExperimentResult) lab.Analysis {
	a := lab.Analysis{}
	t := lab.Table{Title: "Per initialization (mean ± std [95% CI] over seeds; diverged runs and targets never reached are counted)",
		Columns: []string{"variant", "initial loss", "final train loss", "test accuracy", "steps to target loss", "diverged"}}
	for _, v := range r.Variants {
		t.Rows = append(t.Rows, []string{v.Label, lab.FmtSummary(v.Scalar("initial_loss")), lab.FmtSummary(v.Scalar("final_loss")),
			lab.FmtSummary(v.Scalar("test_accuracy")), lab.FmtSummaryAs(v.Scalar("steps_to_target"), "never reached"),
			fmt.Sprintf("%d of %d", v.Diverged, len(v.Trials))})
	}
	a.Tables = append(a.Tables, t)
	for _, b := range biasInits(r) {
		a.Plots = append(a.Plots, curvePlot(r, "loss-bias-"+safe(b), "Training loss by weight init, bias init "+b, "cross-entropy loss", "loss", true,
			func(v *lab.VariantResult) bool { return v.Cond.(initCond).Bias.String() == b }))
	}
	a.Plots = append(a.Plots, barPlot(r, "accuracy", "Test accuracy after training", "test accuracy", "test_accuracy"))

	// The claim's three parts, each decided by the paired rule at every
	// bias init, for Xavier and for He: zero weights fail (Xavier/He at
	// least zeroFailMargin better), N(0, 1) weights do worse (Xavier/He at
	// least betterMargin better). A diverged run counts at chance level.
	var zero, normal []decision
	for _, b := range biasInits(r) {
		bi, _ := parseBiasInits([]string{b})
		for _, w := range []weightInit{"xavier", "kaiming"} {
			good := r.VariantOf(initCond{w, bi[0]})
			if good == nil {
				continue
			}
			if z := r.VariantOf(initCond{"zeros", bi[0]}); z != nil {
				zero = append(zero, decide(fmt.Sprintf("(%s − zeros, bias %s)", w, b), z, good, "accuracy_or_chance", nil, zeroFailMargin, lab.Greater).points())
			}
			if n := r.VariantOf(initCond{"normal", bi[0]}); n != nil {
				normal = append(normal, decide(fmt.Sprintf("(%s − normal, bias %s)", w, b), n, good, "accuracy_or_chance", nil, betterMargin, lab.Greater).points())
			}
		}
	}
	a.Tables = append(a.Tables, decisionTable("Test accuracy of Xavier and He minus zero and N(0, 1) weights, paired by seed (a diverged run counts at chance level)",
		"accuracy difference", append(append([]decision(nil), zero...), normal...)))
	all := append(append([]decision(nil), zero...), normal...)
	status, held := combine(statusesOf(all))
	var parts []string
	zs, _ := combine(statusesOf(zero))
	ns, _ := combine(statusesOf(normal))
	if len(zero) > 0 {
		parts = append(parts, fmt.Sprintf("zero weights fail (Xavier and He at least %s points better): %s (%s)", trimFloat(100*zeroFailMargin), zs, summarizeDecisions(zero)))
	}
	if len(normal) > 0 {
		div, n := 0, 0
		for _, v := range r.Variants {
			if v.Cond.(initCond).Weight == "normal" {
				div += v.Diverged
				n += len(v.Trials)
			}
		}
		parts = append(parts, fmt.Sprintf("Xavier and He beat N(0, 1) weights by at least %s points: %s (%s); %d of %d N(0, 1) runs diverged", trimFloat(100*betterMargin), ns, summarizeDecisions(normal), div, n))
	}
	for _, w := range []weightInit{"zeros", "normal", "xavier", "kaiming", "default"} {
		if m, ok := meanOver(r, w, "test_accuracy"); ok {
			parts = append(parts, fmt.Sprintf("%s weights reach %.1f%% on average over the bias inits", w, 100*m))
		}
	}
	text := strings.Join(parts, "; ") + "."
	if m, ok := meanOver(r, "zeros", "test_accuracy"); ok && m > 0.15 {
		text += " Zero init does not fail completely: every hidden unit stays identical, so the network trains as if it had one unit per layer."
	}
	if status == lab.Inconclusive && held {
		status = lab.Depends
	}
	if len(all) == 0 {
		status, text = lab.Inconclusive, "the zero or normal and the Xavier or He variants are needed."
	}
	// How much does the bias init matter, given the weight init?
	spread, spreadW := 0.0, weightInit("")
	for _, v := range r.Variants {
		w := v.Cond.(initCond).Weight
		if w == "zeros" {
			continue
		}
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, u := range r.Variants {
			if u.Cond.(initCond).Weight == w && u.Scalar("test_accuracy").N > 0 {
				m := u.Scalar("test_accuracy").Mean
				lo, hi = math.Min(lo, m), math.Max(hi, m)
			}
		}
		if hi-lo > spread {
			spread, spreadW = hi-lo, w
		}
	}
	if spreadW != "" {
		text += fmt.Sprintf(" For a given (non-zero) weight init, the bias init (%s) moves the mean test accuracy by at most %.1f points (%s weights): the weight init decides, and Xavier and He set only the weights — they do not \"balance\" bias and weights.",
			strings.Join(biasInits(r), ", "), 100*spread, spreadW)
	}
	a.Verdict = lab.Verdict{Status: status, Text: text}
	return a
}

// meanOver is the mean over the bias inits of the per-variant means of
// metric under weight init w.
func meanOver(r *lab.ExperimentResult, w weightInit, metric string) (float64, bool) {
	s, n := 0.0, 0
	for _, v := range r.Variants {
		if v.Cond.(initCond).Weight == w && v.Scalar(metric).N > 0 {
			s += v.Scalar(metric).Mean
			n++
		}
	}
	if n == 0 {
		return math.NaN(), false
	}
	return s / float64(n), true
}

// classes is the number of classes of a classification set (labels 0..k-1).
func classes(ds interface{ Y() *tensor.Tensor }) int {
	return int(ds.Y().Max().Item()) + 1
}

func biasInits(r *lab.ExperimentResult) []string {
	var out []string
	seen := map[string]bool{}
	for _, v := range r.Variants {
		if b := v.Cond.(initCond).Bias.String(); !seen[b] {
			seen[b] = true
			out = append(out, b)
		}
	}
	return out
}

// initCond is a variant of ZeroInitSymmetry and InitComparison: the
// weight and the bias initialization.
type initCond struct {
	Weight weightInit
	Bias   biasInit
}

func (c initCond) Settings() []lab.Setting {
	return []lab.Setting{lab.Set("weight", string(c.Weight)), lab.Set("bias", c.Bias.String())}
}

// initVariants returns a variant for every weight_inits × bias_inits pair.
func initVariants(c lab.Config) ([]lab.Variant, error) {
	ws, err := parseWeightInits(c.Strings("weight_inits"))
	if err != nil {
		return nil, fmt.Errorf("weight_inits: %w", err)
	}
	bs, err := parseBiasInits(c.Strings("bias_inits"))
	if err != nil {
		return nil, fmt.Errorf("bias_inits: %w", err)
	}
	return variants(grid(ws, bs, func(w weightInit, b biasInit) initCond { return initCond{w, b} })), nil
}

func safe(s string) string { return strings.NewReplacer(".", "p", "-", "m").Replace(s) }
