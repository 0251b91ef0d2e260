package safetensors

import (
	"fmt"
	"slices"

	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/tensor"
)

// SaveModel saves the state dict of model (its parameters and persistent
// buffers under PyTorch's key names, in state-dict order) to path with
// Save. A file saved so loads in PyTorch into the equal torch.nn model with
// load_state_dict.
func SaveModel(path string, model any, metadata map[string]string, opts ...Option) error {
	return Save(path, nn.StateDictOf(model), metadata, opts...)
}

// Load reads every tensor of the file at path, in the order of its header,
// and its metadata (nil if it has none).
func Load(path string) (nn.StateDict, map[string]string, error) {
	f, err := Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	sd, err := f.StateDict()
	if err != nil {
		return nil, nil, err
	}
	return sd, f.Metadata(), nil
}

// LoadInto loads the state dict stored at path into model, as PyTorch's
// model.load_state_dict(safetensors.torch.load_file(path), strict) does:
// keys are PyTorch's ("0.weight", "bn.running_mean"), values are converted
// to the element type of the model's tensors, and with strict a key missing
// from the file or unknown to the model is an error (a *nn.LoadError,
// reachable with errors.As). A shape mismatch is always an error.
//
// Names and shapes are checked against the header before any data is
// read, and only the tensors the model has are read. On error the model is
// left unchanged.
func LoadInto(model any, path string, strict bool) error {
	f, err := Open(path)
	if err != nil {
		return err
	}
	defer f.Close()

	own := map[string][]int{}
	for _, e := range nn.StateDictOf(model) {
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
	if problem {
		// Let nn report the problem in PyTorch's words, from stand-ins
		// that have the file's shapes but no data: this fails before
		// copying anything.
		stand := make(nn.StateDict, 0, f.Len())
		for _, name := range f.names {
			in := f.infos[f.index[name]]
			stand = append(stand, nn.Named{Name: name, Tensor: standIn(in)})
		}
		if err := nn.LoadStateDict(model, stand, strict); err != nil {
			return fmt.Errorf("safetensors: %s: %w", path, err)
		}
		// Unreachable as long as the checks above are as strict as
		// nn.LoadStateDict; fall through to a real load if not.
	}

	sd := make(nn.StateDict, 0, len(own))
	for _, name := range f.names {
		if _, ok := own[name]; !ok {
			continue // not read: the model has no use for it
		}
		t, err := f.Tensor(name)
		if err != nil {
			return err
		}
		sd = append(sd, nn.Named{Name: name, Tensor: t})
	}
	if err := nn.LoadStateDict(model, sd, false); err != nil {
		return fmt.Errorf("safetensors: %s: %w", path, err)
	}
	return nil
}

// standIn returns a tensor with the shape of in that allocates no data: a
// single zero expanded.
func standIn(in Info) *tensor.Tensor {
	z := tensor.ZerosOf(in.DType.TensorDType())
	if len(in.Shape) == 0 {
		return z
	}
	return z.Expand(in.Shape...)
}
