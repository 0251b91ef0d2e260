package data

import (
	"encoding/json"
	"os"
	"reflect"
	"testing"

	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

// The golden orders come from real PyTorch 1.13: testdata/gen_loader.py.
type goldenFile struct {
	Torch  string `json:"torch"`
	Loader []struct {
		Name       string    `json:"name"`
		N          int       `json:"n"`
		Batch      int       `json:"batch"`
		Shuffle    bool      `json:"shuffle"`
		DropLast   bool      `json:"drop_last"`
		Seed       uint64    `json:"seed"`
		Explicit   bool      `json:"explicit_generator"`
		BreakAfter *int      `json:"break_after"`
		Epochs     [][][]int `json:"epochs"`
		Probe      []uint64  `json:"probe"`
		ProbeGlob  []uint64  `json:"probe_global"`
	} `json:"loader"`
	RandomSplit []struct {
		Name     string    `json:"name"`
		N        int       `json:"n"`
		Lengths  []float64 `json:"lengths"`
		Seed     uint64    `json:"seed"`
		Explicit bool      `json:"explicit_generator"`
		Splits   [][]int   `json:"splits"`
		Probe    []uint64  `json:"probe"`
	} `json:"random_split"`
}

func loadGolden(t *testing.T) *goldenFile {
	t.Helper()
	b, err := os.ReadFile("testdata/loader_orders.json")
	if err != nil {
		t.Fatal(err)
	}
	var g goldenFile
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	return &g
}

// arangeDataset is TensorDataset(arange(n)) with int64 values, so every
// batch holds the indices of its examples.
func arangeDataset(n int) *TensorDataset {
	v := make([]int64, n)
	for i := range v {
		v[i] = int64(i)
	}
	return NewTensorDataset(tensor.FromInt64(v, n), nil)
}

func probe(g *rng.Generator) []uint64 {
	return []uint64{g.DataLoaderSeed(), g.DataLoaderSeed()}
}

func TestLoaderOrderMatchesPyTorch(t *testing.T) {
	gold := loadGolden(t)
	if len(gold.Loader) < 10 {
		t.Fatalf("only %d loader cases", len(gold.Loader))
	}
	for _, c := range gold.Loader {
		t.Run(c.Name, func(t *testing.T) {
			var opts []LoaderOption
			if c.Shuffle {
				opts = append(opts, Shuffle)
			}
			if c.DropLast {
				opts = append(opts, DropLast)
			}
			var g *rng.Generator
			if c.Explicit {
				rng.ManualSeed(999) // must not matter
				g = rng.NewGenerator()
				g.ManualSeed(c.Seed)
				opts = append(opts, WithGenerator(g))
			} else {
				rng.ManualSeed(c.Seed)
			}
			ld := NewLoader(arangeDataset(c.N), c.Batch, opts...)
			for e, want := range c.Epochs {
				var got [][]int
				for x, y := range ld.Epoch() {
					if y != nil {
						t.Fatal("unexpected targets")
					}
					b := make([]int, x.Numel())
					for i, v := range x.DataInt64() {
						b[i] = int(v)
					}
					got = append(got, b)
					if c.BreakAfter != nil && e == 0 && len(got) == *c.BreakAfter {
						break
					}
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("epoch %d:\n got %v\nwant %v", e, got, want)
				}
				if c.BreakAfter == nil && len(got) != ld.Len() {
					t.Errorf("epoch %d has %d batches, Len() = %d", e, len(got), ld.Len())
				}
			}
			if c.Explicit {
				if p := probe(g); !reflect.DeepEqual(p, c.Probe) {
					t.Errorf("generator state after the epochs: probe %v, want %v", p, c.Probe)
				}
				if p := probe(rng.Default()); !reflect.DeepEqual(p, c.ProbeGlob) {
					t.Errorf("default generator touched: probe %v, want %v", p, c.ProbeGlob)
				}
			} else if p := probe(rng.Default()); !reflect.DeepEqual(p, c.Probe) {
				t.Errorf("default generator state after the epochs: probe %v, want %v", p, c.Probe)
			}
		})
	}
}

// EpochIndices makes the same draws as Epoch.
func TestEpochIndicesMatchesEpoch(t *testing.T) {
	g1, g2 := rng.NewGenerator(), rng.NewGenerator()
	g1.ManualSeed(5)
	g2.ManualSeed(5)
	ds := arangeDataset(23)
	a := NewLoader(ds, 4, Shuffle, WithGenerator(g1))
	b := NewLoader(ds, 4, Shuffle, WithGenerator(g2))
	for range 3 {
		var ia, ib []int
		for idx := range a.EpochIndices() {
			ia = append(ia, idx...)
		}
		for x := range b.Epoch() {
			for _, v := range x.DataInt64() {
				ib = append(ib, int(v))
			}
		}
		if !reflect.DeepEqual(ia, ib) {
			t.Fatalf("EpochIndices %v, Epoch %v", ia, ib)
		}
	}
}

func TestRandomSplitMatchesPyTorch(t *testing.T) {
	gold := loadGolden(t)
	for _, c := range gold.RandomSplit {
		t.Run(c.Name, func(t *testing.T) {
			ds := arangeDataset(c.N)
			fractions := false
			for _, l := range c.Lengths {
				if l != float64(int(l)) {
					fractions = true
				}
			}
			var g *rng.Generator
			if c.Explicit {
				rng.ManualSeed(999)
				g = rng.NewGenerator()
				g.ManualSeed(c.Seed)
			} else {
				rng.ManualSeed(c.Seed)
			}
			var parts []*Subset
			var err error
			if fractions {
				parts, err = RandomSplitFractions(ds, g, c.Lengths...)
			} else {
				ls := make([]int, len(c.Lengths))
				for i, l := range c.Lengths {
					ls[i] = int(l)
				}
				parts, err = RandomSplit(ds, g, ls...)
			}
			if err != nil {
				t.Fatal(err)
			}
			var got [][]int
			for _, p := range parts {
				got = append(got, p.Indices())
				// The subset's examples are the parent's at those indices.
				for i, want := range p.Indices() {
					x, _ := p.Get(i)
					if int(x.Item()) != want {
						t.Fatalf("subset example %d is %v, want %d", i, x.Item(), want)
					}
				}
			}
			if !reflect.DeepEqual(got, c.Splits) {
				t.Fatalf("got %v\nwant %v", got, c.Splits)
			}
			if g == nil {
				g = rng.Default()
			}
			if p := probe(g); !reflect.DeepEqual(p, c.Probe) {
				t.Errorf("generator state: probe %v, want %v", p, c.Probe)
			}
		})
	}
}
