package functional

import (
	"fmt"

	"github.com/intercept-ml/intercept/internal/tensorinternal"
	"github.com/intercept-ml/intercept/tensor"
)

// NoPadding is the paddingIdx of Embedding that designates no padding row
// (PyTorch's padding_idx=None, which ATen also encodes as -1).
const NoPadding = -1

// Embedding looks up rows of weight (num_embeddings, embedding_dim) at the
// int64 indices idx, like torch.nn.functional.embedding: the result has shape
// idx.Shape() + [embedding_dim]. The gradient of weight is the sum of the
// output gradients of the lookups of each row, except for row paddingIdx,
// which gets none.
//
// paddingIdx is NoPadding (-1) for none, a row index, or a negative index
// below -1 that counts from the end as in PyTorch (-2 is the row before the
// last). Because -1 means none here (as in the nn package and ATen), the last
// row is designated by num_embeddings−1, not -1 as in F.embedding. The
// forward pass does not zero the padding row; nn.Embedding initializes it to
// zero. max_norm, scale_grad_by_freq and sparse are not supported.
func Embedding(idx, weight *tensor.Tensor, paddingIdx int) *tensor.Tensor {
	if weight.Dim() != 2 {
		panic("'weight' must be 2-D")
	}
	if idx.DType() != tensor.Int64 {
		panic(fmt.Sprintf("Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; but got torch.%sTensor instead (while checking arguments for embedding)",
			tensorinternal.ScalarTypeName(idx.DType())))
	}
	requireFloat("embedding", "weight", weight)
	num, dim := weight.Size(0), weight.Size(1)
	pad := paddingIdx
	switch {
	case pad >= 0:
		if pad >= num {
			panic("Padding_idx must be within num_embeddings")
		}
	case pad < NoPadding:
		if pad < -num {
			panic("Padding_idx must be within num_embeddings")
		}
		pad += num
	}
	ix := idx.Int64s()
	for _, i := range ix {
		if i < 0 || int(i) >= num {
			panic("index out of range in self")
		}
	}
	wc := weight.Contiguous()
	dt := weight.DType()
	out := newLike(dt, append(idx.Shape(), dim))
	if dt == tensor.Float32 {
		embedForward(raw[float32](wc), raw[float32](out), ix, dim)
	} else {
		embedForward(raw[float64](wc), raw[float64](out), ix, dim)
	}
	tensor.Record(out, "EmbeddingBackward0", []*tensor.Tensor{wc}, func(gy *tensor.Tensor) []*tensor.Tensor {
		gy = contig(gy)
		gw := newLike(dt, []int{num, dim})
		if dt == tensor.Float32 {
			embedBackward(raw[float32](gy), raw[float32](gw), ix, dim, pad)
		} else {
			embedBackward(raw[float64](gy), raw[float64](gw), ix, dim, pad)
		}
		return []*tensor.Tensor{gw}
	})
	return out
}

func embedForward[T float](w, out []T, ix []int64, dim int) {
	for j, i := range ix {
		copy(out[j*dim:(j+1)*dim], w[int(i)*dim:(int(i)+1)*dim])
	}
}

func embedBackward[T float](gy, gw []T, ix []int64, dim, pad int) {
	for j, i := range ix {
		if int(i) == pad {
			continue
		}
		row := gw[int(i)*dim : (int(i)+1)*dim]
		for k, v := range gy[j*dim : (j+1)*dim] {
			row[k] += v
		}
	}
}
