package data

import (
	"fmt"
	"iter"

	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

// Loader iterates over a dataset in batches, like torch.utils.data.DataLoader
// with num_workers=0 in PyTorch 1.13. Make one with [NewLoader]; each range
// over [Loader.Epoch] is one epoch.
//
// Random draws mirror PyTorch exactly, so the same seed gives the same batches
// and leaves the generator in the same state. With generator g (the default
// generator unless [WithGenerator] was given), every epoch
//
//  1. draws the worker base seed, g.DataLoaderSeed(), even without shuffling
//     (PyTorch draws it whether or not there are workers);
//  2. with [Shuffle], on the default generator: draws a second
//     DataLoaderSeed, seeds a fresh generator with it and takes that
//     generator's Randperm(n) as the order (RandomSampler without a
//     generator); with [Shuffle] and an explicit g: takes g.Randperm(n)
//     (RandomSampler(generator=g));
//  3. with an explicit g and [Shuffle], when the order is used up, draws one
//     more Randperm(n) from g and discards it: RandomSampler's trailing
//     randperm(n)[:0]. It happens when the epoch is run to its end (before
//     the last batch if that one is partial), not if the loop breaks early.
//
// A Loader is not safe for concurrent use, nor is its generator; a Loader on
// the default generator may run beside other users of that generator, but
// then the numbers each receives depend on the interleaving.
type Loader struct {
	ds        Dataset
	batchSize int
	shuffle   bool
	dropLast  bool
	gen       *rng.Generator
	collate   CollateFunc
}

// LoaderOption configures [NewLoader]: [Shuffle], [DropLast], [WithGenerator]
// and [WithCollate] (DataLoader's keyword arguments).
type LoaderOption interface{ applyLoader(*Loader) }

// loaderFunc is a LoaderOption that sets one field of the loader.
type loaderFunc func(*Loader)

func (f loaderFunc) applyLoader(l *Loader) { f(l) }

// Shuffle makes every epoch visit the examples in a new random order
// (DataLoader's shuffle=True).
var Shuffle LoaderOption = loaderFunc(func(l *Loader) { l.shuffle = true })

// DropLast drops the last batch of an epoch if it is smaller than the batch
// size (DataLoader's drop_last=True).
var DropLast LoaderOption = loaderFunc(func(l *Loader) { l.dropLast = true })

// WithGenerator makes the loader draw from g instead of the default generator
// (DataLoader's generator=g). See [Loader] for the draws.
func WithGenerator(g *rng.Generator) LoaderOption {
	return loaderFunc(func(l *Loader) { l.gen = g })
}

// WithCollate builds every batch by calling Get for each example and merging
// the examples with fn (DataLoader's collate_fn), instead of [Collate] or the
// dataset's own [Batcher].
func WithCollate(fn CollateFunc) LoaderOption {
	return loaderFunc(func(l *Loader) { l.collate = fn })
}

// NewLoader returns a loader over ds that yields batches of batchSize
// examples. By default, as in PyTorch, it keeps the dataset's order and
// yields a smaller last batch; see [Shuffle], [DropLast], [WithGenerator] and
// [WithCollate]. It panics if batchSize < 1.
func NewLoader(ds Dataset, batchSize int, opts ...LoaderOption) *Loader {
	if batchSize < 1 {
		panic(fmt.Sprintf("data: NewLoader: batch size must be positive, got %d", batchSize))
	}
	l := &Loader{ds: ds, batchSize: batchSize}
	for _, o := range opts {
		o.applyLoader(l)
	}
	return l
}

// Dataset returns the loader's dataset.
func (l *Loader) Dataset() Dataset { return l.ds }

// BatchSize returns the number of examples per batch.
func (l *Loader) BatchSize() int { return l.batchSize }

// Len returns the number of batches in an epoch, like len(DataLoader).
func (l *Loader) Len() int {
	n := l.ds.Len()
	if l.dropLast {
		return n / l.batchSize
	}
	return (n + l.batchSize - 1) / l.batchSize
}

// Epoch returns one epoch of batches: each range over it is one
// iter(DataLoader) and makes that epoch's random draws when the range starts.
// It yields the inputs x and targets y of each batch (y nil for unlabelled
// data), built by the dataset's [Batcher] if it has one and no [WithCollate]
// was given, otherwise by collating its examples. For step-by-step use, pull
// batches with iter.Pull2(loader.Epoch()).
//
//	for epoch := range 10 {
//		for x, y := range loader.Epoch() {
//			// train on the batch
//		}
//	}
func (l *Loader) Epoch() iter.Seq2[*tensor.Tensor, *tensor.Tensor] {
	return func(yield func(x, y *tensor.Tensor) bool) {
		for idx := range l.EpochIndices() {
			var x, y *tensor.Tensor
			if l.collate != nil {
				x, y = collateExamples(l.ds, idx, l.collate)
			} else {
				x, y = batchOf(l.ds, idx)
			}
			if !yield(x, y) {
				return
			}
		}
	}
}

// EpochIndices is [Loader.Epoch] without building batches: it yields the
// dataset indices of each batch (what DataLoader's batch sampler yields),
// with the same random draws. The yielded slices must not be modified.
func (l *Loader) EpochIndices() iter.Seq[[]int] {
	return func(yield func([]int) bool) {
		g := l.gen
		if g == nil {
			g = rng.Default()
		}
		n := l.ds.Len()
		g.DataLoaderSeed() // _BaseDataLoaderIter's base seed for workers
		order := make([]int, n)
		if l.shuffle {
			var perm []int64
			if l.gen == nil {
				fresh := rng.NewGenerator()
				fresh.ManualSeed(g.DataLoaderSeed())
				perm = fresh.Randperm(n)
			} else {
				perm = g.Randperm(n)
			}
			for i, v := range perm {
				order[i] = int(v)
			}
		} else {
			for i := range order {
				order[i] = i
			}
		}
		// RandomSampler(generator=g) ends with randperm(n, generator=g)[:0],
		// drawn when the sampler is asked for the element after the last.
		trailing := l.shuffle && l.gen != nil
		bs := l.batchSize
		for start := 0; start < n; start += bs {
			end := start + bs
			if end > n {
				if l.dropLast {
					break
				}
				end = n
				if trailing { // the partial batch is complete only once the sampler is exhausted
					g.Randperm(n)
					trailing = false
				}
			}
			if !yield(order[start:end:end]) {
				return
			}
		}
		if trailing {
			g.Randperm(n)
		}
	}
}
