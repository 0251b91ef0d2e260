package nn

import (
	"fmt"
	"slices"
	"testing"

	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

// containerNet holds layers in a ModuleList, a ModuleDict and a plain field.
type containerNet struct {
	List ModuleList
	Dict *ModuleDict
	Out  *Linear
}

func (n *containerNet) Forward(x *tensor.Tensor) *tensor.Tensor {
	for _, m := range n.List {
		x = m.Forward(x)
	}
	x = n.Dict.Get("act").Forward(n.Dict.Get("fc").Forward(x))
	return n.Out.Forward(x)
}

// TestHooksFireEverywhere: a forward hook on every leaf module fires
// whether the module sits in a ModuleList, a ModuleDict, a Sequential or a
// plain field, in the order of the computation.
func TestHooksFireEverywhere(t *testing.T) {
	g := rng.NewGenerator()
	g.ManualSeed(1)
	net := &containerNet{
		List: ModuleList{NewLinear(3, 4, WithGenerator(g)), NewSequential(NewReLU(), NewLinear(4, 4, WithGenerator(g)))},
		Dict: NewModuleDict().Set("fc", NewLinear(4, 5, WithGenerator(g))).Set("act", NewTanh()),
		Out:  NewLinear(5, 2, WithGenerator(g)),
	}
	var fired []string
	for _, nm := range NamedModules(net) {
		if nm.Name == "" || nm.Name == "list" || nm.Name == "dict" {
			continue // containerNet does not follow the pattern; ModuleList and ModuleDict have no forward
		}
		name := nm.Name
		h := RegisterForwardHook(nm.Module, func(_ any, _, _ []*tensor.Tensor) []*tensor.Tensor {
			fired = append(fired, name)
			return nil
		})
		defer h.Remove()
	}
	net.Forward(g.Randn(2, 3))
	want := []string{"list.0", "list.1.0", "list.1.1", "list.1", "dict.fc", "dict.act", "out"}
	if !slices.Equal(fired, want) {
		t.Errorf("fired %q, want %q", fired, want)
	}
}

// TestHooksOnFusedPairs: Sequential fuses Linear+ReLU and Conv2d+ReLU;
// with a hook on either module of a pair, both run on their own, the hooks
// see the values of the unfused computation, and the result is the same.
func TestHooksOnFusedPairs(t *testing.T) {
	for _, conv := range []bool{false, true} {
		for _, on := range []int{0, 1, 2} {
			g := rng.NewGenerator()
			g.ManualSeed(5)
			var seq *Sequential
			var x *tensor.Tensor
			if conv {
				seq = NewSequential(NewConv2d(2, 3, 3, WithGenerator(g)), NewReLU(), NewConv2d(3, 2, 1, WithGenerator(g)))
				x = g.Randn(2, 2, 5, 5)
			} else {
				seq = NewSequential(NewLinear(4, 6, WithGenerator(g)), NewReLU(), NewLinear(6, 3, WithGenerator(g)))
				x = g.Randn(3, 4)
			}
			want := seq.Forward(x)
			want.Sum().Backward()
			w0 := Parameters(seq)[0].Grad.Clone()
			for _, p := range Parameters(seq) {
				p.Grad = nil
			}
			var seen []*tensor.Tensor
			h := RegisterForwardHook(seq.At(on), func(_ any, in, out []*tensor.Tensor) []*tensor.Tensor {
				seen = append(seen, in[0].Detach().Clone(), out[0].Detach().Clone())
				return nil
			})
			got := seq.Forward(x)
			got.Sum().Backward()
			h.Remove()
			what := fmt.Sprintf("conv %v, hook on %d", conv, on)
			if !slices.Equal(got.Float32s(), want.Float32s()) {
				t.Errorf("%s: output differs", what)
			}
			if !slices.Equal(Parameters(seq)[0].Grad.Float32s(), w0.Float32s()) {
				t.Errorf("%s: gradient differs", what)
			}
			// Recompute what the hooked module saw, unfused.
			h0 := seq.At(0).Forward(x)
			h1 := seq.At(1).Forward(h0)
			h2 := seq.At(2).Forward(h1)
			io := [][2]*tensor.Tensor{{x, h0}, {h0, h1}, {h1, h2}}[on]
			if len(seen) != 2 || !slices.Equal(seen[0].Float32s(), io[0].Float32s()) || !slices.Equal(seen[1].Float32s(), io[1].Float32s()) {
				t.Errorf("%s: the hook saw other values than the unfused forward", what)
			}
		}
	}
}

// TestHookHandleRemoveTwice: Remove is idempotent and HooksActive counts.
func TestHookHandleRemoveTwice(t *testing.T) {
	l := NewLinear(2, 2)
	before := hookCount.Load()
	h := RegisterForwardPreHook(l, func(any, []*tensor.Tensor) []*tensor.Tensor { return nil })
	if !HooksActive() || !HasHooks(l) {
		t.Fatal("hook not registered")
	}
	h.Remove()
	h.Remove()
	if hookCount.Load() != before || HasHooks(l) {
		t.Errorf("after Remove: count %d (was %d), HasHooks %v", hookCount.Load(), before, HasHooks(l))
	}
	if _, ok := hookRegistry.Load(l); ok {
		t.Error("the registry keeps the module after its last hook was removed")
	}
	// Registering again after the last Remove works.
	n := 0
	h = RegisterForwardHook(l, func(any, []*tensor.Tensor, []*tensor.Tensor) []*tensor.Tensor { n++; return nil })
	l.Forward(tensor.Ones(1, 2))
	h.Remove()
	if n != 1 {
		t.Errorf("hook registered after a Remove fired %d times", n)
	}
}

// TestStatelessModulesHaveTheirOwnHooks: stateless layers are not
// zero-size, so a hook on one ReLU does not fire for another.
func TestStatelessModulesHaveTheirOwnHooks(t *testing.T) {
	a, b := NewReLU(), NewReLU()
	n := 0
	h := RegisterForwardHook(a, func(any, []*tensor.Tensor, []*tensor.Tensor) []*tensor.Tensor { n++; return nil })
	defer h.Remove()
	x := tensor.Ones(2)
	b.Forward(x)
	a.Forward(x)
	if n != 1 {
		t.Errorf("hook on one ReLU fired %d times for two ReLUs", n)
	}
	for _, m := range []any{NewSigmoid(), NewTanh(), NewSiLU(), NewIdentity()} {
		if fmt.Sprintf("%p", m) == fmt.Sprintf("%p", a) {
			t.Errorf("%T shares its address with another module", m)
		}
	}
}

// TestModuleHooksConcurrent registers and removes hooks on one module from
// several goroutines while others run it (for the race detector).
func TestModuleHooksConcurrent(t *testing.T) {
	l := NewLinear(3, 2)
	x := tensor.Ones(4, 3)
	done := make(chan bool)
	for i := 0; i < 4; i++ {
		go func() {
			for j := 0; j < 100; j++ {
				if i%2 == 0 {
					h := RegisterForwardHook(l, func(any, []*tensor.Tensor, []*tensor.Tensor) []*tensor.Tensor { return nil })
					h.Remove()
				} else {
					l.Forward(x)
				}
			}
			done <- true
		}()
	}
	for i := 0; i < 4; i++ {
		<-done
	}
	if HasHooks(l) {
		t.Error("hooks left")
	}
}
