package tensorfmt

import (
	"encoding/binary"
	"math"
	"strings"
	"testing"
)

// fuzzSuffixes are the suffix choices FuzzFormat picks from.
var fuzzSuffixes = []string{
	"dtype=torch.float64",
	"requires_grad=True",
	"grad_fn=<MseLossBackward0>",
	"grad_fn=<AVeryLongBackwardFunctionNameThatDoesNotFitOnAnyLineAtAllBackward0>",
}

// fuzzTensor decodes fuzz bytes into a shape, values and suffixes.
// "nice" reports that every element prints exactly at the formatter width
// (no zeros, nan or inf in float tensors).
func fuzzTensor(data []byte, big bool) (shape []int, v Values, suffixes []string, nice bool) {
	next := func() byte {
		if len(data) == 0 {
			return 0
		}
		b := data[0]
		data = data[1:]
		return b
	}
	hdr := next()
	ndim := int(hdr % 6)
	kind := (hdr / 6) % 3
	shape = make([]int, ndim)
	numel := 1
	for i := range shape {
		d := int(next() % 9)
		if big {
			d = int(next()%40) + 1
		}
		shape[i] = d
		numel *= d
	}
	if numel > 5000 {
		shape = shape[:1]
		numel = shape[0]
	}
	nice = true
	scale := math.Pow(10, float64(int(next()%25)-12))
	ints := next()%2 == 0
	switch kind {
	case 0:
		v.Float = make([]float64, numel)
		for i := range v.Float {
			var b [8]byte
			for j := range b {
				b[j] = next()
			}
			u := binary.LittleEndian.Uint64(b[:])
			var x float64
			switch u % 16 {
			case 0:
				x = math.NaN()
			case 1:
				x = math.Inf(1 - 2*int(u>>8&1))
			case 2:
				x = math.Copysign(0, -1)
			case 3:
				x = 0
			case 4:
				x = math.Float64frombits(u) // arbitrary float64
			default:
				x = float64(int64(u>>4)%2000001-1000000) / 1000 * scale
				if ints {
					x = math.Round(x)
				}
				x = float64(float32(x))
			}
			if x == 0 || math.IsNaN(x) || math.IsInf(x, 0) {
				nice = false
			}
			v.Float[i] = x
		}
	case 1:
		v.Int = make([]int64, numel)
		for i := range v.Int {
			var b [8]byte
			for j := range b {
				b[j] = next()
			}
			x := int64(binary.LittleEndian.Uint64(b[:]))
			if b[0]%2 == 0 {
				x %= int64(scale) + 1
			}
			v.Int[i] = x
		}
	case 2:
		v.Bool = make([]bool, numel)
		for i := range v.Bool {
			v.Bool[i] = next()%2 == 1
		}
	}
	for s := next(); s != 0 && len(suffixes) < 3; s /= 5 {
		suffixes = append(suffixes, fuzzSuffixes[int(s%5)%len(fuzzSuffixes)])
	}
	return shape, v, suffixes, nice
}

func checkFormat(t *testing.T, data []byte, big bool) {
	shape, v, suffixes, nice := fuzzTensor(data, big)
	bare := Format(shape, v)
	got := Format(shape, v, suffixes...)
	if !strings.HasPrefix(got, "tensor(") || !strings.HasSuffix(got, ")") {
		t.Fatalf("shape %v: malformed output %q", shape, got)
	}
	if strings.Count(bare, "[") != strings.Count(bare, "]") {
		t.Fatalf("shape %v: unbalanced brackets in %q", shape, bare)
	}
	if strings.HasPrefix(bare, "tensor([]") {
		// Empty tensors get size/dtype suffixes from Format itself.
		for _, s := range suffixes {
			if !strings.Contains(got, s) {
				t.Fatalf("shape %v: suffix %q missing from %q", shape, s, got)
			}
		}
		return
	}
	// Suffixes extend the bare output: ", s" on the same line when it fits in
	// 80 columns, else ",\n" + 7 spaces + s.
	rest, ok := strings.CutPrefix(got, strings.TrimSuffix(bare, ")"))
	if !ok {
		t.Fatalf("shape %v: suffixed output %q does not extend %q", shape, got, bare)
	}
	for _, s := range suffixes {
		if r, ok := strings.CutPrefix(rest, ", "+s); ok {
			rest = r
		} else if r, ok := strings.CutPrefix(rest, ",\n       "+s); ok {
			rest = r
		} else {
			t.Fatalf("shape %v: suffix %q misplaced in %q", shape, s, got)
		}
	}
	if rest != ")" {
		t.Fatalf("shape %v: trailing %q after suffixes", shape, rest)
	}
	lines := strings.Split(got, "\n")
	bodyLines := strings.Count(bare, "\n") + 1
	for i, line := range lines[bodyLines-1:] {
		// A line that received suffixes fits in 80 columns unless it is a
		// single suffix line that is itself too long.
		if len(line) > lineWidth && !(i > 0 && strings.HasPrefix(line, "       ") && strings.Count(line, "=") == 1) &&
			!(i == 0 && len(strings.Split(bare, "\n")[bodyLines-1]) > lineWidth-2) {
			t.Fatalf("shape %v: suffix line %q exceeds %d columns", shape, line, lineWidth)
		}
	}
	if !nice || len(shape) == 0 {
		return
	}
	// When every element prints at exactly the formatter width w and a
	// row holds at least one element by the width rule, each row line
	// (ignoring closing brackets and commas) fits in 79 columns, except
	// that the summarization marker " ..." may exceed w+... by 4-w.
	p := &printer{shape: shape, v: v, summarize: len(v.Float)+len(v.Int)+len(v.Bool) > threshold}
	p.strides = make([]int, len(shape))
	s := 1
	for i := len(shape) - 1; i >= 0; i-- {
		p.strides[i] = s
		s *= shape[i]
	}
	w := p.newFormatter().maxWidth
	indent := len(prefix) + len(shape) - 1
	if w+2 > lineWidth-indent {
		return
	}
	limit := lineWidth - 1 + max(0, 4-w)
	for _, line := range strings.Split(bare, "\n") {
		if n := len(strings.TrimRight(line, "]),")); n > limit {
			t.Fatalf("shape %v width %d: line %q has %d > %d columns", shape, w, line, n, limit)
		}
	}
}

// FuzzFormat checks that Format never panics on valid input, that its output
// is well formed, that suffixes are placed by PyTorch's rule and that rows
// wrap within 80 columns wherever PyTorch's layout guarantees it.
func FuzzFormat(f *testing.F) {
	f.Add([]byte{0}, false)
	f.Add([]byte{1, 5, 3, 7, 1, 2, 3, 4, 5, 6, 7, 8}, false)
	f.Add([]byte{2, 8, 8, 12, 0, 200, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17}, false)
	f.Add([]byte{3, 30, 39, 20, 5, 1, 9, 9, 9}, true)
	f.Add([]byte{7, 4, 4, 3, 1, 77}, false)
	f.Add([]byte{13, 8, 8, 4, 1, 2, 3, 4, 5, 6, 7, 8, 9}, true)
	f.Add([]byte{2, 0, 5, 3, 1}, false)
	f.Fuzz(func(t *testing.T, data []byte, big bool) {
		checkFormat(t, data, big)
	})
}

// TestFormatProperties runs the fuzz property on a deterministic sweep so the
// checks also run without -fuzz.
func TestFormatProperties(t *testing.T) {
	var state uint64 = 0x9e3779b97f4a7c15
	rnd := func() byte {
		state ^= state << 13
		state ^= state >> 7
		state ^= state << 17
		return byte(state)
	}
	for n := 0; n < 400; n++ {
		data := make([]byte, 64+int(rnd())*4)
		for i := range data {
			data[i] = rnd()
		}
		checkFormat(t, data, n%4 == 0)
	}
}
