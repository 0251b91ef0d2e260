package train_test

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/intercept-ml/intercept/data"
	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/optim"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/safetensors"
	"github.com/intercept-ml/intercept/tensor"
	"github.com/intercept-ml/intercept/train"
)

// run is one training run on the digits with everything that makes resuming
// hard: a shuffled loader, Dropout drawing from the default generator, Adam
// (per-parameter state) and a StepLR scheduler stepped per epoch.
type run struct {
	model  *nn.Sequential
	opt    optim.Optimizer
	sched  optim.Scheduler
	lg     *rng.Generator
	tr     *train.Trainer
	losses []float64
}

// newRun builds a run. seed varies the initialization and the generators, so
// that a resumed run starts from a state unlike the saved one. With
// loaderOnDefault the loader draws from the default generator too.
func newRun(seed uint64, loaderOnDefault bool) *run {
	trainSet, _ := data.DigitsTrainTest()
	init := seeded(seed)
	r := &run{}
	r.model = nn.NewSequential(
		nn.NewLinear(64, 48, nn.WithGenerator(init)), nn.NewReLU(), nn.NewDropout(0.2),
		nn.NewLinear(48, 10, nn.WithGenerator(init)))
	r.opt = optim.NewAdam(nn.Parameters(r.model), optim.LR(3e-3))
	r.sched = optim.NewStepLR(r.opt, 1, optim.Gamma(0.7))
	r.lg = seeded(seed + 100)
	rng.ManualSeed(seed + 200)
	gens := map[string]*rng.Generator{}
	opts := []data.LoaderOption{data.Shuffle}
	if !loaderOnDefault {
		opts = append(opts, data.WithGenerator(r.lg))
		gens["loader"] = r.lg
	}
	r.tr = &train.Trainer{
		Model: r.model, Optimizer: r.opt, Scheduler: r.sched,
		Loader: data.NewLoader(trainSet, 32, opts...),
		RNG:    gens,
		OnStep: func(_ int, loss float64) error { r.losses = append(r.losses, loss); return nil },
	}
	return r
}

func sameModel(t *testing.T, a, b any) {
	t.Helper()
	sa, sb := nn.StateDictOf(a), nn.StateDictOf(b)
	if len(sa) != len(sb) {
		t.Fatalf("state dicts of %d and %d tensors", len(sa), len(sb))
	}
	for i := range sa {
		if !tensor.Equal(sa[i].Tensor, sb[i].Tensor) {
			t.Errorf("%s differs", sa[i].Name)
		}
	}
}

func sameState(t *testing.T, what string, a, b *rng.Generator) {
	t.Helper()
	sa, _ := a.MarshalBinary()
	sb, _ := b.MarshalBinary()
	if string(sa) != string(sb) {
		t.Errorf("%s generator state differs", what)
	}
}

// TestResumeBitIdentical interrupts a run at various steps (mid-epoch, on the
// last batch of an epoch, at the start of one), saves a checkpoint, loads it
// into a fresh model, optimizer, scheduler and generators, finishes the run
// and checks that every loss, every parameter and every generator state
// equals the uninterrupted run's bit for bit.
func TestResumeBitIdentical(t *testing.T) {
	const total = 100 // 45 batches per epoch (1438 examples, batch 32)
	for _, loaderOnDefault := range []bool{false, true} {
		ref := newRun(1, loaderOnDefault)
		if err := ref.tr.Run(total); err != nil {
			t.Fatal(err)
		}
		ref.tr.Close()
		refDefault := rng.Default().Clone()

		for _, k := range []int{1, 37, 44, 45, 46, 90} {
			name := "explicit loader generator"
			if loaderOnDefault {
				name = "loader on default generator"
			}
			t.Run(name+"/k="+itoa(k), func(t *testing.T) {
				path := filepath.Join(t.TempDir(), "ckpt.safetensors")
				a := newRun(1, loaderOnDefault)
				if err := a.tr.Run(k); err != nil {
					t.Fatal(err)
				}
				if err := a.tr.Save(path, map[string]string{"run": "test"}); err != nil {
					t.Fatal(err)
				}
				a.tr.Close()

				b := newRun(7, loaderOnDefault) // different init and seeds
				extra, err := b.tr.Load(path)
				if err != nil {
					t.Fatal(err)
				}
				if extra["run"] != "test" {
					t.Errorf("extra = %v", extra)
				}
				if b.tr.Steps() != k {
					t.Errorf("resumed at step %d, want %d", b.tr.Steps(), k)
				}
				if err := b.tr.Run(total); err != nil {
					t.Fatal(err)
				}
				b.tr.Close()

				got := append(a.losses, b.losses...)
				for i := range total {
					if math.Float64bits(got[i]) != math.Float64bits(ref.losses[i]) {
						t.Fatalf("step %d: loss %v, uninterrupted %v", i, got[i], ref.losses[i])
					}
				}
				sameModel(t, b.model, ref.model)
				if !loaderOnDefault {
					sameState(t, "loader", b.lg, ref.lg)
				}
				sameState(t, "default", rng.Default(), refDefault)
				if b.tr.Epoch() != ref.tr.Epoch() || b.tr.Batch() != ref.tr.Batch() {
					t.Errorf("position epoch %d batch %d, uninterrupted %d %d", b.tr.Epoch(), b.tr.Batch(), ref.tr.Epoch(), ref.tr.Batch())
				}
				if lr, want := b.opt.ParamGroups()[0].LR, ref.opt.ParamGroups()[0].LR; lr != want {
					t.Errorf("lr %v, uninterrupted %v", lr, want)
				}
			})
		}
	}
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

// TestCheckpointManualLoop uses Checkpoint directly with a hand-written loop
// that checkpoints at epoch boundaries: the generators' current states are
// all that is needed there.
func TestCheckpointManualLoop(t *testing.T) {
	trainSet, _ := data.DigitsTrainTest()
	type state struct {
		model *nn.Sequential
		opt   *optim.SGD
		drop  *rng.Generator
		lg    *rng.Generator
		ld    *data.Loader
	}
	mk := func(seed uint64) *state {
		init := seeded(seed)
		s := &state{drop: seeded(seed + 1), lg: seeded(seed + 2)}
		s.model = nn.NewSequential(nn.NewLinear(64, 32, nn.WithGenerator(init)), nn.NewReLU(),
			nn.NewDropout(0.3, nn.WithGenerator(s.drop)), nn.NewLinear(32, 10, nn.WithGenerator(init)))
		s.opt = optim.NewSGD(nn.Parameters(s.model), optim.LR(0.05), optim.Momentum(0.9), optim.Nesterov, optim.WeightDecay(1e-4))
		s.ld = data.NewLoader(trainSet, 100, data.Shuffle, data.DropLast, data.WithGenerator(s.lg))
		return s
	}
	epoch := func(s *state, step *int) {
		for x, y := range s.ld.Epoch() {
			if _, err := train.Step(*step, s.model, s.opt, train.CrossEntropy, x, y); err != nil {
				t.Fatal(err)
			}
			*step++
		}
	}
	ref := mk(3)
	refStep := 0
	for range 3 {
		epoch(ref, &refStep)
	}

	a := mk(3)
	step := 0
	epoch(a, &step)
	path := filepath.Join(t.TempDir(), "manual.safetensors")
	c := &train.Checkpoint{Model: a.model, Optimizer: a.opt, RNG: a.lg,
		Generators: map[string]*rng.Generator{"dropout": a.drop}, Step: step, Epoch: 1}
	if err := c.Save(path); err != nil {
		t.Fatal(err)
	}

	b := mk(11)
	c = &train.Checkpoint{Model: b.model, Optimizer: b.opt, RNG: b.lg,
		Generators: map[string]*rng.Generator{"dropout": b.drop}}
	if err := c.Load(path); err != nil {
		t.Fatal(err)
	}
	if c.Step != step || c.Epoch != 1 || c.Batch != 0 {
		t.Errorf("counters %d %d %d", c.Step, c.Epoch, c.Batch)
	}
	step = c.Step
	for range 2 {
		epoch(b, &step)
	}
	if step != refStep {
		t.Errorf("%d steps, want %d", step, refStep)
	}
	sameModel(t, b.model, ref.model)
	sameState(t, "loader", b.lg, ref.lg)
	sameState(t, "dropout", b.drop, ref.drop)

	// A model alone loads from a training checkpoint.
	m := mk(5).model
	if err := (&train.Checkpoint{Model: m}).Load(path); err != nil {
		t.Fatal(err)
	}
	sameModel(t, m, a.model)
}

// TestCheckpointErrors checks that bad files and mismatched objects give
// errors naming the file and the problem, and leave everything unchanged.
func TestCheckpointErrors(t *testing.T) {
	dir := t.TempDir()
	mk := func() (*nn.Sequential, *optim.Adam) {
		m := nn.NewSequential(nn.NewLinear(4, 3, nn.WithGenerator(seeded(1))))
		o := optim.NewAdam(nn.Parameters(m))
		m.Forward(tensor.Ones(2, 4)).Sum().Backward()
		o.Step()
		return m, o
	}
	m, o := mk()
	g := seeded(5)
	good := filepath.Join(dir, "good.safetensors")
	if err := (&train.Checkpoint{Model: m, Optimizer: o, RNG: g, Step: 1}).Save(good); err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("temporary files left behind: %v", ents)
	}
	raw, _ := os.ReadFile(good)

	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	truncated := write("truncated.safetensors", raw[:len(raw)-10])
	notCkpt := filepath.Join(dir, "plain.safetensors")
	if err := (&train.Checkpoint{}).Save(notCkpt); err != nil {
		t.Fatal(err)
	}
	// A plain safetensors file without the checkpoint marker.
	plain := filepath.Join(dir, "weights.safetensors")
	if err := nn.SaveSafetensors(plain, m, nil); err != nil {
		t.Fatal(err)
	}

	other := nn.NewSequential(nn.NewLinear(4, 5))
	cases := []struct {
		name, path string
		c          *train.Checkpoint
		want       string
	}{
		{"missing", filepath.Join(dir, "nope.safetensors"), &train.Checkpoint{Model: m}, "no such file"},
		{"truncated", truncated, &train.Checkpoint{Model: m}, "truncated"},
		{"not a checkpoint", plain, &train.Checkpoint{Model: m}, "not a checkpoint"},
		{"no model", notCkpt, &train.Checkpoint{Model: m}, "no model state"},
		{"no optimizer", notCkpt, &train.Checkpoint{Optimizer: o}, "no optimizer state"},
		{"no generator", good, &train.Checkpoint{Generators: map[string]*rng.Generator{"loader": seeded(0)}}, `no state for generator "loader"`},
		{"wrong shape", good, &train.Checkpoint{Model: other}, "size mismatch"},
		{"wrong optimizer", good, &train.Checkpoint{Optimizer: optim.NewSGD(nn.Parameters(m), optim.LR(1))}, "optimizer"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.c.Load(tc.path)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), filepath.Base(tc.path)) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not name the file and %q", err, tc.want)
			}
		})
	}

	// The optimizer refuses its state: the model must be restored.
	m2, _ := mk()
	tensor.NoGrad(func() { m2.At(0).(*nn.Linear).Weight.Fill(7) })
	var snap []*tensor.Tensor
	for _, nt := range nn.StateDictOf(m2) {
		snap = append(snap, nt.Tensor.Detach().Clone())
	}
	sgd := optim.NewSGD(nn.Parameters(m2), optim.LR(1))
	g2 := seeded(9)
	g2Before, _ := g2.MarshalBinary()
	if err := (&train.Checkpoint{Model: m2, Optimizer: sgd, RNG: g2}).Load(good); err == nil {
		t.Fatal("Adam state loaded into SGD")
	}
	for i, nt := range nn.StateDictOf(m2) {
		if !tensor.Equal(nt.Tensor, snap[i]) {
			t.Errorf("%s changed by a failed Load", nt.Name)
		}
	}
	if s, _ := g2.MarshalBinary(); string(s) != string(g2Before) {
		t.Error("generator changed by a failed Load")
	}

	// Save errors name the file.
	err := (&train.Checkpoint{Model: m}).Save(filepath.Join(dir, "no", "such", "dir", "c.safetensors"))
	if err == nil || !strings.Contains(err.Error(), "c.safetensors") {
		t.Errorf("Save into a missing directory: %v", err)
	}
	err = (&train.Checkpoint{Generators: map[string]*rng.Generator{"": g}}).Save(filepath.Join(dir, "e.safetensors"))
	if err == nil || !strings.Contains(err.Error(), "e.safetensors") || !strings.Contains(err.Error(), "empty name") {
		t.Errorf("Save with an unnamed generator: %v", err)
	}
}

// TestNonFiniteLoss checks that a NaN loss stops training with an error
// naming the step and the value, and that the step changed nothing.
func TestNonFiniteLoss(t *testing.T) {
	x := tensor.Ones(6, 4)
	x.Set(math.NaN(), 4, 2) // example 4 poisons its batch
	y := tensor.FromInt64([]int64{0, 1, 2, 0, 1, 2}, 6)
	model := nn.NewSequential(nn.NewLinear(4, 3, nn.WithGenerator(seeded(0))))
	opt := optim.NewSGD(nn.Parameters(model), optim.LR(0.1))
	tr := &train.Trainer{Model: model, Optimizer: opt, Loader: data.NewLoader(data.NewTensorDataset(x, y), 2)}
	defer tr.Close()

	var before []*tensor.Tensor
	err := tr.Run(10)
	var nf *train.NonFiniteLossError
	if !errors.As(err, &nf) {
		t.Fatalf("Run: %v, want a *NonFiniteLossError", err)
	}
	if nf.Step != 2 || !math.IsNaN(nf.Loss) || tr.Steps() != 2 {
		t.Errorf("error %+v after %d steps, want step 2, NaN", nf, tr.Steps())
	}
	if got := err.Error(); got != "train: step 2: loss is NaN" {
		t.Errorf("message %q", got)
	}
	for _, p := range nn.Parameters(model) {
		before = append(before, p.Detach().Clone())
		for _, v := range p.Float64s() {
			if math.IsNaN(v) {
				t.Fatal("NaN reached the parameters")
			}
		}
	}

	// Step directly: an infinite loss, parameters untouched.
	inf := func(out, _ *tensor.Tensor) *tensor.Tensor { return out.Sum().MulScalar(math.Inf(1)) }
	_, err = train.Step(41, model, opt, inf, tensor.Ones(1, 4), nil)
	if !errors.As(err, &nf) || nf.Step != 41 || !math.IsInf(nf.Loss, 0) {
		t.Fatalf("Step: %v", err)
	}
	for i, p := range nn.Parameters(model) {
		if !tensor.Equal(p, before[i]) {
			t.Error("a non-finite step changed a parameter")
		}
	}
}

// TestCheckpointLayout checks the file layout the package documents:
// prefixed state-dict keys, the optimizer's flattened state, generator
// states as U8 tensors and the counters in the metadata.
func TestCheckpointLayout(t *testing.T) {
	m := nn.NewSequential(nn.NewLinear(3, 2, nn.WithGenerator(seeded(0))))
	o := optim.NewAdam(nn.Parameters(m))
	m.Forward(tensor.Ones(1, 3)).Sum().Backward()
	o.Step()
	path := filepath.Join(t.TempDir(), "c.safetensors")
	c := &train.Checkpoint{Model: m, Optimizer: o, Scheduler: optim.NewExponentialLR(o, 0.5), RNG: seeded(1),
		Generators: map[string]*rng.Generator{"loader": seeded(2)}, Step: 1, Epoch: 2, Batch: 3,
		EpochStart: map[string][]byte{"loader": mustMarshal(t, seeded(4))}, Extra: map[string]string{"k": "v"}}
	if err := c.Save(path); err != nil {
		t.Fatal(err)
	}
	f, err := safetensors.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// The reference writer's order: by dtype (F32, then U8), then by name.
	want := []string{"model.0.bias", "model.0.weight", "optim.state.0.exp_avg", "optim.state.0.exp_avg_sq",
		"optim.state.1.exp_avg", "optim.state.1.exp_avg_sq", "epoch_start.loader", "rng", "rng.loader"}
	if got := f.Names(); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("tensors %v, want %v", got, want)
	}
	if info, _ := f.Info("rng"); info.DType != safetensors.U8 {
		t.Errorf("rng stored as %s, want U8", info.DType)
	}
	meta := f.Metadata()
	if !regexp.MustCompile(`^\{"version":2,"step":1,"epoch":2,"batch":3,"data_sha256":"[0-9a-f]{64}","header_sha256":"[0-9a-f]{64}"\}$`).MatchString(meta["checkpoint"]) || meta["extra.k"] != "v" ||
		meta["optim.optimizer"] == "" || meta["scheduler"] == "" {
		t.Errorf("metadata %v", meta)
	}
}

func mustMarshal(t *testing.T, g *rng.Generator) []byte {
	t.Helper()
	b, err := g.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b
}
