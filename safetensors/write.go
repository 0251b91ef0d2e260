package safetensors

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/intercept-ml/intercept/internal/atomicfile"
	"github.com/intercept-ml/intercept/tensor"
)

// WriteOption configures Write and Save (and nn.SaveSafetensors): StoreAs.
type WriteOption interface{ applyWrite(*writeConfig) }

// writeConfig holds the options of one Write, in the order given.
type writeConfig struct{ storeAs []StoreAsOption }

// StoreAsOption is the value of StoreAs, a WriteOption.
type StoreAsOption struct {
	dt    DType
	names []string
}

func (o StoreAsOption) applyWrite(c *writeConfig) { c.storeAs = append(c.storeAs, o) }

// StoreAs stores tensors with element type dt instead of the type that
// matches their own (F32 for float32, F64 for float64, I64 for int64, BOOL
// for bool). With no names it applies to every tensor that can take dt:
// float tensors for F64, F32, F16 and BF16, int64 tensors for I64, I32 and
// U8. With names it applies to those tensors only, and naming a tensor that
// is not written or cannot take dt is an error. Later options override
// earlier ones.
//
// Floats are rounded to nearest even exactly as PyTorch's .float(),
// .half() and .bfloat16() round them (a float64 tensor goes through
// float32 first, as PyTorch's conversion does); values beyond the range of
// F16 become infinities. Integers that do not fit I32 or U8 make Write
// fail before anything is written.
func StoreAs(dt DType, names ...string) StoreAsOption {
	return StoreAsOption{dt: dt, names: names}
}

// Write writes tensors and metadata to w in the safetensors format.
//
// The layout is the reference implementation's (huggingface/safetensors'
// serialize), so the same tensors give the same bytes as PyTorch's
// safetensors.torch.save_file whatever the input order:
//   - the tensors are sorted by type in the reference's order of
//     decreasing alignment (U64, I64, F64, C64, F32, U32, I32, BF16, F16,
//     U16, I16, the 8-bit floats, I8, U8, ..., BOOL), then by name; the
//     data is laid out and the header lists them in that order. With the
//     header padded with spaces to a multiple of 8 bytes, every tensor
//     starts at an offset that is a multiple of its element size, which
//     zero-copy readers need;
//   - "__metadata__" comes first, its keys sorted, when metadata is not
//     nil: an empty map is written as {} (as the reference writes an empty
//     dict), a nil one not at all.
//
// A header longer than MaxHeaderSize, which no reader accepts, is refused.
// Tensors may be views of any layout; each is written in row-major order.
// Names must be unique, valid UTF-8 and not "__metadata__". Everything is
// checked before the first byte is written, so only an error of w can leave
// partial output.
func Write(w io.Writer, tensors []tensor.Named, metadata map[string]string, opts ...WriteOption) error {
	if err := write(w, tensors, metadata, opts); err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	return nil
}

// Save writes tensors and metadata to the file at path (see Write)
// atomically: it writes a temporary file in the same directory, syncs it to
// disk, renames it over path and syncs the directory, so path holds either
// its old content or the complete new file, never a partial one. A new file gets permissions
// 0644; an existing file keeps its permissions.
func Save(path string, tensors []tensor.Named, metadata map[string]string, opts ...WriteOption) error {
	if err := save(path, tensors, metadata, opts); err != nil {
		return fmt.Errorf("safetensors: %s: %w", path, err)
	}
	return nil
}

func save(path string, tensors []tensor.Named, metadata map[string]string, opts []WriteOption) error {
	return atomicfile.Write(path, 0o644, func(w io.Writer) error {
		return write(w, tensors, metadata, opts)
	})
}

// item is one tensor being written.
type item struct {
	name       string
	t          *tensor.Tensor // contiguous, detached
	dt         DType
	begin, end int64
}

func write(w io.Writer, tensors []tensor.Named, metadata map[string]string, opts []WriteOption) error {
	items := make([]*item, len(tensors))
	byName := make(map[string]*item, len(tensors))
	for i, nt := range tensors {
		switch {
		case !utf8.ValidString(nt.Name):
			return fmt.Errorf("tensor name %q is not valid UTF-8", nt.Name)
		case nt.Name == "__metadata__":
			return errors.New(`"__metadata__" cannot name a tensor`)
		case nt.Tensor == nil:
			return fmt.Errorf("tensor %q is nil", nt.Name)
		}
		if _, dup := byName[nt.Name]; dup {
			return fmt.Errorf("duplicate tensor name %q", nt.Name)
		}
		it := &item{name: nt.Name, t: nt.Tensor, dt: natural(nt.Tensor.DType())}
		items[i], byName[nt.Name] = it, it
	}
	var c writeConfig
	for _, o := range opts {
		o.applyWrite(&c)
	}
	for _, o := range c.storeAs {
		if !o.dt.writable() {
			return fmt.Errorf("StoreAs: dtype %q cannot be written", o.dt)
		}
		if len(o.names) == 0 {
			for _, it := range items {
				if canStore(it.t.DType(), o.dt) {
					it.dt = o.dt
				}
			}
			continue
		}
		for _, name := range o.names {
			it, ok := byName[name]
			if !ok {
				return fmt.Errorf("StoreAs(%s) names tensor %q, which is not written", o.dt, name)
			}
			if !canStore(it.t.DType(), o.dt) {
				return fmt.Errorf("tensor %q of %v cannot be stored as %s", name, it.t.DType(), o.dt)
			}
			it.dt = o.dt
		}
	}
	for k, v := range metadata {
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			return fmt.Errorf("metadata %q: %q is not valid UTF-8", k, v)
		}
	}

	// The reference's order: by type, decreasing alignment, then by name.
	data := items
	slices.SortFunc(data, func(a, b *item) int {
		if a.dt != b.dt {
			return b.dt.rank() - a.dt.rank()
		}
		return strings.Compare(a.name, b.name)
	})
	var off int64
	for _, it := range data {
		it.t = it.t.Detach().Contiguous()
		it.begin = off
		off += int64(it.t.Numel()) * int64(it.dt.Size())
		it.end = off
		if err := checkRange(it); err != nil {
			return err
		}
	}

	header := encodeHeader(data, metadata)
	if len(header) > MaxHeaderSize {
		return fmt.Errorf("the header would be %d bytes, over the format's limit of %d that every reader enforces (fewer tensors or less metadata per file)", len(header), MaxHeaderSize)
	}
	bw := bufio.NewWriterSize(w, 256<<10)
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(header)))
	bw.Write(n[:])
	bw.Write(header)
	for _, it := range data {
		encodeData(bw, it)
	}
	return bw.Flush()
}

// checkRange refuses integers that the narrower type cannot hold.
func checkRange(it *item) error {
	var lo, hi int64
	switch it.dt {
	case I32:
		lo, hi = math.MinInt32, math.MaxInt32
	case I16:
		lo, hi = math.MinInt16, math.MaxInt16
	case I8:
		lo, hi = math.MinInt8, math.MaxInt8
	case U32:
		lo, hi = 0, math.MaxUint32
	case U16:
		lo, hi = 0, math.MaxUint16
	case U64:
		lo, hi = 0, math.MaxInt64
	case U8:
		lo, hi = 0, math.MaxUint8
	default:
		return nil
	}
	for i, v := range it.t.DataInt64() {
		if v < lo || v > hi {
			return fmt.Errorf("tensor %q: element %d = %d does not fit %s", it.name, i, v, it.dt)
		}
	}
	return nil
}

// encodeHeader returns the JSON header padded with spaces to a multiple of
// 8 bytes.
func encodeHeader(items []*item, metadata map[string]string) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	if metadata != nil {
		keys := make([]string, 0, len(metadata))
		for k := range metadata {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteString(`"__metadata__":{`)
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSONString(&b, k)
			b.WriteByte(':')
			writeJSONString(&b, metadata[k])
		}
		b.WriteByte('}')
	}
	for i, it := range items {
		if i > 0 || metadata != nil {
			b.WriteByte(',')
		}
		writeJSONString(&b, it.name)
		fmt.Fprintf(&b, `:{"dtype":"%s","shape":[`, it.dt)
		for j, d := range it.t.Shape() {
			if j > 0 {
				b.WriteByte(',')
			}
			fmt.Fprint(&b, d)
		}
		fmt.Fprintf(&b, `],"data_offsets":[%d,%d]}`, it.begin, it.end)
	}
	b.WriteByte('}')
	for b.Len()%8 != 0 {
		b.WriteByte(' ')
	}
	return b.Bytes()
}

// writeJSONString writes s as a JSON string without escaping HTML
// characters (as serde_json, the reference's encoder, does not).
func writeJSONString(b *bytes.Buffer, s string) {
	var tmp bytes.Buffer
	enc := json.NewEncoder(&tmp)
	enc.SetEscapeHTML(false)
	enc.Encode(s) // cannot fail for a string
	b.Write(bytes.TrimSuffix(tmp.Bytes(), []byte("\n")))
}

// encodeData writes the elements of it.t converted to it.dt, filling bw's
// buffer directly.
func encodeData(bw *bufio.Writer, it *item) {
	size := it.dt.Size()
	n := it.t.Numel()
	le := binary.LittleEndian
	for at := 0; at < n; {
		buf := bw.AvailableBuffer()
		k := min(cap(buf)/size, n-at)
		if k == 0 {
			if bw.Flush() != nil {
				return // the error is reported by the final Flush
			}
			continue
		}
		buf = buf[:k*size]
		switch src := it.t; it.dt {
		case F32:
			if src.DType() == tensor.Float32 {
				for i, v := range src.Float32sShared()[at : at+k] {
					le.PutUint32(buf[4*i:], math.Float32bits(v))
				}
			} else {
				for i, v := range src.Float64sShared()[at : at+k] {
					le.PutUint32(buf[4*i:], math.Float32bits(float32(v)))
				}
			}
		case F64:
			if src.DType() == tensor.Float64 {
				for i, v := range src.Float64sShared()[at : at+k] {
					le.PutUint64(buf[8*i:], math.Float64bits(v))
				}
			} else {
				for i, v := range src.Float32sShared()[at : at+k] {
					le.PutUint64(buf[8*i:], math.Float64bits(float64(v)))
				}
			}
		case F16, BF16:
			conv := float32ToHalf
			if it.dt == BF16 {
				conv = float32ToBF16
			}
			if src.DType() == tensor.Float32 {
				for i, v := range src.Float32sShared()[at : at+k] {
					le.PutUint16(buf[2*i:], conv(v))
				}
			} else {
				for i, v := range src.Float64sShared()[at : at+k] {
					le.PutUint16(buf[2*i:], conv(float32(v)))
				}
			}
		case I64:
			for i, v := range src.DataInt64()[at : at+k] {
				le.PutUint64(buf[8*i:], uint64(v))
			}
		case I32:
			for i, v := range src.DataInt64()[at : at+k] {
				le.PutUint32(buf[4*i:], uint32(int32(v)))
			}
		case U8, I8:
			for i, v := range src.DataInt64()[at : at+k] {
				buf[i] = uint8(v)
			}
		case I16, U16:
			for i, v := range src.DataInt64()[at : at+k] {
				le.PutUint16(buf[2*i:], uint16(v))
			}
		case U32:
			for i, v := range src.DataInt64()[at : at+k] {
				le.PutUint32(buf[4*i:], uint32(v))
			}
		case U64:
			for i, v := range src.DataInt64()[at : at+k] {
				le.PutUint64(buf[8*i:], uint64(v))
			}
		case BOOL:
			for i, v := range src.DataBool()[at : at+k] {
				buf[i] = 0
				if v {
					buf[i] = 1
				}
			}
		}
		bw.Write(buf)
		at += k
	}
}
