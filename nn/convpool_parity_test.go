package nn

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/intercept-ml/intercept/internal/golden"
	F "github.com/intercept-ml/intercept/nn/functional"
	"github.com/intercept-ml/intercept/tensor"
)

// Reference data written by testdata/gen_convpool.py with PyTorch 1.13.1.

func loadConvPoolRef(t testing.TB) *layersRef {
	t.Helper()
	b, err := os.ReadFile("testdata/convpool.json")
	if err != nil {
		t.Fatal(err)
	}
	var r layersRef
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return &r
}

// convPoolBuilders maps the Python expressions of gen_convpool.py to the
// equal Go constructions; a "|f64" case (float64 inputs) uses the same
// construction as its float32 case unless listed itself.
var convPoolBuilders = map[string]func() any{
	"MaxPool1d(2)": func() any { return NewMaxPool1d(2) },
	"MaxPool1d(3,stride=2,padding=1,dilation=2,ceil_mode=True)": func() any {
		return NewMaxPool1d(3, Stride(2), Padding(1), Dilation(2), CeilMode)
	},
	"MaxPool1d(3,stride=1)": func() any { return NewMaxPool1d(3, Stride(1)) },
	"MaxPool3d(2)":          func() any { return NewMaxPool3d(2) },
	"MaxPool3d((2,3,2),stride=(1,2,2),padding=(1,1,0),dilation=(2,1,1),ceil_mode=True)": func() any {
		m := NewMaxPool3d(2, Stride(1, 2, 2), Padding(1, 1, 0), Dilation(2, 1, 1), CeilMode)
		m.KernelSize = []int{2, 3, 2}
		return m
	},
	"MaxPool3d(3,stride=2,padding=1)": func() any { return NewMaxPool3d(3, Stride(2), Padding(1)) },
	"AvgPool1d(2)":                    func() any { return NewAvgPool1d(2) },
	"AvgPool1d(3,stride=2,padding=1,ceil_mode=True,count_include_pad=False)": func() any {
		return NewAvgPool1d(3, Stride(2), Padding(1), CeilMode, NoCountIncludePad)
	},
	"AvgPool1d(4,stride=3,padding=2)": func() any { return NewAvgPool1d(4, Stride(3), Padding(2)) },
	"AvgPool3d(2)":                    func() any { return NewAvgPool3d(2) },
	"AvgPool3d((2,3,3),stride=(1,2,2),padding=(1,1,1),ceil_mode=True,count_include_pad=False)": func() any {
		m := NewAvgPool3d(2, Stride(1, 2, 2), Padding(1, 1, 1), CeilMode, NoCountIncludePad)
		m.KernelSize = []int{2, 3, 3}
		return m
	},
	"AvgPool3d(3,stride=2,padding=1)": func() any { return NewAvgPool3d(3, Stride(2), Padding(1)) },
	"AdaptiveAvgPool1d(3)":            func() any { return NewAdaptiveAvgPool1d(3) },
	"AdaptiveAvgPool1d(4)":            func() any { return NewAdaptiveAvgPool1d(4) },
	"AdaptiveMaxPool1d(3)":            func() any { return NewAdaptiveMaxPool1d(3) },
	"AdaptiveMaxPool1d(5)":            func() any { return NewAdaptiveMaxPool1d(5) },
	"AdaptiveMaxPool2d((3,4))":        func() any { return NewAdaptiveMaxPool2d(3, 4) },
	"AdaptiveMaxPool2d(2)":            func() any { return NewAdaptiveMaxPool2d(2) },
	"AdaptiveMaxPool2d((5,1))":        func() any { return NewAdaptiveMaxPool2d(5, 1) },
	"Unflatten(1,(2,5))":              func() any { return NewUnflatten(1, 2, 5) },
	"Unflatten(-1,(2,-1,3))":          func() any { return NewUnflatten(-1, 2, -1, 3) },

	"Upsample(scale_factor=2)":         func() any { return NewUpsample(ScaleFactor(2)) },
	"Upsample(scale_factor=3)":         func() any { return NewUpsample(ScaleFactor(3)) },
	"Upsample(scale_factor=(1.5,2.5))": func() any { return NewUpsample(ScaleFactor(1.5, 2.5)) },
	"Upsample(size=(7,3))":             func() any { return NewUpsample(Size(7, 3)) },
	"Upsample(size=5)":                 func() any { return NewUpsample(Size(5)) },
	"Upsample(scale_factor=0.5)":       func() any { return NewUpsample(ScaleFactor(0.5)) },
	"Upsample(scale_factor=2,mode='bilinear')": func() any {
		return NewUpsample(ScaleFactor(2), ModeBilinear)
	},
	"Upsample(scale_factor=2,mode='bilinear',align_corners=True)": func() any {
		return NewUpsample(ScaleFactor(2), ModeBilinear, AlignCorners(true))
	},
	"Upsample(size=(7,3),mode='bilinear')": func() any { return NewUpsample(Size(7, 3), ModeBilinear) },
	"Upsample(size=(7,9),mode='bilinear',align_corners=True)": func() any {
		return NewUpsample(Size(7, 9), ModeBilinear, AlignCorners(true))
	},
	"Upsample(scale_factor=(1.7,0.6),mode='bilinear')": func() any {
		return NewUpsample(ScaleFactor(1.7, 0.6), ModeBilinear)
	},
	"Upsample(size=(1,6),mode='bilinear',align_corners=True)": func() any {
		return NewUpsample(Size(1, 6), ModeBilinear, AlignCorners(true))
	},

	"ConvTranspose1d(3,4,3)":     func() any { return NewConvTranspose1d(3, 4, 3) },
	"ConvTranspose1d(3,4,3)|f64": func() any { return NewConvTranspose1d(3, 4, 3, f64) },
	"ConvTranspose1d(4,6,3,stride=2,padding=1,output_padding=1,dilation=2,groups=2)": func() any {
		return NewConvTranspose1d(4, 6, 3, Stride(2), Padding(1), OutputPadding(1), Dilation(2), Groups(2))
	},
	"ConvTranspose1d(4,6,3,stride=2,padding=1,output_padding=1,dilation=2,groups=2)|f64": func() any {
		return NewConvTranspose1d(4, 6, 3, Stride(2), Padding(1), OutputPadding(1), Dilation(2), Groups(2), f64)
	},
	"ConvTranspose1d(2,3,4,stride=3,bias=False)":     func() any { return NewConvTranspose1d(2, 3, 4, Stride(3), NoBias) },
	"ConvTranspose1d(2,3,4,stride=3,bias=False)|f64": func() any { return NewConvTranspose1d(2, 3, 4, Stride(3), NoBias, f64) },
	"ConvTranspose3d(2,3,2)":                         func() any { return NewConvTranspose3d(2, 3, 2) },
	"ConvTranspose3d(2,3,2)|f64":                     func() any { return NewConvTranspose3d(2, 3, 2, f64) },
	"ConvTranspose3d(4,2,3,stride=2,padding=1,output_padding=1,groups=2)": func() any {
		return NewConvTranspose3d(4, 2, 3, Stride(2), Padding(1), OutputPadding(1), Groups(2))
	},
	"ConvTranspose3d(4,2,3,stride=2,padding=1,output_padding=1,groups=2)|f64": func() any {
		return NewConvTranspose3d(4, 2, 3, Stride(2), Padding(1), OutputPadding(1), Groups(2), f64)
	},
	"ConvTranspose3d(2,2,(1,2,3),stride=(1,2,1),dilation=(1,1,2),bias=False)": func() any {
		return NewConvTranspose3dKernel(2, 2, [3]int{1, 2, 3}, Stride(1, 2, 1), Dilation(1, 1, 2), NoBias)
	},
	"ConvTranspose3d(2,2,(1,2,3),stride=(1,2,1),dilation=(1,1,2),bias=False)|f64": func() any {
		return NewConvTranspose3dKernel(2, 2, [3]int{1, 2, 3}, Stride(1, 2, 1), Dilation(1, 1, 2), NoBias, f64)
	},
}

func init() {
	modes := map[string]PaddingModeOption{"reflect": PaddingModeReflect, "replicate": PaddingModeReplicate,
		"circular": PaddingModeCircular, "zeros": PaddingModeZeros}
	for name, mode := range modes {
		for expr, build := range map[string]func(dt ConvOption) any{
			"Conv1d(2,3,3,padding=2,padding_mode='%s')": func(dt ConvOption) any {
				return NewConv1d(2, 3, 3, Padding(2), mode, dt)
			},
			"Conv2d(2,4,3,stride=2,padding=(1,2),padding_mode='%s')": func(dt ConvOption) any {
				return NewConv2d(2, 4, 3, Stride(2), Padding(1, 2), mode, dt)
			},
			"Conv3d(2,2,3,padding=1,bias=False,padding_mode='%s')": func(dt ConvOption) any {
				return NewConv3d(2, 2, 3, Padding(1), NoBias, mode, dt)
			},
			"Conv2d(2,2,4,padding='same',dilation=(1,2),padding_mode='%s')": func(dt ConvOption) any {
				return NewConv2d(2, 2, 4, PaddingSame, Dilation(1, 2), mode, dt)
			},
		} {
			e := fmt.Sprintf(expr, name)
			convPoolBuilders[e] = func() any { return build(WithDType(tensor.Float32)) }
			convPoolBuilders[e+"|f64"] = func() any { return build(f64) }
		}
	}
	convPoolBuilders["Conv1d(4,2,3,padding=1,groups=2,padding_mode='circular')"] = func() any {
		return NewConv1d(4, 2, 3, Padding(1), Groups(2), PaddingModeCircular)
	}
	convPoolBuilders["Conv1d(4,2,3,padding=1,groups=2,padding_mode='circular')|f64"] = func() any {
		return NewConv1d(4, 2, 3, Padding(1), Groups(2), PaddingModeCircular, f64)
	}
}

// convPoolReprs maps the "repr" entries of testdata/convpool.json to Go
// constructions.
var convPoolReprs = map[string]func() any{
	"MaxPool1d(2)": func() any { return NewMaxPool1d(2) },
	"MaxPool1d(3,stride=1,padding=1,dilation=2,ceil_mode=True)": func() any {
		return NewMaxPool1d(3, Stride(1), Padding(1), Dilation(2), CeilMode)
	},
	"MaxPool3d(2)": func() any { return NewMaxPool3d(2) },
	"MaxPool3d((2,3,2),stride=(1,2,2),padding=1,ceil_mode=True)": func() any {
		m := NewMaxPool3d(2, Stride(1, 2, 2), Padding(1), CeilMode)
		m.KernelSize = []int{2, 3, 2}
		return m
	},
	"AvgPool1d(3)": func() any { return NewAvgPool1d(3) },
	"AvgPool1d(3,stride=2,padding=1,ceil_mode=True,count_include_pad=False)": func() any {
		return NewAvgPool1d(3, Stride(2), Padding(1), CeilMode, CountIncludePad(false))
	},
	"AvgPool3d(2)": func() any { return NewAvgPool3d(2) },
	"AvgPool3d((1,2,3),stride=1,padding=(0,1,1))": func() any {
		m := NewAvgPool3d(1, Stride(1), Padding(0, 1, 1))
		m.KernelSize = []int{1, 2, 3}
		return m
	},
	"AdaptiveAvgPool1d(5)":     func() any { return NewAdaptiveAvgPool1d(5) },
	"AdaptiveMaxPool1d(5)":     func() any { return NewAdaptiveMaxPool1d(5) },
	"AdaptiveMaxPool2d((5,7))": func() any { return NewAdaptiveMaxPool2d(5, 7) },
	"AdaptiveMaxPool2d(1)":     func() any { return NewAdaptiveMaxPool2d(1) },
	"Unflatten(1,(2,5))":       func() any { return NewUnflatten(1, 2, 5) },
	"Unflatten(-1,(2,-1))":     func() any { return NewUnflatten(-1, 2, -1) },
	"ConvTranspose1d(3,4,3)":   func() any { return NewConvTranspose1d(3, 4, 3) },
	"ConvTranspose1d(4,6,3,stride=2,padding=1,output_padding=1,dilation=2,groups=2,bias=False)": func() any {
		return NewConvTranspose1d(4, 6, 3, Stride(2), Padding(1), OutputPadding(1), Dilation(2), Groups(2), NoBias)
	},
	"ConvTranspose3d(2,3,2)":               func() any { return NewConvTranspose3d(2, 3, 2) },
	"Upsample(scale_factor=2)":             func() any { return NewUpsample(ScaleFactor(2)) },
	"Upsample(size=(4,6),mode='bilinear')": func() any { return NewUpsample(Size(4, 6), ModeBilinear) },
	"Upsample(size=5)":                     func() any { return NewUpsample(Size(5)) },
	"Upsample(scale_factor=(2,3),mode='bilinear',align_corners=True)": func() any {
		return NewUpsample(ScaleFactor(2, 3), ModeBilinear, AlignCorners(true))
	},
	"Conv2d(3,4,3,padding=1,padding_mode='reflect')": func() any {
		return NewConv2d(3, 4, 3, Padding(1), PaddingModeReflect)
	},
	"Conv1d(2,4,3,padding=1,bias=False,padding_mode='circular')": func() any {
		return NewConv1d(2, 4, 3, Padding(1), NoBias, PaddingModeCircular)
	},
	"Conv3d(2,4,3,padding=1,padding_mode='zeros')": func() any { return NewConv3d(2, 4, 3, Padding(1), PaddingModeZeros) },
	"Conv2d(2,4,3,padding='same',padding_mode='replicate')": func() any {
		return NewConv2d(2, 4, 3, PaddingSame, PaddingModeReplicate)
	},
	"ConvTranspose3d(4,2,(1,2,3),stride=(1,2,1),padding=(0,1,1),output_padding=(0,1,0))": func() any {
		return NewConvTranspose3dKernel(4, 2, [3]int{1, 2, 3}, Stride(1, 2, 1), Padding(0, 1, 1), OutputPadding(0, 1, 0))
	},
}

// TestConvPoolMatchPyTorch checks the convolution and pooling variants
// against testdata/convpool.json as TestLayersMatchPyTorch checks
// layers.json: repr, initial state dict bit for bit, outputs and the
// gradients of inputs and parameters within 1e-5 (float32) and 1e-12
// (float64) of the largest magnitude; max pooling and Unflatten bit for bit.
func TestConvPoolMatchPyTorch(t *testing.T) {
	ref := loadConvPoolRef(t)
	builders := map[string]func() any{}
	for k, b := range convPoolBuilders {
		builders[k] = b
	}
	for _, c := range ref.Layers {
		if base, ok := strings.CutSuffix(c.Name, "|f64"); ok {
			if _, own := builders[c.Name]; !own {
				if b, ok := convPoolBuilders[base]; ok {
					builders[c.Name] = b
				}
			}
		}
	}
	checkLayerCases(t, ref.Layers, builders, []string{"MaxPool", "AdaptiveMaxPool", "Unflatten"}, "testdata/convpool.json")
}

func TestConvPoolReprs(t *testing.T) {
	ref := loadConvPoolRef(t)
	for e, want := range ref.Repr {
		b, ok := convPoolReprs[e]
		if !ok {
			t.Errorf("no Go construction for repr %s", e)
			continue
		}
		if got := Repr(b()); got != want {
			t.Errorf("%s:\n got %q\nwant %q", e, got, want)
		}
	}
	if len(ref.Repr) != len(convPoolReprs) {
		t.Errorf("%d PyTorch reprs, %d Go constructions", len(ref.Repr), len(convPoolReprs))
	}
}

func TestConvPoolErrors(t *testing.T) {
	ref := loadConvPoolRef(t)
	z := tensor.Zeros
	cases := map[string]func(){
		"unflatten sizes":          func() { NewUnflatten(1, 2, 4).Forward(z(3, 10)) },
		"maxpool1d rank":           func() { NewMaxPool1d(2).Forward(z(2, 3, 4, 5)) },
		"avgpool1d rank":           func() { NewAvgPool1d(2).Forward(z(2, 3, 4, 5)) },
		"adaptive_avg_pool1d rank": func() { NewAdaptiveAvgPool1d(2).Forward(z(2, 3, 4, 5)) },
		"maxpool3d rank":           func() { NewMaxPool3d(2).Forward(z(2, 3, 4)) },
		"adaptive_max_pool2d rank": func() { NewAdaptiveMaxPool2d(2).Forward(z(3, 4)) },
		"pad reflect too large":    func() { F.Pad(z(1, 2, 3), []int{3, 3}, F.PadReflect) },
		"pad non-constant 5-d with 2": func() {
			F.Pad(z(1, 2, 3, 4, 5), []int{1, 1}, F.PadReflect)
		},
		"pad odd": func() {
			//lint:ignore SA5012 the odd length is the misuse under test
			F.Pad(z(1, 2, 3), []int{1})
		},
	}
	for name, py := range ref.Errors {
		f, ok := cases[name]
		if !ok {
			t.Errorf("no Go case for PyTorch error %q", name)
			continue
		}
		want := py[strings.Index(py, ": ")+2:]
		if got := panicMessage(f); got != want {
			t.Errorf("%s:\n got %q\nwant %q", name, got, want)
		}
	}
	if len(ref.Errors) != len(cases) {
		t.Errorf("%d PyTorch errors, %d Go cases", len(ref.Errors), len(cases))
	}
}

type padCase struct {
	Mode           string
	Pad            []int
	Value          float64
	X, Out, Gy, Gx *golden.Tensor
}

// TestPadMatchesPyTorch checks functional.Pad in every mode, float32 and
// float64, against testdata/convpool.json "pad": output bit for bit (Pad
// copies) and the input gradient within 1e-5 / 1e-12.
func TestPadMatchesPyTorch(t *testing.T) {
	b, err := os.ReadFile("testdata/convpool.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct{ Pad []padCase }
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	if len(ref.Pad) == 0 {
		t.Fatal("no pad cases")
	}
	for _, c := range ref.Pad {
		what := fmt.Sprintf("pad %s %v %s", c.Mode, c.Pad, c.X.DType)
		x := toTensor(t, c.X).SetRequiresGrad(true)
		out := F.Pad(x, c.Pad, F.PadMode(c.Mode), F.PadValue(c.Value))
		exactBits(t, what+" output", out, c.Out)
		out.Mul(toTensor(t, c.Gy)).Sum().Backward()
		closeTo(t, what+" grad", x.Grad, c.Gx)
	}
}
