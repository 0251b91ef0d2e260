package safetensors_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	. "github.com/intercept-ml/intercept/safetensors"
	"github.com/intercept-ml/intercept/tensor"
)

// The byte layouts the reference implementation's own tests expect.
func TestReferenceLayouts(t *testing.T) {
	data := tensor.FromFloat32([]float32{0, 1, 2, 3, 4, 5}, 1, 2, 3)
	got := writeBytes(t, []tensor.Named{{Name: "attn.0", Tensor: data}}, nil)
	header := `{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}`
	if len(header) != 64 {
		t.Fatalf("test header is %d bytes", len(header))
	}
	want := raw(header, []byte{0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64})
	if !bytes.Equal(got, want) {
		t.Errorf("single tensor:\n got %q\nwant %q", got, want)
	}

	// A header that needs padding: spaces up to a multiple of 8.
	got = writeBytes(t, []tensor.Named{{Name: "attn0", Tensor: data.Reshape(1, 1, 2, 3)}}, nil)
	header = `{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}`
	if !bytes.HasPrefix(got, raw(header+"       ", nil)) || len(got) != 8+72+24 {
		t.Errorf("padded header: got %q", got)
	}

	if got, want := writeBytes(t, nil, nil), raw("{}      ", nil); !bytes.Equal(got, want) {
		t.Errorf("empty: got %q, want %q", got, want)
	}
	got = writeBytes(t, nil, map[string]string{"framework": "pt"})
	if want := raw(`{"__metadata__":{"framework":"pt"}}     `, nil); !bytes.Equal(got, want) {
		t.Errorf("metadata only: got %q, want %q", got, want)
	}
}

func TestRoundTripAllTypes(t *testing.T) {
	f32 := tensor.FromFloat32([]float32{1.5, -2, float32(math.Inf(1)), float32(math.NaN()), 0, 1e-40}, 2, 3)
	f64 := tensor.FromFloat64([]float64{math.Pi, math.Copysign(0, -1), math.SmallestNonzeroFloat64}, 3)
	i64 := tensor.FromInt64([]int64{math.MinInt64, -1, 0, 255, math.MaxInt64}, 5)
	small := tensor.FromInt64([]int64{0, 7, 255, 128}, 2, 2)
	bools := tensor.FromBool([]bool{true, false, true}, 3, 1)
	in := []tensor.Named{
		{Name: "bool", Tensor: bools},
		{Name: "f32", Tensor: f32},
		{Name: "as_f16", Tensor: f32},
		{Name: "as_bf16", Tensor: f32},
		{Name: "f64", Tensor: f64},
		{Name: "f64_as_f32", Tensor: f64},
		{Name: "i64", Tensor: i64},
		{Name: "as_i32", Tensor: small},
		{Name: "as_u8", Tensor: small},
		{Name: "scalar", Tensor: tensor.Scalar(2.5)},
		{Name: "empty", Tensor: tensor.Zeros(0, 4)},
		{Name: "transposed", Tensor: tensor.Arange(0, 6, 1).Reshape(2, 3).T()},
	}
	meta := map[string]string{"b": "2", "a": "<&> \"quoted\" \n ünïcode"}
	b := writeBytes(t, in, meta,
		StoreAs(F16, "as_f16"), StoreAs(BF16, "as_bf16"), StoreAs(F32, "f64_as_f32"),
		StoreAs(I32, "as_i32"), StoreAs(U8, "as_u8"))
	f, err := readBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	// The reference's order: by type, decreasing alignment, then by name.
	names := []string{"i64", "f64", "empty", "f32", "f64_as_f32", "scalar", "transposed", "as_i32", "as_bf16", "as_f16", "as_u8", "bool"}
	if got := f.Names(); !slices.Equal(got, names) {
		t.Errorf("Names() = %v, want the reference order %v", got, names)
	}
	if got := f.Metadata(); len(got) != 2 || got["a"] != meta["a"] || got["b"] != "2" {
		t.Errorf("Metadata() = %q", got)
	}
	wantType := map[string]DType{"bool": BOOL, "f32": F32, "as_f16": F16, "as_bf16": BF16, "f64": F64,
		"f64_as_f32": F32, "i64": I64, "as_i32": I32, "as_u8": U8, "scalar": F32, "empty": F32, "transposed": F32}
	for _, n := range in {
		info, _ := f.Info(n.Name)
		if info.DType != wantType[n.Name] {
			t.Errorf("%s stored as %s, want %s", n.Name, info.DType, wantType[n.Name])
		}
		if info.Begin%int64(info.DType.Size()) != 0 {
			t.Errorf("%s at offset %d is not aligned to %d", n.Name, info.Begin, info.DType.Size())
		}
		got, err := f.Tensor(n.Name)
		if err != nil {
			t.Fatal(err)
		}
		want := n.Tensor.Contiguous()
		switch n.Name {
		case "as_f16", "as_bf16", "f64_as_f32":
			conv := map[string]func(float32) float32{
				"as_f16":     func(v float32) float32 { return HalfToFloat32(Float32ToHalf(v)) },
				"as_bf16":    func(v float32) float32 { return BF16ToFloat32(Float32ToBF16(v)) },
				"f64_as_f32": func(v float32) float32 { return v },
			}[n.Name]
			vals := want.Float32s()
			for i := range vals {
				vals[i] = conv(vals[i])
			}
			want = tensor.FromFloat32(vals, want.Shape()...)
		case "as_i32", "as_u8":
			// Read back as int64.
		}
		if !sameValues(got, want) {
			t.Errorf("%s: read %v, want %v", n.Name, got, want)
		}
	}
	if _, err := f.Tensor("nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Tensor(nope) error = %v, want ErrNotFound", err)
	}
	// Header padded to 8 bytes.
	if n := binary.LittleEndian.Uint64(b); n%8 != 0 {
		t.Errorf("header length %d is not a multiple of 8", n)
	}
}

// Data is grouped by element size, stably: 8-byte types first.
func TestDataLayout(t *testing.T) {
	in := []tensor.Named{
		{Name: "u8", Tensor: tensor.FromInt64([]int64{1, 2, 3}, 3)},
		{Name: "a32", Tensor: tensor.Ones(3)},
		{Name: "i64", Tensor: tensor.FromInt64([]int64{4}, 1)},
		{Name: "b32", Tensor: tensor.Ones(1)},
		{Name: "h", Tensor: tensor.Ones(1)},
	}
	f, err := readBytes(writeBytes(t, in, nil, StoreAs(U8, "u8"), StoreAs(F16, "h")))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][2]int64{"i64": {0, 8}, "a32": {8, 20}, "b32": {20, 24}, "h": {24, 26}, "u8": {26, 29}}
	for name, w := range want {
		in, _ := f.Info(name)
		if in.Begin != w[0] || in.End != w[1] {
			t.Errorf("%s at [%d, %d], want %v", name, in.Begin, in.End, w)
		}
	}
}

// StoreAs without names converts every compatible tensor.
func TestStoreAsAll(t *testing.T) {
	in := []tensor.Named{
		{Name: "w", Tensor: tensor.Ones(2)},
		{Name: "d", Tensor: tensor.OnesOf(tensor.Float64, 2)},
		{Name: "n", Tensor: tensor.FromInt64([]int64{2}, 1)},
		{Name: "keep", Tensor: tensor.Ones(2)},
	}
	f, err := readBytes(writeBytes(t, in, nil, StoreAs(BF16), StoreAs(I32), StoreAs(F32, "keep")))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]DType{"w": BF16, "d": BF16, "n": I32, "keep": F32} {
		if in, _ := f.Info(name); in.DType != want {
			t.Errorf("%s stored as %s, want %s", name, in.DType, want)
		}
	}
}

func TestWriteErrors(t *testing.T) {
	one := tensor.Ones(1)
	cases := []struct {
		name    string
		tensors []tensor.Named
		meta    map[string]string
		opts    []WriteOption
		want    string
	}{
		{"duplicate", []tensor.Named{{Name: "a", Tensor: one}, {Name: "a", Tensor: one}}, nil, nil, `duplicate tensor name "a"`},
		{"nil tensor", []tensor.Named{{Name: "a", Tensor: nil}}, nil, nil, `tensor "a" is nil`},
		{"reserved name", []tensor.Named{{Name: "__metadata__", Tensor: one}}, nil, nil, `"__metadata__" cannot name a tensor`},
		{"bad UTF-8 name", []tensor.Named{{Name: "a\xff", Tensor: one}}, nil, nil, "not valid UTF-8"},
		{"bad UTF-8 metadata", nil, map[string]string{"k": "\xff"}, nil, "not valid UTF-8"},
		{"unknown StoreAs name", []tensor.Named{{Name: "a", Tensor: one}}, nil, []WriteOption{StoreAs(F16, "b")}, `names tensor "b", which is not written`},
		{"float as int", []tensor.Named{{Name: "a", Tensor: one}}, nil, []WriteOption{StoreAs(I32, "a")}, "cannot be stored as I32"},
		{"unsupported StoreAs", []tensor.Named{{Name: "a", Tensor: one}}, nil, []WriteOption{StoreAs(F8E4M3)}, `dtype "F8_E4M3" cannot be written`},
		{"I32 overflow", []tensor.Named{{Name: "a", Tensor: tensor.FromInt64([]int64{1, 1 << 31}, 2)}}, nil, []WriteOption{StoreAs(I32)}, `element 1 = 2147483648 does not fit I32`},
		{"U8 negative", []tensor.Named{{Name: "a", Tensor: tensor.FromInt64([]int64{-1}, 1)}}, nil, []WriteOption{StoreAs(U8)}, `element 0 = -1 does not fit U8`},
	}
	for _, c := range cases {
		var b bytes.Buffer
		err := Write(&b, c.tensors, c.meta, c.opts...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
		if b.Len() != 0 {
			t.Errorf("%s: %d bytes written before the error", c.name, b.Len())
		}
	}
}

func TestSaveAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.safetensors")
	sd := []tensor.Named{{Name: "w", Tensor: tensor.Ones(2, 2)}}
	if err := Save(path, sd, nil); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o644 {
		t.Errorf("new file mode %v, want 0644", st.Mode().Perm())
	}
	os.Chmod(path, 0o600)
	before, _ := os.ReadFile(path)

	// A failing save leaves the old file and no temporary file.
	err := Save(path, []tensor.Named{{Name: "w", Tensor: nil}}, nil)
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("error %v does not name %s", err, path)
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Error("a failed Save changed the file")
	}

	// A successful overwrite keeps the permissions.
	sd[0].Tensor = tensor.Zeros(3)
	if err := Save(path, sd, map[string]string{"v": "2"}); err != nil {
		t.Fatal(err)
	}
	st, _ = os.Stat(path)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("overwritten file mode %v, want 0600 kept", st.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only the file", len(entries))
	}
	got, meta, err := Load(path)
	if err != nil || len(got) != 1 || got[0].Tensor.Numel() != 3 || meta["v"] != "2" {
		t.Errorf("Load after overwrite: %v %v %v", got, meta, err)
	}

	if err := Save(filepath.Join(dir, "missing", "x.safetensors"), sd, nil); err == nil {
		t.Error("Save into a missing directory succeeded")
	}
}

// malformed lists the bad inputs Read must reject, each with a fragment of
// the expected message.
var malformed = []struct {
	name string
	data []byte
	want string
}{
	{"empty file", nil, "0 bytes long, shorter than the 8-byte header length"},
	{"7 bytes", []byte{1, 0, 0, 0, 0, 0, 0}, "7 bytes long"},
	{"header longer than file", []byte{100, 0, 0, 0, 0, 0, 0, 0, '{', '}'}, "header length 100 exceeds the 2 bytes that follow"},
	{"header over 100 MB", []byte{0x01, 0xe1, 0xf5, 0x05, 0, 0, 0, 0, '{', '}'}, "header length 100000001 exceeds the limit"},
	{"header length 2^64-1", []byte{255, 255, 255, 255, 255, 255, 255, 255, '{', '}'}, "exceeds the limit"},
	{"header not UTF-8", raw("{\"\xff\":1}", nil), "not valid UTF-8"},
	{"header not JSON", raw("hello wo", nil), "header is not JSON"},
	{"header truncated", raw(`{"a":{"dtype"`, nil), "header is not JSON"},
	{"header array", raw("[]      ", nil), "not a JSON object"},
	{"header string", raw(`"x"     `, nil), "not a JSON object"},
	{"header null", raw(`null    `, nil), "not a JSON object"},
	{"garbage after object", raw(`{} x    `, nil), "continues after its JSON object"},
	{"two objects", raw(`{}{}    `, nil), "continues after its JSON object"},
	{"NUL padding", raw("{}\x00\x00\x00\x00\x00\x00", nil), "continues after its JSON object"},
	{"entry not object", raw(`{"a":5}`, nil), `tensor "a": entry is not a JSON object`},
	{"missing dtype", raw(`{"a":{"shape":[],"data_offsets":[0,4]}}`, make([]byte, 4)), "entry has no dtype"},
	{"missing shape", raw(`{"a":{"dtype":"F32","data_offsets":[0,4]}}`, make([]byte, 4)), "entry has no shape"},
	{"missing offsets", raw(`{"a":{"dtype":"F32","shape":[]}}`, nil), "entry has no data_offsets"},
	{"dtype not string", raw(`{"a":{"dtype":4,"shape":[],"data_offsets":[0,4]}}`, make([]byte, 4)), "dtype is not a string"},
	{"unknown dtype", raw(`{"a":{"dtype":"F128","shape":[],"data_offsets":[0,16]}}`, make([]byte, 16)), `unknown dtype "F128"`},
	{"lower-case dtype", raw(`{"a":{"dtype":"f32","shape":[],"data_offsets":[0,4]}}`, make([]byte, 4)), `unknown dtype "f32"`},
	{"unknown dtype", raw(`{"a":{"dtype":"F8","shape":[1],"data_offsets":[0,1]}}`, make([]byte, 1)), `unknown dtype "F8"`},
	{"F4 odd count", raw(`{"a":{"dtype":"F4","shape":[3],"data_offsets":[0,2]}}`, make([]byte, 2)), `does not fill whole bytes`},
	{"lone high surrogate", raw(`{"a\ud800":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}`, make([]byte, 1)), `lone surrogate \ud800`},
	{"lone low surrogate", raw(`{"__metadata__":{"k":"\udc00x"}}`, nil), `lone surrogate \udc00`},
	{"reversed surrogates", raw(`{"\udc00\ud800":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}`, make([]byte, 1)), `lone surrogate`},
	{"nesting too deep", raw(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"x":`+strings.Repeat("[", 200)+strings.Repeat("]", 200)+`}}`, make([]byte, 1)), `nesting deeper than 128`},
	{"shape not array", raw(`{"a":{"dtype":"F32","shape":4,"data_offsets":[0,4]}}`, make([]byte, 4)), "shape is not an array"},
	{"negative dim", raw(`{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}`, make([]byte, 4)), "shape[0] = -1 is not a non-negative integer"},
	{"fractional dim", raw(`{"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}`, make([]byte, 4)), "shape[0] = 1.5 is not a non-negative integer"},
	{"exponent dim", raw(`{"a":{"dtype":"F32","shape":[1e0],"data_offsets":[0,4]}}`, make([]byte, 4)), "shape[0] = 1e0 is not a non-negative integer"},
	{"dim overflows 64 bits", raw(`{"a":{"dtype":"F32","shape":[18446744073709551616],"data_offsets":[0,4]}}`, make([]byte, 4)), "overflows 64 bits"},
	{"dim beyond int64", raw(`{"a":{"dtype":"F32","shape":[9223372036854775808],"data_offsets":[0,4]}}`, make([]byte, 4)), "is too large"},
	{"dim not a number", raw(`{"a":{"dtype":"F32","shape":["1"],"data_offsets":[0,4]}}`, make([]byte, 4)), "shape[0] is not a number"},
	{"nested shape", raw(`{"a":{"dtype":"F32","shape":[[1]],"data_offsets":[0,4]}}`, make([]byte, 4)), "shape[0] is not a number"},
	{"shape product overflows", raw(`{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}`, make([]byte, 4)), "overflows"},
	{"shape bytes overflow", raw(`{"a":{"dtype":"F64","shape":[2305843009213693952],"data_offsets":[0,8]}}`, make([]byte, 8)), "overflows"},
	{"zero dim beside huge dims", raw(`{"a":{"dtype":"F32","shape":[0,4294967296,4294967296],"data_offsets":[0,0]}}`, nil), "overflows"},
	{"too many dims", raw(`{"a":{"dtype":"U8","shape":[`+strings.Repeat("1,", MaxRank)+`1],"data_offsets":[0,1]}}`, make([]byte, 1)), "shape has more than 1024 values"},
	{"one offset", raw(`{"a":{"dtype":"F32","shape":[],"data_offsets":[0]}}`, nil), "data_offsets has 1 values, not 2"},
	{"three offsets", raw(`{"a":{"dtype":"F32","shape":[],"data_offsets":[0,4,8]}}`, make([]byte, 8)), "data_offsets has more than 2 values"},
	{"negative offset", raw(`{"a":{"dtype":"F32","shape":[],"data_offsets":[-4,0]}}`, nil), "data_offsets[0] = -4 is not a non-negative integer"},
	{"offset beyond int64", raw(`{"a":{"dtype":"F32","shape":[],"data_offsets":[0,9223372036854775808]}}`, nil), "are too large"},
	{"offsets reversed", raw(`{"a":{"dtype":"F32","shape":[],"data_offsets":[4,0]}}`, make([]byte, 4)), "data_offsets [4, 0] end before they begin"},
	{"offsets past the data", raw(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, make([]byte, 4)), "reach past the 4 bytes of data"},
	{"huge offsets past the data", raw(`{"a":{"dtype":"F32","shape":[1099511627776],"data_offsets":[0,4398046511104]}}`, make([]byte, 4)), "reach past"},
	{"size does not match shape", raw(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}`, make([]byte, 4)), "shape [2] of F32 needs 8 bytes but data_offsets [0, 4] hold 4"},
	{"size does not match dtype", raw(`{"a":{"dtype":"F64","shape":[1],"data_offsets":[0,4]}}`, make([]byte, 4)), "needs 8 bytes"},
	{"same range twice", raw(`{"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}`, make([]byte, 4)), `tensor "b": data_offsets [0, 4] overlap those of tensor "a"`},
	{"partial overlap", raw(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}`, make([]byte, 12)), "overlap"},
	{"gap between tensors", raw(`{"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[],"data_offsets":[8,12]}}`, make([]byte, 12)), `tensor "b": data_offsets [8, 12] leave a gap of 4 bytes`},
	{"data not starting at 0", raw(`{"a":{"dtype":"F32","shape":[],"data_offsets":[4,8]}}`, make([]byte, 8)), "leave a gap of 4 bytes"},
	{"trailing bytes", raw(`{"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}`, make([]byte, 6)), "cover 4 bytes of data but 6 follow the header (2 trailing bytes)"},
	{"data without tensors", raw(`{}`, make([]byte, 1)), "1 trailing bytes"},
	{"duplicate names", raw(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}`, make([]byte, 2)), `tensor "a": duplicate tensor name`},
	{"duplicate field", raw(`{"a":{"dtype":"U8","dtype":"F32","shape":[1],"data_offsets":[0,1]}}`, make([]byte, 1)), "duplicate field dtype"},
	{"duplicate shape field", raw(`{"a":{"dtype":"U8","shape":[1],"shape":[1],"data_offsets":[0,1]}}`, make([]byte, 1)), "duplicate field shape"},
	{"duplicate offsets field", raw(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"data_offsets":[0,1]}}`, make([]byte, 1)), "duplicate field data_offsets"},
	{"duplicate metadata", raw(`{"__metadata__":{},"__metadata__":{}}`, nil), "duplicate __metadata__"},
	{"duplicate metadata key", raw(`{"__metadata__":{"k":"1","k":"2"}}`, nil), `duplicate key "k"`},
	{"metadata not object", raw(`{"__metadata__":[]}`, nil), "__metadata__: not a JSON object"},
	{"metadata value not string", raw(`{"__metadata__":{"k":1}}`, nil), `value of "k" is not a string`},
	{"metadata nested", raw(`{"__metadata__":{"k":{"x":"y"}}}`, nil), `value of "k" is not a string`},
}

func TestMalformed(t *testing.T) {
	dir := t.TempDir()
	for i, c := range malformed {
		if _, err := readBytes(c.data); err == nil || !strings.Contains(err.Error(), c.want) || !errors.Is(err, ErrFormat) {
			t.Errorf("%s: Read error %v, want a FormatError containing %q", c.name, err, c.want)
			continue
		}
		// Through Open the message names the file.
		path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".safetensors")
		os.WriteFile(path, c.data, 0o644)
		_, err := Open(path)
		var fe *FormatError
		if !errors.As(err, &fe) || fe.File != path || !strings.Contains(err.Error(), path+": ") {
			t.Errorf("%d %s: Open error %v does not name the file", i, c.name, err)
		}
	}
}

// Inputs the format allows, some of them unusual.
func TestAcceptedEdgeCases(t *testing.T) {
	cases := []struct {
		name  string
		data  []byte
		names []string
	}{
		{"no tensors", raw(`{}`, nil), nil},
		{"white space around the object", raw(" \t\n{}\r\n  ", nil), nil},
		{"metadata null", raw(`{"__metadata__":null}`, nil), nil},
		{"unknown field ignored", raw(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"extra":{"x":[1,2]}}}`, []byte{7}), []string{"a"}},
		{"offsets out of header order", raw(`{"b":{"dtype":"U8","shape":[1],"data_offsets":[1,2]},"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}`, []byte{1, 2}), []string{"b", "a"}},
		{"empty tensors anywhere", raw(`{"z":{"dtype":"F32","shape":[0],"data_offsets":[1,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"e":{"dtype":"F64","shape":[3,0],"data_offsets":[1,1]}}`, []byte{9}), []string{"z", "a", "e"}},
		{"zero dim beside a large one", raw(`{"a":{"dtype":"F32","shape":[0,1099511627776],"data_offsets":[0,0]}}`, nil), []string{"a"}},
		{"empty name", raw(`{"":{"dtype":"BOOL","shape":[],"data_offsets":[0,1]}}`, []byte{1}), []string{""}},
	}
	for _, c := range cases {
		f, err := readBytes(c.data)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if !slices.Equal(f.Names(), c.names) {
			t.Errorf("%s: names %q, want %q", c.name, f.Names(), c.names)
		}
		for _, n := range f.Names() {
			if _, err := f.Tensor(n); err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
		}
	}
}

// A lying header is rejected without allocating what it asks for.
func TestNoAllocationFromLyingHeader(t *testing.T) {
	lies := [][]byte{
		raw(`{"a":{"dtype":"F32","shape":[1099511627776],"data_offsets":[0,4398046511104]}}`, make([]byte, 64)),
		{0, 0, 0, 0, 0, 0, 0, 1, '{', '}'},                  // header of 2^56 bytes
		{0x00, 0xe1, 0xf5, 0x05, 0, 0, 0, 0, '{', '}', ' '}, // header of exactly 100 MB, file of 11 bytes
	}
	for i, b := range lies {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := readBytes(b)
		runtime.ReadMemStats(&after)
		if err == nil {
			t.Fatalf("lie %d accepted", i)
		}
		if d := after.TotalAlloc - before.TotalAlloc; d > 64<<10 {
			t.Errorf("lie %d: allocated %d bytes before failing", i, d)
		}
	}
}

// Tensor reads only the byte range of its tensor.
func TestReadsOnlyTheTensorsBytes(t *testing.T) {
	b := writeBytes(t, []tensor.Named{
		{Name: "big", Tensor: tensor.Zeros(1000)},
		{Name: "small", Tensor: tensor.Ones(3)},
	}, nil)
	c := &countingReaderAt{r: bytes.NewReader(b)}
	f, err := Read(c, int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	header := c.n.Load()
	if header != 8+int64(binary.LittleEndian.Uint64(b)) {
		t.Errorf("Read read %d bytes, want only the header", header)
	}
	if _, err := f.Tensor("small"); err != nil {
		t.Fatal(err)
	}
	if got := c.n.Load() - header; got != 12 {
		t.Errorf("Tensor(small) read %d bytes, want 12", got)
	}
}

// A short or failing reader is an I/O error that names the file.
func TestTruncatedAfterOpen(t *testing.T) {
	b := writeBytes(t, []tensor.Named{{Name: "w", Tensor: tensor.Ones(4)}}, nil)
	f, err := Read(bytes.NewReader(b[:len(b)-4]), int64(len(b))) // size lies about the reader
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Tensor("w"); err == nil || !strings.Contains(err.Error(), `reading tensor "w"`) {
		t.Errorf("error %v", err)
	}
}

// Large tensors are read and written in chunks; check across chunk
// boundaries.
func TestLargeTensor(t *testing.T) {
	n := ChunkSize/4*2 + 3
	vals := make([]float32, n)
	for i := range vals {
		vals[i] = float32(i) * 0.5
	}
	in := []tensor.Named{{Name: "x", Tensor: tensor.FromFloat32(vals, n)}, {Name: "h", Tensor: tensor.FromFloat32(vals, n)}}
	f, err := readBytes(writeBytes(t, in, nil, StoreAs(BF16, "h")))
	if err != nil {
		t.Fatal(err)
	}
	x, _ := f.Tensor("x")
	if !sameValues(x, in[0].Tensor) {
		t.Error("large F32 tensor differs")
	}
	h, _ := f.Tensor("h")
	for i, v := range h.Float32s() {
		if v != BF16ToFloat32(Float32ToBF16(vals[i])) {
			t.Fatalf("h[%d] = %v", i, v)
		}
	}
}

// A File may be read from several goroutines at once.
func TestConcurrentTensor(t *testing.T) {
	f, err := Open(filepath.Join("testdata", "convnet.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want, err := f.Tensors()
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			for _, e := range want {
				got, err := f.Tensor(e.Name)
				if err == nil && !sameValues(got, e.Tensor) {
					err = errors.New(e.Name + " differs")
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
