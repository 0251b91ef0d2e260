package train

import (
	"github.com/intercept-ml/intercept/data"
	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/tensor"
)

// Accuracy returns the fraction of the examples of ds whose class, the
// argmax of the model's output along dimension 1, equals the int64 label.
// It puts the model in evaluation mode (nn.Eval; Trainer.Run switches back
// to training mode), computes without autograd, and goes through ds in order
// in batches of batchSize without a Loader, so it draws no random numbers
// (a DataLoader would draw a seed from the default generator even without
// shuffling). It panics if ds is empty or has no labels.
func Accuracy(model nn.Module, ds data.Dataset, batchSize int) float64 {
	n := ds.Len()
	if n == 0 || batchSize < 1 {
		panic("train: Accuracy needs a non-empty dataset and a positive batch size")
	}
	nn.Eval(model)
	correct := 0
	tensor.NoGrad(func() {
		for start := 0; start < n; start += batchSize {
			idx := make([]int, min(batchSize, n-start))
			for i := range idx {
				idx[i] = start + i
			}
			x, y := batch(ds, idx)
			if y == nil {
				panic("train: Accuracy needs labelled examples")
			}
			pred := model.Forward(x).Argmax(1, false).Int64s()
			for i, label := range y.Int64s() {
				if pred[i] == label {
					correct++
				}
			}
		}
	})
	return float64(correct) / float64(n)
}

// batch builds the batch of examples idx as a Loader would.
func batch(ds data.Dataset, idx []int) (x, y *tensor.Tensor) {
	if b, ok := ds.(data.Batcher); ok {
		return b.Batch(idx)
	}
	xs := make([]*tensor.Tensor, len(idx))
	ys := make([]*tensor.Tensor, len(idx))
	for i, j := range idx {
		xs[i], ys[i] = ds.Get(j)
	}
	return data.Collate(xs, ys)
}
