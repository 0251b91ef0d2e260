package nn

import (
	"fmt"
	"reflect"
	"strconv"

	"github.com/intercept-ml/intercept/internal/tensorinternal"
	"github.com/intercept-ml/intercept/tensor"
)

// Sequential chains modules: the output of each is the input of the next
// (torch.nn.Sequential). Children are named "0", "1", ...
type Sequential struct {
	layers []Module
}

// NewSequential returns a Sequential of the given modules.
func NewSequential(layers ...Module) *Sequential {
	for i, l := range layers {
		if l == nil || reflect.ValueOf(l).Kind() == reflect.Pointer && reflect.ValueOf(l).IsNil() {
			panic(fmt.Sprintf("nn.NewSequential: module %d is nil", i))
		}
	}
	return &Sequential{layers: append([]Module(nil), layers...)}
}

// ReLUFuser is implemented by a module that can compute ReLU of its output
// as one fused operation, such as Linear (functional.LinearReLU) and Conv2d
// (functional.Conv2dReLU). Sequential calls ForwardReLU instead of Forward
// when the module is followed by a ReLU, and skips that ReLU.
//
// ForwardReLU(x) must give the values, gradients and GradFn of
// Forward(x).ReLU(), and return a new tensor that the module keeps no
// reference to and that is no view of x or of a parameter, so that Sequential
// may reuse its memory once the next layer is done with it (see InputReader).
// A type that embeds a ReLUFuser and redefines Forward must redefine
// ForwardReLU too, or Sequential fuses the embedded module's Forward instead
// of its own.
type ReLUFuser interface {
	Module
	ForwardReLU(x *tensor.Tensor) *tensor.Tensor
}

// InputReader is implemented by a module whose Forward only reads its input:
// it returns no view of the input and keeps no reference to it once it has
// returned (its autograd node may save the input for Backward), as Linear,
// Conv2d and MaxPool2d do. ReadsInputOnly reports whether that holds (a type
// embedding one can return false to opt out). Sequential uses it to reuse the
// memory of a fused layer's output (see ReLUFuser) that only such a module
// reads: after Backward has released it, or at once when nothing recorded
// either layer (under tensor.NoGrad, say).
type InputReader interface {
	Module
	ReadsInputOnly() bool
}

var (
	_ ReLUFuser   = (*Linear)(nil)
	_ ReLUFuser   = (*Conv2d)(nil)
	_ InputReader = (*Linear)(nil)
	_ InputReader = (*Conv2d)(nil)
	_ InputReader = (*MaxPool2d)(nil)
)

// reluActivation marks the ReLU module, which Sequential fuses into a
// preceding ReLUFuser.
type reluActivation interface{ fusesIntoPrevious() }

func (*ReLU) fusesIntoPrevious() {}

// Forward applies the modules in order. A ReLUFuser followed by a ReLU runs
// as one fused operation (its ForwardReLU): its output is a tensor that only
// Forward sees, so the ReLU overwrites it instead of allocating another. When
// such an output is only read by the next module, an InputReader, Backward
// reuses its memory once it is done with it, or, when nothing recorded either
// layer (under tensor.NoGrad, say), Forward reuses it as soon as the next
// module has run.
func (s *Sequential) Forward(x *tensor.Tensor) *tensor.Tensor {
	if HooksActive() {
		return CallHooked(s, x, s.forward)
	}
	return s.forward(x)
}

func (s *Sequential) forward(x *tensor.Tensor) *tensor.Tensor {
	// With hooks, a module that has some runs on its own: it is not fused
	// with its neighbour, and its input's memory is not reused after it.
	hooks := HooksActive()
	// read is a fused layer's output that only the next layer reads and
	// that no node recorded (under NoGrad, say): its memory is reused as
	// soon as that layer has run, unless that layer recorded a node,
	// which may have saved it.
	var read *tensor.Tensor
	for i := 0; i < len(s.layers); i++ {
		var y *tensor.Tensor
		f, fused := s.layers[i].(ReLUFuser)
		if fused {
			_, relu := nextModule(s.layers, i+1).(reluActivation)
			fused = relu && !(hooks && (HasHooks(s.layers[i]) || HasHooks(s.layers[i+1])))
		}
		if fused {
			y = f.ForwardReLU(x)
		} else {
			y = s.layers[i].Forward(x)
		}
		if read != nil {
			if y.IsLeaf() {
				tensorinternal.Recycle(read)
			}
			read = nil
		}
		if fused {
			if r, ok := nextModule(s.layers, i+2).(InputReader); ok && r.ReadsInputOnly() && !(hooks && HasHooks(r)) {
				if y.IsLeaf() {
					read = y
				} else {
					tensorinternal.RecycleAfterBackward(y)
				}
			}
			i++
		}
		x = y
	}
	return x
}

// nextModule returns layers[i], or nil past the end.
func nextModule(layers []Module, i int) Module {
	if i < len(layers) {
		return layers[i]
	}
	return nil
}

// Append adds a module at the end.
func (s *Sequential) Append(m Module) { s.layers = append(s.layers, m) }

// Len returns the number of modules.
func (s *Sequential) Len() int { return len(s.layers) }

// At returns the i-th module (negative i counts from the end).
func (s *Sequential) At(i int) Module {
	if i < 0 {
		i += len(s.layers)
	}
	if i < 0 || i >= len(s.layers) {
		panic(fmt.Sprintf("index %d is out of range", i))
	}
	return s.layers[i]
}

// Layers returns the modules in order (the slice is a copy).
func (s *Sequential) Layers() []Module { return append([]Module(nil), s.layers...) }

func (s *Sequential) children() []entry {
	out := make([]entry, len(s.layers))
	for i, l := range s.layers {
		out[i] = entry{name: strconv.Itoa(i), kind: kindChild, child: reflect.ValueOf(l)}
	}
	return out
}

func (s *Sequential) moduleName() string { return "Sequential" }

// String prints the container as PyTorch does.
func (s *Sequential) String() string { return Repr(s) }

// ModuleList holds sub-modules in a list (torch.nn.ModuleList): they are
// registered as "0", "1", ... Any exported slice field of modules in a model
// behaves the same way.
type ModuleList []Module

// ModuleDict holds sub-modules under string keys in insertion order
// (torch.nn.ModuleDict).
type ModuleDict struct {
	keys []string
	m    map[string]Module
}

// NewModuleDict returns an empty ModuleDict.
func NewModuleDict() *ModuleDict { return &ModuleDict{m: map[string]Module{}} }

// Set adds or replaces the module under key; a new key goes last.
func (d *ModuleDict) Set(key string, m Module) *ModuleDict {
	if _, ok := d.m[key]; !ok {
		d.keys = append(d.keys, key)
	}
	d.m[key] = m
	return d
}

// Get returns the module under key, or nil.
func (d *ModuleDict) Get(key string) Module { return d.m[key] }

// Keys returns the keys in insertion order.
func (d *ModuleDict) Keys() []string { return append([]string(nil), d.keys...) }

func (d *ModuleDict) children() []entry {
	out := make([]entry, len(d.keys))
	for i, k := range d.keys {
		out[i] = entry{name: k, kind: kindChild, child: reflect.ValueOf(d.m[k])}
	}
	return out
}

func (d *ModuleDict) moduleName() string { return "ModuleDict" }

// String prints the container as PyTorch does.
func (d *ModuleDict) String() string { return Repr(d) }
