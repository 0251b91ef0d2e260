package numcsv

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/intercept-ml/intercept/tensor"
)

// FuzzRead feeds arbitrary text and layouts to Read: it must return a table
// or an *Error naming the file, never panic, and a table must be consistent
// with its options. Seed corpus: testdata/fuzz/FuzzRead.
func FuzzRead(f *testing.F) {
	f.Add([]byte(weather), true, -1, true)
	f.Add([]byte("1,2\n3,4\n"), false, 0, false)
	f.Add([]byte("1,2,3\n4,5\n"), false, 2, true)
	f.Fuzz(func(t *testing.T, b []byte, header bool, label int, classes bool) {
		opt := Options{Header: header, Label: label % 8}
		if classes {
			opt.LabelType = tensor.Int64
		}
		tab, err := Read(bytes.NewReader(b), "fuzz.csv", opt)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.File != "fuzz.csv" || !strings.HasPrefix(err.Error(), "numcsv: fuzz.csv: ") {
				t.Fatalf("error %q (%T) does not name the file", err, err)
			}
			return
		}
		rows := tab.X.Size(0)
		if rows == 0 {
			t.Fatal("a table without rows")
		}
		if (opt.Label != 0) != (tab.Y != nil) {
			t.Fatalf("label %d but Y = %v", opt.Label, tab.Y)
		}
		if tab.Y != nil && (tab.Y.Size(0) != rows || tab.Y.DType() != opt.LabelType) {
			t.Fatalf("Y shape %v type %v for %d rows", tab.Y.Shape(), tab.Y.DType(), rows)
		}
		if header && len(tab.Features) != tab.X.Size(1) {
			t.Fatalf("%d feature names for %d columns", len(tab.Features), tab.X.Size(1))
		}
		compressed := len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b
		if !compressed && int64(tab.X.Numel()) > int64(len(b)) {
			t.Fatalf("%d values from %d bytes", tab.X.Numel(), len(b))
		}
	})
}
