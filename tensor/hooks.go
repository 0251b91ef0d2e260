package tensor

import "github.com/intercept-ml/intercept/internal/tensorhook"

// The gradient memory pool and the fused ReLU recording are for the
// module's own layers, not for users of this package: they reach them
// through internal/tensorinternal, which documents their contracts.
func init() {
	tensorhook.EmptyGrad = emptyGrad
	tensorhook.EmptyReused = emptyReused
	tensorhook.Recycle = recycle
	tensorhook.RecycleAfterBackward = recycleAfterBackward
	tensorhook.LeafGrad = leafGrad
	tensorhook.RecordReLU = recordReLU
}
