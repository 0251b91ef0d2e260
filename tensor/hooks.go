package tensor

import "github.com/intercept-ml/intercept/internal/tensorhook"

// The gradient memory pool, the fused ReLU recording and ATen's dtype
// names are for the module's own layers, not for users of this package:
// they reach them through internal/tensorinternal, which documents them.
func init() {
	tensorhook.EmptyGrad = emptyGrad
	tensorhook.EmptyReused = emptyReused
	tensorhook.Recycle = recycle
	tensorhook.RecycleAfterBackward = recycleAfterBackward
	tensorhook.LeafGrad = leafGrad
	tensorhook.RecordReLU = recordReLU
	tensorhook.ScalarTypeName = typeName
}
