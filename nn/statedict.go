package nn

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/intercept-ml/intercept/internal/pyfmt"
	"github.com/intercept-ml/intercept/tensor"
)

// StateDict is an ordered list of a model's parameters and persistent
// buffers under PyTorch's key names ("features.1.running_mean"). The
// tensors are the model's own: changing them changes the model.
type StateDict []Named

// Get returns the tensor stored under key, or nil.
func (sd StateDict) Get(key string) *tensor.Tensor {
	for _, e := range sd {
		if e.Name == key {
			return e.Tensor
		}
	}
	return nil
}

// Keys returns the keys in order.
func (sd StateDict) Keys() []string {
	k := make([]string, len(sd))
	for i, e := range sd {
		k[i] = e.Name
	}
	return k
}

// StateDictOf returns the state dict of m: for each module in pre-order,
// its own parameters then its own buffers, as model.state_dict() orders
// them.
func StateDictOf(m any) StateDict {
	var out StateDict
	walk(valueOf(m), "", func(prefix string, own []entry) {
		for _, e := range own {
			if e.kind == kindParam {
				out = append(out, Named{Name: prefix + e.name, Tensor: e.tensor})
			}
		}
		for _, e := range own {
			if e.kind == kindBuffer {
				out = append(out, Named{Name: prefix + e.name, Tensor: e.tensor})
			}
		}
	}, nil)
	return out
}

// ShapeMismatch describes a state-dict entry whose shape differs from the
// model's tensor of the same key.
type ShapeMismatch struct {
	Key        string
	Checkpoint []int
	Model      []int
}

// LoadError is returned by LoadStateDict; its message follows PyTorch's
// "Error(s) in loading state_dict for Net: ...".
type LoadError struct {
	Model      string
	Missing    []string
	Unexpected []string
	Mismatched []ShapeMismatch
	// Duplicate lists the keys the state dict holds more than once (an
	// error even when not strict; PyTorch's dicts cannot hold them).
	Duplicate []string
}

func quoteJoin(keys []string) string {
	q := make([]string, len(keys))
	for i, k := range keys {
		q[i] = `"` + k + `"`
	}
	return strings.Join(q, ", ")
}

// Error formats the problems as PyTorch's load_state_dict does:
// "Error(s) in loading state_dict for <Model>:" followed by the missing,
// unexpected and mis-shaped keys.
func (e *LoadError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Error(s) in loading state_dict for %s:", e.Model)
	if len(e.Missing) > 0 {
		fmt.Fprintf(&b, "\n\tMissing key(s) in state_dict: %s.", quoteJoin(e.Missing))
	}
	if len(e.Unexpected) > 0 {
		fmt.Fprintf(&b, "\n\tUnexpected key(s) in state_dict: %s.", quoteJoin(e.Unexpected))
	}
	if len(e.Duplicate) > 0 {
		fmt.Fprintf(&b, "\n\tDuplicate key(s) in state_dict: %s.", quoteJoin(e.Duplicate))
	}
	for _, m := range e.Mismatched {
		fmt.Fprintf(&b, "\n\tsize mismatch for %s: copying a param with shape %s from checkpoint, the shape in current model is %s.",
			m.Key, pyfmt.TorchSize(m.Checkpoint...), pyfmt.TorchSize(m.Model...))
	}
	return b.String()
}

// LoadStateDict copies the tensors of sd into the matching parameters and
// buffers of m (converting the element type when needed). With strict, keys
// missing from sd or unknown to m are an error, as in PyTorch; a shape
// mismatch is always an error, and so is a key given twice (which of the
// two would win is anybody's guess; StateDict.Get returns the first). On
// error nothing is copied, so the model is never left half-loaded.
func LoadStateDict(m any, sd StateDict, strict bool) error {
	own := StateDictOf(m)
	have := map[string]*tensor.Tensor{}
	for _, e := range own {
		have[e.Name] = e.Tensor
	}
	given := map[string]*tensor.Tensor{}
	le := &LoadError{Model: typeName(valueOf(m))}
	for _, e := range sd {
		if _, dup := given[e.Name]; dup {
			le.Duplicate = append(le.Duplicate, e.Name)
		}
		given[e.Name] = e.Tensor
	}
	for _, e := range own {
		src, ok := given[e.Name]
		if !ok {
			le.Missing = append(le.Missing, e.Name)
			continue
		}
		if src == nil || !sameInts(src.Shape(), e.Tensor.Shape()) {
			var cs []int
			if src != nil {
				cs = src.Shape()
			}
			le.Mismatched = append(le.Mismatched, ShapeMismatch{e.Name, cs, e.Tensor.Shape()})
		}
	}
	for _, e := range sd {
		if _, ok := have[e.Name]; !ok {
			le.Unexpected = append(le.Unexpected, e.Name)
		}
	}
	if len(le.Mismatched) > 0 || len(le.Duplicate) > 0 || strict && (len(le.Missing) > 0 || len(le.Unexpected) > 0) {
		return le
	}
	tensor.NoGrad(func() {
		for _, e := range own {
			if src, ok := given[e.Name]; ok {
				e.Tensor.CopyFrom(src)
			}
		}
	})
	return nil
}

func sameInts(a, b []int) bool { return reflect.DeepEqual(a, b) || len(a) == 0 && len(b) == 0 }
