package idx

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzDecode feeds arbitrary bytes to Decode: it must return an array or a
// *FormatError, never panic, and an array must hold exactly what its header
// declares. Seed corpus: testdata/fuzz/FuzzDecode.
func FuzzDecode(f *testing.F) {
	f.Add(encode(Uint8, []uint32{2, 2, 2}, []byte{0, 1, 2, 3, 4, 5, 6, 7}))
	f.Add(gz(encode(Uint8, []uint32{3}, []byte{7, 8, 9})))
	f.Add(encode(Float32, []uint32{1}, []byte{0x3f, 0x80, 0, 0}))
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := Decode(bytes.NewReader(b))
		if err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v is a %T, not a *FormatError", err, err)
			}
			return
		}
		if len(a.Dims) == 0 || a.Type.Size() == 0 {
			t.Fatalf("accepted type %v dims %v", a.Type, a.Dims)
		}
		if len(a.raw) != a.Len()*a.Type.Size() {
			t.Fatalf("%d data bytes for dims %v of %v", len(a.raw), a.Dims, a.Type)
		}
		compressed := len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b
		if !compressed && 4+4*len(a.Dims)+len(a.raw) != len(b) {
			t.Fatalf("decoded %d bytes from a %d-byte input", 4+4*len(a.Dims)+len(a.raw), len(b))
		}
		if x := a.Float32(); x.Numel() != a.Len() {
			t.Fatalf("Float32 has %d elements, want %d", x.Numel(), a.Len())
		}
		if a.Type != Float32 && a.Type != Float64 {
			if y := a.Int64(); y.Numel() != a.Len() {
				t.Fatalf("Int64 has %d elements, want %d", y.Numel(), a.Len())
			}
		}
	})
}
