package safetensors_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/intercept-ml/intercept/nn"
	. "github.com/intercept-ml/intercept/safetensors"
	"github.com/intercept-ml/intercept/tensor"
)

// The files the reference writer's layout produced (gen_safetensors.py
// mirrors huggingface/safetensors' serialize) are written back byte for
// byte from their tensors, in any input order.
func TestSameBytesAsTheReferenceWriter(t *testing.T) {
	for _, name := range []string{"dtypes.safetensors", "mlp.safetensors", "convnet.safetensors"} {
		want, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		f, err := readBytes(want)
		if err != nil {
			t.Fatal(err)
		}
		ts, err := f.Tensors()
		if err != nil {
			t.Fatal(err)
		}
		var opts []WriteOption
		for _, nt := range ts {
			info, _ := f.Info(nt.Name)
			opts = append(opts, StoreAs(info.DType, nt.Name))
		}
		for i := range 3 {
			in := slices.Clone(ts)
			if i > 0 {
				rand.New(rand.NewPCG(uint64(i), 0)).Shuffle(len(in), func(a, b int) { in[a], in[b] = in[b], in[a] })
			}
			if got := writeBytes(t, in, f.Metadata(), opts...); !bytes.Equal(got, want) {
				t.Errorf("%s (input order %d): written bytes differ from the reference's\n got %q\nwant %q", name, i, got[:min(len(got), 200)], want[:min(len(want), 200)])
			}
		}
	}
}

// The reference's own serialization tests (safetensors/src/tensor.rs).
func TestReferenceTestCases(t *testing.T) {
	// test_serialization_fp4: an F4 tensor of shape [1, 2] in one byte.
	fp4 := []byte{64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100,
		116, 121, 112, 101, 34, 58, 34, 70, 52, 34, 44, 34, 115, 104, 97, 112, 101, 34, 58,
		91, 49, 44, 50, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115, 101, 116,
		115, 34, 58, 91, 48, 44, 49, 93, 125, 125, 32, 32, 32, 32, 0}
	f, err := readBytes(fp4)
	if err != nil {
		t.Fatalf("fp4: %v", err)
	}
	if b, err := f.Raw("attn.0"); err != nil || !bytes.Equal(b, []byte{0}) {
		t.Errorf("fp4 Raw = %v, %v", b, err)
	}
	if _, err := f.Tensor("attn.0"); !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "F4") {
		t.Errorf("fp4 Tensor: %v", err)
	}
	// test_serialization_fp4_misaligned and _invalid.
	for _, c := range []struct{ header, want string }{
		{`{"a":{"dtype":"F4","shape":[1,3],"data_offsets":[0,2]}}`, "does not fill whole bytes"},
		{`{"a":{"dtype":"F4","shape":[1,2],"data_offsets":[0,2]}}`, "needs 1 bytes"},
	} {
		if _, err := readBytes(raw(c.header, []byte{0, 1})); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.header, err, c.want)
		}
	}
	// test_whitespace_padded_header, test_whitespace_leading_padded_header.
	for _, h := range []string{"{}\r \t\n", "\t\n{}\r "} {
		if _, err := readBytes(raw(h, nil)); err != nil {
			t.Errorf("%q: %v", h, err)
		}
	}
	// test_empty: with and without metadata.
	if got := writeBytes(t, nil, nil); !bytes.Equal(got, []byte{8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32}) {
		t.Errorf("empty: %v", got)
	}
	// test_invalid_header_size_serialization: refused before writing.
	if testing.Short() {
		return
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "good.safetensors")
	good := []tensor.Named{{Name: "w", Tensor: tensor.Ones(2)}}
	if err := Save(path, good, nil); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)
	big := map[string]string{"very_large_metadata": strings.Repeat("a", MaxHeaderSize)}
	var b bytes.Buffer
	if err := Write(&b, nil, big); err == nil || !strings.Contains(err.Error(), "over the format's limit") || b.Len() != 0 {
		t.Errorf("Write of a header over the limit: %v, %d bytes written", err, b.Len())
	}
	if err := Save(path, good, big); err == nil {
		t.Error("Save of a header over the limit succeeded")
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(after, before) {
		t.Error("a refused Save replaced the good file")
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("files left behind: %v", ents)
	}
}

// An empty metadata map round-trips as {}; nil stays absent.
func TestEmptyMetadataRoundTrips(t *testing.T) {
	b := writeBytes(t, nil, map[string]string{})
	if want := raw(`{"__metadata__":{}}     `, nil); !bytes.Equal(b, want) {
		t.Errorf("empty metadata written as %q, want %q", b, want)
	}
	f, err := readBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	if m := f.Metadata(); m == nil || len(m) != 0 {
		t.Errorf("empty metadata read back as %#v", m)
	}
	if again := writeBytes(t, nil, f.Metadata()); !bytes.Equal(again, b) {
		t.Errorf("rewritten as %q", again)
	}
	f, _ = readBytes(writeBytes(t, nil, nil))
	if f.Metadata() != nil {
		t.Errorf("nil metadata read back as %#v", f.Metadata())
	}
}

// Every dtype of the format reads: the integers and 8-bit floats convert
// exactly, the packed floats and C64 read raw, and a file holding a tensor
// the caller cannot use still loads the ones it can.
func TestEveryDType(t *testing.T) {
	type entry struct {
		name, dtype string
		shape       []int
		data        []byte
	}
	le := binary.LittleEndian
	entries := []entry{
		{"i8", "I8", []int{3}, []byte{0x80, 0xff, 0x7f}},
		{"i16", "I16", []int{2}, le.AppendUint16(le.AppendUint16(nil, 0x8000), 0x7fff)},
		{"u16", "U16", []int{2}, le.AppendUint16(le.AppendUint16(nil, 0xffff), 1)},
		{"u32", "U32", []int{1}, le.AppendUint32(nil, 0xffffffff)},
		{"u64", "U64", []int{1}, le.AppendUint64(nil, 1<<62)},
		{"e5m2", "F8_E5M2", []int{4}, []byte{0x3c, 0xc0, 0x7c, 0x01}},
		{"e4m3", "F8_E4M3", []int{5}, []byte{0x38, 0xb8, 0x7e, 0x7f, 0x01}},
		{"e8m0", "F8_E8M0", []int{3}, []byte{127, 128, 0xff}},
		{"e4m3fnuz", "F8_E4M3FNUZ", []int{3}, []byte{0x40, 0x80, 0x01}},
		{"e5m2fnuz", "F8_E5M2FNUZ", []int{3}, []byte{0x40, 0x80, 0x7f}},
		{"f6", "F6_E2M3", []int{4}, []byte{1, 2, 3}},
		{"f6b", "F6_E3M2", []int{4}, []byte{4, 5, 6}},
		{"f4", "F4", []int{2}, []byte{0x21}},
		{"c64", "C64", []int{1}, le.AppendUint32(le.AppendUint32(nil, math.Float32bits(1)), math.Float32bits(-2))},
		{"0.weight", "F32", []int{1, 1}, le.AppendUint32(nil, math.Float32bits(0.5))},
		{"0.bias", "F32", []int{1}, le.AppendUint32(nil, math.Float32bits(-0.25))},
	}
	var h strings.Builder
	var data []byte
	h.WriteString("{")
	for i, e := range entries {
		if i > 0 {
			h.WriteString(",")
		}
		shape := joinInts(e.shape)
		h.WriteString(`"` + e.name + `":{"dtype":"` + e.dtype + `","shape":[` + shape + `],"data_offsets":[` + itoa(len(data)) + `,` + itoa(len(data)+len(e.data)) + `]}`)
		data = append(data, e.data...)
	}
	h.WriteString("}")
	file := raw(h.String(), data)
	f, err := readBytes(file)
	if err != nil {
		t.Fatal(err)
	}
	nan := math.NaN()
	want := map[string][]float64{
		"i8": {-128, -1, 127}, "i16": {-32768, 32767}, "u16": {65535, 1}, "u32": {4294967295}, "u64": {1 << 62},
		"e5m2":     {1, -2, math.Inf(1), math.Ldexp(1, -16)},
		"e4m3":     {1, -1, 448, nan, math.Ldexp(1, -9)},
		"e8m0":     {1, 2, nan},
		"e4m3fnuz": {1, nan, math.Ldexp(1, -10)},
		"e5m2fnuz": {1, nan, 57344},
	}
	for name, w := range want {
		x, err := f.Tensor(name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		got := x.Float64s()
		if !slices.EqualFunc(got, w, func(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }) {
			t.Errorf("%s = %v, want %v", name, got, w)
		}
	}
	for _, name := range []string{"f6", "f6b", "f4", "c64"} {
		if _, err := f.Tensor(name); !errors.Is(err, ErrUnsupported) {
			t.Errorf("%s: Tensor error %v, want ErrUnsupported", name, err)
		}
		if b, err := f.Raw(name); err != nil || len(b) == 0 {
			t.Errorf("%s: Raw %v, %v", name, b, err)
		}
	}
	if _, err := f.Tensors(); !errors.Is(err, ErrUnsupported) {
		t.Errorf("Tensors of a file with a C64 tensor: %v", err)
	}
	// A U64 beyond int64 is refused, not wrapped.
	big, _ := readBytes(raw(`{"u":{"dtype":"U64","shape":[1],"data_offsets":[0,8]}}`, le.AppendUint64(nil, 1<<63)))
	if _, err := big.Tensor("u"); !errors.Is(err, ErrUnsupported) {
		t.Errorf("U64 1<<63: %v", err)
	}
	// The model's tensors load from a file that also holds ones it cannot use.
	path := filepath.Join(t.TempDir(), "mixed.safetensors")
	os.WriteFile(path, file, 0o644)
	model := nn.NewSequential(nn.NewLinear(1, 1))
	if err := nn.LoadSafetensors(model, path, false); err != nil {
		t.Fatal(err)
	}
	if w := nn.StateDictOf(model)[0].Tensor.Float64s(); w[0] != 0.5 {
		t.Errorf("weight %v", w)
	}
	// Writing the new integer types round-trips; range checked.
	ints := tensor.FromInt64([]int64{-3, 0, 100}, 3)
	for _, dt := range []DType{I8, I16} {
		g, _ := readBytes(writeBytes(t, []tensor.Named{{Name: "x", Tensor: ints}}, nil, StoreAs(dt)))
		if x, err := g.Tensor("x"); err != nil || !slices.Equal(x.Int64s(), []int64{-3, 0, 100}) {
			t.Errorf("%s: %v %v", dt, x, err)
		}
	}
	var b bytes.Buffer
	if err := Write(&b, []tensor.Named{{Name: "x", Tensor: ints}}, nil, StoreAs(U16)); err == nil || !strings.Contains(err.Error(), "does not fit U16") {
		t.Errorf("U16 of -3: %v", err)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func joinInts(v []int) string {
	var out []string
	for _, x := range v {
		out = append(out, strconv.Itoa(x))
	}
	return strings.Join(out, ",")
}
