// Package nn builds neural networks the way torch.nn does: layers that carry
// a bias by default (switched off with NoBias), PyTorch's default
// initialization bit for bit after the same seed, and models that are plain
// Go structs.
//
// A model's parameters, buffers and sub-modules are found by walking its
// exported struct fields in declaration order, with no registration step,
// and are named as PyTorch names them: a field FC1 holding a *Linear gives
// "fc1.weight" and "fc1.bias"; a slice field Layers gives "layers.0.weight".
// A struct tag renames (`nn:"name"`), hides (`nn:"-"`) or marks a buffer
// (`nn:",buffer"`). Parameters, NamedParameters, StateDictOf, LoadStateDict,
// Train, Eval, Apply, SetRequiresGrad, NumParameters and Repr work on any
// such model, and Repr prints it exactly as PyTorch prints the equal model.
//
// A bias that is switched off is absent: the field is nil, there is no
// parameter and no state-dict key, and forward does no work for it.
package nn
