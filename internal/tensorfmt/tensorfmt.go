// Package tensorfmt renders tensors exactly like PyTorch 1.13's str(tensor)
// (torch/_tensor_str.py) with the default print options: precision 4,
// threshold 1000, edgeitems 3, linewidth 80 and automatic scientific mode.
package tensorfmt

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/intercept-ml/intercept/internal/pyfmt"
)

// PyTorch's default print options.
const (
	precision = 4
	threshold = 1000
	edgeItems = 3
	lineWidth = 80
	prefix    = "tensor("
)

// Values holds the row-major elements of a tensor; exactly one slice is non-nil.
//
// Float holds floating-point elements (float32 tensors pass float64(v) of
// each float32 element, which is exactly what PyTorch formats), Int holds
// int64 elements and Bool holds bool elements. For an empty tensor all slices
// may be nil, in which case it is treated as floating point.
type Values struct {
	Float []float64
	Int   []int64
	Bool  []bool
}

type kind int

const (
	kindFloat kind = iota
	kindInt
	kindBool
)

func (v Values) kind() kind {
	switch {
	case v.Int != nil:
		return kindInt
	case v.Bool != nil:
		return kindBool
	}
	return kindFloat
}

func (v Values) len() int {
	switch v.kind() {
	case kindInt:
		return len(v.Int)
	case kindBool:
		return len(v.Bool)
	}
	return len(v.Float)
}

// Format returns what PyTorch prints for a tensor of this shape and values, e.g. "tensor([[ 0.4414,  0.4792, -0.1353]], requires_grad=True)".
//
// suffixes are appended in order after the data, e.g. "dtype=torch.float64",
// "requires_grad=True", "grad_fn=<MseLossBackward0>", with PyTorch's rule for
// line breaking before suffixes: a suffix moves to a new line indented by
// len("tensor(") when the current last line would otherwise exceed 80
// columns. The caller decides which suffixes apply (PyTorch adds the dtype
// suffix only for dtypes other than float32, int64 and bool) and their order
// (dtype first, then grad_fn or requires_grad).
//
// Empty tensors print as "tensor([])"; when the shape is not 1-D, Format
// itself inserts "size=(…)" before the caller's suffixes, and for empty int64
// and bool tensors it also inserts "dtype=torch.int64" / "dtype=torch.bool"
// (as PyTorch does) unless the caller already passed a "dtype=" suffix.
//
// A 0-d tensor has an empty (or nil) shape. The "Parameter containing:\n"
// header of parameters is not produced here. Format panics if a dimension is
// negative, if more than one slice of v is non-nil, or if the number of
// values does not match the shape.
func Format(shape []int, v Values, suffixes ...string) string {
	nonNil := 0
	if v.Float != nil {
		nonNil++
	}
	if v.Int != nil {
		nonNil++
	}
	if v.Bool != nil {
		nonNil++
	}
	if nonNil > 1 {
		panic("tensorfmt: more than one slice of Values is non-nil")
	}
	numel := 1
	for _, d := range shape {
		if d < 0 {
			panic(fmt.Sprintf("tensorfmt: negative dimension in shape %v", shape))
		}
		numel *= d
	}
	if n := v.len(); n != numel {
		panic(fmt.Sprintf("tensorfmt: %d values for shape %v (%d elements)", n, shape, numel))
	}

	var body string
	if numel == 0 {
		body = "[]"
		var extra []string
		if len(shape) != 1 {
			extra = append(extra, "size="+pyfmt.Tuple(shape...))
		}
		if k := v.kind(); k != kindFloat && !hasDtype(suffixes) {
			if k == kindInt {
				extra = append(extra, "dtype=torch.int64")
			} else {
				extra = append(extra, "dtype=torch.bool")
			}
		}
		suffixes = append(extra, suffixes...)
	} else {
		p := &printer{shape: shape, v: v, summarize: numel > threshold}
		p.strides = make([]int, len(shape))
		s := 1
		for i := len(shape) - 1; i >= 0; i-- {
			p.strides[i] = s
			s *= shape[i]
		}
		p.f = p.newFormatter()
		body = p.tensorStr(0, 0, len(prefix))
	}
	return addSuffixes(prefix+body, suffixes, len(prefix))
}

func hasDtype(suffixes []string) bool {
	for _, s := range suffixes {
		if strings.HasPrefix(s, "dtype=") {
			return true
		}
	}
	return false
}

// addSuffixes mirrors torch._tensor_str._add_suffixes (force_newline=False).
func addSuffixes(s string, suffixes []string, indent int) string {
	var b strings.Builder
	b.WriteString(s)
	// PyTorch computes len(s) - s.rfind("\n") + 1, which with rfind == -1
	// counts two more than the line length; keep the quirk.
	lastLineLen := len(s) - strings.LastIndexByte(s, '\n') + 1
	for _, suffix := range suffixes {
		if lastLineLen+len(suffix)+2 > lineWidth {
			b.WriteString(",\n")
			b.WriteString(strings.Repeat(" ", indent))
			b.WriteString(suffix)
			lastLineLen = indent + len(suffix)
		} else {
			b.WriteString(", ")
			b.WriteString(suffix)
			lastLineLen += len(suffix) + 2
		}
	}
	b.WriteByte(')')
	return b.String()
}

type printer struct {
	shape     []int
	strides   []int
	v         Values
	summarize bool
	f         formatter
}

// visitPrinted calls fn with the flat index of every element that is printed,
// in row-major order (all elements unless summarizing).
func (p *printer) visitPrinted(fn func(int)) {
	var rec func(dim, off int)
	rec = func(dim, off int) {
		if dim == len(p.shape) {
			fn(off)
			return
		}
		n := p.shape[dim]
		for i := 0; i < n; i++ {
			if p.summarize && n > 2*edgeItems && i == edgeItems {
				i = n - edgeItems
			}
			rec(dim+1, off+i*p.strides[dim])
		}
	}
	rec(0, 0)
}

type formatter struct {
	kind     kind
	intMode  bool
	sciMode  bool
	maxWidth int
}

// newFormatter mirrors torch._tensor_str._Formatter.__init__, looking only at
// the elements that will be printed.
func (p *printer) newFormatter() formatter {
	f := formatter{kind: p.v.kind(), intMode: true, maxWidth: 1}
	switch f.kind {
	case kindInt:
		p.visitPrinted(func(i int) {
			f.maxWidth = max(f.maxWidth, len(strconv.FormatInt(p.v.Int[i], 10)))
		})
		return f
	case kindBool:
		p.visitPrinted(func(i int) {
			f.maxWidth = max(f.maxWidth, len(pyfmt.Bool(p.v.Bool[i])))
		})
		return f
	}
	var vals []float64 // non-zero finite printed values
	p.visitPrinted(func(i int) {
		x := p.v.Float[i]
		if x != 0 && !math.IsNaN(x) && !math.IsInf(x, 0) {
			vals = append(vals, x)
		}
	})
	if len(vals) == 0 {
		return f
	}
	lo, hi := math.Inf(1), 0.0
	for _, x := range vals {
		a := math.Abs(x)
		lo = min(lo, a)
		hi = max(hi, a)
		if x != math.Ceil(x) {
			f.intMode = false
		}
	}
	if f.intMode {
		if hi/lo > 1000 || hi > 1e8 {
			f.sciMode = true
			for _, x := range vals {
				f.maxWidth = max(f.maxWidth, len(strconv.FormatFloat(x, 'e', precision, 64)))
			}
		} else {
			for _, x := range vals {
				f.maxWidth = max(f.maxWidth, len(strconv.FormatFloat(x, 'f', 0, 64))+1)
			}
		}
	} else {
		if hi/lo > 1000 || hi > 1e8 || lo < 1e-4 {
			f.sciMode = true
			for _, x := range vals {
				f.maxWidth = max(f.maxWidth, len(strconv.FormatFloat(x, 'e', precision, 64)))
			}
		} else {
			for _, x := range vals {
				f.maxWidth = max(f.maxWidth, len(strconv.FormatFloat(x, 'f', precision, 64)))
			}
		}
	}
	return f
}

// pyNonFinite returns Python's formatting of nan and ±inf, and ok=false for
// finite values.
func pyNonFinite(x float64) (string, bool) {
	switch {
	case math.IsNaN(x):
		return "nan", true
	case math.IsInf(x, 1):
		return "inf", true
	case math.IsInf(x, -1):
		return "-inf", true
	}
	return "", false
}

// format mirrors _Formatter.format for the element at flat index i.
func (p *printer) format(i int) string {
	f := &p.f
	var s string
	switch f.kind {
	case kindInt:
		s = strconv.FormatInt(p.v.Int[i], 10)
	case kindBool:
		s = pyfmt.Bool(p.v.Bool[i])
	default:
		x := p.v.Float[i]
		if nf, ok := pyNonFinite(x); ok {
			s = nf
		} else if f.sciMode {
			s = strconv.FormatFloat(x, 'e', precision, 64)
		} else if f.intMode {
			s = strconv.FormatFloat(x, 'f', 0, 64) + "."
		} else {
			s = strconv.FormatFloat(x, 'f', precision, 64)
		}
	}
	if n := f.maxWidth - len(s); n > 0 {
		s = strings.Repeat(" ", n) + s
	}
	return s
}

// tensorStr mirrors _tensor_str_with_formatter for the sub-tensor starting at
// dimension dim and flat offset off.
func (p *printer) tensorStr(dim, off, indent int) string {
	nd := len(p.shape) - dim
	if nd == 0 {
		return p.format(off)
	}
	n := p.shape[dim]
	skip := p.summarize && n > 2*edgeItems
	if nd == 1 {
		return p.vectorStr(n, off, p.strides[dim], indent, skip)
	}
	var slices []string
	for i := 0; i < n; i++ {
		if skip && i == edgeItems {
			slices = append(slices, "...")
			i = n - edgeItems
		}
		slices = append(slices, p.tensorStr(dim+1, off+i*p.strides[dim], indent+1))
	}
	sep := "," + strings.Repeat("\n", nd-1) + strings.Repeat(" ", indent+1)
	return "[" + strings.Join(slices, sep) + "]"
}

// vectorStr mirrors _vector_str.
func (p *printer) vectorStr(n, off, stride, indent int, skip bool) string {
	elementLength := p.f.maxWidth + 2
	// Go's truncating division differs from Python's floor only for a
	// negative numerator, where max(1, ·) gives 1 either way.
	perLine := max(1, (lineWidth-indent)/elementLength)
	var data []string
	for i := 0; i < n; i++ {
		if skip && i == edgeItems {
			data = append(data, " ...")
			i = n - edgeItems
		}
		data = append(data, p.format(off+i*stride))
	}
	var b strings.Builder
	b.WriteByte('[')
	for i := 0; i < len(data); i += perLine {
		if i > 0 {
			b.WriteString(",\n")
			b.WriteString(strings.Repeat(" ", indent+1))
		}
		b.WriteString(strings.Join(data[i:min(i+perLine, len(data))], ", "))
	}
	b.WriteByte(']')
	return b.String()
}
