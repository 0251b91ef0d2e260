package train

import (
	"github.com/intercept-ml/intercept/data"
	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/tensor"
)

// MeanLoss returns the mean of lossFn over the examples of ds: the model's
// loss on a whole dataset, for example the training loss at the end of a run
// or a test loss. lossFn must be a mean-reduced loss such as CrossEntropy or
// nn.MSELoss with its defaults. Like [Accuracy], MeanLoss puts the model in
// evaluation mode (nn.Eval), computes without autograd and goes through ds in
// order in batches of batchSize, drawing no random numbers. Each batch's mean
// is weighted by its number of examples and the weighted sum divided by
// ds.Len() in float64; with batchSize >= ds.Len() the result is exactly
//
//	loss_fn(model(x), y).item()
//
// on the whole dataset. MeanLoss panics if ds is empty, has no labels or
// batchSize < 1.
func MeanLoss(model nn.Module, ds data.Dataset, batchSize int, lossFn LossFunc) float64 {
	n := ds.Len()
	if n == 0 || batchSize < 1 {
		panic("train: MeanLoss needs a non-empty dataset and a positive batch size")
	}
	nn.Eval(model)
	var total float64
	tensor.NoGrad(func() {
		for start := 0; start < n; start += batchSize {
			idx := make([]int, min(batchSize, n-start))
			for i := range idx {
				idx[i] = start + i
			}
			x, y := batch(ds, idx)
			if y == nil {
				panic("train: MeanLoss needs labelled examples")
			}
			v := lossFn(model.Forward(x), y).Item()
			if len(idx) == n {
				total = v
				return
			}
			total += float64(v * float64(len(idx)))
		}
		total /= float64(n)
	})
	return total
}
