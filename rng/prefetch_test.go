package rng

import (
	"runtime"
	"slices"
	"testing"
)

// TestPrefetchBernoulliBits checks that prefetching changes no draw: the
// announced calls, calls that differ from the announcement, other draws in
// between and a second announcement all give the bits and the next draws of
// a generator that never prefetched.
func TestPrefetchBernoulliBits(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	type call struct {
		n      int
		p      float64
		random bool // a Random() call instead of BernoulliBits
	}
	draws := []BitsDraw{{1000, 0.9}, {70, 0.5}, {5000, 0.9}}
	cases := map[string]struct {
		prefetch [][]BitsDraw // announced before calls[i] (nil: none)
		calls    []call
	}{
		"as announced":   {[][]BitsDraw{draws}, []call{{1000, 0.9, false}, {70, 0.5, false}, {5000, 0.9, false}, {10, 0.9, false}}},
		"other n":        {[][]BitsDraw{draws}, []call{{1000, 0.9, false}, {71, 0.5, false}, {5000, 0.9, false}}},
		"other p":        {[][]BitsDraw{draws}, []call{{1000, 0.8, false}, {70, 0.5, false}}},
		"random between": {[][]BitsDraw{draws, nil}, []call{{1000, 0.9, false}, {0, 0, true}, {70, 0.5, false}, {5000, 0.9, false}}},
		"random first":   {[][]BitsDraw{draws}, []call{{0, 0, true}, {1000, 0.9, false}, {70, 0.5, false}}},
		"announced again": {[][]BitsDraw{draws, nil, draws[1:], {{5000, 0.9}}},
			[]call{{1000, 0.9, false}, {0, 0, true}, {70, 0.5, false}, {5000, 0.9, false}}},
		"kept": {[][]BitsDraw{draws, draws[1:]}, []call{{1000, 0.9, false}, {70, 0.5, false}, {5000, 0.9, false}}},
	}
	for name, c := range cases {
		for _, skip := range []int{0, 1, 623} {
			ref, g := NewGenerator(), NewGenerator()
			for _, x := range []*Generator{ref, g} {
				x.ManualSeed(11)
				for range skip {
					x.Random()
				}
			}
			for i, cl := range c.calls {
				if i < len(c.prefetch) && c.prefetch[i] != nil {
					g.PrefetchBernoulliBits(c.prefetch[i]...)
				}
				if cl.random {
					if a, b := g.Random(), ref.Random(); a != b {
						t.Fatalf("%s, skip %d: call %d: Random %d, want %d", name, skip, i, a, b)
					}
					continue
				}
				got, want := make([]uint64, (cl.n+63)/64), make([]uint64, (cl.n+63)/64)
				g.BernoulliBits(got, cl.n, cl.p)
				ref.BernoulliBits(want, cl.n, cl.p)
				if !slices.Equal(got, want) {
					t.Fatalf("%s, skip %d: call %d: bits differ", name, skip, i)
				}
			}
			if a, b := g.Random(), ref.Random(); a != b {
				t.Fatalf("%s, skip %d: next draw %d, want %d", name, skip, a, b)
			}
			c2 := g.Clone()
			if a, b := c2.Random(), ref.Clone().Random(); a != b {
				t.Fatalf("%s, skip %d: clone's draw %d, want %d", name, skip, a, b)
			}
		}
	}
}

// TestPrefetchDefaultGenerator prefetches on the default generator, whose
// calls are serialized by its mutex, and reseeds in between.
func TestPrefetchDefaultGenerator(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	g := Default()
	ref := NewGenerator()
	ManualSeed(5)
	ref.ManualSeed(5)
	g.PrefetchBernoulliBits(BitsDraw{300, 0.9}, BitsDraw{300, 0.9})
	ManualSeed(5)
	for range 2 {
		got, want := make([]uint64, 5), make([]uint64, 5)
		g.BernoulliBits(got, 300, 0.9)
		ref.BernoulliBits(want, 300, 0.9)
		if !slices.Equal(got, want) {
			t.Fatal("bits differ after reseeding")
		}
	}
}

// TestPrefetchTaken checks that matching calls take the prefetched draws
// (and a mismatched one drops them).
func TestPrefetchTaken(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	g := NewGenerator()
	g.PrefetchBernoulliBits(BitsDraw{100, 0.9}, BitsDraw{200, 0.9}, BitsDraw{300, 0.9})
	dst := make([]uint64, 5)
	g.BernoulliBits(dst, 100, 0.9)
	if g.prefetch == nil || g.prefetch.next != 1 {
		t.Fatal("the first announced draw was not taken from the prefetch")
	}
	g.BernoulliBits(dst, 200, 0.9)
	if g.prefetch == nil || g.prefetch.next != 2 {
		t.Fatal("the second announced draw was not taken from the prefetch")
	}
	g.BernoulliBits(dst, 299, 0.9)
	if g.prefetch != nil {
		t.Fatal("a mismatched draw kept the prefetch")
	}
}
