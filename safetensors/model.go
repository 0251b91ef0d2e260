package safetensors

import "github.com/intercept-ml/intercept/tensor"

// Load reads every tensor of the file at path, in the order of its header,
// and its metadata (nil if it has none). nn.StateDict(tensors) makes the
// tensors a state dict; nn.LoadSafetensors loads a file into a model.
func Load(path string) ([]tensor.Named, map[string]string, error) {
	f, err := Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	tensors, err := f.Tensors()
	if err != nil {
		return nil, nil, err
	}
	return tensors, f.Metadata(), nil
}
