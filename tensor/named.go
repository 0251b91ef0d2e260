package tensor

// Named is a tensor with a name, such as a model's parameter "fc1.weight":
// the element of a state dict, and of the tensor lists that file formats
// read and write.
type Named struct {
	Name   string
	Tensor *Tensor
}
