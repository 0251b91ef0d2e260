package experiments

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzDataSource feeds arbitrary IDX image and label files to the checks
// behind --data idx:DIR: a set is refused with an error or loads with
// every label a class and as many labels as images; nothing panics.
func FuzzDataSource(f *testing.F) {
	idx := func(magic byte, dims []int, body []byte) []byte {
		b := []byte{0, 0, 8, magic}
		for _, d := range dims {
			b = append(b, byte(d>>24), byte(d>>16), byte(d>>8), byte(d))
		}
		return append(b, body...)
	}
	f.Add(idx(3, []int{2, 2, 2}, make([]byte, 8)), idx(1, []int{2}, []byte{1, 9}))
	f.Add(idx(3, []int{0, 2, 2}, nil), idx(1, []int{0}, nil))
	f.Add(idx(3, []int{1, 1, 1}, []byte{255}), idx(1, []int{1}, []byte{200}))
	f.Add(idx(3, []int{2, 1, 1}, []byte{1, 2}), idx(1, []int{3}, []byte{1, 2, 3}))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, images, labels []byte) {
		if len(images) > 1<<16 || len(labels) > 1<<16 {
			return
		}
		for _, part := range []string{"train", "t10k"} {
			os.WriteFile(filepath.Join(dir, part+"-images-idx3-ubyte"), images, 0o644)
			os.WriteFile(filepath.Join(dir, part+"-labels-idx1-ubyte"), labels, 0o644)
		}
		s := readDataSource("idx:"+dir, 0)
		if s.err != nil {
			return
		}
		for _, set := range []*classSet{s} {
			x, y := set.train.X(), set.train.Y()
			if x.Size(0) == 0 || x.Size(0) != y.Size(0) {
				t.Fatalf("loaded %v images and %v labels", x.Shape(), y.Shape())
			}
			for _, l := range y.Int64s() {
				if l < 0 || l >= numClasses {
					t.Fatalf("label %d loaded", l)
				}
			}
		}
	})
}
