package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/intercept-ml/intercept/lab"
	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/nn/stats"
	"github.com/intercept-ml/intercept/optim"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

// inspectRun is `intercept inspect --run`: it builds a model from an
// architecture description, loads a safetensors file into it, runs
// forward and backward on a batch with a stats.Recorder attached and
// prints the per-layer statistics.
type inspectRun struct {
	enabled bool
	arch    string
	batch   int
	seed    uint64
	steps   int
	lr      float64
	jsonl   bool
	plots   string
}

// addInspectRunFlags adds --run and its flags to the inspect command.
func addInspectRunFlags(cmd *cobra.Command) *inspectRun {
	r := &inspectRun{}
	f := cmd.Flags()
	f.BoolVar(&r.enabled, "run", false, "run forward and backward on a batch and print per-layer activation, gradient and weight statistics (needs --arch)")
	f.StringVar(&r.arch, "arch", "", "with --run: the model, as mlp:784-256-256-10,relu[,nobias] (activations: relu, tanh, sigmoid, gelu, silu, leaky_relu, identity),\n"+
		"cnn:1x28x28-c16k3p1-m2-c32k3p1-m2-f10,relu (cN: Conv2d to N channels, kK kernel, sS stride, pP padding; mK/aK: max/avg pool; fN: Linear),\n"+
		"or a JSON file: {\"input\": [784], \"layers\": [{\"type\": \"Linear\", \"in\": 784, \"out\": 256}, {\"type\": \"ReLU\"}, ...]}")
	f.IntVar(&r.batch, "batch", 64, "with --run: batch size (inputs N(0, 1), random class labels)")
	f.Uint64Var(&r.seed, "seed", 0, "with --run: seed of the batch")
	f.IntVar(&r.steps, "steps", 1, "with --run: steps on the same batch (with --lr, each one an SGD update)")
	f.Float64Var(&r.lr, "lr", 0, "with --run: SGD learning rate of the steps (0: no update; set it to see the update-to-weight ratio)")
	f.BoolVar(&r.jsonl, "jsonl", false, "with --run: print the statistics as JSON lines instead of tables")
	f.StringVar(&r.plots, "plots", "", "with --run: also draw std-per-layer plots into this directory")
	return r
}

// archLayer is one layer of a JSON architecture description.
type archLayer struct {
	Type    string  `json:"type"`
	In      int     `json:"in"`
	Out     int     `json:"out"`
	Kernel  int     `json:"kernel"`
	Stride  int     `json:"stride"`
	Padding int     `json:"padding"`
	Bias    *bool   `json:"bias"`
	Slope   float64 `json:"negative_slope"`
	P       float64 `json:"p"`
}

type archSpec struct {
	Input  []int       `json:"input"`
	Layers []archLayer `json:"layers"`
}

// parseArch reads an architecture: a spec string or a JSON file.
func parseArch(s string) (*archSpec, error) {
	switch {
	case strings.HasPrefix(s, "mlp:"):
		return parseMLP(strings.TrimPrefix(s, "mlp:"))
	case strings.HasPrefix(s, "cnn:"):
		return parseCNN(strings.TrimPrefix(s, "cnn:"))
	case s == "":
		return nil, errors.New("--run needs --arch")
	}
	b, err := os.ReadFile(s)
	if err != nil {
		return nil, fmt.Errorf("--arch %q is neither mlp:..., cnn:... nor a readable JSON file: %w", s, err)
	}
	var a archSpec
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&a); err != nil {
		return nil, fmt.Errorf("%s: %w", s, err)
	}
	if len(a.Input) == 0 || len(a.Layers) == 0 {
		return nil, fmt.Errorf("%s: needs \"input\" (the shape of one example) and \"layers\"", s)
	}
	return &a, nil
}

// options splits "784-256-10,relu,nobias" into its sizes part and its
// activation and bias.
func archOptions(s string) (body, act string, bias bool, err error) {
	parts := strings.Split(s, ",")
	body, act, bias = parts[0], "relu", true
	for _, p := range parts[1:] {
		switch p {
		case "nobias":
			bias = false
		case "relu", "tanh", "sigmoid", "gelu", "silu", "leaky_relu", "identity":
			act = p
		default:
			return "", "", false, fmt.Errorf("unknown option %q (want an activation or nobias)", p)
		}
	}
	return body, act, bias, nil
}

func activationLayer(act string) archLayer {
	switch act {
	case "relu":
		return archLayer{Type: "ReLU"}
	case "tanh":
		return archLayer{Type: "Tanh"}
	case "sigmoid":
		return archLayer{Type: "Sigmoid"}
	case "gelu":
		return archLayer{Type: "GELU"}
	case "silu":
		return archLayer{Type: "SiLU"}
	case "leaky_relu":
		return archLayer{Type: "LeakyReLU", Slope: 0.01}
	}
	return archLayer{Type: "Identity"}
}

func parseMLP(s string) (*archSpec, error) {
	body, act, bias, err := archOptions(s)
	if err != nil {
		return nil, fmt.Errorf("mlp: %w", err)
	}
	var sizes []int
	for _, f := range strings.Split(body, "-") {
		n, err := strconv.Atoi(f)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("mlp: bad layer size %q", f)
		}
		sizes = append(sizes, n)
	}
	if len(sizes) < 2 {
		return nil, errors.New("mlp: needs at least an input and an output size (mlp:784-10)")
	}
	a := &archSpec{Input: sizes[:1]}
	for i := 0; i+1 < len(sizes); i++ {
		a.Layers = append(a.Layers, archLayer{Type: "Linear", In: sizes[i], Out: sizes[i+1], Bias: &bias})
		if i+2 < len(sizes) && act != "identity" {
			a.Layers = append(a.Layers, activationLayer(act))
		}
	}
	return a, nil
}

func parseCNN(s string) (*archSpec, error) {
	body, act, bias, err := archOptions(s)
	if err != nil {
		return nil, fmt.Errorf("cnn: %w", err)
	}
	toks := strings.Split(body, "-")
	var in []int
	for _, d := range strings.Split(toks[0], "x") {
		n, err := strconv.Atoi(d)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("cnn: the first item is the input shape CxHxW, got %q", toks[0])
		}
		in = append(in, n)
	}
	if len(in) != 3 {
		return nil, fmt.Errorf("cnn: the input shape is CxHxW, got %q", toks[0])
	}
	a := &archSpec{Input: in}
	c, h, w := in[0], in[1], in[2]
	flat := false
	for i, t := range toks[1:] {
		last := i == len(toks)-2
		if t == "" {
			return nil, fmt.Errorf("cnn: empty item in %q", body)
		}
		num := func(s string) (map[byte]int, error) {
			m := map[byte]int{}
			for len(s) > 0 {
				k := s[0]
				j := 1
				for j < len(s) && s[j] >= '0' && s[j] <= '9' {
					j++
				}
				n, err := strconv.Atoi(s[1:j])
				if err != nil {
					return nil, fmt.Errorf("cnn: bad item %q", t)
				}
				m[k] = n
				s = s[j:]
			}
			return m, nil
		}
		m, err := num(t)
		if err != nil {
			return nil, err
		}
		switch t[0] {
		case 'c':
			if flat {
				return nil, fmt.Errorf("cnn: convolution %q after a fully connected layer", t)
			}
			k, st, p := m['k'], max(m['s'], 1), m['p']
			if k <= 0 {
				return nil, fmt.Errorf("cnn: %q needs a kernel size (c16k3)", t)
			}
			a.Layers = append(a.Layers, archLayer{Type: "Conv2d", In: c, Out: m['c'], Kernel: k, Stride: st, Padding: p, Bias: &bias})
			c, h, w = m['c'], (h+2*p-k)/st+1, (w+2*p-k)/st+1
		case 'm', 'a':
			k := m[t[0]]
			typ := "MaxPool2d"
			if t[0] == 'a' {
				typ = "AvgPool2d"
			}
			a.Layers = append(a.Layers, archLayer{Type: typ, Kernel: k})
			h, w = h/k, w/k
			continue
		case 'f':
			if !flat {
				a.Layers = append(a.Layers, archLayer{Type: "Flatten"})
				flat = true
				c, h, w = c*h*w, 1, 1
			}
			a.Layers = append(a.Layers, archLayer{Type: "Linear", In: c, Out: m['f'], Bias: &bias})
			c = m['f']
		default:
			return nil, fmt.Errorf("cnn: unknown item %q (cN..., mK, aK or fN)", t)
		}
		if !last && act != "identity" {
			a.Layers = append(a.Layers, activationLayer(act))
		}
	}
	return a, nil
}

// build makes the model: a Sequential named as PyTorch's nn.Sequential of
// the same layers ("0.weight", "2.bias", ...).
func (a *archSpec) build() (*nn.Sequential, error) {
	s := nn.NewSequential()
	for i, l := range a.Layers {
		bias := l.Bias == nil || *l.Bias
		var m nn.Module
		switch l.Type {
		case "Linear":
			m = nn.NewLinear(l.In, l.Out, nn.Bias(bias))
		case "Conv2d":
			m = nn.NewConv2d(l.In, l.Out, l.Kernel, nn.Stride(max(l.Stride, 1)), nn.Padding(l.Padding), nn.Bias(bias))
		case "MaxPool2d":
			m = nn.NewMaxPool2d(l.Kernel)
		case "AvgPool2d":
			m = nn.NewAvgPool2d(l.Kernel)
		case "BatchNorm1d":
			m = nn.NewBatchNorm1d(l.In)
		case "BatchNorm2d":
			m = nn.NewBatchNorm2d(l.In)
		case "LayerNorm":
			m = nn.NewLayerNorm([]int{l.In})
		case "Dropout":
			m = nn.NewDropout(l.P)
		case "Flatten":
			m = nn.NewFlatten()
		case "ReLU", "Tanh", "Sigmoid", "GELU", "SiLU", "Identity", "LeakyReLU":
			m = activationModule(l)
		default:
			return nil, fmt.Errorf("layer %d: unknown type %q", i, l.Type)
		}
		s.Append(m)
	}
	return s, nil
}

func activationModule(l archLayer) nn.Module {
	switch l.Type {
	case "ReLU":
		return nn.NewReLU()
	case "Tanh":
		return nn.NewTanh()
	case "Sigmoid":
		return nn.NewSigmoid()
	case "GELU":
		return nn.NewGELU()
	case "SiLU":
		return nn.NewSiLU()
	case "LeakyReLU":
		slope := l.Slope
		if slope == 0 {
			slope = 0.01
		}
		return nn.NewLeakyReLU(slope)
	}
	return nn.NewIdentity()
}

// run does the work of `inspect --run` on the model file path.
func (r *inspectRun) run(w io.Writer, path string) error {
	a, err := parseArch(r.arch)
	if err != nil {
		return usageError{err}
	}
	if r.batch < 1 || r.steps < 1 {
		return usageError{errors.New("--batch and --steps must be positive")}
	}
	var model *nn.Sequential
	err = func() (err error) {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("%v", p)
			}
		}()
		model, err = a.build()
		return err
	}()
	if err != nil {
		return usageError{fmt.Errorf("--arch: %w", err)}
	}
	if err := nn.LoadSafetensors(model, path, true); err != nil {
		return fmt.Errorf("%s does not fit --arch %s: %w\nthe architecture expects:\n%s", path, r.arch, err, stateKeys(model))
	}
	g := rng.NewGenerator()
	g.ManualSeed(r.seed)
	x := g.Randn(append([]int{r.batch}, a.Input...)...)
	var opt optim.Optimizer
	if r.lr > 0 {
		opt = optim.NewSGD(nn.Parameters(model), optim.LR(r.lr))
	}
	rec := stats.Attach(model)
	defer rec.Close()
	var losses []float64
	var labels *tensor.Tensor
	err = func() (err error) {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("running the model on a batch of shape %v: %v", x.Shape(), p)
			}
		}()
		for range r.steps {
			for _, p := range nn.Parameters(model) {
				p.Grad = nil
			}
			out := model.Forward(x)
			var loss *tensor.Tensor
			if out.Dim() == 2 && out.Size(1) > 1 {
				if labels == nil {
					y := g.Randperm(r.batch)
					for i := range y {
						y[i] %= int64(out.Size(1))
					}
					labels = tensor.FromInt64(y)
				}
				loss = nn.CrossEntropyLoss(out, labels)
			} else {
				loss = out.Mul(out).Mean()
			}
			losses = append(losses, loss.Item())
			loss.Backward()
			if opt != nil {
				opt.Step()
			}
			rec.Step()
		}
		return nil
	}()
	if err != nil {
		return err
	}
	steps := rec.Steps()
	if r.jsonl {
		if err := rec.WriteJSONL(w); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(w, "%s\n\nbatch of %d inputs N(0, 1) of shape %v (seed %d), loss %.4g (%s)\n\n", nn.Repr(model), r.batch, a.Input, r.seed,
			losses[0], lossName(labels))
		for i, s := range steps {
			if i != 0 && i != len(steps)-1 {
				continue
			}
			if len(steps) > 1 {
				fmt.Fprintf(w, "step %d (loss %.4g):\n", s.Step, losses[i])
			}
			if err := stats.WriteTable(w, s); err != nil {
				return err
			}
		}
		fmt.Fprintln(w, "\nact: output of the layer; grad: gradient of the loss w.r.t. that output; update/w: std of SGD's update over std\n"+
			"of the weight (about 1e-3 is healthy); dead: ReLU units positive for no input of the batch; saturated: tanh\n"+
			"outputs beyond ±0.99, sigmoid outputs beyond 0.01 or 0.99.")
	}
	if r.plots != "" {
		if err := os.MkdirAll(r.plots, 0o755); err != nil {
			return err
		}
		for _, p := range lab.StatsPlots(strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)), steps) {
			svg, _, err := lab.WritePlot(r.plots, &p)
			if err != nil {
				return err
			}
			if !r.jsonl {
				fmt.Fprintln(w, "plot:", svg)
			}
		}
	}
	return nil
}

// stateKeys lists the state-dict keys and shapes of m, one a line.
func stateKeys(m any) string {
	var b strings.Builder
	for _, e := range nn.StateDictOf(m) {
		fmt.Fprintf(&b, "  %s %v\n", e.Name, e.Tensor.Shape())
	}
	return b.String()
}

func lossName(labels *tensor.Tensor) string {
	if labels != nil {
		return "cross-entropy against random labels"
	}
	return "mean of the squared outputs"
}
