package functional

import (
	"reflect"
	"strings"
	"testing"

	"github.com/intercept-ml/intercept/tensor"
)

// TestLossOptionFamilies checks which options each loss takes, the table of
// loss_options.go: an option a loss does not take (LabelSmoothing for
// MSELoss, PosWeight for BinaryCrossEntropy, ...) does not implement the
// loss's family and so does not compile.
func TestLossOptionFamilies(t *testing.T) {
	families := map[string]reflect.Type{
		"MSELoss":                      reflect.TypeFor[MSELossOption](),
		"L1Loss":                       reflect.TypeFor[L1LossOption](),
		"SmoothL1Loss":                 reflect.TypeFor[SmoothL1LossOption](),
		"HuberLoss":                    reflect.TypeFor[HuberLossOption](),
		"BinaryCrossEntropy":           reflect.TypeFor[BinaryCrossEntropyOption](),
		"BinaryCrossEntropyWithLogits": reflect.TypeFor[BinaryCrossEntropyWithLogitsOption](),
		"NLLLoss":                      reflect.TypeFor[NLLLossOption](),
		"CrossEntropy":                 reflect.TypeFor[CrossEntropyOption](),
	}
	options := map[string]any{
		"Reduction":      Sum,
		"Weight":         Weight(nil),
		"PosWeight":      PosWeight(nil),
		"IgnoreIndex":    IgnoreIndex(0),
		"LabelSmoothing": LabelSmoothing(0),
		"Beta":           Beta(1),
		"Delta":          Delta(1),
	}
	takes := map[string]string{
		"MSELoss":                      "Reduction",
		"L1Loss":                       "Reduction",
		"SmoothL1Loss":                 "Reduction Beta",
		"HuberLoss":                    "Reduction Delta",
		"BinaryCrossEntropy":           "Reduction Weight",
		"BinaryCrossEntropyWithLogits": "Reduction Weight PosWeight",
		"NLLLoss":                      "Reduction Weight IgnoreIndex",
		"CrossEntropy":                 "Reduction Weight IgnoreIndex LabelSmoothing",
	}
	for loss, fam := range families {
		want := map[string]bool{}
		for _, o := range strings.Fields(takes[loss]) {
			want[o] = true
		}
		for name, o := range options {
			if got := reflect.TypeOf(o).Implements(fam); got != want[name] {
				t.Errorf("%s implements %v: %v, want %v", name, fam, got, want[name])
			}
		}
	}
}

// TestLossWithoutOptionsAllocatesNoConfig checks that a loss called without
// options allocates nothing for its configuration, which is PyTorch's
// defaults: the training loops call the losses at every step. (With options
// it allocates nothing either: TestOptionsAllocateNothing.)
func TestLossWithoutOptionsAllocatesNoConfig(t *testing.T) {
	var c callConfig
	if n := testing.AllocsPerRun(100, func() {
		c = lossOptions[CrossEntropyOption](nil)
	}); n != 0 {
		t.Errorf("lossOptions without options: %v allocations, want 0", n)
	}
	want := callConfig{reduction: Mean, ignoreIndex: -100, beta: 1, delta: 1}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("configuration without options %+v, want %+v", c, want)
	}
	x, y := tensor.Zeros(4, 3), tensor.Zeros(4, 3)
	without := testing.AllocsPerRun(100, func() { MSELoss(x, y) })
	with := testing.AllocsPerRun(100, func() { MSELoss(x, y, Mean) })
	if with != without {
		t.Errorf("MSELoss allocates %v times without options and %v with Mean, want as many", without, with)
	}
}
