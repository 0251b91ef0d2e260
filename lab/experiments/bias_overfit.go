package experiments

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/intercept-ml/intercept/lab"
)

// BiasOverfit compares the gap between training and test accuracy, and
// the test accuracy, of an MLP with and without bias on small and full
// training sets.
func BiasOverfit() *lab.Experiment {
	return &lab.Experiment{
		Name:  "bias-overfit",
		Title: "Overfitting without bias",
		Claim: "“Without the use of bias in neural networks, the model may struggle to fit the data properly, which limits its ability to learn complex relationships. Therefore, it leads to overfitting.” " +
			"and “The learning of the network might be affected as it may result in learning a less optimal solution.”",
		Source: "the document, FAQ 4 (“What happens if bias is not used in a neural network?”) and “What happens if we remove bias?”",
		Group:  lab.Claims,
		Params: append(mlpClaimParams("2", "", "100,300,all", "400", "60"),
			lab.Param{Name: "margin", Default: "1", Kind: lab.Float, Min: 0, Max: 100, Help: "accuracy points that count as a larger gap or a worse solution"}),
		Variants: mlpClaimVariants,
		Memory:   mlpClaimMemory,
		Run:      runMLPClaim,
		Analyze:  analyzeOverfit,
	}
}

func analyzeOverfit(r *lab.ExperimentResult) lab.Analysis {
	a := lab.Analysis{}
	margin := r.Resolved.Float("margin")
	depths, sizes := mlpConds(r)
	a.Tables = append(a.Tables, scalarTable(r, "Final results (mean ± std [95% CI] over seeds)",
		[]string{"train_acc", "test_acc", "gap", "train_loss", "test_loss"}, []string{"training accuracy", "test accuracy", "train − test accuracy", "training loss", "test loss"}))
	tbl := lab.Table{Title: fmt.Sprintf("Without − with bias, paired by seed, in points (margin %s)", lab.Fmt(margin)),
		Columns: []string{"hidden layers", "training examples", "train−test gap, without − with", "overfits more without?", "test accuracy, without − with", "worse solution without?"}}
	var gapParts, accParts []string
	var gapSts, accSts []string
	for _, d := range depths {
		for _, s := range sizes {
			on, off := r.VariantOf(mlpCond{d, s, true}), r.VariantOf(mlpCond{d, s, false})
			pg := pairSeeds("train-test gap", "bias on", "bias off", points(on, "gap"), points(off, "gap"), nil)
			pa := pairSeeds("test accuracy", "bias on", "bias off", points(on, "test_acc"), points(off, "test_acc"), nil)
			sg, sa := pg.Decide(margin, lab.Greater), pa.Decide(margin, lab.Less)
			tbl.Rows = append(tbl.Rows, []string{strconv.Itoa(d), sizeName(s), pg.String(), sg, pa.String(), sa})
			where := fmt.Sprintf("%s examples", sizeName(s))
			if len(depths) > 1 {
				where = fmt.Sprintf("%d hidden layers, %s", d, where)
			}
			gapParts = append(gapParts, fmt.Sprintf("%s %s (%s)", where, pg.String(), sg))
			accParts = append(accParts, fmt.Sprintf("%s %s (%s)", where, pa.String(), sa))
			gapSts, accSts = append(gapSts, sg), append(accSts, sa)
		}
	}
	a.Tables = append(a.Tables, tbl)
	a.Plots = append(a.Plots, barPlot(r, "gap", "Training − test accuracy per variant", "train − test accuracy", "gap"),
		curvePlot(r, "loss", "Training loss, with (solid) and without (dashed) bias", "loss", "loss", true, nil))
	gv := combineVerdict(gapSts, "the train − test accuracy gap, without − with bias, in points: "+strings.Join(gapParts, "; "),
		"the network without bias overfits more", "the network without bias does not overfit more")
	av := combineVerdict(accSts, "test accuracy without − with bias: "+strings.Join(accParts, "; "),
		"without bias the solution is worse", "without bias the solution is not measurably worse")
	status := gv.Status
	if av.Status != gv.Status {
		status = lab.Depends
		if gv.Status == lab.Inconclusive && av.Status == lab.Inconclusive {
			status = lab.Inconclusive
		}
	}
	a.Verdict = lab.Verdict{Status: status, Text: "Overfitting: " + gv.Text + " Less optimal solution: " + av.Text}
	a.Notes = append(a.Notes, "The training sets are the first N training examples; every network is trained with Adam on the same batches for the same number of steps, long enough at the small sizes to fit the training set. "+
		"The gap is training accuracy minus test accuracy; the paired rule compares it between the networks with and without bias seed by seed.")
	return a
}
