package safetensors

import (
	"math"

	"github.com/intercept-ml/intercept/tensor"
)

// DType is the element type of a tensor as the safetensors header names it
// ("F32", "BF16", ...).
//
// The supported types and the tensors they read into:
//
//	F64   float64 → tensor.Float64 (exact)
//	F32   float32 → tensor.Float32 (exact)
//	F16   IEEE half → tensor.Float32 (exact: every half is a float32)
//	BF16  bfloat16 → tensor.Float32 (exact)
//	I64   int64 → tensor.Int64 (exact)
//	I32   int32 → tensor.Int64 (exact, widened)
//	U8    uint8 → tensor.Int64 (exact, widened)
//	BOOL  one byte per element → tensor.Bool (any non-zero byte is true)
//
// NaNs follow PyTorch 1.13 on x86-64 bit for bit: an F16 NaN reads as a
// quiet float32 NaN with its payload, and a float32 NaN is stored as
// 0x7e00 with its sign in F16 and as 0xffff in BF16.
//
// Reading is lossless (up to NaN payloads), but it may widen: a tensor read from F16
// and written back without StoreAs is stored as F32. Writing to a narrower
// type (StoreAs) rounds floats to nearest even exactly as PyTorch's
// .half(), .bfloat16() and .float() do (lossy) and refuses integers that do
// not fit (never lossy). The other types of the format (I8, I16, U16, U32,
// U64, the 8-bit and smaller floats, C64) are reported as unsupported.
type DType string

// The element types this package reads and writes.
const (
	F64  DType = "F64"
	F32  DType = "F32"
	F16  DType = "F16"
	BF16 DType = "BF16"
	I64  DType = "I64"
	I32  DType = "I32"
	U8   DType = "U8"
	BOOL DType = "BOOL"
)

// otherDTypes are valid in the format but not supported here; they get a
// clearer message than a misspelled type.
var otherDTypes = map[string]bool{
	"I8": true, "I16": true, "U16": true, "U32": true, "U64": true,
	"F8_E5M2": true, "F8_E4M3": true, "F8_E8M0": true, "F6_E2M3": true,
	"F6_E3M2": true, "F4": true, "C64": true,
}

// Size returns the number of bytes of one element, or 0 for a type this
// package does not support.
func (d DType) Size() int {
	switch d {
	case F64, I64:
		return 8
	case F32, I32:
		return 4
	case F16, BF16:
		return 2
	case U8, BOOL:
		return 1
	}
	return 0
}

// TensorDType returns the element type of the tensors read from d.
func (d DType) TensorDType() tensor.DType {
	switch d {
	case F64:
		return tensor.Float64
	case F32, F16, BF16:
		return tensor.Float32
	case I64, I32, U8:
		return tensor.Int64
	}
	return tensor.Bool
}

// isFloat reports whether d is a floating-point type.
func (d DType) isFloat() bool { return d == F64 || d == F32 || d == F16 || d == BF16 }

// isInt reports whether d is an integer type.
func (d DType) isInt() bool { return d == I64 || d == I32 || d == U8 }

// natural returns the type a tensor of element type t is stored as by
// default.
func natural(t tensor.DType) DType {
	switch t {
	case tensor.Float64:
		return F64
	case tensor.Float32:
		return F32
	case tensor.Int64:
		return I64
	}
	return BOOL
}

// canStore reports whether a tensor of element type t may be stored as d.
func canStore(t tensor.DType, d DType) bool {
	switch t {
	case tensor.Float32, tensor.Float64:
		return d.isFloat()
	case tensor.Int64:
		return d.isInt()
	}
	return d == BOOL
}

// halfToFloat32 converts an IEEE 754 binary16 value exactly (a signaling
// NaN becomes quiet).
func halfToFloat32(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	exp := uint32(h>>10) & 0x1f
	man := uint32(h & 0x3ff)
	switch {
	case exp == 0x1f && man == 0:
		return math.Float32frombits(sign | 0x7f800000)
	case exp == 0x1f: // NaN: payload kept and made quiet, as x86's vcvtph2ps (PyTorch's path) does
		return math.Float32frombits(sign | 0x7fc00000 | man<<13)
	case exp != 0: // normal: rebias 15 → 127
		return math.Float32frombits(sign | (exp+112)<<23 | man<<13)
	case man == 0:
		return math.Float32frombits(sign)
	}
	// Subnormal: man × 2⁻²⁴, exactly representable in float32.
	v := float32(man) * (1.0 / (1 << 24))
	return math.Float32frombits(sign | math.Float32bits(v))
}

// float32ToHalf rounds f to the nearest binary16 value, ties to even,
// overflowing to infinity, as PyTorch's c10::Half does. NaN becomes the
// quiet NaN 0x7e00 with f's sign.
func float32ToHalf(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int(b>>23) & 0xff
	man := b & 0x7fffff
	if exp == 0xff {
		if man != 0 {
			return sign | 0x7e00
		}
		return sign | 0x7c00
	}
	if exp == 0 {
		// float32 zero or subnormal (< 2⁻¹²⁶): far below half of the
		// smallest half subnormal (2⁻²⁵), so it rounds to a signed zero.
		return sign
	}
	// f = sig × 2^(exp-150) with a 24-bit significand. The half exponent
	// field would be e = exp-112; a normal half keeps 11 significant bits
	// (drop 13), a subnormal one fewer bits per step below e = 1.
	sig := man | 0x800000
	e := exp - 112
	shift := 13
	if e < 1 {
		shift += 1 - e
	}
	if shift > 25 { // below 2⁻²⁵: rounds to zero
		return sign
	}
	r := sig >> shift
	rem := sig & (1<<shift - 1)
	halfway := uint32(1) << (shift - 1)
	if rem > halfway || rem == halfway && r&1 == 1 {
		r++
	}
	var v uint32
	if e >= 1 {
		// r includes the implicit bit (1024); a carry out of the
		// significand correctly bumps the exponent.
		v = uint32(e-1)<<10 + r
	} else {
		v = r // subnormal; rounding up to 1024 gives the smallest normal
	}
	if v >= 0x7c00 {
		return sign | 0x7c00
	}
	return sign | uint16(v)
}

// bf16ToFloat32 converts a bfloat16 value exactly.
func bf16ToFloat32(h uint16) float32 { return math.Float32frombits(uint32(h) << 16) }

// float32ToBF16 rounds f to the nearest bfloat16, ties to even, as
// PyTorch does. NaN becomes 0xffff, the NaN PyTorch 1.13's vectorized
// conversion (used for every tensor) produces.
func float32ToBF16(f float32) uint16 {
	if f != f {
		return 0xffff
	}
	b := math.Float32bits(f)
	return uint16((b + 0x7fff + (b>>16)&1) >> 16)
}
