package functional

import (
	"fmt"

	"github.com/intercept-ml/intercept/internal/tensorinternal"
	"github.com/intercept-ml/intercept/tensor"
)

// Embedding looks up rows of weight (num_embeddings, embedding_dim) at the
// int64 indices idx, like torch.nn.functional.embedding: the result has shape
// idx.Shape() + [embedding_dim]. The gradient of weight is the sum of the
// output gradients of the lookups of each row, except for the padding row,
// which gets none.
//
// Option (EmbeddingOption): PaddingIdx(i), a row index or, negative, one
// counting from the end as in PyTorch (-1 is the last row); default none.
// The forward pass does not zero the padding row; nn.Embedding initializes it
// to zero. max_norm, scale_grad_by_freq and sparse are not supported.
func Embedding(idx, weight *tensor.Tensor, opts ...EmbeddingOption) *tensor.Tensor {
	var c callConfig
	applyOptions(&c, opts)
	if weight.Dim() != 2 {
		panic("'weight' must be 2-D")
	}
	if idx.DType() != tensor.Int64 {
		panic(fmt.Sprintf("Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; but got torch.%sTensor instead (while checking arguments for embedding)",
			tensorinternal.ScalarTypeName(idx.DType())))
	}
	requireFloat("embedding", "weight", weight)
	num, dim := weight.Size(0), weight.Size(1)
	pad := -1 // none: no row has index -1
	if c.hasPaddingIdx {
		pad = c.paddingIdx
		if pad >= num || pad < -num {
			panic("Padding_idx must be within num_embeddings")
		}
		if pad < 0 {
			pad += num
		}
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
