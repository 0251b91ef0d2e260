package experiments

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/binary"
	"fmt"
	"io"
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
			{Name: "sizes", Default: "50,200,all", Quick: "50", Kind: lab.Strings, Help: "training-set sizes (the first N examples), or all (all digits; 2000 Fashion-MNIST images)"},
			{Name: "channels", Default: "8,16", Kind: lab.Floats, Min: 1, Max: 512, Help: "channels of the two 3×3 convolutions"},
			{Name: "steps", Default: "150", Quick: "10", Kind: lab.Int, Min: 1, Max: 1e6, Help: "Adam steps (batch 32)"},
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

// fashionLimit is how many Fashion-MNIST training images conv-bias reads
// (its "all"), fashionTest how many test images.
const (
	fashionLimit = 2000
	fashionTest  = 1000
)

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

// loadSmallFashion reads the first fashionLimit Fashion-MNIST training and
// fashionTest test images from dir, averaged from 28×28 down to 14×14, once. It reads
// only the bytes it needs: the whole set would cost more than the trials.
func loadSmallFashion(dir string) (trainSet, testSet *data.TensorDataset, err error) {
	smallFashionMu.Lock()
	defer smallFashionMu.Unlock()
	if s, ok := smallFashion[dir]; ok {
		return s.train, s.test, s.err
	}
	s := &classSet{}
	part := func(name string, limit int) *data.TensorDataset {
		if s.err != nil {
			return nil
		}
		imgs, dims, err := readIDXHead(dir, name+"-images-idx3-ubyte", 3, limit)
		if err == nil && (dims[1] != 28 || dims[2] != 28) {
			err = fmt.Errorf("fashion: %s/%s-images-idx3-ubyte: images of %d×%d, want 28×28", dir, name, dims[1], dims[2])
		}
		if err != nil {
			s.err = err
			return nil
		}
		labels, _, err := readIDXHead(dir, name+"-labels-idx1-ubyte", 1, limit)
		if err != nil {
			s.err = err
			return nil
		}
		n := min(len(imgs)/784, len(labels))
		px := make([]float32, n*196)
		for i := range n {
			for r := range 14 {
				for c := range 14 {
					at := i*784 + 2*r*28 + 2*c
					sum := float32(imgs[at])/255 + float32(imgs[at+1])/255 + float32(imgs[at+28])/255 + float32(imgs[at+29])/255
					px[i*196+r*14+c] = sum / 4
				}
			}
		}
		ys := make([]int64, n)
		for i := range n {
			if labels[i] >= numClasses {
				s.err = fmt.Errorf("fashion: %s/%s-labels-idx1-ubyte: label %d is %d, outside 0..9", dir, name, i, labels[i])
				return nil
			}
			ys[i] = int64(labels[i])
		}
		return data.NewTensorDataset(tensor.FromFloat32(px, n, 196), tensor.FromInt64(ys, n))
	}
	s.train, s.test = part("train", fashionLimit), part("t10k", fashionTest)
	smallFashion[dir] = s
	return s.train, s.test, s.err
}

// readIDXHead reads the dimensions of the uint8 IDX file dir/stem (or
// stem.gz) of nd dimensions, and the data of its first n items.
func readIDXHead(dir, stem string, nd, n int) ([]byte, []int, error) {
	path := dir + "/" + stem
	f, err := os.Open(path)
	if err != nil {
		path += ".gz"
		if f, err = os.Open(path); err != nil {
			return nil, nil, fmt.Errorf("fashion: %w", err)
		}
	}
	defer f.Close()
	var r io.Reader = bufio.NewReader(f)
	if strings.HasSuffix(path, ".gz") {
		z, err := gzip.NewReader(r)
		if err != nil {
			return nil, nil, fmt.Errorf("fashion: %s: %w", path, err)
		}
		r = z
	}
	head := make([]byte, 4+4*nd)
	if _, err := io.ReadFull(r, head); err != nil {
		return nil, nil, fmt.Errorf("fashion: %s: %w", path, err)
	}
	if head[0] != 0 || head[1] != 0 || head[2] != 0x08 || int(head[3]) != nd {
		return nil, nil, fmt.Errorf("fashion: %s: not a uint8 IDX file of %d dimensions", path, nd)
	}
	dims := make([]int, nd)
	item := 1
	for i := range dims {
		dims[i] = int(binary.BigEndian.Uint32(head[4+4*i:]))
		if i > 0 {
			item *= dims[i]
		}
	}
	buf := make([]byte, min(n, dims[0])*item)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, nil, fmt.Errorf("fashion: %s: %w", path, err)
	}
	return buf, dims, nil
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
		res.Scalars["test_acc"] = math.NaN()
		return res, nil
	}
	res.Scalars["test_acc"] = accuracy(net, testSet)
	return res, nil
}

func analyzeConvBias(r *lab.ExperimentResult) lab.Analysis {
	a := lab.Analysis{}
	margin := r.Resolved.Float("margin")
	small := r.Resolved.Int("small")
	a.Tables = append(a.Tables, scalarTable(r, "Final test accuracy (mean ± std [95% CI] over seeds)",
		[]string{"test_acc"}, []string{"test accuracy"}))
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
	mv := combineVerdict(minimalSts, "test accuracy with − without the convolutions' biases, in points: "+strings.Join(minimalParts, "; "),
		"the biases change the accuracy by less than the margin everywhere", "the biases change the accuracy by more than the margin everywhere")
	sv := combineVerdict(smallSts, "on small training sets (≤ "+strconv.Itoa(small)+" examples): "+strings.Join(smallParts, "; "),
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
		"Fashion-MNIST images are averaged from 28×28 down to 14×14; its first %d training images make up \"all\" and its first %d test images the test set, to keep the run small.", strings.Trim(strings.Join(strings.Fields(fmt.Sprint(r.Resolved.Floats("channels"))), " and "), "[]"), r.Resolved.Int("steps"), fashionLimit, fashionTest))
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
