// Package tensorhook hands functions that package tensor keeps unexported
// to package internal/tensorinternal, which gives them their types and
// contracts. It imports nothing, so that tensor can import it: tensor
// stores its functions here in its init, and tensorinternal, which imports
// tensor (and so initializes after it), reads them once. Nothing else may
// use these variables.
package tensorhook

// The functions of package tensor, as func values of the types that
// tensorinternal asserts.
var (
	EmptyGrad            any
	EmptyReused          any
	Recycle              any
	RecycleAfterBackward any
	LeafGrad             any
	RecordReLU           any
	ScalarTypeName       any
)
