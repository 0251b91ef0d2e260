package train_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/safetensors"
	"github.com/intercept-ml/intercept/train"
)

// FuzzCheckpointJSON fuzzes the JSON parts of a checkpoint (the
// checkpoint entry, the optimizer state and the scheduler state) around
// valid tensors: Load must refuse or load, never panic, and a load must
// leave a usable optimizer.
func FuzzCheckpointJSON(f *testing.F) {
	fx := newStrictFixture(1)
	ts, meta := fx.o.StateDict().Flatten("optim.")
	sched := `{"kind":"ExponentialLR","last_epoch":1,"_step_count":2,"base_lrs":[0.001],"_last_lr":[0.0005]}`
	f.Add(`{"version":1,"step":1,"epoch":2,"batch":0}`, meta["optim.optimizer"], sched)
	f.Add(`{"version":1,"step":1,"epoch":2,"batch":0,"step":3}`, meta["optim.optimizer"], sched)
	f.Add(`{"version":2,"step":1,"epoch":2,"batch":0,"data_sha256":"00","header_sha256":"00"}`, `{"optimizer":"Adam"}`, `{}`)
	f.Add(`{"version":1,"step":-1,"epoch":2,"batch":0}`, `{"optimizer":"Adam","param_groups":[{"lr":"NaN"}],"steps":{"0":1}}`, `null`)
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, header, optimJSON, schedJSON string) {
		var tensors []nn.Named
		for _, nt := range nn.StateDictOf(fx.m) {
			tensors = append(tensors, nn.Named{Name: train.ModelPrefix + nt.Name, Tensor: nt.Tensor})
		}
		tensors = append(tensors, ts...)
		path := filepath.Join(dir, "c.safetensors")
		if err := safetensors.Save(path, tensors, map[string]string{"checkpoint": header, "optim.optimizer": optimJSON, "scheduler": schedJSON}); err != nil {
			return
		}
		got := newStrictFixture(2)
		got.c.RNG, got.c.Generators = nil, nil
		if err := got.c.Load(path); err != nil {
			return
		}
		// What loaded must be usable.
		got.m.Forward(onesIn()).Sum().Backward()
		func() {
			defer func() {
				if p := recover(); p != nil {
					t.Fatalf("a loaded optimizer state panics on Step: %v\nheader %q\noptim %q\nsched %q", p, header, optimJSON, schedJSON)
				}
			}()
			got.o.Step()
		}()
	})
}

// FuzzCheckpointFile fuzzes a whole checkpoint file.
func FuzzCheckpointFile(f *testing.F) {
	dir := f.TempDir()
	path := filepath.Join(dir, "seed.safetensors")
	if err := newStrictFixture(1).c.Save(path); err != nil {
		f.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	f.Add(raw)
	f.Add(raw[:len(raw)/2])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		p := filepath.Join(dir, "c.safetensors")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		_ = newStrictFixture(2).c.Load(p)
	})
}
