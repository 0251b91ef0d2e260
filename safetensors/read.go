package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/intercept-ml/intercept/internal/tensorinternal"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/intercept-ml/intercept/tensor"
)

// MaxHeaderSize is the largest JSON header accepted, in bytes: 100 MB, the
// limit of the reference implementation.
const MaxHeaderSize = 100_000_000

// MaxRank is the largest number of dimensions accepted in a shape. The
// reference implementation has no limit; this one keeps a hostile header
// from turning a few bytes per dimension into much larger shape slices.
const MaxRank = 1024

// chunkSize is how many bytes of tensor data are read at a time.
const chunkSize = 256 << 10

// chunkPool holds read buffers of chunkSize bytes.
var chunkPool = sync.Pool{New: func() any { b := make([]byte, chunkSize); return &b }}

// ErrNotFound is matched (with errors.Is) by the error File.Tensor returns
// for a name the file does not hold.
var ErrNotFound = errors.New("no such tensor")

// Info describes one tensor of a file as its header declares it.
type Info struct {
	DType DType
	Shape []int
	// Begin and End are the offsets of the tensor's bytes relative to the
	// first byte after the header, End exclusive (the header's
	// data_offsets).
	Begin, End int64
}

// Numel returns the number of elements (1 for a scalar of shape []).
func (i Info) Numel() int {
	n := 1
	for _, d := range i.Shape {
		n *= d
	}
	return n
}

// File is an opened safetensors file whose header has been read and
// validated. Tensors are read on demand, each from its own byte range, so a
// File costs only its header in memory. Its methods are safe for
// concurrent use.
type File struct {
	r         io.ReaderAt
	closer    io.Closer
	path      string
	dataStart int64
	names     []string
	infos     []Info
	index     map[string]int
	meta      map[string]string
}

// Open opens the safetensors file at path and validates its header against
// the file's size (see Read). Close the File when done.
func Open(path string) (*File, error) {
	osf, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	st, err := osf.Stat()
	if err != nil {
		osf.Close()
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	f, err := read(osf, st.Size(), path)
	if err != nil {
		osf.Close()
		return nil, err
	}
	f.closer = osf
	return f, nil
}

// Read reads and validates the header of the size-byte safetensors file r.
// If r has a Name method (as *os.File does), errors name the file.
//
// The file must hold exactly the format: an 8-byte little-endian header
// length of at most MaxHeaderSize, that many bytes of UTF-8 JSON (an object
// mapping tensor names to {"dtype", "shape", "data_offsets"} entries, with
// an optional "__metadata__" object of strings), then the data, which the
// tensors' byte ranges must cover exactly: sorted by offset they start at
// 0, follow each other without gaps or overlaps and end at the end of the
// file, each with exactly as many bytes as its shape and dtype need. These
// are the rules of the reference implementation; in addition, duplicate
// names (and duplicate fields of an entry or of the metadata) are
// rejected, where the reference keeps the last, as are shapes of more than
// MaxRank dimensions and shapes whose non-zero dimensions multiply past
// the int64 range even when another dimension is zero. Unknown fields of
// an entry are ignored, as in the reference. Every check is made before
// any tensor data is read or allocated.
func Read(r io.ReaderAt, size int64) (*File, error) {
	name := ""
	if n, ok := r.(interface{ Name() string }); ok {
		name = n.Name()
	}
	return read(r, size, name)
}

func read(r io.ReaderAt, size int64, path string) (*File, error) {
	bad := func(format string, args ...any) error {
		return &FormatError{File: path, Msg: fmt.Sprintf(format, args...)}
	}
	if size < 8 {
		return nil, bad("file is %d bytes long, shorter than the 8-byte header length", size)
	}
	var lenBuf [8]byte
	if err := readFull(r, lenBuf[:], 0); err != nil {
		return nil, ioError(path, err)
	}
	n := binary.LittleEndian.Uint64(lenBuf[:])
	if n > MaxHeaderSize {
		return nil, bad("header length %d exceeds the limit of %d bytes", n, MaxHeaderSize)
	}
	if n > uint64(size-8) {
		return nil, bad("header length %d exceeds the %d bytes that follow it in the file", n, size-8)
	}
	header := make([]byte, n)
	if err := readFull(r, header, 8); err != nil {
		return nil, ioError(path, err)
	}
	f := &File{r: r, path: path, dataStart: 8 + int64(n)}
	if err := f.parseHeader(header, size-8-int64(n)); err != nil {
		return nil, err
	}
	return f, nil
}

// readFull reads len(b) bytes at off, accepting io.EOF together with a
// complete read as io.ReaderAt allows.
func readFull(r io.ReaderAt, b []byte, off int64) error {
	n, err := r.ReadAt(b, off)
	if n == len(b) {
		return nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return err
}

func ioError(path string, err error) error {
	if path != "" {
		return fmt.Errorf("safetensors: %s: %w", path, err)
	}
	return fmt.Errorf("safetensors: %w", err)
}

// syntaxError is a JSON syntax error of the header.
type syntaxError struct{ err error }

func (e syntaxError) Error() string {
	if e.err == io.EOF || e.err == io.ErrUnexpectedEOF {
		return "header is not JSON: unexpected end"
	}
	return "header is not JSON: " + e.err.Error()
}

// token returns the next JSON token, wrapping errors in syntaxError.
func token(dec *json.Decoder) (json.Token, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, syntaxError{err}
	}
	return tok, nil
}

// parseHeader decodes and validates the JSON header; dataSize is the number
// of bytes that follow it.
func (f *File) parseHeader(h []byte, dataSize int64) error {
	bad := func(tensor, format string, args ...any) error {
		return &FormatError{File: f.path, Tensor: tensor, Msg: fmt.Sprintf(format, args...)}
	}
	if !utf8.Valid(h) {
		return bad("", "header is not valid UTF-8")
	}
	if err := checkJSONText(h); err != nil {
		return bad("", "%v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(h))
	dec.UseNumber()
	tok, err := token(dec)
	if err != nil {
		return bad("", "%v", err)
	}
	if tok != json.Delim('{') {
		return bad("", "header is not a JSON object")
	}
	f.index = map[string]int{}
	seenMeta := false
	for dec.More() {
		tok, err := token(dec)
		if err != nil {
			return bad("", "%v", err)
		}
		key := tok.(string) // object keys are always strings
		if key == "__metadata__" {
			if seenMeta {
				return bad("", "duplicate __metadata__")
			}
			seenMeta = true
			if f.meta, err = parseMetadata(dec); err != nil {
				return bad("", "__metadata__: %v", err)
			}
			continue
		}
		if _, dup := f.index[key]; dup {
			return bad(key, "duplicate tensor name")
		}
		info, err := parseEntry(dec)
		if err != nil {
			return bad(key, "%v", err)
		}
		f.index[key] = len(f.names)
		f.names = append(f.names, key)
		f.infos = append(f.infos, info)
	}
	if _, err := token(dec); err != nil { // the closing brace
		return bad("", "%v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return bad("", "header continues after its JSON object (only space padding may follow)")
	}

	// Each tensor on its own: offsets in range, size matching the shape.
	for i, in := range f.infos {
		name := f.names[i]
		if in.Begin > in.End {
			return bad(name, "data_offsets [%d, %d] end before they begin", in.Begin, in.End)
		}
		if in.End > dataSize {
			return bad(name, "data_offsets [%d, %d] reach past the %d bytes of data in the file", in.Begin, in.End, dataSize)
		}
		need, ok := byteSize(in.Shape, in.DType)
		if !ok {
			return bad(name, "shape %v of %s overflows or does not fill whole bytes", in.Shape, in.DType)
		}
		if need != in.End-in.Begin {
			return bad(name, "shape %v of %s needs %d bytes but data_offsets [%d, %d] hold %d", in.Shape, in.DType, need, in.Begin, in.End, in.End-in.Begin)
		}
	}
	// Together: sorted by offset, they must tile the data exactly.
	order := make([]int, len(f.infos))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		x, y := f.infos[a], f.infos[b]
		if x.Begin != y.Begin {
			return cmpInt64(x.Begin, y.Begin)
		}
		return cmpInt64(x.End, y.End)
	})
	var pos int64
	prev := -1
	for _, i := range order {
		in := f.infos[i]
		switch {
		case in.Begin < pos:
			return bad(f.names[i], "data_offsets [%d, %d] overlap those of tensor %q", in.Begin, in.End, f.names[prev])
		case in.Begin > pos:
			return bad(f.names[i], "data_offsets [%d, %d] leave a gap of %d bytes before them (the data must be covered without holes)", in.Begin, in.End, in.Begin-pos)
		}
		pos, prev = in.End, i
	}
	if pos != dataSize {
		return bad("", "the tensors cover %d bytes of data but %d follow the header (%d trailing bytes)", pos, dataSize, dataSize-pos)
	}
	return nil
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// byteSize returns the number of bytes of a tensor of the given shape and
// type, and false when the non-zero dimensions (times the element size)
// overflow int64 or, for a sub-byte type, do not fill whole bytes (as the
// reference requires).
func byteSize(shape []int, dt DType) (int64, bool) {
	p, zero := int64(dt.BitSize()), false
	for _, d := range shape {
		if d == 0 {
			zero = true
			continue
		}
		if int64(d) > math.MaxInt64/p {
			return 0, false
		}
		p *= int64(d)
	}
	if zero {
		return 0, true
	}
	if p%8 != 0 {
		return 0, false
	}
	return p / 8, true
}

// parseMetadata decodes the "__metadata__" value: an object of strings, or
// null.
func parseMetadata(dec *json.Decoder) (map[string]string, error) {
	tok, err := token(dec)
	if err != nil {
		return nil, err
	}
	if tok == nil {
		return nil, nil
	}
	if tok != json.Delim('{') {
		return nil, errors.New("not a JSON object")
	}
	m := map[string]string{}
	for dec.More() {
		tok, err := token(dec)
		if err != nil {
			return nil, err
		}
		k := tok.(string)
		if _, dup := m[k]; dup {
			return nil, fmt.Errorf("duplicate key %q", k)
		}
		tok, err = token(dec)
		if err != nil {
			return nil, err
		}
		v, ok := tok.(string)
		if !ok {
			return nil, fmt.Errorf("value of %q is not a string", k)
		}
		m[k] = v
	}
	_, err = token(dec)
	return m, err
}

// parseEntry decodes one tensor entry {"dtype", "shape", "data_offsets"}.
func parseEntry(dec *json.Decoder) (Info, error) {
	var in Info
	tok, err := token(dec)
	if err != nil {
		return in, err
	}
	if tok != json.Delim('{') {
		return in, errors.New("entry is not a JSON object")
	}
	var haveDType, haveShape, haveOffsets bool
	for dec.More() {
		tok, err := token(dec)
		if err != nil {
			return in, err
		}
		field := tok.(string)
		switch field {
		case "dtype":
			if haveDType {
				return in, errors.New("duplicate field dtype")
			}
			haveDType = true
			tok, err := token(dec)
			if err != nil {
				return in, err
			}
			s, ok := tok.(string)
			if !ok {
				return in, errors.New("dtype is not a string")
			}
			in.DType = DType(s)
			if in.DType.BitSize() == 0 {
				return in, fmt.Errorf("unknown dtype %q", s)
			}
		case "shape":
			if haveShape {
				return in, errors.New("duplicate field shape")
			}
			haveShape = true
			dims, err := parseInts(dec, "shape", MaxRank)
			if err != nil {
				return in, err
			}
			in.Shape = make([]int, len(dims))
			for i, d := range dims {
				if d > math.MaxInt64 {
					return in, fmt.Errorf("shape[%d] = %d is too large", i, d)
				}
				in.Shape[i] = int(d)
			}
		case "data_offsets":
			if haveOffsets {
				return in, errors.New("duplicate field data_offsets")
			}
			haveOffsets = true
			offs, err := parseInts(dec, "data_offsets", 2)
			if err != nil {
				return in, err
			}
			if len(offs) != 2 {
				return in, fmt.Errorf("data_offsets has %d values, not 2", len(offs))
			}
			if offs[0] > math.MaxInt64 || offs[1] > math.MaxInt64 {
				return in, fmt.Errorf("data_offsets [%d, %d] are too large", offs[0], offs[1])
			}
			in.Begin, in.End = int64(offs[0]), int64(offs[1])
		default: // ignored, as the reference ignores unknown fields
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return in, syntaxError{err}
			}
		}
	}
	if _, err := token(dec); err != nil {
		return in, err
	}
	switch {
	case !haveDType:
		return in, errors.New("entry has no dtype")
	case !haveShape:
		return in, errors.New("entry has no shape")
	case !haveOffsets:
		return in, errors.New("entry has no data_offsets")
	}
	return in, nil
}

// parseInts decodes a JSON array of at most max non-negative integers.
func parseInts(dec *json.Decoder, what string, max int) ([]uint64, error) {
	tok, err := token(dec)
	if err != nil {
		return nil, err
	}
	if tok != json.Delim('[') {
		return nil, fmt.Errorf("%s is not an array", what)
	}
	var out []uint64
	for dec.More() {
		if len(out) == max {
			return nil, fmt.Errorf("%s has more than %d values", what, max)
		}
		tok, err := token(dec)
		if err != nil {
			return nil, err
		}
		num, ok := tok.(json.Number)
		if !ok {
			return nil, fmt.Errorf("%s[%d] is not a number", what, len(out))
		}
		v, err := strconv.ParseUint(string(num), 10, 64)
		if err != nil {
			if errors.Is(err, strconv.ErrRange) {
				return nil, fmt.Errorf("%s[%d] = %s overflows 64 bits", what, len(out), num)
			}
			return nil, fmt.Errorf("%s[%d] = %s is not a non-negative integer", what, len(out), num)
		}
		out = append(out, v)
	}
	_, err = token(dec)
	return out, err
}

// Close closes the underlying file when the File came from Open; it does
// nothing for a File from Read.
func (f *File) Close() error {
	if f.closer == nil {
		return nil
	}
	return f.closer.Close()
}

// Names returns the names of the tensors in the order of the header. For
// files written by this package that is the order given to Write (for a
// model, its state-dict order); the reference implementation lists them in
// the order of their data.
func (f *File) Names() []string { return slices.Clone(f.names) }

// Len returns the number of tensors.
func (f *File) Len() int { return len(f.names) }

// Info returns what the header declares about the named tensor, without
// reading its data.
func (f *File) Info(name string) (Info, bool) {
	i, ok := f.index[name]
	if !ok {
		return Info{}, false
	}
	in := f.infos[i]
	in.Shape = slices.Clone(in.Shape)
	return in, true
}

// Metadata returns a copy of the header's "__metadata__" map, or nil if the
// file has none.
func (f *File) Metadata() map[string]string {
	if f.meta == nil {
		return nil
	}
	m := make(map[string]string, len(f.meta))
	for k, v := range f.meta {
		m[k] = v
	}
	return m
}

// ErrUnsupported is returned by File.Tensor for a tensor of a type that
// has no tensor type here (F6_E2M3, F6_E3M2, F4, C64; File.Raw reads it),
// and for a U64 value above math.MaxInt64.
var ErrUnsupported = errors.New("tensor type not supported")

func (f *File) errorf(err error, format string, a ...any) error {
	if f.path != "" {
		return fmt.Errorf("safetensors: %s: %w: %s", f.path, err, fmt.Sprintf(format, a...))
	}
	return fmt.Errorf("safetensors: %w: %s", err, fmt.Sprintf(format, a...))
}

// Raw reads the bytes of the named tensor as the file stores them (little
// endian, row-major; packed for the sub-byte types), whatever its type.
func (f *File) Raw(name string) ([]byte, error) {
	i, ok := f.index[name]
	if !ok {
		return nil, f.errorf(ErrNotFound, "%q", name)
	}
	in := f.infos[i]
	b := make([]byte, in.End-in.Begin)
	if err := readFull(f.r, b, f.dataStart+in.Begin); err != nil {
		return nil, ioError(f.path, fmt.Errorf("reading tensor %q: %w", name, err))
	}
	return b, nil
}

// Tensor reads the named tensor: only its byte range is read, a chunk at a
// time, straight into a new tensor of the element type given by
// DType.TensorDType (F16, BF16 and the 8-bit floats become float32, the
// narrower integers int64). The tensor does not require grad. A tensor of
// a type that is not Convertible is an ErrUnsupported error naming it (read
// it with Raw); the file's other tensors still read.
func (f *File) Tensor(name string) (*tensor.Tensor, error) {
	i, ok := f.index[name]
	if !ok {
		return nil, f.errorf(ErrNotFound, "%q", name)
	}
	in := f.infos[i]
	if !in.DType.Convertible() {
		return nil, f.errorf(ErrUnsupported, "tensor %q has type %s, which has no tensor type here (File.Raw reads its bytes)", name, in.DType)
	}
	t := tensor.Empty(in.DType.TensorDType(), in.Shape...)
	size := int64(in.DType.Size())
	nbytes := in.End - in.Begin
	bp := chunkPool.Get().(*[]byte)
	defer chunkPool.Put(bp)
	buf := *bp
	for done := int64(0); done < nbytes; {
		b := buf[:min(nbytes-done, int64(len(buf)))]
		if err := readFull(f.r, b, f.dataStart+in.Begin+done); err != nil {
			return nil, ioError(f.path, fmt.Errorf("reading tensor %q: %w", name, err))
		}
		if in.DType == U64 {
			for j := 0; j+8 <= len(b); j += 8 {
				if v := binary.LittleEndian.Uint64(b[j:]); v > math.MaxInt64 {
					return nil, f.errorf(ErrUnsupported, "tensor %q: U64 element %d = %d does not fit int64", name, (done+int64(j))/8, v)
				}
			}
		}
		decode(t, in.DType, int(done/size), b)
		done += int64(len(b))
	}
	return t, nil
}

// decode converts the little-endian bytes b of type dt into the elements
// of t starting at element at.
func decode(t *tensor.Tensor, dt DType, at int, b []byte) {
	le := binary.LittleEndian
	switch dt {
	case F32:
		dst := tensorinternal.Writable32(t)[at:]
		for i := range len(b) / 4 {
			dst[i] = math.Float32frombits(le.Uint32(b[4*i:]))
		}
	case F16:
		dst := tensorinternal.Writable32(t)[at:]
		for i := range len(b) / 2 {
			dst[i] = halfToFloat32(le.Uint16(b[2*i:]))
		}
	case BF16:
		dst := tensorinternal.Writable32(t)[at:]
		for i := range len(b) / 2 {
			dst[i] = bf16ToFloat32(le.Uint16(b[2*i:]))
		}
	case F64:
		dst := tensorinternal.Writable64(t)[at:]
		for i := range len(b) / 8 {
			dst[i] = math.Float64frombits(le.Uint64(b[8*i:]))
		}
	case I64:
		dst := t.DataInt64()[at:]
		for i := range len(b) / 8 {
			dst[i] = int64(le.Uint64(b[8*i:]))
		}
	case I32:
		dst := t.DataInt64()[at:]
		for i := range len(b) / 4 {
			dst[i] = int64(int32(le.Uint32(b[4*i:])))
		}
	case U8:
		dst := t.DataInt64()[at:]
		for i, v := range b {
			dst[i] = int64(v)
		}
	case I8:
		dst := t.DataInt64()[at:]
		for i, v := range b {
			dst[i] = int64(int8(v))
		}
	case I16:
		dst := t.DataInt64()[at:]
		for i := range len(b) / 2 {
			dst[i] = int64(int16(le.Uint16(b[2*i:])))
		}
	case U16:
		dst := t.DataInt64()[at:]
		for i := range len(b) / 2 {
			dst[i] = int64(le.Uint16(b[2*i:]))
		}
	case U32:
		dst := t.DataInt64()[at:]
		for i := range len(b) / 4 {
			dst[i] = int64(le.Uint32(b[4*i:]))
		}
	case U64:
		dst := t.DataInt64()[at:]
		for i := range len(b) / 8 {
			dst[i] = int64(le.Uint64(b[8*i:])) // checked to fit by Tensor
		}
	case F8E5M2, F8E4M3, F8E8M0, F8E4M3FNUZ, F8E5M2FNUZ:
		dst := tensorinternal.Writable32(t)[at:]
		for i, v := range b {
			dst[i] = f8ToFloat32(dt, v)
		}
	case BOOL:
		dst := t.DataBool()[at:]
		for i, v := range b {
			dst[i] = v != 0
		}
	}
}

// Tensors reads every tensor, in the order of Names (nn.StateDict(tensors)
// makes them a state dict).
func (f *File) Tensors() ([]tensor.Named, error) {
	out := make([]tensor.Named, 0, len(f.names))
	for _, name := range f.names {
		t, err := f.Tensor(name)
		if err != nil {
			return nil, err
		}
		out = append(out, tensor.Named{Name: name, Tensor: t})
	}
	return out, nil
}

// MaxDepth is the deepest nesting of arrays and objects a header may have,
// the recursion limit of serde_json, the reference's parser.
const MaxDepth = 128

// checkJSONText applies the reference parser's rules that encoding/json
// does not: nesting deeper than MaxDepth, and a \u escape of a lone UTF-16
// surrogate (which serde_json refuses and encoding/json would turn into
// U+FFFD, so two different names could read as one), are errors. Other
// syntax errors are left to the decoder.
func checkJSONText(h []byte) error {
	depth, inString := 0, false
	for i := 0; i < len(h); i++ {
		c := h[i]
		if inString {
			switch c {
			case '"':
				inString = false
			case '\\':
				if i+1 < len(h) && h[i+1] == 'u' {
					r, ok := hex4(h, i+2)
					if !ok {
						i++
						continue
					}
					switch {
					case r >= 0xd800 && r < 0xdc00: // high: a low one must follow
						lo, ok := -1, false
						if i+7 < len(h) && h[i+6] == '\\' && h[i+7] == 'u' {
							lo, ok = hex4(h, i+8)
						}
						if !ok || lo < 0xdc00 || lo >= 0xe000 {
							return fmt.Errorf("lone surrogate \\u%04x in a string", r)
						}
						i += 11
					case r >= 0xdc00 && r < 0xe000:
						return fmt.Errorf("lone surrogate \\u%04x in a string", r)
					default:
						i += 5
					}
					continue
				}
				i++
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '[', '{':
			if depth++; depth > MaxDepth {
				return fmt.Errorf("nesting deeper than %d levels", MaxDepth)
			}
		case ']', '}':
			depth--
		}
	}
	return nil
}

// hex4 decodes the four hex digits at h[i:].
func hex4(h []byte, i int) (int, bool) {
	if i+4 > len(h) {
		return 0, false
	}
	v, err := strconv.ParseUint(string(h[i:i+4]), 16, 16)
	return int(v), err == nil
}
