package train

import (
	"fmt"
	"math"

	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/optim"
	"github.com/intercept-ml/intercept/tensor"
)

// LossFunc computes a scalar loss from a model's output and the targets of
// a batch, for example nn.CrossEntropyLoss or nn.MSELoss without options.
type LossFunc func(output, target *tensor.Tensor) *tensor.Tensor

// CrossEntropy is the mean cross-entropy between logits and class indices,
// nn.CrossEntropyLoss with its defaults: the usual LossFunc for
// classification.
func CrossEntropy(output, target *tensor.Tensor) *tensor.Tensor {
	return nn.CrossEntropyLoss(output, target)
}

// NonFiniteLossError reports a loss that is NaN or infinite. The step that
// produced it made no update: Step returns before backward.
type NonFiniteLossError struct {
	// Step is the index of the failed step: the number of optimizer steps
	// completed before it.
	Step int
	// Loss is the offending value (NaN, +Inf or -Inf).
	Loss float64
}

// Error returns a message such as "train: step 17: loss is NaN".
func (e *NonFiniteLossError) Error() string {
	return fmt.Sprintf("train: step %d: loss is %v", e.Step, e.Loss)
}

// Step performs one optimization step on the batch (x, y), as PyTorch's
//
//	opt.zero_grad(); loss = loss_fn(model(x), y); loss.backward(); opt.step()
//
// and returns the loss value. step is the index of the step, used only in
// the error: if the loss is NaN or ±Inf, Step returns a *NonFiniteLossError
// before backward, so neither the gradients (left zeroed) nor the parameters
// are touched. lossFn must return a single-element tensor.
func Step(step int, model nn.Module, opt optim.Optimizer, lossFn LossFunc, x, y *tensor.Tensor) (float64, error) {
	opt.ZeroGrad()
	loss := lossFn(model.Forward(x), y)
	v := loss.Item()
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return v, &NonFiniteLossError{Step: step, Loss: v}
	}
	loss.Backward()
	opt.Step()
	return v, nil
}
