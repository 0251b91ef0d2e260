package rng

import (
	"bytes"
	"encoding"
	"math"
	"slices"
	"sync"
	"testing"
)

var (
	_ encoding.BinaryMarshaler   = (*Generator)(nil)
	_ encoding.BinaryUnmarshaler = (*Generator)(nil)
)

// Reference outputs of the standard MT19937 (C++ std::mt19937, seed 5489):
// first output 3499211612, 10000th output 4123659995.
func TestMT19937Reference(t *testing.T) {
	g := seeded(5489)
	if v := g.Random(); v != 3499211612 {
		t.Fatalf("first output %d, want 3499211612", v)
	}
	for i := 0; i < 9998; i++ {
		g.Random()
	}
	if v := g.Random(); v != 4123659995 {
		t.Fatalf("10000th output %d, want 4123659995", v)
	}
}

func TestRandom64HighWordFirst(t *testing.T) {
	a, b := seeded(0), seeded(0)
	hi, lo := a.Random(), a.Random()
	if v := b.Random64(); v != uint64(hi)<<32|uint64(lo) {
		t.Fatalf("Random64 = %#x, want %#x", v, uint64(hi)<<32|uint64(lo))
	}
	if v := seeded(0).Random64(); v != 0x8c7f0aac97c4aa2f {
		t.Fatalf("seed 0 Random64 = %#x, want 0x8c7f0aac97c4aa2f", v)
	}
}

func stream(g *Generator, n int) []uint32 {
	out := make([]uint32, n)
	for i := range out {
		out[i] = g.Random()
	}
	return out
}

func TestSeeding(t *testing.T) {
	// Only the low 32 bits seed the twister; the full seed is remembered.
	a, b := seeded(1<<32+5), seeded(5)
	if !slices.Equal(stream(a, 1500), stream(b, 1500)) {
		t.Error("manual_seed(2^32+5) differs from manual_seed(5)")
	}
	if s := a.InitialSeed(); s != 1<<32+5 {
		t.Errorf("InitialSeed = %d, want %d", s, uint64(1<<32+5))
	}
	// Negative Python seeds are taken modulo 2^64.
	neg := int64(-1)
	c, d := seeded(uint64(neg)), seeded(0xFFFFFFFF)
	if !slices.Equal(stream(c, 700), stream(d, 700)) {
		t.Error("manual_seed(-1) differs from manual_seed(0xFFFFFFFF)")
	}
	if s := c.InitialSeed(); s != math.MaxUint64 {
		t.Errorf("InitialSeed after seed -1 = %d", s)
	}
	// A fresh generator and the zero value start from DefaultSeed.
	var z Generator
	if s := z.InitialSeed(); s != DefaultSeed {
		t.Errorf("zero Generator InitialSeed = %d", s)
	}
	var z2 Generator
	if !slices.Equal(stream(NewGenerator(), 1000), stream(&z2, 1000)) {
		t.Error("zero Generator differs from NewGenerator()")
	}
	if !slices.Equal(stream(NewGenerator(), 1000), stream(seeded(DefaultSeed), 1000)) {
		t.Error("NewGenerator differs from seed 67280421310721")
	}
	if NewGenerator().InitialSeed() != 67280421310721 {
		t.Error("NewGenerator InitialSeed")
	}
}

func TestDefaultGenerator(t *testing.T) {
	ManualSeed(0)
	got := make([]float32, 5)
	Default().Uniform32(got, 0, 1)
	want := make([]float32, 5)
	seeded(0).Uniform32(want, 0, 1)
	if !slices.Equal(got, want) {
		t.Errorf("Default after ManualSeed(0): %v, want %v", got, want)
	}
	if Default().InitialSeed() != 0 {
		t.Errorf("Default InitialSeed = %d", Default().InitialSeed())
	}
	// A clone of the default generator is independent and unguarded.
	c := Default().Clone()
	if c.mu != nil {
		t.Error("clone of the default generator shares its mutex")
	}
	if c.Random() != Default().Random() {
		t.Error("clone does not continue the default stream")
	}
}

// TestDefaultConcurrent exercises the default generator from several
// goroutines (run with -race to check the locking): the total number of
// draws is what sequential calls would make.
func TestDefaultConcurrent(t *testing.T) {
	ManualSeed(7)
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			buf32 := make([]float32, 17)
			buf64 := make([]float64, 5)
			for i := 0; i < 200; i++ {
				switch (i + w) % 6 {
				case 0:
					Default().Uniform32(buf32, -1, 1)
				case 1:
					Default().Normal32(buf32, 0, 1)
				case 2:
					Default().NormalScalar64(buf64, 0, 1)
				case 3:
					Default().Randperm(5)
				case 4:
					Default().Random64()
				case 5:
					if _, err := Default().MarshalBinary(); err != nil {
						t.Error(err)
					}
				}
			}
		}(w)
	}
	wg.Wait()
	ManualSeed(0)
}

func TestNormalCache(t *testing.T) {
	for _, dt := range []string{"float32", "float64"} {
		t.Run(dt, func(t *testing.T) {
			// randn(1) twice equals randn(2).
			a := seeded(3)
			x1, x2 := normalN(a, dt, 1), normalN(a, dt, 1)
			y := normalN(seeded(3), dt, 2)
			if !slices.Equal(append(x1, x2...), y) {
				t.Errorf("randn(1), randn(1) = %v %v; randn(2) = %v", x1, x2, y)
			}
			// The cache survives rand, randperm, randint, bernoulli and the fill paths.
			b, c := seeded(11), seeded(11)
			normalN(b, dt, 3) // 2 pairs: one value cached
			normalN(c, dt, 3)
			b.Uniform32(make([]float32, 4), 0, 1)
			b.Uniform64(make([]float64, 2), 0, 1)
			b.Randperm(9)
			b.RandInt(0, 10)
			b.Bernoulli32(make([]float32, 3), 0.5)
			b.Normal32(make([]float32, 20), 0, 1)
			b.Normal64(make([]float64, 33), 0, 1)
			got := normalN(b, dt, 1)[0]
			want := normalN(c, dt, 1)[0] // the cached value, no draw
			if got != want {
				t.Errorf("cached value after other draws = %v, want %v", got, want)
			}
			// ManualSeed clears the cache.
			d := seeded(0)
			normalN(d, dt, 1)
			d.ManualSeed(5)
			if got, want := normalN(d, dt, 2), normalN(seeded(5), dt, 2); !slices.Equal(got, want) {
				t.Errorf("after ManualSeed(5): %v, want %v", got, want)
			}
		})
	}
	// The cache is shared by the float32 and float64 scalar paths (one
	// double cache), as in PyTorch 1.13.
	a, b := seeded(1), seeded(1)
	var f32 [1]float32
	var f64 [1]float64
	a.NormalScalar32(f32[:], 0, 1)
	a.NormalScalar64(f64[:], 0, 1)
	var w [2]float64
	b.NormalScalar64(w[:], 0, 1)
	if f32[0] != float32(w[0]) || f64[0] != w[1] {
		t.Errorf("mixed-dtype cache: %v %v, want %v", f32[0], f64[0], w)
	}
}

// normalN calls the contiguous normal fill (path A below 16 elements) and
// returns the values as float64.
func normalN(g *Generator, dt string, n int) []float64 {
	out := make([]float64, n)
	if dt == "float32" {
		v := make([]float32, n)
		g.Normal32(v, 0, 1)
		for i := range v {
			out[i] = float64(v[i])
		}
		return out
	}
	g.Normal64(out, 0, 1)
	return out
}

// TestNormalPaths checks the documented structure of paths (A), (B), (C):
// draw counts and path selection.
func TestNormalPaths(t *testing.T) {
	for _, n := range []int{0, 1, 2, 15, 16, 17, 31, 32, 33, 100} {
		for _, dt := range []string{"float32", "float64"} {
			g := seeded(9)
			normalN(g, dt, n)
			var draws int // 32-bit outputs consumed
			switch {
			case n < 16:
				draws = 4 * ((n + 1) / 2) // two random64 per Box–Muller pair
			default:
				per := 1
				if dt == "float64" {
					per = 2
				}
				draws = n * per
				if n%16 != 0 {
					draws += 16 * per
				}
			}
			ref := seeded(9)
			for i := 0; i < draws; i++ {
				ref.Random()
			}
			if g.Random() != ref.Random() {
				t.Errorf("%s n=%d: draw count differs from %d", dt, n, draws)
			}
		}
	}
	// NormalScalar32 on 16+ elements stays on path (A): equals n calls of size 1.
	a, b := seeded(2), seeded(2)
	x := make([]float32, 20)
	a.NormalScalar32(x, 0.5, 2)
	for i := range x {
		var one [1]float32
		b.Normal32(one[:], 0.5, 2)
		if one[0] != x[i] {
			t.Fatalf("NormalScalar32[%d] = %v, want %v", i, x[i], one[0])
		}
	}
}

// TestDataLoaderOrder mirrors DataLoader(range(25), batch_size=25,
// shuffle=True) for two epochs after torch.manual_seed(0): each iter()
// draws the worker base seed, then RandomSampler draws a seed for a fresh
// generator and takes randperm(25) from it. The expected orders were
// computed with the independent Python MT19937 of check_rng_spec.py (the
// golden file has no DataLoader case); this is a consistency test.
func TestDataLoaderOrder(t *testing.T) {
	want := [][]int64{
		{1, 4, 19, 3, 2, 6, 7, 14, 11, 21, 16, 13, 17, 20, 15, 18, 0, 10, 8, 12, 23, 22, 9, 24, 5},
		{22, 7, 6, 12, 23, 19, 9, 10, 15, 11, 16, 13, 4, 18, 3, 1, 21, 17, 0, 24, 2, 8, 14, 20, 5},
	}
	wantSeeds := [][2]uint64{{900450186894289455, 3969543146641149120}, {1895649597198586619, 827948490035658087}}
	g := seeded(0)
	for epoch := range want {
		base := g.DataLoaderSeed()
		s := g.DataLoaderSeed()
		if base != wantSeeds[epoch][0] || s != wantSeeds[epoch][1] {
			t.Errorf("epoch %d seeds %d %d, want %v", epoch, base, s, wantSeeds[epoch])
		}
		if got := seeded(s).Randperm(25); !slices.Equal(got, want[epoch]) {
			t.Errorf("epoch %d order %v, want %v", epoch, got, want[epoch])
		}
	}
}

func TestRandInt(t *testing.T) {
	// torch.randint(0, 10, (50,)) after manual_seed(0) = random() % 10.
	a, b := seeded(0), seeded(0)
	for i := 0; i < 50; i++ {
		if got, want := a.RandInt(0, 10), int64(b.Random()%10); got != want {
			t.Fatalf("RandInt #%d = %d, want %d", i, got, want)
		}
	}
	first := []int64{4, 9, 3, 0, 3, 9, 7, 3, 7, 3} // independent Python MT19937
	c := seeded(0)
	for i, w := range first {
		if v := c.RandInt(0, 10); v != w {
			t.Errorf("RandInt #%d = %d, want %d", i, v, w)
		}
	}
	// Ranges of 2^32 and more draw random64.
	d, e := seeded(3), seeded(3)
	if got, want := d.RandInt(-5, 1<<40), int64(e.Random64()%(1<<40+5))-5; got != want {
		t.Errorf("RandInt(-5, 2^40) = %d, want %d", got, want)
	}
	// The full int64 range (2^64 - 1 values) does not overflow.
	f, h := seeded(3), seeded(3)
	if got, want := f.RandInt(math.MinInt64, math.MaxInt64), int64(h.Random64()%math.MaxUint64+1<<63); got != want {
		t.Errorf("RandInt(MinInt64, MaxInt64) = %d, want %d", got, want)
	}
	if v := seeded(1).RandInt(7, 8); v != 7 {
		t.Errorf("RandInt(7, 8) = %d", v)
	}
	mustPanic(t, "RandInt(3, 3)", func() { NewGenerator().RandInt(3, 3) })
}

func TestRandpermEdge(t *testing.T) {
	g := seeded(0)
	if p := g.Randperm(0); len(p) != 0 {
		t.Errorf("Randperm(0) = %v", p)
	}
	if p := g.Randperm(1); !slices.Equal(p, []int64{0}) {
		t.Errorf("Randperm(1) = %v", p)
	}
	// Randperm(0) and Randperm(1) draw nothing.
	if g.Random() != seeded(0).Random() {
		t.Error("Randperm(0/1) consumed draws")
	}
	p := seeded(4).Randperm(1000)
	s := slices.Clone(p)
	slices.Sort(s)
	for i, v := range s {
		if v != int64(i) {
			t.Fatalf("Randperm(1000) is not a permutation")
		}
	}
	mustPanic(t, "Randperm(-1)", func() { NewGenerator().Randperm(-1) })
}

func TestUniformRanges(t *testing.T) {
	// Uniform32 is fma(u, w, from) with from, w in float32 — compare with
	// the exact formula through FMA in float64 where it is exact.
	a, b := seeded(0), seeded(0)
	x := make([]float32, 1000)
	a.Uniform32(x, -0.3, 0.7)
	from, to := float32(-0.3), float32(0.7)
	w := to - from
	for i := range x {
		u := float32(b.Random()&(1<<24-1)) / (1 << 24)
		want := float32(math.FMA(float64(u), float64(w), float64(from))) // exact product: one rounding
		if x[i] != want {
			t.Fatalf("Uniform32[%d] = %v, want %v", i, x[i], want)
		}
		if x[i] < from || x[i] > to {
			t.Fatalf("Uniform32[%d] = %v outside range", i, x[i])
		}
	}
	y := make([]float64, 1000)
	seeded(1).Uniform64(y, 2, 2) // empty range: all values equal from
	for _, v := range y {
		if v != 2 {
			t.Fatalf("Uniform64(2, 2) = %v", v)
		}
	}
	mustPanic(t, "Uniform32(1, 0)", func() { NewGenerator().Uniform32(x, 1, 0) })
	mustPanic(t, "Uniform64(NaN)", func() { NewGenerator().Uniform64(y, math.NaN(), 0) })
	mustPanic(t, "Normal32 std<0", func() { NewGenerator().Normal32(x, 0, -1) })
	mustPanic(t, "Normal64 std<0", func() { NewGenerator().Normal64(y[:3], 0, -1) })
	mustPanic(t, "Bernoulli32 p>1", func() { NewGenerator().Bernoulli32(x, 1.5) })
}

func mustPanic(t *testing.T, name string, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Errorf("%s did not panic", name)
		}
	}()
	f()
}

// TestFloat32Constants checks the C float constants of path (B) against
// their bit patterns (decimal literal → double → float, as C rounds them).
func TestFloat32Constants(t *testing.T) {
	cases := []struct {
		name string
		v    float32
		bits uint32
	}{
		{"sqrtHalf", sqrtHalf32, 0x3f3504f3}, {"q1", logQ1, 0xb95e8083}, {"q2", logQ2, 0x3f318000},
		{"fopi", fourOverPi32, 0x3fa2f983}, {"dp1", minusDP1, 0xbf490000}, {"dp2", minusDP2, 0xb97da000},
		{"dp3", minusDP3, 0xb3222169}, {"c0", cosC0, 0x37ccf5ce}, {"c1", cosC1, 0xbab6061a},
		{"c2", cosC2, 0x3d2aaaa5}, {"s0", sinS0, 0xb94ca1f9}, {"s1", sinS1, 0x3c08839e},
		{"s2", sinS2, 0xbe2aaaa3}, {"twoPi32", twoPi32, 0x40c90fdb},
		{"p0", logP[0], 0x3d9021bb}, {"p1", logP[1], 0xbdebd1b8}, {"p2", logP[2], 0x3def251a},
		{"p3", logP[3], 0xbdfe5d4f}, {"p4", logP[4], 0x3e11e9bf}, {"p5", logP[5], 0xbe2aae50},
		{"p6", logP[6], 0x3e4cceac}, {"p7", logP[7], 0xbe7ffffc}, {"p8", logP[8], 0x3eaaaaaa},
	}
	for _, c := range cases {
		if b := math.Float32bits(c.v); b != c.bits {
			t.Errorf("%s = %08x, want %08x", c.name, b, c.bits)
		}
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	g := seeded(123)
	g.Randperm(700) // cross a twist boundary
	var one [1]float64
	g.NormalScalar64(one[:], 0, 1) // leaves a cached value
	data, err := g.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if len(data) != stateLen {
		t.Fatalf("state length %d", len(data))
	}
	h := NewGenerator()
	if err := h.UnmarshalBinary(data); err != nil {
		t.Fatal(err)
	}
	if h.InitialSeed() != 123 {
		t.Errorf("restored InitialSeed = %d", h.InitialSeed())
	}
	a, b := make([]float64, 3), make([]float64, 3)
	g.NormalScalar64(a, 0, 1) // first value from the cache
	h.NormalScalar64(b, 0, 1)
	if !slices.Equal(a, b) {
		t.Errorf("restored normals %v, want %v", b, a)
	}
	if !slices.Equal(stream(g, 2000), stream(h, 2000)) {
		t.Error("restored stream differs")
	}
	// Clone copies everything, too.
	c := g.Clone()
	if !slices.Equal(stream(g, 1000), stream(c, 1000)) {
		t.Error("clone stream differs")
	}
	// The zero value marshals like NewGenerator.
	var z Generator
	zb, _ := z.MarshalBinary()
	nb, _ := NewGenerator().MarshalBinary()
	if !bytes.Equal(zb, nb) {
		t.Error("zero Generator state differs from NewGenerator")
	}
	// A state restored into the default generator keeps it guarded.
	saved, _ := Default().MarshalBinary()
	if err := Default().UnmarshalBinary(data); err != nil {
		t.Fatal(err)
	}
	if Default().mu == nil || Default().InitialSeed() != 123 {
		t.Error("default generator after UnmarshalBinary")
	}
	if err := Default().UnmarshalBinary(saved); err != nil {
		t.Fatal(err)
	}
}

func TestUnmarshalErrors(t *testing.T) {
	good, _ := seeded(1).MarshalBinary()
	bad := map[string][]byte{
		"empty":   nil,
		"short":   good[:100],
		"long":    append(slices.Clone(good), 0),
		"magic":   append([]byte("XCRG"), good[4:]...),
		"version": append(append(slices.Clone(good[:4]), 2), good[5:]...),
	}
	pos := slices.Clone(good)
	pos[13], pos[14] = 0x71, 0x02 // 625
	bad["position"] = pos
	flag := slices.Clone(good)
	flag[stateLen-9] = 2
	bad["flag"] = flag
	orphan := slices.Clone(good)
	orphan[stateLen-1] = 0x3f
	bad["orphan cache"] = orphan
	for name, data := range bad {
		g := seeded(77)
		before, _ := g.MarshalBinary()
		if err := g.UnmarshalBinary(data); err == nil {
			t.Errorf("%s: no error", name)
		}
		after, _ := g.MarshalBinary()
		if !bytes.Equal(before, after) {
			t.Errorf("%s: generator modified on error", name)
		}
	}
}

func FuzzUnmarshalBinary(f *testing.F) {
	for _, seed := range []uint64{0, 1, 42} {
		g := seeded(seed)
		g.Randperm(int(seed) * 10)
		var one [1]float32
		g.NormalScalar32(one[:], 0, 1)
		b, _ := g.MarshalBinary()
		f.Add(b)
		b2, _ := seeded(seed).MarshalBinary()
		f.Add(b2)
	}
	f.Add([]byte("ICRG\x01"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		g := NewGenerator()
		if err := g.UnmarshalBinary(data); err != nil {
			return
		}
		// Accepted states round-trip exactly and are usable.
		out, err := g.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out, data) {
			t.Fatalf("round trip changed the state")
		}
		g.Random64()
		var v [3]float32
		g.Normal32(v[:], 0, 1)
	})
}

// TestBernoulliMatchesUniformDraws checks the batched Bernoulli fills against
// their definition, one unif64 per element compared with p, from every kind
// of starting point (an odd number of words left before a twist, a pair
// straddling a twist) and for thresholds at the edges of the 53-bit grid.
func TestBernoulliMatchesUniformDraws(t *testing.T) {
	ps := []float64{0, 1, 0.5, 0.9, 0.1, 1 - 0x1p-53, 0x1p-53, 0x1.8p-53, 0.3}
	for _, skip := range []int{0, 1, 2, 623, 624, 625, 1247} {
		for _, n := range []int{0, 1, 2, 311, 312, 313, 1000, 2500} {
			for _, p := range ps {
				ref, g32, g64 := NewGenerator(), NewGenerator(), NewGenerator()
				for _, g := range []*Generator{ref, g32, g64} {
					g.ManualSeed(uint64(skip + 7))
					for range skip {
						g.Random()
					}
				}
				want := make([]float32, n)
				for i := range want {
					if ref.unif64() < p {
						want[i] = 1.25
					}
				}
				got := make([]float32, n)
				g32.BernoulliScaled32(got, p, 1.25)
				got64 := make([]float64, n)
				g64.BernoulliScaled64(got64, p, 1.25)
				for i := range want {
					if got[i] != want[i] || got64[i] != float64(want[i]) {
						t.Fatalf("skip %d n %d p %v: element %d = %v / %v, want %v", skip, n, p, i, got[i], got64[i], want[i])
					}
				}
				r, a, b := ref.Random(), g32.Random(), g64.Random()
				if a != r || b != r {
					t.Fatalf("skip %d n %d p %v: next draw %d / %d, want %d", skip, n, p, a, b, r)
				}
			}
		}
	}
}

// TestBernoulliBitsMatchesBernoulli32 checks BernoulliBits against
// Bernoulli32 from starting points around a twist and lengths around word
// boundaries, and that both leave the generator in the same state.
func TestBernoulliBitsMatchesBernoulli32(t *testing.T) {
	for _, skip := range []int{0, 1, 2, 497, 623, 624, 1247} {
		for _, n := range []int{0, 1, 63, 64, 65, 311, 312, 313, 640, 2500} {
			for _, p := range []float64{0, 1, 0.9, 0.5, 1 - 0x1p-53} {
				ref, gb := NewGenerator(), NewGenerator()
				for _, g := range []*Generator{ref, gb} {
					g.ManualSeed(uint64(skip + 3))
					for range skip {
						g.Random()
					}
				}
				want := make([]float32, n)
				ref.Bernoulli32(want, p)
				bits := make([]uint64, (n+63)/64)
				for i := range bits {
					bits[i] = 0xdeadbeef // overwritten
				}
				gb.BernoulliBits(bits, n, p)
				for i, v := range want {
					if b := bits[i/64] >> (i % 64) & 1; float32(b) != v {
						t.Fatalf("skip %d n %d p %v: bit %d = %d, want %v", skip, n, p, i, b, v)
					}
				}
				if n%64 != 0 && bits[n/64]>>(n%64) != 0 {
					t.Fatalf("skip %d n %d p %v: bits past n are set: %#x", skip, n, p, bits[n/64])
				}
				if r, b := ref.Random(), gb.Random(); r != b {
					t.Fatalf("skip %d n %d p %v: next draw %d, want %d", skip, n, p, b, r)
				}
			}
		}
	}
}

// TestBernoulliThresholdTies checks the Bernoulli fills where a draw's high
// 21 bits equal the threshold's, the case decided by the low word: p is set
// to one draw's own value (not below p), one 2^-53 above it (below p) and
// one below it, and all of the draws are compared with unif64 < p.
func TestBernoulliThresholdTies(t *testing.T) {
	const n, at = 1000, 777
	for _, seed := range []uint64{1, 2, 3} {
		probe := NewGenerator()
		probe.ManualSeed(seed)
		probe.Random() // an odd start: pairs straddle the twists
		var m uint64
		for i := 0; i <= at; i++ {
			m = probe.next53()
		}
		for _, tt := range []uint64{m, m + 1, m - 1, m&^(1<<32-1) | 1<<32 - 1} {
			p := float64(tt) * 0x1p-53 // exact
			ref, gb, g32, g64 := NewGenerator(), NewGenerator(), NewGenerator(), NewGenerator()
			for _, g := range []*Generator{ref, gb, g32, g64} {
				g.ManualSeed(seed)
				g.Random()
			}
			bits := make([]uint64, (n+63)/64)
			gb.BernoulliBits(bits, n, p)
			f32 := make([]float32, n)
			g32.Bernoulli32(f32, p)
			f64 := make([]float64, n)
			g64.Bernoulli64(f64, p)
			for i := 0; i < n; i++ {
				want := ref.unif64() < p
				b := bits[i/64]>>(i%64)&1 == 1
				if b != want || (f32[i] == 1) != want || (f64[i] == 1) != want {
					t.Fatalf("seed %d t %#x: draw %d = %v / %v / %v, want %v", seed, tt, i, b, f32[i], f64[i], want)
				}
			}
		}
	}
}
