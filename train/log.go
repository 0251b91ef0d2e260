package train

import (
	"fmt"

	"github.com/intercept-ml/intercept/nn"
)

// Logger receives the scalars and value distributions a Trainer logs (see
// Trainer.Log). tboard.Writer implements it, writing TensorBoard event
// files; package train does not depend on it.
type Logger interface {
	// Scalar records one value, such as the loss, at a step.
	Scalar(tag string, step int64, value float64) error
	// HistogramValues records the distribution of values, such as a
	// layer's weights, at a step.
	HistogramValues(tag string, step int64, values []float64) error
}

// logStep logs what Trainer.Log describes for the given step; loss is
// logged unless step is 0 (the initial parameters).
func (t *Trainer) logStep(step int, loss float64) error {
	s := int64(step)
	if step > 0 {
		if err := t.Log.Scalar("loss", s, loss); err != nil {
			return err
		}
		for i, g := range t.Optimizer.ParamGroups() {
			tag := "lr"
			if i > 0 {
				tag = fmt.Sprintf("lr/group%d", i)
			}
			if err := t.Log.Scalar(tag, s, g.LR); err != nil {
				return err
			}
		}
	}
	for _, p := range nn.NamedParameters(t.Model) {
		if err := t.Log.HistogramValues("param/"+p.Name, s, p.Tensor.Float64s()); err != nil {
			return err
		}
		if step > 0 && p.Tensor.Grad != nil {
			if err := t.Log.HistogramValues("grad/"+p.Name, s, p.Tensor.Grad.Float64s()); err != nil {
				return err
			}
		}
	}
	return nil
}
