package numcsv

import (
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/intercept-ml/intercept/tensor"
)

const weather = `humidity,pressure,temp,rain
0.81, 1002.5 ,12.0,1
0.40,1021.0,18.5,0
"0.95",998.0,9.25,1
`

func TestReadHeaderAndLabel(t *testing.T) {
	tab, err := Read(strings.NewReader(weather), "weather.csv", Options{Header: true, Label: -1, LabelType: tensor.Int64})
	if err != nil {
		t.Fatal(err)
	}
	if got := tab.X.Shape(); got[0] != 3 || got[1] != 3 {
		t.Fatalf("X shape %v", got)
	}
	if tab.X.At(0, 1) != float64(float32(1002.5)) || tab.X.At(2, 0) != float64(float32(0.95)) || tab.X.At(2, 2) != 9.25 {
		t.Fatalf("X %v", tab.X.Float32s())
	}
	if tab.Y.DType() != tensor.Int64 || tab.Y.Int64s()[0] != 1 || tab.Y.Int64s()[1] != 0 {
		t.Fatalf("Y %v", tab.Y)
	}
	if strings.Join(tab.Features, ",") != "humidity,pressure,temp" || len(tab.Header) != 4 {
		t.Fatalf("header %q features %q", tab.Header, tab.Features)
	}
}

func TestLabelSelection(t *testing.T) {
	// By name, as a float regression target in the middle.
	tab, err := Read(strings.NewReader(weather), "", Options{Header: true, LabelName: "temp"})
	if err != nil {
		t.Fatal(err)
	}
	if tab.Y.DType() != tensor.Float32 || tab.Y.At(1) != 18.5 || tab.X.Size(1) != 3 || tab.X.At(0, 2) != 1 {
		t.Fatalf("Y %v X %v", tab.Y, tab.X)
	}
	// Column 1 without header, no label at all, another separator.
	tab, err = Read(strings.NewReader("3;1.5;2\n4;2.5;3\n"), "", Options{Label: 1, Comma: ';'})
	if err != nil {
		t.Fatal(err)
	}
	if tab.Y.At(1) != 4 || tab.X.At(1, 0) != 2.5 || tab.Header != nil {
		t.Fatalf("Y %v X %v", tab.Y, tab.X)
	}
	tab, err = Read(strings.NewReader("1,2\n3,4\n"), "", Options{})
	if err != nil || tab.Y != nil || tab.X.Size(1) != 2 {
		t.Fatalf("%v %v", tab, err)
	}
}

func TestGzip(t *testing.T) {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(weather))
	w.Close()
	p := filepath.Join(t.TempDir(), "w.csv.gz")
	os.WriteFile(p, b.Bytes(), 0o644)
	tab, err := ReadFile(p, Options{Header: true, Label: 4})
	if err != nil || tab.X.Size(0) != 3 {
		t.Fatalf("%v %v", tab, err)
	}
}

func TestErrors(t *testing.T) {
	cases := []struct {
		name, text string
		opt        Options
		want       string
	}{
		{"ragged short", "1,2,3\n4,5\n", Options{}, "line 2, column 3: the row has 2 fields, but line 1 has 3"},
		{"ragged long", "a,b\n1,2\n3,4,5\n", Options{Header: true}, "line 3, column 3: the row has 3 fields, but line 1 has 2"},
		{"not a number", weather + "0.5,n/a,3,0\n", Options{Header: true, Label: -1}, `line 5, column 2 ("pressure"): "n/a" is not a number`},
		{"empty field", "1,,3\n", Options{}, "line 1, column 2: empty field"},
		{"nan", "1,NaN\n", Options{}, `line 1, column 2: "NaN" is not a finite number`},
		{"overflow", "1e39\n", Options{}, "out of the range of float32"},
		{"fractional label", "1,2.5\n", Options{Label: 2, LabelType: tensor.Int64}, `line 1, column 2: "2.5" is not a whole number`},
		{"label out of range", "1,2\n", Options{Label: 3}, "label column 3 does not exist"},
		{"label out of range negative", "1,2\n", Options{Label: -3}, "label column -3 does not exist"},
		{"unknown label name", weather, Options{Header: true, LabelName: "wind"}, `no column named "wind"`},
		{"label name without header", weather, Options{LabelName: "rain"}, "needs a header"},
		{"no rows", "a,b\n", Options{Header: true}, "no data rows"},
		{"empty", "", Options{}, "no data rows"},
		{"bare quote", "1,2\n3,4\"x\n", Options{}, "line 2"},
		{"bad label type", "1\n", Options{LabelType: tensor.Bool, Label: 1}, "label type"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(c.text), "data.csv", c.opt)
			if err == nil {
				t.Fatal("no error")
			}
			var e *Error
			if !errors.As(err, &e) || e.File != "data.csv" {
				t.Fatalf("%v (%T) does not name the file", err, err)
			}
			if !strings.Contains(err.Error(), "data.csv") || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q, want %q", err, c.want)
			}
		})
	}
}

// A UTF-8 byte-order mark is skipped: the first header name and the first
// number read as if it were not there, gzipped or not.
func TestByteOrderMark(t *testing.T) {
	bom := "\xef\xbb\xbf"
	tab, err := Read(strings.NewReader(bom+weather), "bom.csv", Options{Header: true, LabelName: "rain", LabelType: tensor.Int64})
	if err != nil || tab.Header[0] != "humidity" || tab.X.At(0, 0) != float64(float32(0.81)) {
		t.Fatalf("with a header: %v %q", err, tab)
	}
	tab, err = Read(strings.NewReader(bom+"1.5,2\n3,4\n"), "bom.csv", Options{})
	if err != nil || tab.X.At(0, 0) != 1.5 {
		t.Fatalf("without a header: %v", err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(bom + "1.5,2\n"))
	zw.Close()
	tab, err = Read(&gz, "bom.csv.gz", Options{})
	if err != nil || tab.X.At(0, 0) != 1.5 {
		t.Fatalf("gzipped: %v", err)
	}
}
