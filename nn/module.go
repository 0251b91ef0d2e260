package nn

import (
	"reflect"
	"strconv"
	"strings"
	"unicode"

	"github.com/intercept-ml/intercept/tensor"
)

// Module is a layer or model that maps one tensor to another. Every layer of
// this package implements it, and so does any user model with a Forward
// method of this signature; such modules can be chained in a Sequential.
//
// The functions of this package that walk a model (Parameters,
// NamedParameters, StateDict, Train, Apply, Repr, ...) accept any pointer
// to a struct, Forward method or not: a model is a plain Go struct.
type Module interface {
	Forward(x *tensor.Tensor) *tensor.Tensor
}

// ExtraRepr is implemented by modules that print settings inside their
// parentheses, like PyTorch's extra_repr: "in_features=3, out_features=1,
// bias=True".
type ExtraRepr interface {
	ExtraRepr() string
}

// Named is a tensor with its dotted name in a model, such as "fc1.weight"
// (the type that package safetensors reads and writes too).
type Named = tensor.Named

// How a model is discovered
//
// The walk visits a struct's exported fields in declaration order (which is
// the registration order of PyTorch). The struct tag `nn:"name"` renames a
// field, `nn:"-"` hides it, and `nn:",buffer"` (or `nn:"name,buffer"`) marks a
// tensor field as a buffer. Without a tag a field FC1 is named "fc1" and
// HiddenLayer "hidden_layer".
//
//   - A *tensor.Tensor field is a parameter if it was created by
//     tensor.NewParameter, a buffer if tagged so, and is ignored otherwise
//     (like a plain tensor attribute in PyTorch). A nil tensor is absent: a
//     layer built without bias has no "bias" key at all.
//   - A field holding a pointer to a struct (directly or in an interface) is
//     a child module if that struct type implements Module or ExtraRepr, or
//     contains parameters, buffers or modules itself.
//   - A slice or array of such values is a list of child modules named
//     "0", "1", ..., printed as a ModuleList.

type fieldKind int

const (
	kindSkip fieldKind = iota
	kindParam
	kindBuffer
	kindChild
)

// entry is one discovered member of a module.
type entry struct {
	name   string
	kind   fieldKind
	tensor *tensor.Tensor
	child  reflect.Value // pointer to struct, or a list value
}

var tensorPtrType = reflect.TypeOf((*tensor.Tensor)(nil))
var moduleType = reflect.TypeOf((*Module)(nil)).Elem()
var extraReprType = reflect.TypeOf((*ExtraRepr)(nil)).Elem()
var containerType = reflect.TypeOf((*interface{ children() []entry })(nil)).Elem()

// snakeName converts a Go field name to PyTorch's attribute style.
func snakeName(s string) string {
	r := []rune(s)
	var b strings.Builder
	for i, c := range r {
		if unicode.IsUpper(c) {
			if i > 0 {
				prev := r[i-1]
				nextLower := i+1 < len(r) && unicode.IsLower(r[i+1])
				if unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower) {
					b.WriteByte('_')
				}
			}
			b.WriteRune(unicode.ToLower(c))
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// isModuleType reports whether values of type t (a pointer to struct) are
// modules.
func isModuleType(t reflect.Type, seen map[reflect.Type]bool) bool {
	if t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct || t == tensorPtrType {
		return false
	}
	if t.Implements(moduleType) || t.Implements(extraReprType) || t.Implements(containerType) {
		return true
	}
	if seen[t] {
		return false
	}
	seen[t] = true
	return structHasMembers(t.Elem(), seen)
}

func structHasMembers(st reflect.Type, seen map[reflect.Type]bool) bool {
	for i := 0; i < st.NumField(); i++ {
		f := st.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct && f.Tag.Get("nn") != "-" {
			if structHasMembers(f.Type, seen) {
				return true
			}
			continue
		}
		if !f.IsExported() || f.Tag.Get("nn") == "-" {
			continue
		}
		ft := f.Type
		for ft.Kind() == reflect.Slice || ft.Kind() == reflect.Array {
			ft = ft.Elem()
		}
		if ft == tensorPtrType || ft.Kind() == reflect.Interface && ft.Implements(moduleType) || isModuleType(ft, seen) {
			return true
		}
		if ft.Kind() == reflect.Interface && (ft.NumMethod() == 0 || ft == moduleType) {
			return true // decided per value
		}
	}
	return false
}

// isModuleValue reports whether v (any kind) holds a module.
func isModuleValue(v reflect.Value) bool {
	for v.Kind() == reflect.Interface {
		if v.IsNil() {
			return false
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return false
	}
	return isModuleType(v.Type(), map[reflect.Type]bool{})
}

// entries lists the members of the module m (a pointer to struct, or a
// list) in registration order.
func entries(m reflect.Value) []entry {
	for m.Kind() == reflect.Interface {
		m = m.Elem()
	}
	if m.Kind() == reflect.Slice || m.Kind() == reflect.Array {
		var out []entry
		for i := 0; i < m.Len(); i++ {
			e := m.Index(i)
			if isModuleValue(e) || isListOfModules(e) {
				out = append(out, entry{name: strconv.Itoa(i), kind: kindChild, child: e})
			}
		}
		return out
	}
	if c, ok := m.Interface().(interface{ children() []entry }); ok {
		return c.children()
	}
	if m.Kind() != reflect.Pointer || m.IsNil() || m.Elem().Kind() != reflect.Struct {
		return nil
	}
	return structEntries(m.Elem())
}

// structEntries lists the members of a struct value; the fields of embedded
// structs are promoted, as Go promotes them.
func structEntries(s reflect.Value) []entry {
	st := s.Type()
	var out []entry
	for i := 0; i < st.NumField(); i++ {
		f := st.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct && f.Tag.Get("nn") != "-" {
			out = append(out, structEntries(s.Field(i))...)
			continue
		}
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("nn")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = snakeName(f.Name)
		}
		fv := s.Field(i)
		if f.Type == tensorPtrType {
			t, _ := fv.Interface().(*tensor.Tensor)
			switch {
			case t == nil:
			case opts == "buffer":
				out = append(out, entry{name: name, kind: kindBuffer, tensor: t})
			case t.IsParameter():
				out = append(out, entry{name: name, kind: kindParam, tensor: t})
			}
			continue
		}
		if isModuleValue(fv) || isListOfModules(fv) {
			out = append(out, entry{name: name, kind: kindChild, child: fv})
		}
	}
	return out
}

func isListOfModules(v reflect.Value) bool {
	for v.Kind() == reflect.Interface && !v.IsNil() {
		v = v.Elem()
	}
	if v.Kind() != reflect.Slice && v.Kind() != reflect.Array {
		return false
	}
	et := v.Type().Elem()
	if et.Kind() == reflect.Interface {
		return et.Implements(moduleType) || et.NumMethod() == 0 && v.Len() > 0 && isModuleValue(v.Index(0))
	}
	return isModuleType(et, map[reflect.Type]bool{}) || et.Kind() == reflect.Slice
}

// walk visits m and every descendant in PyTorch's order: a module's own
// parameters and buffers (visitOwn), then each child recursively.
func walk(m reflect.Value, prefix string, visitOwn func(prefix string, own []entry), visitModule func(prefix string, v reflect.Value)) {
	es := entries(m)
	if visitModule != nil {
		visitModule(prefix, m)
	}
	if visitOwn != nil {
		visitOwn(prefix, es)
	}
	for _, e := range es {
		if e.kind == kindChild {
			walk(e.child, prefix+e.name+".", visitOwn, visitModule)
		}
	}
}

func valueOf(m any) reflect.Value {
	v := reflect.ValueOf(m)
	if !v.IsValid() {
		panic("nn: nil model")
	}
	return v
}

// NamedParameters returns the parameters of m and its sub-modules with their
// dotted names ("fc1.weight", "layers.0.bias"), in PyTorch's order. A
// parameter reachable under several names is listed once, under the first.
func NamedParameters(m any) []Named {
	var out []Named
	seen := map[*tensor.Tensor]bool{}
	walk(valueOf(m), "", func(prefix string, own []entry) {
		for _, e := range own {
			if e.kind == kindParam && !seen[e.tensor] {
				seen[e.tensor] = true
				out = append(out, Named{Name: prefix + e.name, Tensor: e.tensor})
			}
		}
	}, nil)
	return out
}

// Parameters returns the parameters of m in the order of NamedParameters.
func Parameters(m any) []*tensor.Tensor {
	np := NamedParameters(m)
	out := make([]*tensor.Tensor, len(np))
	for i, p := range np {
		out[i] = p.Tensor
	}
	return out
}

// NamedBuffers returns the buffers of m (e.g. BatchNorm's running_mean) with
// their dotted names.
func NamedBuffers(m any) []Named {
	var out []Named
	walk(valueOf(m), "", func(prefix string, own []entry) {
		for _, e := range own {
			if e.kind == kindBuffer {
				out = append(out, Named{Name: prefix + e.name, Tensor: e.tensor})
			}
		}
	}, nil)
	return out
}

// NamedModules returns m and all its sub-modules with their dotted names
// ("" for m itself), in pre-order.
func NamedModules(m any) []NamedModule {
	var out []NamedModule
	walk(valueOf(m), "", nil, func(prefix string, v reflect.Value) {
		out = append(out, NamedModule{strings.TrimSuffix(prefix, "."), v.Interface()})
	})
	return out
}

// NamedModule is a module with its dotted name in a model.
type NamedModule struct {
	Name   string
	Module any
}

// NumParameters returns the number of scalar values in the parameters of m;
// with trainableOnly, only of those that require grad.
func NumParameters(m any, trainableOnly bool) int {
	n := 0
	for _, p := range Parameters(m) {
		if !trainableOnly || p.RequiresGrad() {
			n += p.Numel()
		}
	}
	return n
}

// SetRequiresGrad freezes (false) or unfreezes (true) every parameter of m,
// which may be a whole model or one sub-module.
func SetRequiresGrad(m any, on bool) {
	for _, p := range Parameters(m) {
		p.SetRequiresGrad(on)
	}
}

// Apply calls fn on every sub-module of m and then on m itself (children
// first, as PyTorch's model.apply does). Use it to initialize layers by type:
//
//	nn.Apply(net, func(m any) {
//		if l, ok := m.(*nn.Linear); ok {
//			nninit.XavierUniform(l.Weight)
//		}
//	})
func Apply(m any, fn func(m any)) {
	var rec func(v reflect.Value)
	rec = func(v reflect.Value) {
		for _, e := range entries(v) {
			if e.kind == kindChild {
				rec(e.child)
			}
		}
		fn(v.Interface())
	}
	rec(valueOf(m))
}

// Trainer is implemented by modules whose forward pass depends on the
// training mode (Dropout, BatchNorm). Train and Eval call SetTraining.
type Trainer interface {
	SetTraining(training bool)
}

// Train puts m and all its sub-modules in training mode (model.train()).
func Train(m any) { setTraining(m, true) }

// Eval puts m and all its sub-modules in evaluation mode (model.eval()).
func Eval(m any) { setTraining(m, false) }

func setTraining(m any, on bool) {
	Apply(m, func(x any) {
		if t, ok := x.(Trainer); ok {
			t.SetTraining(on)
		}
	})
}

// typeName is the name printed for a module: its Go type name.
func typeName(v reflect.Value) string {
	for v.Kind() == reflect.Interface {
		v = v.Elem()
	}
	if n, ok := v.Interface().(interface{ moduleName() string }); ok {
		return n.moduleName()
	}
	if v.Kind() == reflect.Slice || v.Kind() == reflect.Array {
		return "ModuleList"
	}
	t := v.Type()
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Name()
}

// Repr returns the string PyTorch prints for the equal model: the module
// name, its settings, and its children indented, e.g.
//
//	Net(
//	  (fc1): Linear(in_features=3, out_features=4, bias=True)
//	  (fc2): Linear(in_features=4, out_features=1, bias=True)
//	)
func Repr(m any) string { return repr(valueOf(m)) }

func repr(v reflect.Value) string {
	var lines []string
	for v.Kind() == reflect.Interface {
		v = v.Elem()
	}
	if e, ok := v.Interface().(ExtraRepr); ok {
		if s := e.ExtraRepr(); s != "" {
			lines = append(lines, strings.Split(s, "\n")...)
		}
	}
	extra := len(lines)
	for _, e := range entries(v) {
		if e.kind != kindChild {
			continue
		}
		child := strings.ReplaceAll(repr(e.child), "\n", "\n  ")
		lines = append(lines, "("+e.name+"): "+child)
	}
	s := typeName(v) + "("
	switch {
	case len(lines) == 0:
	case extra == 1 && len(lines) == 1:
		s += lines[0]
	default:
		s += "\n  " + strings.Join(lines, "\n  ") + "\n"
	}
	return s + ")"
}
