package train

import (
	"errors"
	"fmt"
	"iter"
	"maps"

	"github.com/intercept-ml/intercept/data"
	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/optim"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

// DefaultRNG is the name under which Trainer always includes rng.Default()
// among its generators.
const DefaultRNG = "default"

// Trainer trains a model on the batches of a loader, epoch after epoch, one
// [Step] per batch, and saves and resumes its whole state with checkpoints
// (see the package documentation for how a run interrupted in the middle of
// an epoch resumes exactly).
//
//	tr := &train.Trainer{Model: model, Optimizer: opt, Loader: loader,
//		RNG: map[string]*rng.Generator{"loader": g}}
//	defer tr.Close()
//	err := tr.Run(1000)
//
// The exported fields may be set before the first Run and must not be
// replaced afterwards. A Trainer is not safe for concurrent use.
type Trainer struct {
	// Model, Optimizer and Loader are required.
	Model     nn.Module
	Optimizer optim.Optimizer
	Loader    *data.Loader
	// Loss is the loss function; nil means CrossEntropy.
	Loss LossFunc
	// Scheduler, if set, is stepped at the end of every epoch. For a
	// per-batch schedule (OneCycleLR) leave it nil, step it in OnStep and
	// checkpoint it with a Checkpoint of your own.
	Scheduler optim.Scheduler
	// RNG names every generator the run draws from other than
	// rng.Default(), which is always included (as "default"): typically the
	// loader's generator (data.WithGenerator) and any generator given to
	// Dropout layers. All are saved in checkpoints, and resuming is exact
	// only if none is missing.
	RNG map[string]*rng.Generator
	// OnStep, if set, is called after every successful step with the number
	// of steps completed so far (1 after the first) and the step's loss;
	// returning an error stops Run, which returns it.
	OnStep func(step int, loss float64) error
	// Log, if set, receives every LogEvery steps (every step if LogEvery is
	// 0 or less) the loss ("loss"), each parameter group's learning rate
	// ("lr", "lr/group1", ...), and the distribution of every parameter
	// ("param/fc1.weight", "param/fc1.bias", ...) and of its gradient
	// ("grad/fc1.weight", ...) after the step, under the step's number. A
	// run that starts at step 0 also logs the initial parameters at step 0.
	// An error of Log stops Run, which returns it. Use a tboard.Writer to
	// see them in TensorBoard.
	Log      Logger
	LogEvery int

	step, epoch, batch int
	next               func() (*tensor.Tensor, *tensor.Tensor, bool)
	stop               func()
	epochStart         map[string][]byte

	// Set by Load for a checkpoint taken mid-epoch: the epoch is restarted
	// from resumeStart, resumeBatches batches are skipped, and the
	// generators are then set to resumeNow.
	resumeBatches int
	resumeStart   map[string][]byte
	resumeNow     map[string][]byte
}

// Steps returns the number of optimizer steps completed.
func (t *Trainer) Steps() int { return t.step }

// Epoch returns the number of epochs completed.
func (t *Trainer) Epoch() int { return t.epoch }

// Batch returns the number of batches of the current epoch consumed so far.
func (t *Trainer) Batch() int { return t.batch }

// generators returns every generator of the run by name.
func (t *Trainer) generators() map[string]*rng.Generator {
	gens := maps.Clone(t.RNG)
	if gens == nil {
		gens = map[string]*rng.Generator{}
	}
	if _, ok := gens[DefaultRNG]; !ok {
		gens[DefaultRNG] = rng.Default()
	}
	return gens
}

func marshalAll(gens map[string]*rng.Generator) map[string][]byte {
	out := make(map[string][]byte, len(gens))
	for name, g := range gens {
		b, err := g.MarshalBinary()
		if err != nil {
			panic(err) // MarshalBinary does not fail
		}
		out[name] = b
	}
	return out
}

func unmarshalAll(gens map[string]*rng.Generator, states map[string][]byte) error {
	for name, g := range gens {
		if err := g.UnmarshalBinary(states[name]); err != nil {
			return fmt.Errorf("generator %q: %w", name, err)
		}
	}
	return nil
}

// startEpoch begins an epoch of the loader, replaying a checkpoint's
// position if Load left one.
func (t *Trainer) startEpoch() error {
	gens := t.generators()
	if t.resumeBatches > 0 {
		if err := unmarshalAll(gens, t.resumeStart); err != nil {
			return fmt.Errorf("train: resume: %w", err)
		}
		t.epochStart = t.resumeStart
	} else {
		t.epochStart = marshalAll(gens)
	}
	t.next, t.stop = iter.Pull2(t.Loader.Epoch())
	if t.resumeBatches > 0 {
		for i := range t.resumeBatches {
			if _, _, ok := t.next(); !ok {
				t.endIteration()
				return fmt.Errorf("train: resume: the checkpoint is at batch %d of the epoch but the loader has only %d", t.resumeBatches, i)
			}
		}
		if err := unmarshalAll(gens, t.resumeNow); err != nil {
			return fmt.Errorf("train: resume: %w", err)
		}
		t.batch = t.resumeBatches
		t.resumeBatches, t.resumeStart, t.resumeNow = 0, nil, nil
	}
	return nil
}

func (t *Trainer) endIteration() {
	if t.stop != nil {
		t.stop()
	}
	t.next, t.stop = nil, nil
}

// Run trains until Steps() reaches steps, continuing where the last Run (or
// Load) left off, in the middle of an epoch if need be. It puts the model in
// training mode (nn.Train) first. An epoch ends, and the scheduler steps,
// right after its last batch, as after a for loop over a DataLoader. Run
// stops early with the error of a failed step (a *NonFiniteLossError for a NaN
// or infinite loss, after which the batch counts as consumed but no update
// was made) or of OnStep.
func (t *Trainer) Run(steps int) error {
	if t.Model == nil || t.Optimizer == nil || t.Loader == nil {
		return errors.New("train: Trainer needs a Model, an Optimizer and a Loader")
	}
	lossFn := t.Loss
	if lossFn == nil {
		lossFn = CrossEntropy
	}
	if t.Loader.Len() == 0 {
		return errors.New("train: the loader yields no batches")
	}
	nn.Train(t.Model)
	if t.Log != nil && t.step == 0 && t.step < steps {
		if err := t.logStep(0, 0); err != nil {
			return err
		}
	}
	for t.step < steps {
		if t.next == nil {
			if err := t.startEpoch(); err != nil {
				return err
			}
		}
		x, y, ok := t.next()
		if !ok { // cannot happen: epochs end below, after Loader.Len() batches
			return fmt.Errorf("train: the loader's epoch ended after %d batches, not Loader.Len() = %d", t.batch, t.Loader.Len())
		}
		t.batch++
		loss, err := Step(t.step, t.Model, t.Optimizer, lossFn, x, y)
		if err == nil {
			t.step++
			if t.Log != nil && t.step%max(t.LogEvery, 1) == 0 {
				err = t.logStep(t.step, loss)
			}
			if err == nil && t.OnStep != nil {
				err = t.OnStep(t.step, loss)
			}
		}
		if t.batch == t.Loader.Len() {
			// End the epoch as a for loop over a DataLoader does: one more
			// next(), which makes the sampler's final draws.
			if _, _, more := t.next(); more {
				return fmt.Errorf("train: the loader's epoch has more than Loader.Len() = %d batches", t.Loader.Len())
			}
			t.endIteration()
			t.epoch++
			t.batch = 0
			if t.Scheduler != nil {
				t.Scheduler.Step()
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// Close ends the loader epoch in progress, if any; Run starts a new one. Call
// it when done with a Trainer that may have stopped in the middle of an
// epoch.
func (t *Trainer) Close() {
	t.endIteration()
}

// Checkpoint returns a Checkpoint of the trainer's current state: model,
// optimizer, scheduler, counters, every generator and, in the middle of an
// epoch, the generators' states at its start.
func (t *Trainer) Checkpoint() *Checkpoint {
	c := &Checkpoint{
		Model:      t.Model,
		Optimizer:  t.Optimizer,
		Scheduler:  t.Scheduler,
		Generators: t.generators(),
		Step:       t.step,
		Epoch:      t.epoch,
		Batch:      t.batch,
	}
	switch {
	case t.resumeBatches > 0: // loaded but not yet run
		c.EpochStart = t.resumeStart
	case t.batch > 0:
		c.EpochStart = t.epochStart
	}
	return c
}

// Save writes the trainer's checkpoint (see Checkpoint) with the given extra
// metadata to path, atomically.
func (t *Trainer) Save(path string, extra map[string]string) error {
	c := t.Checkpoint()
	c.Extra = extra
	return c.Save(path)
}

// Load restores the trainer's state from a checkpoint written by Save, so
// that the next Run continues exactly as the saved run would have. The file
// must hold a state for every generator of the trainer (its RNG and
// "default"). It returns the checkpoint's extra metadata. On error the
// trainer is unchanged.
func (t *Trainer) Load(path string) (extra map[string]string, err error) {
	gens := t.generators()
	c := &Checkpoint{Model: t.Model, Optimizer: t.Optimizer, Scheduler: t.Scheduler, Generators: gens, needEpochStart: true}
	if err := c.Load(path); err != nil {
		return nil, err
	}
	t.endIteration()
	t.step, t.epoch, t.batch = c.Step, c.Epoch, 0
	t.resumeBatches, t.resumeStart, t.resumeNow = 0, nil, nil
	if c.Batch > 0 {
		t.resumeBatches = c.Batch
		t.resumeStart = c.EpochStart
		t.resumeNow = marshalAll(gens)
		t.batch = c.Batch
	}
	return c.Extra, nil
}
