package functional

import (
	"fmt"
	"strings"
	"sync"

	"github.com/intercept-ml/intercept/internal/kernel"
	"github.com/intercept-ml/intercept/internal/tensorinternal"
	"github.com/intercept-ml/intercept/tensor"
)

// float is the set of element types the kernels of this package handle.
type float interface{ float32 | float64 }

// raw returns the storage of a contiguous float tensor of element type T.
func raw[T float](t *tensor.Tensor) []T {
	var z T
	if _, ok := any(z).(float32); ok {
		return any(tensorinternal.Writable32(t)).([]T)
	}
	return any(tensorinternal.Writable64(t)).([]T)
}

// rawOrNil is raw for a tensor that may be nil.
func rawOrNil[T float](t *tensor.Tensor) []T {
	if t == nil {
		return nil
	}
	return raw[T](t)
}

// contig returns a contiguous, detached view or copy of t for reading its
// elements in a backward pass.
func contig(t *tensor.Tensor) *tensor.Tensor {
	if t == nil {
		return nil
	}
	if !t.RequiresGrad() && t.IsContiguous() {
		return t
	}
	return t.Detach().Contiguous()
}

// gemm computes C = alpha·op(A)·op(B) + beta·C with row-major operands (see
// kernel.Gemm32).
func gemm[T float](ta, tb bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	switch a := any(a).(type) {
	case []float32:
		kernel.Gemm32(ta, tb, m, n, k, float32(alpha), a, lda, any(b).([]float32), ldb, float32(beta), any(c).([]float32), ldc)
	case []float64:
		kernel.Gemm64(ta, tb, m, n, k, float64(alpha), a, lda, any(b).([]float64), ldb, float64(beta), any(c).([]float64), ldc)
	}
}

// joinX formats values joined by " x ", as PyTorch's convolution messages
// print spatial sizes: 2 x 2.
func joinX(s []int) string {
	parts := make([]string, len(s))
	for i, v := range s {
		parts[i] = fmt.Sprint(v)
	}
	return strings.Join(parts, " x ")
}

// cTypeName returns the C name of a dtype ("float", "double", ...), as used
// in messages such as "Input type (float) and bias type (double) should be
// the same".
func cTypeName(d tensor.DType) string {
	switch d {
	case tensor.Float32:
		return "float"
	case tensor.Float64:
		return "double"
	case tensor.Int64:
		return "long int"
	}
	return "bool"
}

// requireFloat panics unless t holds float32 or float64 elements.
func requireFloat(fn, arg string, t *tensor.Tensor) {
	if !t.DType().IsFloat() {
		panic(fmt.Sprintf("%s: expected %s to be a floating-point tensor (torch.float32 or torch.float64), but got %v", fn, arg, t.DType()))
	}
}

// sameType panics with ATen's message unless t has the dtype of the input.
func sameType(input, t *tensor.Tensor) {
	if t != nil && t.DType() != input.DType() {
		panic(fmt.Sprintf("expected scalar type %s but found %s", tensorinternal.ScalarTypeName(input.DType()), tensorinternal.ScalarTypeName(t.DType())))
	}
}

// numel is the product of s.
func numel(s []int) int {
	n := 1
	for _, v := range s {
		n *= v
	}
	return n
}

// floorDiv is integer division rounding toward negative infinity.
func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// newLike returns a zeroed contiguous tensor of the given type and shape.
func newLike(dt tensor.DType, shape []int) *tensor.Tensor { return tensor.Empty(dt, shape...) }

// Scratch buffers for column matrices and gathered operands, reused across
// calls (the kernels overwrite them entirely before reading). The pools
// keep a few buffers of any size and hand out the smallest that fits; unlike
// a sync.Pool they survive garbage collections, so that the megabyte-sized
// column matrices of a training step are not allocated and zeroed anew.
var (
	scratch32 scratchPool[float32]
	scratch64 scratchPool[float64]
)

// scratchMax is the number of buffers a pool keeps.
const scratchMax = 16

type scratchPool[T float] struct {
	mu   sync.Mutex
	bufs [][]T
}

func (p *scratchPool[T]) get(n int) []T {
	p.mu.Lock()
	defer p.mu.Unlock()
	best := -1
	for i, b := range p.bufs {
		if cap(b) >= n && (best < 0 || cap(b) < cap(p.bufs[best])) {
			best = i
		}
	}
	if best < 0 {
		return make([]T, n)
	}
	b := p.bufs[best]
	last := len(p.bufs) - 1
	p.bufs[best] = p.bufs[last]
	p.bufs[last] = nil
	p.bufs = p.bufs[:last]
	return b[:n]
}

func (p *scratchPool[T]) put(b []T) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.bufs) < scratchMax {
		p.bufs = append(p.bufs, b)
		return
	}
	// Full: replace the smallest buffer if b is larger.
	small := 0
	for i, c := range p.bufs {
		if cap(c) < cap(p.bufs[small]) {
			small = i
		}
	}
	if cap(b) > cap(p.bufs[small]) {
		p.bufs[small] = b
	}
}

// getScratch returns a buffer of n elements with unspecified contents; give
// it back with putScratch.
func getScratch[T float](n int) []T {
	var z T
	if _, ok := any(z).(float32); ok {
		return any(scratch32.get(n)).([]T)
	}
	return any(scratch64.get(n)).([]T)
}

// putScratch returns a buffer obtained from getScratch.
func putScratch[T float](b []T) {
	if b == nil {
		return
	}
	switch b := any(b).(type) {
	case []float32:
		scratch32.put(b)
	case []float64:
		scratch64.put(b)
	}
}

// parallelChunks calls f on consecutive ranges [lo, hi) covering [0, n),
// in a fixed number of chunks (at most eight; fewer when work, the total
// cost in elements, is small) run on the kernel's worker pool. The chunks
// depend only on n and work, never on GOMAXPROCS; f must write disjoint
// outputs for different ranges.
func parallelChunks(n, work int, f func(lo, hi int)) {
	const grain = 1 << 14
	chunks := min(n, 8, work/grain)
	if chunks <= 1 {
		f(0, n)
		return
	}
	kernel.ParallelFor(chunks, func(c int) { f(c*n/chunks, (c+1)*n/chunks) })
}
