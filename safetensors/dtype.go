package safetensors

import (
	"math"

	"github.com/intercept-ml/intercept/tensor"
)

// DType is the element type of a tensor as the safetensors header names it
// ("F32", "BF16", ...).
//
// Every type of the format is read; most convert to a tensor:
//
//	F64   float64 → tensor.Float64 (exact)
//	F32   float32 → tensor.Float32 (exact)
//	F16   IEEE half → tensor.Float32 (exact: every half is a float32)
//	BF16  bfloat16 → tensor.Float32 (exact)
//	F8_E5M2, F8_E4M3, F8_E8M0, F8_E4M3FNUZ, F8_E5M2FNUZ
//	      8-bit floats → tensor.Float32 (exact; NaN where the format has one)
//	I64   int64 → tensor.Int64 (exact)
//	I32, I16, I8, U32, U16, U8
//	      integers → tensor.Int64 (exact, widened)
//	U64   uint64 → tensor.Int64 (exact; a value above math.MaxInt64 is an error)
//	BOOL  one byte per element → tensor.Bool (any non-zero byte is true)
//
// The packed sub-byte floats (F6_E2M3, F6_E3M2, F4) and C64 (complex64)
// have no tensor type here: File.Raw reads their bytes, File.Tensor refuses
// them (ErrUnsupported), and a file holding them still opens, so the
// tensors a caller can use load (nn.LoadSafetensors reads only the model's).
//
// NaNs follow PyTorch 1.13 on x86-64 bit for bit: an F16 NaN reads as a
// quiet float32 NaN with its payload, and a float32 NaN is stored as
// 0x7e00 with its sign in F16 and as 0xffff in BF16.
//
// Reading is lossless (up to NaN payloads), but it may widen: a tensor read from F16
// and written back without StoreAs is stored as F32. Writing to a narrower
// type (StoreAs) rounds floats to nearest even exactly as PyTorch's
// .half(), .bfloat16() and .float() do (lossy) and refuses integers that do
// not fit (never lossy). The 8-bit and smaller floats and C64 are not
// written.
type DType string

// The element types of the format.
const (
	F64  DType = "F64"
	F32  DType = "F32"
	F16  DType = "F16"
	BF16 DType = "BF16"
	I64  DType = "I64"
	I32  DType = "I32"
	U8   DType = "U8"
	BOOL DType = "BOOL"

	I8         DType = "I8"
	I16        DType = "I16"
	U16        DType = "U16"
	U32        DType = "U32"
	U64        DType = "U64"
	F8E5M2     DType = "F8_E5M2"
	F8E4M3     DType = "F8_E4M3"
	F8E8M0     DType = "F8_E8M0"
	F8E4M3FNUZ DType = "F8_E4M3FNUZ"
	F8E5M2FNUZ DType = "F8_E5M2FNUZ"
	F6E2M3     DType = "F6_E2M3"
	F6E3M2     DType = "F6_E3M2"
	F4         DType = "F4"
	C64        DType = "C64"
)

// referenceOrder lists the types in the order of the reference
// implementation's Dtype enum (increasing alignment); its writer lays the
// data out by this order, descending, then by name.
var referenceOrder = []DType{BOOL, F4, F6E2M3, F6E3M2, U8, I8, F8E5M2, F8E4M3, F8E8M0, F8E4M3FNUZ, F8E5M2FNUZ,
	I16, U16, F16, BF16, I32, U32, F32, C64, F64, I64, U64}

// rank is d's position in referenceOrder, -1 for an unknown type.
func (d DType) rank() int {
	for i, x := range referenceOrder {
		if x == d {
			return i
		}
	}
	return -1
}

// BitSize returns the number of bits of one element, or 0 for a name that
// is not a type of the format.
func (d DType) BitSize() int {
	switch d {
	case F4:
		return 4
	case F6E2M3, F6E3M2:
		return 6
	case BOOL, U8, I8, F8E5M2, F8E4M3, F8E8M0, F8E4M3FNUZ, F8E5M2FNUZ:
		return 8
	case I16, U16, F16, BF16:
		return 16
	case I32, U32, F32:
		return 32
	case I64, U64, F64, C64:
		return 64
	}
	return 0
}

// Size returns the number of bytes of one element, or 0 for a sub-byte
// type (F4, F6_*) or a name that is not a type of the format.
func (d DType) Size() int {
	if b := d.BitSize(); b%8 == 0 {
		return b / 8
	}
	return 0
}

// Convertible reports whether File.Tensor reads d into a tensor (every
// type but F6_E2M3, F6_E3M2, F4 and C64, which File.Raw reads).
func (d DType) Convertible() bool {
	return d.BitSize() != 0 && d != F6E2M3 && d != F6E3M2 && d != F4 && d != C64
}

// TensorDType returns the element type of the tensors read from d
// (tensor.Float32 for the types only File.Raw reads).
func (d DType) TensorDType() tensor.DType {
	switch d {
	case F64:
		return tensor.Float64
	case I64, I32, I16, I8, U64, U32, U16, U8:
		return tensor.Int64
	case BOOL:
		return tensor.Bool
	}
	return tensor.Float32
}

// isFloat reports whether d is a floating-point type Write can store.
func (d DType) isFloat() bool { return d == F64 || d == F32 || d == F16 || d == BF16 }

// isInt reports whether d is an integer type Write can store.
func (d DType) isInt() bool {
	switch d {
	case I64, I32, I16, I8, U64, U32, U16, U8:
		return true
	}
	return false
}

// writable reports whether Write can store d.
func (d DType) writable() bool { return d.isFloat() || d.isInt() || d == BOOL }

// f8ToFloat32 converts one 8-bit float of type dt exactly.
func f8ToFloat32(dt DType, b byte) float32 {
	sign := float32(1)
	if b&0x80 != 0 {
		sign = -1
	}
	switch dt {
	case F8E5M2: // the upper byte of an IEEE half
		return halfToFloat32(uint16(b) << 8)
	case F8E8M0: // an exponent only: 2^(b-127), 0xff is NaN
		if b == 0xff {
			return float32(math.NaN())
		}
		return float32(math.Ldexp(1, int(b)-127))
	case F8E4M3: // bias 7, no infinity, S.1111.111 is NaN
		e, m := int(b>>3&0xf), float64(b&7)
		if e == 15 && m == 7 {
			return float32(math.NaN())
		}
		if e == 0 {
			return sign * float32(math.Ldexp(m, -9))
		}
		return sign * float32(math.Ldexp(1+m/8, e-7))
	case F8E4M3FNUZ: // bias 8, no infinity, no negative zero: 0x80 is NaN
		if b == 0x80 {
			return float32(math.NaN())
		}
		e, m := int(b>>3&0xf), float64(b&7)
		if e == 0 {
			return sign * float32(math.Ldexp(m, -10))
		}
		return sign * float32(math.Ldexp(1+m/8, e-8))
	case F8E5M2FNUZ: // bias 16, no infinity, no negative zero: 0x80 is NaN
		if b == 0x80 {
			return float32(math.NaN())
		}
		e, m := int(b>>2&0x1f), float64(b&3)
		if e == 0 {
			return sign * float32(math.Ldexp(m, -17))
		}
		return sign * float32(math.Ldexp(1+m/4, e-16))
	}
	panic("safetensors: not an 8-bit float: " + string(dt))
}

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
