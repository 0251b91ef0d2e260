// Package tensorhook hands functions that package tensor keeps unexported
// to package internal/tensorinternal, which gives them their types and
// contracts. It imports nothing, so that tensor can import it: tensor
// stores its functions here in its init, and tensorinternal, which imports
// tensor (and so initializes after it), reads them once. Nothing else may
// use these variables.
package tensorhook

// MaxDims is the number of dimensions a Shape holds in its array.
const MaxDims = 8

// Shape carries a shape through the func values by value: a []int passed
// through a func value escapes to the heap (the compiler cannot see the
// callee), an array does not. A shape of more than MaxDims dimensions is
// in More instead.
type Shape struct {
	Len  int
	Dims [MaxDims]int
	More []int
}

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
	KeepGrad             any
	WatchVersion         any
	Writable32           any
	Writable64           any
)
