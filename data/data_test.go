package data

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"iter"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

func mustPanic(t *testing.T, want string, fn func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Fatalf("no panic, want %q", want)
		}
		if s, _ := r.(string); !strings.Contains(s, want) {
			t.Fatalf("panic %v, want %q", r, want)
		}
	}()
	fn()
}

// sampleDataset is (N, 2, 3) float32 inputs numbered 0, 1, 2, ... and int64
// labels 10·i.
func sampleDataset(n int) *TensorDataset {
	x := make([]float32, n*6)
	for i := range x {
		x[i] = float32(i)
	}
	y := make([]int64, n)
	for i := range y {
		y[i] = int64(10 * i)
	}
	return NewTensorDataset(tensor.FromFloat32(x, n, 2, 3), tensor.FromInt64(y, n))
}

// plain hides the Batcher of a dataset, forcing the per-example path.
type plain struct{ Dataset }

func TestTensorDataset(t *testing.T) {
	ds := sampleDataset(5)
	if ds.Len() != 5 {
		t.Fatal(ds.Len())
	}
	x, y := ds.Get(3)
	if !reflect.DeepEqual(x.Shape(), []int{2, 3}) || x.At(1, 2) != 23 || y.Dim() != 0 || y.Item() != 30 {
		t.Fatalf("Get(3) = %v, %v", x, y)
	}
	if !x.SharesStorage(ds.X()) {
		t.Error("Get should return a view")
	}
	mustPanic(t, "index 5 out of range", func() { ds.Get(5) })
	mustPanic(t, "index -1 out of range", func() { ds.Batch([]int{0, -1}) })
	mustPanic(t, "Size mismatch", func() { NewTensorDataset(tensor.Zeros(3, 2), tensor.Zeros(4)) })
	mustPanic(t, "at least one dimension", func() { NewTensorDataset(tensor.Scalar(1), nil) })

	// A non-contiguous input is copied; labels may be absent.
	tr := tensor.FromFloat32([]float32{1, 2, 3, 4, 5, 6}, 2, 3).Transpose(0, 1) // (3, 2)
	u := NewTensorDataset(tr, nil)
	bx, by := u.Batch([]int{2, 0})
	if by != nil || !reflect.DeepEqual(bx.Float32s(), []float32{3, 6, 1, 4}) {
		t.Fatalf("batch %v %v", bx, by)
	}
}

// The Batcher fast path and the per-example collate path give the same
// batches, for every element type.
func TestBatchEqualsCollate(t *testing.T) {
	idx := []int{4, 0, 2, 2}
	for _, ds := range []*TensorDataset{
		sampleDataset(5),
		NewTensorDataset(tensor.FromFloat64([]float64{1, 2, 3, 4, 5}, 5), tensor.FromFloat32([]float32{.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5}, 5, 2)),
		NewTensorDataset(tensor.FromBool([]bool{true, false, true, true, false}, 5, 1), nil),
	} {
		fx, fy := ds.Batch(idx)
		sx, sy := collateExamples(ds, idx, Collate)
		if !tensor.Equal(fx, sx) || fx.DType() != sx.DType() || !reflect.DeepEqual(fx.Shape(), sx.Shape()) {
			t.Fatalf("x: fast %v, collate %v", fx, sx)
		}
		if (fy == nil) != (sy == nil) || fy != nil && (!tensor.Equal(fy, sy) || !reflect.DeepEqual(fy.Shape(), sy.Shape())) {
			t.Fatalf("y: fast %v, collate %v", fy, sy)
		}
	}
	x, y := sampleDataset(5).Batch(idx)
	if !reflect.DeepEqual(x.Shape(), []int{4, 2, 3}) || y.DType() != tensor.Int64 || !reflect.DeepEqual(y.Int64s(), []int64{40, 0, 20, 20}) {
		t.Fatalf("batch %v %v", x.Shape(), y)
	}
}

func TestCollate(t *testing.T) {
	mustPanic(t, "some examples have a target", func() {
		Collate([]*tensor.Tensor{tensor.Zeros(2), tensor.Zeros(2)}, []*tensor.Tensor{tensor.Scalar(1), nil})
	})
	mustPanic(t, "empty batch", func() { Collate(nil, nil) })
}

func TestSubset(t *testing.T) {
	ds := sampleDataset(6)
	s := NewSubset(ds, []int{5, 1, 3})
	if s.Len() != 3 || s.Dataset() != Dataset(ds) {
		t.Fatal("subset")
	}
	_, y := s.Get(0)
	if y.Item() != 50 {
		t.Fatal(y)
	}
	// A subset of a subset of a dataset without Batcher.
	ss := NewSubset(NewSubset(plain{ds}, []int{5, 4, 3, 2}), []int{3, 0})
	x, y2 := ss.Batch([]int{0, 1})
	if !reflect.DeepEqual(y2.Int64s(), []int64{20, 50}) || x.At(1, 0, 0) != 30 {
		t.Fatalf("%v %v", x, y2)
	}
	xa, ya := Tensors(s)
	if !reflect.DeepEqual(ya.Int64s(), []int64{50, 10, 30}) || xa.Size(0) != 3 {
		t.Fatal(ya)
	}
	mustPanic(t, "index 6 out of range", func() { NewSubset(ds, []int{6}) })
}

func TestRandomSplitErrors(t *testing.T) {
	ds := sampleDataset(10)
	g := rng.NewGenerator()
	for _, c := range []struct {
		err  func() error
		want string
	}{
		{func() error { _, e := RandomSplit(ds, g, 3, 6); return e }, "add up to 9"},
		{func() error { _, e := RandomSplit(ds, g, 11, -1); return e }, "negative"},
		{func() error { _, e := RandomSplitFractions(ds, g, 0.5, 0.6); return e }, "not 1"},
		{func() error { _, e := RandomSplitFractions(ds, g, 1.5, -0.5); return e }, "not between 0 and 1"},
		{func() error { _, e := RandomSplitFractions(ds, g); return e }, "not 1"},
	} {
		if err := c.err(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want %q", err, c.want)
		}
	}
	// No draws on error.
	if g.Random() != rng.NewGenerator().Random() {
		t.Error("a failed split drew from the generator")
	}
	parts, err := RandomSplitFractions(sampleDataset(1797), g, 0.8, 0.2)
	if err != nil || parts[0].Len() != 1438 || parts[1].Len() != 359 {
		t.Fatalf("%v %v", parts, err)
	}
}

func TestLoaderBatches(t *testing.T) {
	ds := sampleDataset(10)
	for _, c := range []struct {
		opts  []LoaderOption
		sizes []int
	}{
		{nil, []int{4, 4, 2}},
		{[]LoaderOption{DropLast}, []int{4, 4}},
	} {
		l := NewLoader(ds, 4, c.opts...)
		var sizes []int
		next := 0
		for x, y := range l.Epoch() {
			sizes = append(sizes, x.Size(0))
			if x.Size(1) != 2 || x.Size(2) != 3 || y.DType() != tensor.Int64 || y.Dim() != 1 {
				t.Fatalf("batch shapes %v %v", x.Shape(), y.Shape())
			}
			for _, v := range y.Int64s() {
				if v != int64(10*next) {
					t.Fatalf("without Shuffle the order must be kept: got %d", v)
				}
				next++
			}
		}
		if !reflect.DeepEqual(sizes, c.sizes) || l.Len() != len(c.sizes) {
			t.Fatalf("sizes %v, Len %d, want %v", sizes, l.Len(), c.sizes)
		}
	}
	mustPanic(t, "batch size must be positive", func() { NewLoader(ds, 0) })
}

// Shuffled batches through the fast path, the per-example path and a custom
// collate function hold the same examples in the same order.
func TestLoaderPaths(t *testing.T) {
	ds := sampleDataset(23)
	run := func(d Dataset, opts ...LoaderOption) (xs, ys []*tensor.Tensor) {
		g := rng.NewGenerator()
		g.ManualSeed(77)
		for x, y := range NewLoader(d, 5, append(opts, Shuffle, WithGenerator(g))...).Epoch() {
			xs, ys = append(xs, x), append(ys, y)
		}
		return
	}
	fx, fy := run(ds)
	px, py := run(plain{ds})
	calls := 0
	cx, cy := run(ds, WithCollate(func(xs, ys []*tensor.Tensor) (*tensor.Tensor, *tensor.Tensor) {
		calls++
		return Collate(xs, ys)
	}))
	if calls != 5 || len(fx) != 5 {
		t.Fatalf("%d collate calls, %d batches", calls, len(fx))
	}
	for i := range fx {
		if !tensor.Equal(fx[i], px[i]) || !tensor.Equal(fy[i], py[i]) || !tensor.Equal(fx[i], cx[i]) || !tensor.Equal(fy[i], cy[i]) {
			t.Fatalf("batch %d differs between paths", i)
		}
	}
}

// Pulling batches one at a time with iter.Pull2 gives the same batches and
// draws as ranging.
func TestLoaderPull(t *testing.T) {
	g1, g2 := rng.NewGenerator(), rng.NewGenerator()
	ds := sampleDataset(7)
	a := NewLoader(ds, 3, Shuffle, WithGenerator(g1))
	b := NewLoader(ds, 3, Shuffle, WithGenerator(g2))
	for range 2 {
		var want []*tensor.Tensor
		for _, y := range a.Epoch() {
			want = append(want, y)
		}
		next, stop := iter.Pull2(b.Epoch())
		for i := 0; ; i++ {
			_, y, ok := next()
			if !ok {
				if i != len(want) {
					t.Fatalf("%d batches pulled, %d ranged", i, len(want))
				}
				break
			}
			if !tensor.Equal(y, want[i]) {
				t.Fatalf("batch %d: pulled %v, ranged %v", i, y, want[i])
			}
		}
		stop()
	}
	if g1.Random() != g2.Random() {
		t.Error("pulling and ranging left the generators in different states")
	}
}

func TestDigits(t *testing.T) {
	d := Digits()
	if !reflect.DeepEqual(d.X().Shape(), []int{1797, 64}) || !reflect.DeepEqual(d.Y().Shape(), []int{1797}) {
		t.Fatalf("shapes %v %v", d.X().Shape(), d.Y().Shape())
	}
	// First image and label as in the file (and sklearn's load_digits()).
	first := []float32{0, 0, 5, 13, 9, 1, 0, 0, 0, 0, 13, 15, 10, 15, 5, 0}
	if !reflect.DeepEqual(d.X().Float32s()[:16], first) || d.Y().Int64s()[0] != 0 {
		t.Fatalf("first row %v", d.X().Float32s()[:16])
	}
	counts := make([]int, 10)
	for _, c := range d.Y().Int64s() {
		counts[c]++
	}
	if want := []int{178, 182, 177, 183, 181, 182, 181, 179, 174, 180}; !reflect.DeepEqual(counts, want) {
		t.Errorf("class counts %v, want %v", counts, want)
	}
	for _, v := range d.X().Float32s() {
		if v < 0 || v > 16 || v != float32(int(v)) {
			t.Fatalf("pixel %v", v)
		}
	}
	// Each call gives independent tensors.
	d.X().Data32()[0] = 99
	if Digits().X().At(0, 0) != 0 {
		t.Error("Digits shares memory between calls")
	}
	s := DigitsScaled()
	if s.X().At(0, 3) != 13.0/16 || s.X().Max().Item() != 1 {
		t.Errorf("scaled %v", s.X().At(0, 3))
	}
}

func TestDigitsTrainTest(t *testing.T) {
	train, test := DigitsTrainTest()
	if train.Len() != 1438 || test.Len() != 359 {
		t.Fatal(train.Len(), test.Len())
	}
	// The split is random_split(..., [0.8, 0.2], generator=manual_seed(0)),
	// recorded from PyTorch in the golden file.
	var want [][]int
	for _, c := range loadGolden(t).RandomSplit {
		if c.N == 1797 {
			want = c.Splits
		}
	}
	all := DigitsScaled()
	for part, ds := range []*TensorDataset{train, test} {
		for k, i := range want[part] {
			if k%97 != 0 {
				continue
			}
			x, y := all.Get(i)
			if !tensor.Equal(x, ds.X().Index(k)) || y.Item() != ds.Y().Index(k).Item() {
				t.Fatalf("part %d example %d is not digit %d", part, k, i)
			}
		}
	}
	t2, _ := DigitsTrainTest()
	if !tensor.Equal(t2.X(), train.X()) {
		t.Error("not deterministic")
	}
}

func TestStandardizer(t *testing.T) {
	x := tensor.FromFloat32([]float32{1, 10, 5, 3, 20, 5, 5, 30, 5}, 3, 3)
	s := FitStandardizer(x)
	if !reflect.DeepEqual(s.Mean.Shape(), []int{1, 3}) {
		t.Fatal(s.Mean.Shape())
	}
	wantStd := math.Sqrt(8.0 / 3)
	if math.Abs(s.Mean.At(0, 0)-3) > 1e-6 || math.Abs(s.Std.At(0, 0)-wantStd) > 1e-6 || s.Std.At(0, 2) != 1 {
		t.Fatalf("mean %v std %v", s.Mean, s.Std)
	}
	z := s.Apply(x)
	zs := FitStandardizer(z)
	for j := range 2 {
		if math.Abs(zs.Mean.At(0, j)) > 1e-6 || math.Abs(zs.Std.At(0, j)-1) > 1e-6 {
			t.Fatalf("standardized mean %v std %v", zs.Mean, zs.Std)
		}
	}
	if z.At(0, 2) != 0 {
		t.Error("a constant feature must map to 0")
	}
	if !tensor.AllClose(s.Inverse(z), x, 1e-6, 1e-5) {
		t.Error("Inverse")
	}
	// Test data is transformed with the training statistics.
	test := tensor.FromFloat32([]float32{3, 20, 6}, 1, 3)
	if got := s.Apply(test); got.At(0, 0) != 0 || got.At(0, 1) != 0 || got.At(0, 2) != 1 {
		t.Errorf("test transform %v", got)
	}

	// Per-channel statistics of images, float64.
	img := make([]float64, 2*2*2*2)
	for i := range img {
		img[i] = float64(i / 4 % 2 * 100) // channel 0: 0, channel 1: 100
		img[i] += float64(i % 2)          // ±0.5 around the channel mean
	}
	c := FitStandardizer(tensor.FromFloat64(img, 2, 2, 2, 2), 0, 2, -1)
	if !reflect.DeepEqual(c.Mean.Shape(), []int{1, 2, 1, 1}) || c.Mean.DType() != tensor.Float64 ||
		c.Mean.At(0, 0, 0, 0) != 0.5 || c.Mean.At(0, 1, 0, 0) != 100.5 || c.Std.At(0, 1, 0, 0) != 0.5 {
		t.Fatalf("per channel: mean %v std %v", c.Mean, c.Std)
	}
	all := FitStandardizer(tensor.FromFloat64(img, 2, 2, 2, 2), 0, 1, 2, 3)
	if all.Mean.Numel() != 1 || all.Mean.Item() != 50.5 {
		t.Fatalf("global mean %v", all.Mean)
	}
	// A non-contiguous input.
	tr := FitStandardizer(x.Transpose(0, 1))
	if math.Abs(tr.Mean.At(0, 1)-28.0/3) > 1e-5 {
		t.Fatalf("transposed mean %v", tr.Mean)
	}
	mustPanic(t, "int64 data", func() { FitStandardizer(tensor.FromInt64([]int64{1}, 1)) })
	mustPanic(t, "out of range", func() { FitStandardizer(x, 2) })
}

func TestMinMax(t *testing.T) {
	x := tensor.FromFloat32([]float32{-1, 7, 3, 7, 1, 7}, 3, 2)
	m := FitMinMax(x)
	got := m.Apply(x).Float32s()
	if want := []float32{0, 0, 1, 0, 0.5, 0}; !reflect.DeepEqual(got, want) {
		t.Fatalf("min-max %v, want %v", got, want)
	}
	if !tensor.AllClose(m.Inverse(m.Apply(x)), x, 0, 1e-6) {
		t.Error("Inverse")
	}
	mustPanic(t, "NaN", func() { FitMinMax(tensor.FromFloat32([]float32{1, float32(math.NaN())}, 2)) })
}

func TestTransformX(t *testing.T) {
	train, test := DigitsTrainTest()
	xtr, _ := Tensors(train)
	s := FitStandardizer(xtr)
	st := TransformX(test, s.Apply)
	if st.Len() != test.Len() || !st.Y().SharesStorage(test.Y()) {
		t.Fatal("TransformX")
	}
}

// writeIDX writes a small uint8 IDX file, gzip-compressed if the name ends
// in .gz.
func writeIDX(t *testing.T, path string, dims []uint32, payload []byte) {
	t.Helper()
	var b bytes.Buffer
	b.Write([]byte{0, 0, 8, byte(len(dims))})
	for _, d := range dims {
		binary.Write(&b, binary.BigEndian, d)
	}
	b.Write(payload)
	data := b.Bytes()
	if strings.HasSuffix(path, ".gz") {
		var z bytes.Buffer
		w := gzip.NewWriter(&z)
		w.Write(data)
		w.Close()
		data = z.Bytes()
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestMNISTLikeSmall(t *testing.T) {
	dir := t.TempDir()
	img := make([]byte, 3*2*2)
	for i := range img {
		img[i] = byte(i * 20)
	}
	writeIDX(t, filepath.Join(dir, "train-images-idx3-ubyte.gz"), []uint32{3, 2, 2}, img)
	writeIDX(t, filepath.Join(dir, "train-labels-idx1-ubyte"), []uint32{3}, []byte{7, 0, 9})
	writeIDX(t, filepath.Join(dir, "t10k-images.idx3-ubyte"), []uint32{1, 2, 2}, []byte{255, 0, 0, 51})
	writeIDX(t, filepath.Join(dir, "t10k-labels.idx1-ubyte"), []uint32{1}, []byte{4})
	train, test, err := MNISTLike(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(train.X().Shape(), []int{3, 1, 2, 2}) || !reflect.DeepEqual(train.Y().Int64s(), []int64{7, 0, 9}) {
		t.Fatalf("train %v %v", train.X().Shape(), train.Y())
	}
	if train.X().At(1, 0, 1, 1) != float64(float32(140)/255) || test.X().At(0, 0, 0, 0) != 1 || test.Y().Int64s()[0] != 4 {
		t.Fatalf("values %v %v", train.X().At(1, 0, 1, 1), test.X())
	}

	// Errors name the file.
	writeIDX(t, filepath.Join(dir, "t10k-labels.idx1-ubyte"), []uint32{2}, []byte{4, 5})
	if _, _, err := MNISTLike(dir); err == nil || !strings.Contains(err.Error(), "has 1 images but") || !strings.Contains(err.Error(), "t10k-labels.idx1-ubyte has 2 labels") {
		t.Fatalf("error %v", err)
	}
	os.WriteFile(filepath.Join(dir, "t10k-labels.idx1-ubyte"), []byte{0, 0, 8, 1, 0, 0, 0, 9, 1}, 0o644)
	if _, _, err := MNISTLike(dir); err == nil || !strings.Contains(err.Error(), "t10k-labels.idx1-ubyte: truncated") {
		t.Fatalf("error %v", err)
	}
	writeIDX(t, filepath.Join(dir, "t10k-labels.idx1-ubyte"), []uint32{1, 1}, []byte{4})
	if _, _, err := MNISTLike(dir); err == nil || !strings.Contains(err.Error(), "want uint8 labels") {
		t.Fatalf("error %v", err)
	}
	os.Remove(filepath.Join(dir, "t10k-labels.idx1-ubyte"))
	if _, _, err := MNISTLike(dir); err == nil || !strings.Contains(err.Error(), "no t10k-labels-idx1-ubyte") {
		t.Fatalf("error %v", err)
	}
}

const fashionDir = "/usr/share/datasets/fashion-mnist"

func TestFashionMNIST(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	if _, err := os.Stat(filepath.Join(fashionDir, "train-images-idx3-ubyte.gz")); err != nil {
		t.Skipf("Fashion-MNIST not installed (Debian package dataset-fashion-mnist): %v", err)
	}
	train, test, err := MNISTLike(fashionDir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(train.X().Shape(), []int{60000, 1, 28, 28}) || !reflect.DeepEqual(test.X().Shape(), []int{10000, 1, 28, 28}) {
		t.Fatalf("shapes %v %v", train.X().Shape(), test.X().Shape())
	}
	counts := make([]int, 10)
	for _, c := range train.Y().Int64s() {
		counts[c]++
	}
	for c, n := range counts {
		if n != 6000 {
			t.Errorf("class %d: %d training examples, want 6000", c, n)
		}
	}
	if mx := train.X().Max().Item(); mx != 1 {
		t.Errorf("max pixel %v, want 1", mx)
	}
}
