// Package pyfmt formats Go values the way Python's str() and repr() do, as
// needed for PyTorch-compatible module and tensor representations.
package pyfmt

import (
	"math"
	"strconv"
	"strings"
)

// Float returns Python's str(x) (identical to repr(x)) for a float.
//
// The digits are the shortest ones that round-trip to x. Fixed notation with
// at least one decimal ("1.0", "0.1", "1000000.0") is used when the decimal
// exponent of those digits lies in [-4, 16), i.e. roughly 1e-4 <= |x| < 1e16;
// otherwise scientific notation with at least two exponent digits ("1e-05",
// "1.5e-07", "1e+16"). Special values print as "nan", "inf", "-inf" and
// negative zero as "-0.0".
func Float(x float64) string {
	switch {
	case math.IsNaN(x):
		return "nan"
	case math.IsInf(x, 1):
		return "inf"
	case math.IsInf(x, -1):
		return "-inf"
	case x == 0:
		if math.Signbit(x) {
			return "-0.0"
		}
		return "0.0"
	}
	// Shortest round-trip digits in scientific form: [-]d[.ddd]e±XX.
	s := strconv.FormatFloat(x, 'e', -1, 64)
	i := strings.LastIndexByte(s, 'e')
	exp, _ := strconv.Atoi(s[i+1:])
	if exp < -4 || exp >= 16 {
		// Go already uses at least two exponent digits and omits a
		// trailing ".0" exactly as Python does.
		return s
	}
	f := strconv.FormatFloat(x, 'f', -1, 64)
	if !strings.ContainsRune(f, '.') {
		f += ".0"
	}
	return f
}

// Tuple returns Python's str() of a tuple of ints: "(3, 3)", "(5,)" or "()".
func Tuple(ints ...int) string {
	if len(ints) == 1 {
		return "(" + strconv.Itoa(ints[0]) + ",)"
	}
	return "(" + join(ints) + ")"
}

// List returns Python's str() of a list of ints, which is also how ATen
// prints a shape (IntArrayRef) in its messages: "[2, 3]", "[5]" or "[]".
func List(ints ...int) string { return "[" + join(ints) + "]" }

// TorchSize returns Python's str() of a torch.Size: "torch.Size([2, 3])".
func TorchSize(ints ...int) string { return "torch.Size(" + List(ints...) + ")" }

// join returns ints separated by ", ".
func join(ints []int) string {
	var b strings.Builder
	for i, v := range ints {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(v))
	}
	return b.String()
}

// Bool returns Python's str() of a bool: "True" or "False".
func Bool(b bool) string {
	if b {
		return "True"
	}
	return "False"
}
