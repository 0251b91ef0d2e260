// Package idx reads the IDX file format of the MNIST and Fashion-MNIST data
// sets: a 4-byte magic number (two zero bytes, a type code such as 0x08 for
// unsigned bytes, and the number of dimensions), one big-endian uint32 per
// dimension, then the elements in row-major order, big-endian. Files may be
// gzip-compressed; compression is detected from the first bytes, not the
// name.
//
// The header is checked before any element is read: a wrong magic number,
// dimensions whose product overflows or exceeds [MaxElements], or a size that
// does not match the file give a [*FormatError] naming the file and the
// problem. Memory is never allocated on the header's word alone: an
// uncompressed file's size is compared with the header first, and a
// compressed stream is read in growing steps, so a lying header costs at most
// about twice the data actually present.
package idx

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"github.com/intercept-ml/intercept/tensor"
)

// Type is the element type code, the third byte of an IDX file.
type Type byte

// The element types of the IDX format.
const (
	Uint8   Type = 0x08
	Int8    Type = 0x09
	Int16   Type = 0x0B
	Int32   Type = 0x0C
	Float32 Type = 0x0D
	Float64 Type = 0x0E
)

// Size returns the number of bytes of one element, or 0 for an unknown type.
func (t Type) Size() int {
	switch t {
	case Uint8, Int8:
		return 1
	case Int16:
		return 2
	case Int32, Float32:
		return 4
	case Float64:
		return 8
	}
	return 0
}

// String returns the name of the type, such as "uint8".
func (t Type) String() string {
	switch t {
	case Uint8:
		return "uint8"
	case Int8:
		return "int8"
	case Int16:
		return "int16"
	case Int32:
		return "int32"
	case Float32:
		return "float32"
	case Float64:
		return "float64"
	}
	return fmt.Sprintf("type 0x%02x", byte(t))
}

// MaxElements is the largest number of elements a file may declare (2^34,
// 16 GiB of bytes); larger headers are rejected as absurd before any reading.
const MaxElements = 1 << 34

// FormatError reports a file that is not valid IDX. File is empty when the
// data came from a reader without a name.
type FormatError struct {
	File    string // the file's path, or "" for Decode
	Problem string // what is wrong, with the numbers involved
}

// Error returns "idx: FILE: PROBLEM".
func (e *FormatError) Error() string {
	if e.File == "" {
		return "idx: " + e.Problem
	}
	return "idx: " + e.File + ": " + e.Problem
}

// Array is the content of an IDX file: the element type, the dimensions and
// the elements. Convert it to a tensor with [Array.Float32] or [Array.Int64].
type Array struct {
	Type Type  // element type
	Dims []int // dimensions, outermost first
	raw  []byte
}

// Len returns the number of elements, the product of the dimensions.
func (a *Array) Len() int {
	n := 1
	for _, d := range a.Dims {
		n *= d
	}
	return n
}

// Float32 returns the elements as a float32 tensor of shape Dims, each value
// converted exactly (int32 values above 2^24 round to nearest).
func (a *Array) Float32() *tensor.Tensor {
	t := tensor.Empty(tensor.Float32, a.Dims...)
	dst := t.Data32()
	switch a.Type {
	case Uint8:
		for i, b := range a.raw {
			dst[i] = float32(b)
		}
	case Int8:
		for i, b := range a.raw {
			dst[i] = float32(int8(b))
		}
	case Int16:
		for i := range dst {
			dst[i] = float32(int16(binary.BigEndian.Uint16(a.raw[2*i:])))
		}
	case Int32:
		for i := range dst {
			dst[i] = float32(int32(binary.BigEndian.Uint32(a.raw[4*i:])))
		}
	case Float32:
		for i := range dst {
			dst[i] = math.Float32frombits(binary.BigEndian.Uint32(a.raw[4*i:]))
		}
	case Float64:
		for i := range dst {
			dst[i] = float32(math.Float64frombits(binary.BigEndian.Uint64(a.raw[8*i:])))
		}
	}
	return t
}

// Int64 returns the elements of an integer array as an int64 tensor of shape
// Dims, the form class labels take. It panics for float32 and float64 data.
func (a *Array) Int64() *tensor.Tensor {
	t := tensor.Empty(tensor.Int64, a.Dims...)
	dst := t.DataInt64()
	switch a.Type {
	case Uint8:
		for i, b := range a.raw {
			dst[i] = int64(b)
		}
	case Int8:
		for i, b := range a.raw {
			dst[i] = int64(int8(b))
		}
	case Int16:
		for i := range dst {
			dst[i] = int64(int16(binary.BigEndian.Uint16(a.raw[2*i:])))
		}
	case Int32:
		for i := range dst {
			dst[i] = int64(int32(binary.BigEndian.Uint32(a.raw[4*i:])))
		}
	default:
		panic("idx: Int64 of " + a.Type.String() + " data")
	}
	return t
}

// Bytes returns the elements of a uint8 array, sharing its memory. It panics
// for other types.
func (a *Array) Bytes() []byte {
	if a.Type != Uint8 {
		panic("idx: Bytes of " + a.Type.String() + " data")
	}
	return a.raw
}

// ReadFile reads the IDX file at path, compressed with gzip or not.
// Errors name the file.
func ReadFile(path string) (*Array, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	a, err := decode(f, st.Size())
	if fe, ok := err.(*FormatError); ok {
		fe.File = path
	}
	return a, err
}

// Decode reads one IDX array from r, compressed with gzip or not, and checks
// that nothing follows it.
func Decode(r io.Reader) (*Array, error) {
	return decode(r, -1)
}

func formatErr(format string, args ...any) error {
	return &FormatError{Problem: fmt.Sprintf(format, args...)}
}

// decode reads an array; size is the byte length of r if known, else -1.
func decode(r io.Reader, size int64) (*Array, error) {
	br := bufio.NewReader(r)
	if m, _ := br.Peek(2); len(m) == 2 && m[0] == 0x1f && m[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, formatErr("bad gzip stream: %v", err)
		}
		defer zr.Close()
		a, err := decodeRaw(zr, -1, "the decompressed data")
		if err != nil {
			return nil, err
		}
		return a, nil
	}
	if size < 0 {
		return decodeRaw(br, size, "the input")
	}
	return decodeRaw(br, size, "the file")
}

func decodeRaw(r io.Reader, size int64, what string) (*Array, error) {
	var magic [4]byte
	if n, err := io.ReadFull(r, magic[:]); err != nil {
		if isTruncation(err) {
			return nil, formatErr("truncated: %d bytes, too short for the 4-byte magic number", n)
		}
		return nil, formatErr("reading the magic number: %v", err)
	}
	if magic[0] != 0 || magic[1] != 0 {
		return nil, formatErr("not an IDX file: magic number 0x%02x%02x%02x%02x does not start with two zero bytes", magic[0], magic[1], magic[2], magic[3])
	}
	typ := Type(magic[2])
	if typ.Size() == 0 {
		return nil, formatErr("unknown element type 0x%02x in magic number 0x%08x", magic[2], binary.BigEndian.Uint32(magic[:]))
	}
	nd := int(magic[3])
	if nd == 0 {
		return nil, formatErr("magic number 0x%08x declares no dimensions", binary.BigEndian.Uint32(magic[:]))
	}
	hdr := make([]byte, 4*nd)
	if n, err := io.ReadFull(r, hdr); err != nil {
		if isTruncation(err) {
			return nil, formatErr("truncated header: %d dimensions need %d bytes, %s has %d", nd, 4+4*nd, what, 4+n)
		}
		return nil, formatErr("reading the dimensions: %v", err)
	}
	dims := make([]int, nd)
	zero := false
	for i := range dims {
		dims[i] = int(binary.BigEndian.Uint32(hdr[4*i:]))
		zero = zero || dims[i] == 0
	}
	shape := dimsString(dims)
	count := uint64(0)
	if !zero {
		count = 1
		for _, d := range dims {
			if count > MaxElements/uint64(d) {
				return nil, formatErr("absurd dimensions %s: more than %d elements", shape, uint64(MaxElements))
			}
			count *= uint64(d)
		}
	}
	esz := uint64(typ.Size())
	need := count * esz
	headerLen := uint64(4 + 4*nd)
	if size >= 0 && uint64(size) != headerLen+need {
		problem := "truncated"
		if uint64(size) > headerLen+need {
			problem = "too long"
		}
		return nil, formatErr("%s: dimensions %s of %s need %d bytes after the %d-byte header, %s has %d",
			problem, shape, typ, need, headerLen, what, uint64(size)-headerLen)
	}
	raw, err := readN(r, int64(need), size >= 0)
	if err != nil {
		if isTruncation(err) {
			return nil, formatErr("truncated: dimensions %s of %s need %d bytes after the %d-byte header, %s has %d",
				shape, typ, need, headerLen, what, len(raw))
		}
		return nil, formatErr("reading the data: %v", err)
	}
	var one [1]byte
	if n, err := io.ReadFull(r, one[:]); n > 0 {
		return nil, formatErr("too long: dimensions %s of %s need %d bytes after the header, %s has more", shape, typ, need, what)
	} else if errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, formatErr("truncated or corrupt compressed stream after the %d bytes of data", need)
	} else if err != nil && !errors.Is(err, io.EOF) {
		return nil, formatErr("after the %d bytes of data: %v", need, err)
	}
	return &Array{Type: typ, Dims: dims, raw: raw}, nil
}

func isTruncation(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// readN reads exactly n bytes. If trusted (the size was checked against the
// file), it allocates them at once; otherwise the buffer grows with the data
// that actually arrives. On a short read it returns what it got.
func readN(r io.Reader, n int64, trusted bool) ([]byte, error) {
	if trusted {
		buf := make([]byte, n)
		k, err := io.ReadFull(r, buf)
		return buf[:k], err
	}
	const step = 1 << 20
	buf := make([]byte, 0, min(n, step))
	for int64(len(buf)) < n {
		if len(buf) == cap(buf) {
			grow := min(n, max(2*int64(cap(buf)), step))
			nb := make([]byte, len(buf), grow)
			copy(nb, buf)
			buf = nb
		}
		k, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+k]
		if int64(len(buf)) == n {
			break // an error that came with the last bytes shows up again on the next read
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				return buf, io.ErrUnexpectedEOF
			}
			return buf, err
		}
	}
	return buf, nil
}

func dimsString(dims []int) string {
	s := make([]string, len(dims))
	for i, d := range dims {
		s[i] = fmt.Sprint(d)
	}
	return strings.Join(s, "×")
}
