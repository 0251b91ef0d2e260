package nn

import (
	"fmt"
	"strings"

	"github.com/intercept-ml/intercept/internal/pyfmt"
	F "github.com/intercept-ml/intercept/nn/functional"
	"github.com/intercept-ml/intercept/tensor"
)

// UpsampleOption configures NewUpsample: Size or ScaleFactor, ModeNearest /
// ModeBilinear, AlignCorners.
type UpsampleOption interface{ applyUpsample(*Upsample) }

// InterpolateMode is Upsample's mode=, an UpsampleOption (the same modes
// as functional.Interpolate's).
type InterpolateMode string

const (
	// ModeNearest copies the nearest input element (mode='nearest', the
	// default).
	ModeNearest InterpolateMode = "nearest"
	// ModeBilinear interpolates linearly along height and width of a 4-D
	// input (mode='bilinear').
	ModeBilinear InterpolateMode = "bilinear"
)

func (m InterpolateMode) applyUpsample(u *Upsample) { u.Mode = m }

// SizeOption is the value of Size, an UpsampleOption.
type SizeOption struct{ s []int }

// Size sets Upsample's output size (PyTorch's size=): one value for every
// spatial dimension or one per dimension. It replaces a ScaleFactor.
func Size(s ...int) SizeOption { return SizeOption{s} }

func (o SizeOption) applyUpsample(u *Upsample) {
	u.Size, u.ScaleFactor = append([]int(nil), o.s...), nil
}

// ScaleFactorOption is the value of ScaleFactor, an UpsampleOption.
type ScaleFactorOption struct{ s []float64 }

// ScaleFactor sets Upsample's multiplier of the spatial size (PyTorch's
// scale_factor=): one value or one per spatial dimension. It replaces a
// Size.
func ScaleFactor(s ...float64) ScaleFactorOption { return ScaleFactorOption{s} }

func (o ScaleFactorOption) applyUpsample(u *Upsample) {
	u.ScaleFactor, u.Size = append([]float64(nil), o.s...), nil
}

// AlignCornersOption is the value of AlignCorners, an UpsampleOption.
type AlignCornersOption bool

// AlignCorners aligns the corner elements of input and output in
// ModeBilinear (PyTorch's align_corners=; default False). With ModeNearest
// the constructor panics with PyTorch's message.
func AlignCorners(on bool) AlignCornersOption { return AlignCornersOption(on) }

func (o AlignCornersOption) applyUpsample(u *Upsample) { u.AlignCorners, u.alignSet = bool(o), true }

// Upsample resizes (N, C, spatial...) inputs (torch.nn.Upsample): nearest
// for 3-D to 5-D inputs, bilinear for 4-D ones.
type Upsample struct {
	// Size is the output size (one value for every spatial dimension, or
	// one per dimension); nil when ScaleFactor is set.
	Size []int
	// ScaleFactor multiplies the input size; nil when Size is set.
	ScaleFactor []float64
	// Mode is ModeNearest or ModeBilinear.
	Mode InterpolateMode
	// AlignCorners is used by ModeBilinear.
	AlignCorners bool
	alignSet     bool
}

// NewUpsample returns Upsample(size or scale_factor, mode): exactly one of
// Size and ScaleFactor must be given. Options (UpsampleOption): Size,
// ScaleFactor, ModeNearest (default) / ModeBilinear, AlignCorners.
func NewUpsample(opts ...UpsampleOption) *Upsample {
	u := &Upsample{Mode: ModeNearest}
	for _, o := range opts {
		o.applyUpsample(u)
	}
	if u.Size == nil && u.ScaleFactor == nil {
		panic("either size or scale_factor should be defined")
	}
	if u.Mode == ModeNearest && u.alignSet {
		panic("align_corners option can only be set with the interpolating modes: linear | bilinear | bicubic | trilinear")
	}
	return u
}

// Forward resizes x.
func (u *Upsample) Forward(x *tensor.Tensor) *tensor.Tensor {
	if HooksActive() {
		return CallHooked(u, x, u.forward)
	}
	return u.forward(x)
}

func (u *Upsample) forward(x *tensor.Tensor) *tensor.Tensor {
	opts := []F.InterpolateOption{F.InterpolateMode(u.Mode)}
	if u.Size != nil {
		opts = append(opts, F.Size(u.Size...))
	} else {
		opts = append(opts, F.ScaleFactor(u.ScaleFactor...))
	}
	if u.Mode != ModeNearest {
		opts = append(opts, F.AlignCorners(u.AlignCorners))
	}
	return F.Interpolate(x, opts...)
}

// ExtraRepr returns "scale_factor=2.0, mode=nearest" or
// "size=(4, 6), mode=bilinear".
func (u *Upsample) ExtraRepr() string {
	var info string
	if u.ScaleFactor != nil {
		if len(u.ScaleFactor) == 1 {
			info = "scale_factor=" + pyfmt.Float(u.ScaleFactor[0])
		} else {
			s := make([]string, len(u.ScaleFactor))
			for i, v := range u.ScaleFactor {
				s[i] = pyfmt.Float(v)
			}
			info = "scale_factor=(" + strings.Join(s, ", ") + ")"
		}
	} else {
		info = "size=" + sizeRepr(u.Size)
	}
	return fmt.Sprintf("%s, mode=%s", info, u.Mode)
}

// String prints the module as PyTorch does.
func (u *Upsample) String() string { return Repr(u) }
