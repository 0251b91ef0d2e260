package idx

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// encode builds an IDX file by hand.
func encode(typ Type, dims []uint32, payload []byte) []byte {
	var b bytes.Buffer
	b.Write([]byte{0, 0, byte(typ), byte(len(dims))})
	for _, d := range dims {
		binary.Write(&b, binary.BigEndian, d)
	}
	b.Write(payload)
	return b.Bytes()
}

func gz(b []byte) []byte {
	var out bytes.Buffer
	w := gzip.NewWriter(&out)
	w.Write(b)
	w.Close()
	return out.Bytes()
}

func writeTemp(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDecodeUint8Images(t *testing.T) {
	payload := []byte{0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255}
	file := encode(Uint8, []uint32{2, 2, 3}, payload)
	for name, b := range map[string][]byte{"raw": file, "gzip": gz(file)} {
		t.Run(name, func(t *testing.T) {
			a, err := Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if a.Type != Uint8 || len(a.Dims) != 3 || a.Dims[0] != 2 || a.Dims[1] != 2 || a.Dims[2] != 3 || a.Len() != 12 {
				t.Fatalf("got %v %v", a.Type, a.Dims)
			}
			x := a.Float32()
			if got := x.Shape(); len(got) != 3 || got[2] != 3 {
				t.Fatalf("shape %v", got)
			}
			if x.At(1, 1, 2) != 255 || x.At(0, 1, 0) != 3 {
				t.Fatalf("values %v", x.Float32s())
			}
			if y := a.Int64(); y.At(1, 0, 0) != 250 {
				t.Fatalf("int64 values %v", y.Int64s())
			}
			if !bytes.Equal(a.Bytes(), payload) {
				t.Fatal("Bytes")
			}
		})
	}
}

func TestDecodeOtherTypes(t *testing.T) {
	var p bytes.Buffer
	binary.Write(&p, binary.BigEndian, []int16{-2, 300})
	a, err := Decode(bytes.NewReader(encode(Int16, []uint32{2}, p.Bytes())))
	if err != nil || a.Int64().At(0) != -2 || a.Float32().At(1) != 300 {
		t.Fatalf("int16: %v %v", a, err)
	}
	p.Reset()
	binary.Write(&p, binary.BigEndian, []int32{-70000, 5})
	a, err = Decode(bytes.NewReader(encode(Int32, []uint32{1, 2}, p.Bytes())))
	if err != nil || a.Int64().At(0, 0) != -70000 {
		t.Fatalf("int32: %v %v", a, err)
	}
	a, err = Decode(bytes.NewReader(encode(Int8, []uint32{2}, []byte{0xff, 7})))
	if err != nil || a.Int64().At(0) != -1 || a.Float32().At(0) != -1 {
		t.Fatalf("int8: %v %v", a, err)
	}
	p.Reset()
	binary.Write(&p, binary.BigEndian, []float32{1.5, float32(math.Inf(-1))})
	a, err = Decode(bytes.NewReader(encode(Float32, []uint32{2}, p.Bytes())))
	if err != nil || a.Float32().At(0) != 1.5 || !math.IsInf(a.Float32().At(1), -1) {
		t.Fatalf("float32: %v %v", a, err)
	}
	p.Reset()
	binary.Write(&p, binary.BigEndian, []float64{0.1})
	a, err = Decode(bytes.NewReader(encode(Float64, []uint32{1}, p.Bytes())))
	if err != nil || a.Float32().At(0) != float64(float32(0.1)) {
		t.Fatalf("float64: %v %v", a, err)
	}
	defer func() {
		if recover() == nil {
			t.Error("Int64 of float64 data did not panic")
		}
	}()
	a.Int64()
}

func TestEmptyDimension(t *testing.T) {
	a, err := Decode(bytes.NewReader(encode(Uint8, []uint32{0, 28, 28}, nil)))
	if err != nil || a.Len() != 0 || a.Float32().Numel() != 0 {
		t.Fatalf("%v %v", a, err)
	}
}

func TestBadFiles(t *testing.T) {
	good := encode(Uint8, []uint32{3, 2, 2}, make([]byte, 12))
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "truncated"},
		{"short magic", []byte{0, 0, 8}, "truncated"},
		{"wrong magic", append([]byte{0x50, 0x4b, 3, 4}, make([]byte, 20)...), "not an IDX file"},
		{"unknown type", encode(Type(0x07), []uint32{1}, []byte{1}), "unknown element type 0x07"},
		{"no dims", []byte{0, 0, 8, 0}, "no dimensions"},
		{"truncated header", good[:10], "truncated header"},
		{"truncated data", good[:len(good)-1], "truncated"},
		{"too long", append(append([]byte(nil), good...), 9), "too long"},
		{"product mismatch", encode(Uint8, []uint32{3, 2, 3}, make([]byte, 12)), "need 18 bytes"},
		{"absurd dims", encode(Uint8, []uint32{1 << 31, 1 << 31}, make([]byte, 16)), "absurd dimensions 2147483648×2147483648"},
		{"absurd many dims", encode(Float64, []uint32{1 << 16, 1 << 16, 1 << 16}, nil), "absurd"},
		{"int32 odd bytes", encode(Int32, []uint32{2}, make([]byte, 7)), "truncated"},
	}
	for _, c := range cases {
		for _, comp := range []string{"raw", "gzip"} {
			t.Run(c.name+"/"+comp, func(t *testing.T) {
				data := c.data
				if comp == "gzip" {
					data = gz(data)
				}
				path := writeTemp(t, "bad-images-idx3-ubyte", data)
				_, err := ReadFile(path)
				if err == nil {
					t.Fatal("no error")
				}
				var fe *FormatError
				if !errors.As(err, &fe) || fe.File != path {
					t.Fatalf("error %q (%T) does not name the file", err, err)
				}
				if !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), path) {
					t.Fatalf("error %q, want it to contain %q and the path", err, c.want)
				}
				// The same problem through Decode, without a name.
				if _, err := Decode(bytes.NewReader(data)); err == nil || !strings.Contains(err.Error(), c.want) {
					t.Fatalf("Decode error %v, want %q", err, c.want)
				}
			})
		}
	}
}

func TestBadGzip(t *testing.T) {
	z := gz(encode(Uint8, []uint32{100}, make([]byte, 100)))
	for name, data := range map[string][]byte{
		"truncated stream": z[:len(z)-12],
		"bad checksum":     append(append([]byte(nil), z[:len(z)-8]...), 1, 2, 3, 4, 100, 0, 0, 0),
		"garbage after":    append(append([]byte(nil), z...), 'x', 'y'),
		"bad header":       []byte{0x1f, 0x8b, 0, 0},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := ReadFile(writeTemp(t, "x.gz", data)); err == nil {
				t.Fatal("no error")
			} else {
				t.Log(err)
			}
		})
	}
}

// A header that promises far more data than the file holds must not make
// the reader allocate the promised amount.
func TestLyingHeaderDoesNotAllocate(t *testing.T) {
	// 2^16 × 2^16 bytes = 4 GiB promised (within MaxElements), 1 KiB present.
	lying := encode(Uint8, []uint32{1 << 16, 1 << 16}, make([]byte, 1024))
	for name, data := range map[string][]byte{"raw": lying, "gzip": gz(lying)} {
		t.Run(name, func(t *testing.T) {
			path := writeTemp(t, "lying", data)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			_, err := ReadFile(path)
			runtime.ReadMemStats(&after)
			if err == nil || !strings.Contains(err.Error(), "truncated") {
				t.Fatalf("error %v", err)
			}
			if d := after.TotalAlloc - before.TotalAlloc; d > 8<<20 {
				t.Fatalf("allocated %d bytes for a 1 KiB file", d)
			}
			t.Log(err)
		})
	}
}

// Fashion-MNIST as Debian's dataset-fashion-mnist installs it.
const fashionDir = "/usr/share/datasets/fashion-mnist"

func TestFashionMNISTFiles(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	path := filepath.Join(fashionDir, "t10k-labels-idx1-ubyte.gz")
	if _, err := os.Stat(path); err != nil {
		t.Skipf("Fashion-MNIST not installed: %v", err)
	}
	a, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if a.Type != Uint8 || len(a.Dims) != 1 || a.Dims[0] != 10000 {
		t.Fatalf("labels %v %v", a.Type, a.Dims)
	}
	counts := make([]int, 10)
	for _, v := range a.Bytes() {
		counts[v]++
	}
	for c, n := range counts {
		if n != 1000 {
			t.Errorf("class %d has %d test examples, want 1000", c, n)
		}
	}
	img, err := ReadFile(filepath.Join(fashionDir, "t10k-images-idx3-ubyte.gz"))
	if err != nil {
		t.Fatal(err)
	}
	if img.Type != Uint8 || dimsString(img.Dims) != "10000×28×28" {
		t.Fatalf("images %v %v", img.Type, img.Dims)
	}
}
