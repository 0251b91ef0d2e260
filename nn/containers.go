package nn

import (
	"fmt"
	"reflect"
	"strconv"

	"github.com/intercept-ml/intercept/internal/tensorinternal"
	F "github.com/intercept-ml/intercept/nn/functional"
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

// Forward applies the modules in order. A Linear or Conv2d layer followed
// by a ReLU runs as one fused operation (functional.LinearReLU,
// functional.Conv2dReLU), with the values, gradients and GradFn of the two
// in sequence: the layer's output is a tensor that only Forward sees, so
// the ReLU can overwrite it instead of allocating another. When such an
// output is only read by the next layer, a Linear, Conv2d or MaxPool2d
// (which keep no view of it), Backward reuses its memory once it is done
// with it (tensorinternal.RecycleAfterBackward), or, when nothing recorded either
// layer (under tensor.NoGrad, say), Forward reuses it as soon as the next
// layer has run (tensorinternal.Recycle).
func (s *Sequential) Forward(x *tensor.Tensor) *tensor.Tensor {
	// read is a fused layer's output that only the next layer reads and
	// that no node recorded (under NoGrad, say): its memory is reused as
	// soon as that layer has run, unless that layer recorded a node,
	// which may have saved it.
	var read *tensor.Tensor
	for i := 0; i < len(s.layers); i++ {
		var y *tensor.Tensor
		fused := false
		if i+1 < len(s.layers) {
			if _, ok := s.layers[i+1].(*ReLU); ok {
				y = forwardReLU(s.layers[i], x)
				fused = y != nil
			}
		}
		if !fused {
			y = s.layers[i].Forward(x)
		}
		if read != nil {
			if y.IsLeaf() {
				tensorinternal.Recycle(read)
			}
			read = nil
		}
		if fused {
			if i+2 < len(s.layers) && readsWithoutView(s.layers[i+2]) {
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

// readsWithoutView reports whether m is a layer type whose Forward reads
// its input without keeping or returning a view of it, so that nothing
// but the autograd graph holds the input afterwards.
func readsWithoutView(m Module) bool {
	switch m.(type) {
	case *Linear, *Conv2d, *MaxPool2d:
		return true
	}
	return false
}

// forwardReLU returns ReLU(l.Forward(x)) computed as one fused operation
// for the layer types that have one, or nil.
func forwardReLU(l Module, x *tensor.Tensor) *tensor.Tensor {
	switch l := l.(type) {
	case *Linear:
		l.checkInput(x)
		return F.LinearReLU(x, l.Weight, l.Bias)
	case *Conv2d:
		return F.Conv2dReLU(x, l.Weight, l.Bias, l.options())
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
