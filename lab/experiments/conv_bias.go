package experiments

import (
	"context"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/intercept-ml/intercept/data"
	"github.com/intercept-ml/intercept/lab"
	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/tensor"
	"github.com/intercept-ml/intercept/train"
)

// ConvBias trains a small CNN with and without its convolutions' biases
// over several training-set sizes, on the digits (or --data) and on
// Fashion-MNIST when it is installed.
func ConvBias() *lab.Experiment {
	return &lab.Experiment{
		Name:  "conv-bias",
		Title: "Convolution biases and small datasets",
		Claim: "“Bias has minimal impact on certain convolutional architectures.” and " +
			"“Bias can improve feature extraction for cases where the datasets are small.”",
		Source: "the document, Method 2 (“When to remove bias?”) and Method 5 (“Should you use bias in CNNs?”)",
		Group:  lab.Claims,
		Params: []lab.Param{
			{Name: "sets", Default: "digits,fashion", Kind: lab.Strings, Help: "digits (the embedded 8×8 digits, or --data) and/or fashion (Fashion-MNIST from the fashion directory, 28×28 averaged down to 14×14; skipped when not installed)"},
			{Name: "fashion", Default: "/usr/share/datasets/fashion-mnist", Kind: lab.String, Help: "directory of the Fashion-MNIST IDX files"},
			{Name: "sizes", Default: "50,200,all", Quick: "50,all", Kind: lab.Strings, Help: "training-set sizes (the first N examples), or all (all digits; 2000 Fashion-MNIST images)"},
			{Name: "channels", Default: "8,16", Kind: lab.Floats, Min: 1, Max: 512, Help: "channels of the two 3×3 convolutions"},
			{Name: "steps", Default: "200", Quick: "10", Kind: lab.Int, Min: 1, Max: 1e6, Help: "Adam steps (batch 32)"},
			{Name: "lr", Default: "0.002", Kind: lab.Float, Min: 1e-8, Max: 100, Help: "learning rate (Adam)"},
			{Name: "margin", Default: "1", Kind: lab.Float, Min: 0, Max: 100, Help: "test-accuracy points within which the bias counts as having minimal impact, and by which it must help on small sets"},
			{Name: "small", Default: "200", Kind: lab.Int, Min: 1, Max: 1e7, Help: "training sets of at most this many examples count as small"},
		},
		Variants: func(c lab.Config) ([]lab.Variant, error) {
			sizes, err := parseSizes(c.Strings("sizes"))
			if err != nil {
				return nil, err
			}
			if ch := c.Floats("channels"); len(ch) != 2 || ch[0] != math.Trunc(ch[0]) || ch[1] != math.Trunc(ch[1]) {
				return nil, fmt.Errorf("channels: want two whole numbers, got %v", ch)
			}
			var conds []convCond
			for _, set := range c.Strings("sets") {
				switch set {
				case "digits":
					if _, _, err := loadClassification(c.Data, 0); err != nil {
						return nil, err
					}
				case "fashion":
					if !fashionInstalled(c.String("fashion")) {
						continue // not installed: the analysis says so
					}
				default:
					return nil, fmt.Errorf("sets: %q is not digits or fashion", set)
				}
				for _, s := range sizes {
					for _, b := range bothBias {
						conds = append(conds, convCond{Set: set, Size: s, Bias: b})
					}
				}
			}
			if len(conds) == 0 {
				return nil, fmt.Errorf("sets: no data set available (Fashion-MNIST is not installed in %s)", c.String("fashion"))
			}
			return variants(conds), nil
		},
		Memory: func(c lab.Config) int64 {
			ch := c.Floats("channels")
			return mlpBytes(784, int(ch[0]+ch[1])*196/4, 1, 10, 32, 2*fashionLimit)
		},
		Run:     runConvBias,
		Analyze: analyzeConvBias,
	}
}

// fashionLimit is how many Fashion-MNIST training (and test) images
// conv-bias reads: its "all".
const fashionLimit = 2000

func fashionInstalled(dir string) bool {
	_, err := os.Stat(dir + "/train-images-idx3-ubyte.gz")
	if err != nil {
		_, err = os.Stat(dir + "/train-images-idx3-ubyte")
	}
	return err == nil
}

// convCond is a variant of ConvBias: the data set, the training-set size
// (0 = all) and whether the convolutions have biases.
type convCond struct {
	Set  string
	Size int
	Bias bool
}

func (c convCond) Settings() []lab.Setting {
	return []lab.Setting{lab.Set("set", c.Set), lab.Set("size", sizeName(c.Size)), lab.Set("bias", onOff(c.Bias))}
}

var (
	smallFashionMu sync.Mutex
	smallFashion   = map[string]*classSet{}
)

// loadSmallFashion reads fashionLimit Fashion-MNIST images from dir,
// averaged from 28×28 down to 14×14, once.
func loadSmallFashion(dir string) (trainSet, testSet *data.TensorDataset, err error) {
	smallFashionMu.Lock()
	defer smallFashionMu.Unlock()
	if s, ok := smallFashion[dir]; ok {
		return s.train, s.test, s.err
	}
	tr, te, err := loadDataSource("idx:"+dir, fashionLimit)
	s := &classSet{err: err}
	if err == nil {
		pool := nn.NewAvgPool2d(2)
		down := func(ds *data.TensorDataset) *data.TensorDataset {
			x, y := data.Tensors(ds)
			var small *tensor.Tensor
			tensor.NoGrad(func() { small = pool.Forward(x.Reshape(x.Size(0), 1, 28, 28)).Reshape(x.Size(0), 196).Contiguous() })
			return data.NewTensorDataset(small, y)
		}
		if tr.X().Size(1) != 784 {
			s.err = fmt.Errorf("fashion %s: want 28×28 images, got %d pixels", dir, tr.X().Size(1))
		} else {
			s.train, s.test = down(tr), down(te)
		}
	}
	smallFashion[dir] = s
	return s.train, s.test, s.err
}

// convNet is conv 3×3 → ReLU → max-pool 2 → conv 3×3 → ReLU → max-pool 2
// → Linear; only the convolutions' biases are switched.
type convNet struct {
	Body *nn.Sequential
	Side int
}

func (n *convNet) Forward(x *tensor.Tensor) *tensor.Tensor {
	return n.Body.Forward(x.Reshape(x.Size(0), 1, n.Side, n.Side))
}

func runConvBias(ctx context.Context, t lab.Trial) (*lab.TrialResult, error) {
	c := t.Config
	v := t.Variant.Cond.(convCond)
	var trainSet, testSet *data.TensorDataset
	var err error
	if v.Set == "fashion" {
		trainSet, testSet, err = loadSmallFashion(c.String("fashion"))
	} else {
		trainSet, testSet, err = loadClassification(c.Data, 0)
	}
	if err != nil {
		return nil, err
	}
	if v.Size > 0 && v.Size < trainSet.Len() {
		x, y := data.Tensors(trainSet)
		trainSet = data.NewTensorDataset(x.Narrow(0, 0, v.Size), y.Narrow(0, 0, v.Size))
	}
	in := trainSet.X().Size(1)
	side := int(math.Round(math.Sqrt(float64(in))))
	if side*side != in || side < 4 {
		return nil, fmt.Errorf("conv-bias needs square images of side ≥ 4, but the examples have %d features", in)
	}
	ch := c.Floats("channels")
	c1, c2 := int(ch[0]), int(ch[1])
	g := nn.WithGenerator(t.Gen)
	out := side / 2 / 2
	net := &convNet{Side: side, Body: nn.NewSequential(
		nn.NewConv2d(1, c1, 3, nn.Padding(1), nn.Bias(v.Bias), g), nn.NewReLU(), nn.NewMaxPool2d(2),
		nn.NewConv2d(c1, c2, 3, nn.Padding(1), nn.Bias(v.Bias), g), nn.NewReLU(), nn.NewMaxPool2d(2),
		nn.NewFlatten(), nn.NewLinear(c2*out*out, 10, g))}
	tr, err := fit(ctx, net, trainSet, train.CrossEntropy, trainConfig{steps: c.Int("steps"), lr: c.Float("lr"), opt: "adam", batch: 32, every: 5, log: t.Log}, t.Gen)
	if err != nil {
		return nil, err
	}
	res := lab.NewResult()
	record(res, tr, "loss")
	if tr.diverged {
		res.Scalars["test_acc"], res.Scalars["train_acc"] = math.NaN(), math.NaN()
		return res, nil
	}
	res.Scalars["test_acc"] = accuracy(net, testSet)
	res.Scalars["train_acc"] = accuracy(net, trainSet)
	return res, nil
}

func analyzeConvBias(r *lab.ExperimentResult) lab.Analysis {
	a := lab.Analysis{}
	margin := r.Resolved.Float("margin")
	small := r.Resolved.Int("small")
	a.Tables = append(a.Tables, scalarTable(r, "Final accuracies (mean ± std [95% CI] over seeds)",
		[]string{"test_acc", "train_acc"}, []string{"test accuracy", "training accuracy"}))
	tbl := lab.Table{Title: fmt.Sprintf("Test accuracy with − without the convolutions' biases, paired by seed, in points (margin %s)", lab.Fmt(margin)),
		Columns: []string{"data", "training examples", "with − without (points)", "minimal impact (within ±margin)?", "bias helps (small sets)?"}}
	var minimalParts, smallParts []string
	var minimalSts, smallSts []string
	seen := map[string]bool{}
	for _, v := range r.Variants {
		cc := v.Cond.(convCond)
		key := cc.Set + "/" + sizeName(cc.Size)
		if seen[key] {
			continue
		}
		seen[key] = true
		on, off := r.VariantOf(convCond{cc.Set, cc.Size, true}), r.VariantOf(convCond{cc.Set, cc.Size, false})
		p := pairSeeds("test accuracy", "bias off", "bias on", points(off, "test_acc"), points(on, "test_acc"), nil)
		minimal := map[string]string{sameWithin: lab.Supported, bigger: lab.NotSupported, smaller: lab.NotSupported, unresolved: lab.Inconclusive}[decideTwoSided(p, margin)]
		helps := "—"
		where := fmt.Sprintf("%s, %s examples", cc.Set, sizeName(cc.Size))
		if cc.Size > 0 && cc.Size <= small {
			helps = p.Decide(margin, lab.Greater)
			smallSts = append(smallSts, helps)
			smallParts = append(smallParts, fmt.Sprintf("%s %s (%s)", where, p.String(), helps))
		}
		minimalSts = append(minimalSts, minimal)
		minimalParts = append(minimalParts, fmt.Sprintf("%s %s (%s)", where, p.String(), minimal))
		tbl.Rows = append(tbl.Rows, []string{cc.Set, sizeName(cc.Size), p.String(), minimal, helps})
	}
	a.Tables = append(a.Tables, tbl)
	a.Plots = append(a.Plots, barPlot(r, "test-accuracy", "Test accuracy per data set, size and bias", "test accuracy", "test_acc"))
	mv := combine(minimalSts, "test accuracy with − without the convolutions' biases, in points: "+strings.Join(minimalParts, "; "),
		"the biases change the accuracy by less than the margin everywhere", "the biases change the accuracy by more than the margin everywhere")
	sv := combine(smallSts, "on small training sets (≤ "+strconv.Itoa(small)+" examples): "+strings.Join(smallParts, "; "),
		"the biases help", "the biases do not help by the margin")
	status := mv.Status
	if sv.Status != mv.Status {
		status = lab.Depends
	}
	a.Verdict = lab.Verdict{Status: status, Text: "Minimal impact: " + mv.Text + " Small datasets: " + sv.Text}
	if fashion := r.Resolved.String("fashion"); strings.Contains(r.Resolved.String("sets"), "fashion") && !hasSet(r, "fashion") {
		a.Notes = append(a.Notes, "Fashion-MNIST is not installed in "+fashion+", so only the digits were measured.")
	}
	a.Notes = append(a.Notes, fmt.Sprintf("The CNN: two 3×3 convolutions (padding 1) of %s channels, each followed by ReLU and 2×2 max-pooling, then a Linear classifier that keeps its bias; Adam, batch 32, %d steps whatever the training-set size. "+
		"Fashion-MNIST images are averaged from 28×28 down to 14×14 and %d of them make up \"all\", to keep the run small.", strings.Trim(strings.Join(strings.Fields(fmt.Sprint(r.Resolved.Floats("channels"))), " and "), "[]"), r.Resolved.Int("steps"), fashionLimit))
	return a
}

func hasSet(r *lab.ExperimentResult, set string) bool {
	for _, v := range r.Variants {
		if v.Cond.(convCond).Set == set {
			return true
		}
	}
	return false
}
