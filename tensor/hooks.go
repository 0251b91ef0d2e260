package tensor

import "github.com/intercept-ml/intercept/internal/tensorhook"

// The gradient memory pool, the fused ReLU recording and ATen's dtype
// names are for the module's own layers, not for users of this package:
// they reach them through internal/tensorinternal, which documents them.
func init() {
	tensorhook.EmptyGrad = func(dt DType, s tensorhook.Shape) *Tensor { return emptyGrad(dt, hookShape(&s)...) }
	tensorhook.EmptyReused = func(dt DType, s tensorhook.Shape) *Tensor { return emptyReused(dt, hookShape(&s)...) }
	tensorhook.Recycle = recycle
	tensorhook.RecycleAfterBackward = recycleAfterBackward
	tensorhook.LeafGrad = leafGrad
	tensorhook.RecordReLU = recordReLU
	tensorhook.ScalarTypeName = typeName
	tensorhook.KeepGrad = keepGrad
	tensorhook.WatchVersion = watchVersion
	tensorhook.Writable32 = writable32
	tensorhook.Writable64 = writable64
}

// hookShape returns the shape s carries.
func hookShape(s *tensorhook.Shape) []int {
	if s.More != nil {
		return s.More
	}
	return s.Dims[:s.Len]
}
