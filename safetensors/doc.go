// Package safetensors reads and writes the safetensors format of Hugging
// Face, the safe way to exchange tensors and model weights with PyTorch
// (safetensors.torch.save_file / load_file) and most other frameworks.
//
// A file is an 8-byte little-endian header length N, N bytes of JSON
// header, and the raw little-endian tensor data:
//
//	{"__metadata__": {"format": "pt"},
//	 "fc.weight": {"dtype": "F32", "shape": [4, 3], "data_offsets": [0, 48]},
//	 "fc.bias":   {"dtype": "F32", "shape": [4],    "data_offsets": [48, 64]}}
//
// where the offsets count from the first byte after the header.
//
// # Saving and loading models
//
// nn.SaveSafetensors and nn.LoadSafetensors exchange a model's state dict
// under PyTorch's key names, so a file saved from torch's
// model.state_dict() loads into the equal Go model and the other way
// round:
//
//	err := nn.SaveSafetensors("model.safetensors", model, map[string]string{"format": "pt"})
//	err = nn.LoadSafetensors(model, "model.safetensors", true)
//
// Save and Write take any ordered list of named tensors (an nn.StateDict
// is one); Open, Read and Load read files. This package depends on package
// tensor only. Element types and their conversions are described at DType.
//
// # Safety
//
// Files are untrusted input. Open and Read validate the header completely
// against the real size of the file before they allocate or read any
// tensor data, with the rules of the reference implementation (see Read),
// and return a *FormatError naming the file and the problem otherwise; the
// reader is fuzzed (FuzzRead). A File reads each tensor from its own byte
// range on demand, so opening a large file costs only its header.
//
// Save replaces files atomically.
package safetensors
