package data

import (
	"fmt"

	"github.com/intercept-ml/intercept/tensor"
)

// Dataset is a finite collection of examples addressed by index, the
// counterpart of a map-style torch.utils.data.Dataset. Get returns example i
// (0 <= i < Len()) as an input x and a target y; y is nil for unlabelled
// data. Get panics for an index out of range, as indexing a slice does.
//
// Implementations that load from files should read and check them when the
// dataset is made and return an error then, so that Get cannot fail.
type Dataset interface {
	Len() int
	Get(i int) (x, y *tensor.Tensor)
}

// Batcher is implemented by datasets that can build a batch directly, for
// example by copying rows of a larger tensor, instead of stacking one example
// tensor per index. Batch returns the examples at indices idx stacked along a
// new first dimension: the same tensors as [Collate] applied to the results
// of Get, without the per-example tensors. A [Loader] uses Batch when its
// dataset implements it and no collate function was given.
type Batcher interface {
	Batch(idx []int) (x, y *tensor.Tensor)
}

// CollateFunc merges the examples of one batch into batch tensors, like the
// collate_fn argument of DataLoader. ys holds nil entries for unlabelled data.
type CollateFunc func(xs, ys []*tensor.Tensor) (x, y *tensor.Tensor)

// Collate is the default collate function, PyTorch's default_collate for
// (tensor, tensor) examples: it stacks the xs into one tensor with a new
// first dimension, and the ys likewise, so that int64 class labels (0-d
// tensors) become an int64 tensor of shape (N,) and float targets keep their
// type and shape behind the batch dimension. y is nil when every ys entry is
// nil. Collate panics if the examples differ in shape or type, or if only
// some targets are nil.
func Collate(xs, ys []*tensor.Tensor) (x, y *tensor.Tensor) {
	if len(xs) == 0 {
		panic("data: Collate of an empty batch")
	}
	x = tensor.Stack(xs, 0)
	nils := 0
	for _, t := range ys {
		if t == nil {
			nils++
		}
	}
	switch {
	case nils == len(ys):
		return x, nil
	case nils > 0:
		panic("data: Collate: some examples have a target and some do not")
	}
	return x, tensor.Stack(ys, 0)
}

// TensorDataset holds examples as the rows of tensors: example i is
// (X()[i], Y()[i]), like torch.utils.data.TensorDataset(x, y). It implements
// [Batcher], so a [Loader] gathers batches by copying rows directly.
type TensorDataset struct {
	x, y *tensor.Tensor
}

// NewTensorDataset returns the dataset whose examples are the rows (entries
// along the first dimension) of x and, if y is not nil, of y. The tensors
// are detached from autograd but share storage with the arguments; a
// non-contiguous tensor is copied. It panics if x is 0-dimensional or the
// first dimensions of x and y differ ("Size mismatch between tensors", as in
// PyTorch).
func NewTensorDataset(x, y *tensor.Tensor) *TensorDataset {
	if x == nil {
		panic("data: NewTensorDataset: x is nil")
	}
	if x.Dim() == 0 {
		panic("data: NewTensorDataset: x must have at least one dimension")
	}
	if y != nil && (y.Dim() == 0 || y.Size(0) != x.Size(0)) {
		panic(fmt.Sprintf("data: NewTensorDataset: Size mismatch between tensors: x has shape %v, y has shape %v", x.Shape(), y.Shape()))
	}
	return &TensorDataset{x: contiguousDetached(x), y: contiguousDetached(y)}
}

func contiguousDetached(t *tensor.Tensor) *tensor.Tensor {
	if t == nil {
		return nil
	}
	t = t.Detach()
	if !t.IsContiguous() {
		t = t.Contiguous()
	}
	return t
}

// X returns the inputs: one row per example.
func (d *TensorDataset) X() *tensor.Tensor { return d.x }

// Y returns the targets (one row per example), or nil.
func (d *TensorDataset) Y() *tensor.Tensor { return d.y }

// Len returns the number of examples, the size of the first dimension.
func (d *TensorDataset) Len() int { return d.x.Size(0) }

// Get returns row i of X and of Y (nil without targets) as views that share
// storage with the dataset, like x[i] in PyTorch.
func (d *TensorDataset) Get(i int) (x, y *tensor.Tensor) {
	checkIndex(i, d.Len())
	x = d.x.Index(i)
	if d.y != nil {
		y = d.y.Index(i)
	}
	return x, y
}

// Batch returns rows idx of X and Y copied into new contiguous tensors of
// shape (len(idx), ...), without building a tensor per example.
func (d *TensorDataset) Batch(idx []int) (x, y *tensor.Tensor) {
	n := d.Len()
	for _, i := range idx {
		checkIndex(i, n)
	}
	x = gatherRows(d.x, idx)
	if d.y != nil {
		y = gatherRows(d.y, idx)
	}
	return x, y
}

func checkIndex(i, n int) {
	if i < 0 || i >= n {
		panic(fmt.Sprintf("data: index %d out of range for a dataset of %d examples", i, n))
	}
}

// gatherRows copies rows idx of the contiguous tensor t into a new tensor.
func gatherRows(t *tensor.Tensor, idx []int) *tensor.Tensor {
	shape := t.Shape()
	row := 1
	for _, s := range shape[1:] {
		row *= s
	}
	shape[0] = len(idx)
	out := tensor.Empty(t.DType(), shape...)
	switch t.DType() {
	case tensor.Float32:
		gather(out.Data32(), t.Data32(), row, idx)
	case tensor.Float64:
		gather(out.Data64(), t.Data64(), row, idx)
	case tensor.Int64:
		gather(out.DataInt64(), t.DataInt64(), row, idx)
	case tensor.Bool:
		gather(out.DataBool(), t.DataBool(), row, idx)
	default:
		panic(fmt.Sprintf("data: cannot gather rows of a %v tensor", t.DType()))
	}
	return out
}

func gather[T any](dst, src []T, row int, idx []int) {
	if row == 1 {
		for k, i := range idx {
			dst[k] = src[i]
		}
		return
	}
	for k, i := range idx {
		copy(dst[k*row:(k+1)*row], src[i*row:(i+1)*row])
	}
}

// Subset is the part of a dataset at given indices, like
// torch.utils.data.Subset: example i of the subset is example Indices()[i]
// of the parent.
type Subset struct {
	parent  Dataset
	indices []int
}

// NewSubset returns the examples of ds at indices, in that order. The
// indices are copied. It panics if one is out of range.
func NewSubset(ds Dataset, indices []int) *Subset {
	n := ds.Len()
	for _, i := range indices {
		checkIndex(i, n)
	}
	return &Subset{parent: ds, indices: append([]int(nil), indices...)}
}

// Dataset returns the parent dataset.
func (s *Subset) Dataset() Dataset { return s.parent }

// Indices returns a copy of the parent indices of the subset's examples.
func (s *Subset) Indices() []int { return append([]int(nil), s.indices...) }

// Len returns the number of examples in the subset.
func (s *Subset) Len() int { return len(s.indices) }

// Get returns example Indices()[i] of the parent dataset.
func (s *Subset) Get(i int) (x, y *tensor.Tensor) {
	checkIndex(i, len(s.indices))
	return s.parent.Get(s.indices[i])
}

// Batch returns the examples at idx: through the parent's Batch when the
// parent is a [Batcher], otherwise by collating its examples with [Collate].
func (s *Subset) Batch(idx []int) (x, y *tensor.Tensor) {
	p := make([]int, len(idx))
	for k, i := range idx {
		checkIndex(i, len(s.indices))
		p[k] = s.indices[i]
	}
	return batchOf(s.parent, p)
}

// batchOf builds the batch idx of ds with its Batcher if it has one, and
// otherwise with Collate.
func batchOf(ds Dataset, idx []int) (x, y *tensor.Tensor) {
	if b, ok := ds.(Batcher); ok {
		return b.Batch(idx)
	}
	return collateExamples(ds, idx, Collate)
}

func collateExamples(ds Dataset, idx []int, fn CollateFunc) (x, y *tensor.Tensor) {
	xs := make([]*tensor.Tensor, len(idx))
	ys := make([]*tensor.Tensor, len(idx))
	for k, i := range idx {
		xs[k], ys[k] = ds.Get(i)
	}
	return fn(xs, ys)
}

// Tensors returns every example of ds, in order, as one batch: for a
// [TensorDataset] copies of its tensors, for a [Subset] of one the selected
// rows. It is how a split is turned back into plain tensors, for example to
// fit a [Standardizer] on the training part. It panics if ds is empty.
func Tensors(ds Dataset) (x, y *tensor.Tensor) {
	n := ds.Len()
	if n == 0 {
		panic("data: Tensors of an empty dataset")
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return batchOf(ds, idx)
}

// TransformX returns a dataset with the same targets as ds and inputs f(X()),
// for example a [Standardizer]'s Apply. f must keep the first dimension.
func TransformX(ds *TensorDataset, f func(*tensor.Tensor) *tensor.Tensor) *TensorDataset {
	return NewTensorDataset(f(ds.x), ds.y)
}
