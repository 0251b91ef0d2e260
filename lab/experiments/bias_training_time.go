package experiments

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/intercept-ml/intercept/internal/xmath"
	"github.com/intercept-ml/intercept/lab"
)

// BiasTrainingTime counts the steps an MLP needs to reach a target
// training loss, with and without bias.
func BiasTrainingTime() *lab.Experiment {
	return &lab.Experiment{
		Name:   "bias-training-time",
		Title:  "Training time without bias",
		Claim:  "If we remove bias: “The model training time could be longer than usual.”",
		Source: "the document, “What happens if we remove bias?”",
		Group:  lab.Claims,
		Params: append(mlpClaimParams("2", "", "all", "500", "80"),
			lab.Param{Name: "margin", Default: "0.1", Kind: lab.Float, Min: 0, Max: 10, Help: "relative slowdown that counts as longer (0.1: 10% more steps)"}),
		Variants: mlpClaimVariants,
		Memory:   mlpClaimMemory,
		Run:      runMLPClaim,
		Analyze:  analyzeTrainingTime,
	}
}

func analyzeTrainingTime(r *lab.ExperimentResult) lab.Analysis {
	a := lab.Analysis{}
	margin := r.Resolved.Float("margin")
	target, steps := r.Resolved.Float("target"), r.Resolved.Int("steps")
	depths, sizes := mlpConds(r)
	a.Plots = append(a.Plots, curvePlot(r, "loss", "Training loss, with (solid) and without (dashed) bias", "loss", "loss", true, nil))
	tbl := lab.Table{Title: fmt.Sprintf("Steps until the training loss (mean of the last 10 batches) reaches %s, of %d; a run that never reaches it counts as %d steps (a lower bound)", lab.Fmt(target), steps, steps),
		Columns: []string{"hidden layers", "training examples", "steps with bias", "steps without", "never reached (with / without)", "log(without / with)", "verdict"}}
	var parts []string
	var sts []string
	for _, d := range depths {
		for _, s := range sizes {
			on, off := r.VariantOf(mlpCond{d, s, true}), r.VariantOf(mlpCond{d, s, false})
			sOn, sOff := seedScalars(on, "steps_to_target"), seedScalars(off, "steps_to_target")
			p := pairSeeds("steps to target", "bias on", "bias off", sOn, sOff, math.Log)
			st := p.Decide(xmath.Log1p(margin), lab.Greater)
			never := func(v *lab.VariantResult) int {
				return countIf(seedScalars(v, "reached"), func(x float64) bool { return x == 0 })
			}
			nOn, nOff := never(on), never(off)
			ratio := xmath.Exp(p.Diff.Mean)
			tbl.Rows = append(tbl.Rows, []string{strconv.Itoa(d), sizeName(s), lab.FmtSummary(on.Scalar("steps_to_target")), lab.FmtSummary(off.Scalar("steps_to_target")),
				fmt.Sprintf("%d / %d", nOn, nOff), p.String(), st})
			parts = append(parts, fmt.Sprintf("%d hidden layers: %s steps with bias, %s without (×%s, log ratio %s; never reached %d with, %d without)",
				d, lab.Fmt(on.Scalar("steps_to_target").Mean), lab.Fmt(off.Scalar("steps_to_target").Mean), lab.Fmt(ratio), p.String(), nOn, nOff))
			sts = append(sts, st)
		}
	}
	a.Tables = append(a.Tables, tbl)
	body := fmt.Sprintf("steps to a training loss of %s (margin: %s%% more steps): %s", lab.Fmt(target), lab.Fmt(100*margin), strings.Join(parts, "; "))
	a.Verdict = combineVerdict(sts, body, "removing the bias makes training longer", "removing the bias does not make training measurably longer")
	a.Notes = append(a.Notes, "Both networks are trained with Adam on the same batches from the same weights' distribution; the paired rule compares the log of the step counts, so the margin is a ratio. Runs that never reach the target keep the step budget as their count: they are shown, not dropped, and can only shrink a measured slowdown.")
	return a
}

// combineVerdict turns per-setting statuses into one verdict with the
// lab's one rule (joinStatuses), followed by yes or no when all agree.
func combineVerdict(sts []string, body, yes, no string) lab.Verdict {
	switch st := joinStatuses(sts...); st {
	case lab.Supported:
		return lab.Verdict{Status: st, Text: body + ": " + yes + "."}
	case lab.NotSupported:
		return lab.Verdict{Status: st, Text: body + ": " + no + "."}
	default:
		return lab.Verdict{Status: st, Text: body + "."}
	}
}
