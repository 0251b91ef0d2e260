package nn

import (
	"fmt"
	"slices"

	"github.com/intercept-ml/intercept/safetensors"
	"github.com/intercept-ml/intercept/tensor"
)

// SaveSafetensors saves the state dict of model (its parameters and
// persistent buffers under PyTorch's key names, in state-dict order) to
// path with safetensors.Save. A file saved so loads in PyTorch into the
// equal torch.nn model with load_state_dict (safetensors.torch.save_model).
func SaveSafetensors(path string, model any, metadata map[string]string, opts ...safetensors.WriteOption) error {
	return safetensors.Save(path, StateDictOf(model), metadata, opts...)
}

// LoadSafetensors loads the state dict stored at path into model, as
// PyTorch's model.load_state_dict(safetensors.torch.load_file(path),
// strict) does: keys are PyTorch's ("0.weight", "bn.running_mean"), values
// are converted to the element type of the model's tensors, and with
// strict a key missing from the file or unknown to the model is an error
// (a *LoadError, reachable with errors.As). A shape mismatch is always an
// error.
//
// Names and shapes are checked against the header before any data is
// read, and only the tensors the model has are read. On error the model is
// left unchanged.
func LoadSafetensors(model any, path string, strict bool) error {
	f, err := safetensors.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()

	own := map[string][]int{}
	for _, e := range StateDictOf(model) {
		own[e.Name] = e.Tensor.Shape()
	}
	problem := false
	for name, shape := range own {
		in, ok := f.Info(name)
		if ok && !slices.Equal(in.Shape, shape) || !ok && strict {
			problem = true
		}
	}
	if strict && f.Len() != len(own) {
		problem = true // a key unknown to the model
	}
	names := f.Names()
	if problem {
		// Let LoadStateDict report the problem in PyTorch's words, from
		// stand-ins that have the file's shapes but no data: this fails
		// before copying anything.
		stand := make(StateDict, 0, len(names))
		for _, name := range names {
			in, _ := f.Info(name)
			stand = append(stand, Named{Name: name, Tensor: standIn(in)})
		}
		if err := LoadStateDict(model, stand, strict); err != nil {
			return fmt.Errorf("safetensors: %s: %w", path, err)
		}
		// Unreachable as long as the checks above are as strict as
		// LoadStateDict; fall through to a real load if not.
	}

	sd := make(StateDict, 0, len(own))
	for _, name := range names {
		if _, ok := own[name]; !ok {
			continue // not read: the model has no use for it
		}
		t, err := f.Tensor(name)
		if err != nil {
			return err
		}
		sd = append(sd, Named{Name: name, Tensor: t})
	}
	if err := LoadStateDict(model, sd, false); err != nil {
		return fmt.Errorf("safetensors: %s: %w", path, err)
	}
	return nil
}

// standIn returns a tensor with the shape of in that allocates no data: a
// single zero expanded.
func standIn(in safetensors.Info) *tensor.Tensor {
	z := tensor.ZerosOf(in.DType.TensorDType())
	if len(in.Shape) == 0 {
		return z
	}
	return z.Expand(in.Shape...)
}
