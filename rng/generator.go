// Package rng reproduces the random number generator of PyTorch 1.13 on the
// CPU, bit for bit: the 32-bit Mersenne Twister (MT19937) that torch.Generator
// wraps, and the transforms that torch.rand, torch.randn, Tensor.uniform_,
// Tensor.normal_, torch.randperm, torch.randint and Tensor.bernoulli_ apply to
// its output.
//
// The Generator methods work on Go slices that stand for contiguous tensors
// in row-major order; the tensor-level functions are built on them. A seeded
// Generator produces exactly the float32 and float64 bit patterns that the
// reference build (Debian's PyTorch 1.13.1, x86-64 with AVX2, no MKL)
// produces for the same calls in the same order.
//
// # Normal sampling paths
//
// PyTorch chooses one of three algorithms for normal_ per call, and this
// package mirrors the choice:
//
//   - (A) per-element Box–Muller in float64 with a one-value cache, for
//     fewer than 16 elements or non-contiguous tensors: NormalScalar32,
//     NormalScalar64, and Normal32/Normal64 when len(dst) < 16;
//   - (B) the vectorised float32 fill (blocks of 16) for contiguous float32
//     tensors with at least 16 elements: Normal32;
//   - (C) the scalar block fill in float64 for contiguous float64 tensors
//     with at least 16 elements: Normal64.
//
// The cached value of path (A) persists between calls, is neither used nor
// cleared by the other paths or by uniform, randperm and bernoulli draws, and
// is cleared by ManualSeed.
//
// # Fused multiply-adds and float64 parity
//
// The reference build contracts a·b + c into fused multiply-adds in the
// uniform and normal kernels; this package computes exactly those with a
// single rounding (internal/fp) and writes every other product with an
// explicit conversion, so results do not depend on whether the Go compiler
// fuses (GOAMD64=v3, arm64, ...). Builds of PyTorch without AVX2 dispatch
// round differently and are not mirrored.
//
// Float64 results of paths (A) and (C) go through the C library's log, sin
// and cos. They are computed with internal/glibm, a bit-exact port of glibc
// 2.36's x86-64 FMA variants, so they match the reference build bit for bit;
// with Go's math functions about a quarter of them would differ in the last
// bits. Float32 results only depend on these functions through a final
// rounding to float32, which in practice hides such differences.
//
// # Concurrency
//
// A Generator is not safe for concurrent use by multiple goroutines. The
// default generator returned by Default is guarded by a mutex, so concurrent
// calls on it do not corrupt its state, but their interleaving (and therefore
// which values each caller receives) is unspecified.
package rng

import "sync"

// DefaultSeed is the seed of a freshly constructed torch.Generator(), and the
// seed with which this package's default generator starts.
const DefaultSeed uint64 = 67280421310721

const (
	mtN         = 624
	mtM         = 397
	mtMatrixA   = 0x9908b0df
	mtUpperMask = 0x80000000
	mtLowerMask = 0x7fffffff
)

// Generator is a PyTorch CPU generator: MT19937 state, the 64-bit seed it
// was created from, and the cached normal sample of the per-element
// Box–Muller path. The zero value is a generator seeded with DefaultSeed.
//
// A Generator must not be used by several goroutines at once; see the
// package documentation. Use Clone, not assignment, to copy one.
type Generator struct {
	mu        *sync.Mutex // non-nil only for the default generator
	seeded    bool        // false for the zero value until first use
	left      int         // state words not yet consumed; 0 forces a twist
	seed      uint64
	hasNormal bool
	normal    float64 // cached r·sin θ of path (A), valid if hasNormal
	state     [mtN]uint32
	// prefetch holds BernoulliBits draws computed ahead, nil if none (see
	// PrefetchBernoulliBits). It never changes state by itself.
	prefetch *bitsPrefetch
}

// NewGenerator returns a generator in the state of a freshly constructed
// torch.Generator(): seeded with DefaultSeed (67280421310721).
func NewGenerator() *Generator {
	g := new(Generator)
	g.setSeed(DefaultSeed)
	return g
}

var defaultGen = func() *Generator {
	g := NewGenerator()
	g.mu = new(sync.Mutex)
	return g
}()

// Default returns the package's global generator, the counterpart of
// torch's default CPU generator that torch.rand, torch.randn, nn.init and
// DataLoader draw from.
//
// Unlike torch, which seeds its default generator from the operating
// system's random device at start-up, this generator starts deterministically
// from DefaultSeed (67280421310721), as if torch.manual_seed(67280421310721)
// had been called; call ManualSeed to choose another seed. Methods on the
// default generator are serialized by a mutex.
func Default() *Generator { return defaultGen }

// ManualSeed seeds the default generator, like torch.manual_seed(seed).
// A negative Python seed s corresponds to uint64(int64(s)).
func ManualSeed(seed uint64) { defaultGen.ManualSeed(seed) }

func (g *Generator) lock() {
	if g.mu != nil {
		g.mu.Lock()
	}
}

func (g *Generator) unlock() {
	if g.mu != nil {
		g.mu.Unlock()
	}
}

// ManualSeed re-seeds g, like torch.Generator.manual_seed(seed), and clears
// the cached normal sample. The full 64-bit seed is remembered (InitialSeed),
// but only its low 32 bits seed the Mersenne Twister, so seeds that differ
// only in the high 32 bits produce the same stream. A negative Python seed s
// corresponds to uint64(int64(s)).
func (g *Generator) ManualSeed(seed uint64) {
	g.lock()
	defer g.unlock()
	g.setSeed(seed)
}

func (g *Generator) setSeed(seed uint64) {
	g.seed = seed
	g.seeded = true
	g.hasNormal = false
	g.normal = 0
	s := &g.state
	s[0] = uint32(seed)
	for i := 1; i < mtN; i++ {
		p := s[i-1]
		s[i] = 1812433253*(p^(p>>30)) + uint32(i)
	}
	g.left = 0 // the first draw twists
}

func (g *Generator) ensureSeeded() {
	if !g.seeded {
		g.setSeed(DefaultSeed)
	}
}

// InitialSeed returns the 64-bit seed g was last seeded with, like
// torch.Generator.initial_seed().
func (g *Generator) InitialSeed() uint64 {
	g.lock()
	defer g.unlock()
	g.ensureSeeded()
	return g.seed
}

// twist regenerates the 624 state words.
func (g *Generator) twist() {
	g.ensureSeeded()
	s := &g.state
	for k := 0; k < mtN-mtM; k++ {
		y := s[k]&mtUpperMask | s[k+1]&mtLowerMask
		s[k] = s[k+mtM] ^ y>>1 ^ (-(y & 1) & mtMatrixA)
	}
	for k := mtN - mtM; k < mtN-1; k++ {
		y := s[k]&mtUpperMask | s[k+1]&mtLowerMask
		s[k] = s[k+mtM-mtN] ^ y>>1 ^ (-(y & 1) & mtMatrixA)
	}
	y := s[mtN-1]&mtUpperMask | s[0]&mtLowerMask
	s[mtN-1] = s[mtM-1] ^ y>>1 ^ (-(y & 1) & mtMatrixA)
	g.left = mtN
}

// temper is MT19937's output transformation.
func temper(y uint32) uint32 {
	y ^= y >> 11
	y ^= y << 7 & 0x9d2c5680
	y ^= y << 15 & 0xefc60000
	y ^= y >> 18
	return y
}

// next32 returns the next tempered MT19937 output.
func (g *Generator) next32() uint32 {
	if g.left == 0 {
		g.twist()
	}
	y := g.state[mtN-g.left]
	g.left--
	return temper(y)
}

// next64 returns two outputs combined, the first as the high word.
func (g *Generator) next64() uint64 {
	hi := g.next32()
	lo := g.next32()
	return uint64(hi)<<32 | uint64(lo)
}

// fillRaw fills dst with consecutive outputs, as len(dst) calls of next32
// would.
func (g *Generator) fillRaw(dst []uint32) {
	for len(dst) > 0 {
		if g.left == 0 {
			g.twist()
		}
		i0 := mtN - g.left
		n := min(g.left, len(dst))
		for i, y := range g.state[i0 : i0+n] {
			dst[i] = temper(y)
		}
		g.left -= n
		dst = dst[n:]
	}
}

// Random returns the next raw 32-bit Mersenne Twister output, like the C++
// CPUGeneratorImpl::random().
func (g *Generator) Random() uint32 {
	if g.mu != nil {
		g.mu.Lock()
		v := g.next32()
		g.mu.Unlock()
		return v
	}
	return g.next32()
}

// Random64 returns the next 64 random bits, made of two Random outputs of
// which the first is the high word, like CPUGeneratorImpl::random64().
func (g *Generator) Random64() uint64 {
	if g.mu != nil {
		g.mu.Lock()
		v := g.next64()
		g.mu.Unlock()
		return v
	}
	return g.next64()
}

// DataLoaderSeed returns Random64() mod 2^63, the value of
// torch.empty((), dtype=torch.int64).random_(). This is what a 1.13
// DataLoader draws from the default generator at each iter() (the worker base
// seed) and what RandomSampler draws to seed the fresh generator whose
// Randperm gives the epoch's order.
func (g *Generator) DataLoaderSeed() uint64 {
	return g.Random64() & (1<<63 - 1)
}

// RandInt returns one element of torch.randint(low, high): the range
// r = high - low is computed modulo 2^64; if r >= 2^32 the draw is one
// Random64, otherwise one Random, and the result is low + draw mod r.
// It panics if high <= low.
func (g *Generator) RandInt(low, high int64) int64 {
	if high <= low {
		panic("rng: RandInt: high must be greater than low")
	}
	g.lock()
	defer g.unlock()
	r := uint64(high) - uint64(low)
	var v uint64
	if r >= 1<<32 {
		v = g.next64() % r
	} else {
		v = uint64(g.next32()) % r
	}
	return int64(uint64(low) + v)
}

// Randperm returns a random permutation of 0, ..., n-1 as
// torch.randperm(n) computes it on the CPU in 1.13: starting from the
// identity, for i = 0 ... n-2 it swaps elements i and i + Random() mod (n-i).
// It makes exactly n-1 draws (none for n <= 1). Verified for small n; from
// n = 214748364 on, PyTorch 2.x uses a different algorithm, and parity there
// is unverified. It panics if n < 0.
func (g *Generator) Randperm(n int) []int64 {
	if n < 0 {
		panic("rng: Randperm: negative n")
	}
	r := make([]int64, n)
	for i := range r {
		r[i] = int64(i)
	}
	g.lock()
	defer g.unlock()
	var raw [256]uint32
	for i := 0; i < n-1; {
		c := min(n-1-i, len(raw))
		g.fillRaw(raw[:c])
		for _, v := range raw[:c] {
			z := i + int(uint64(v)%uint64(n-i))
			r[i], r[z] = r[z], r[i]
			i++
		}
	}
	return r
}

// Clone returns an independent copy of g with the same state, seed and
// cached normal sample. A clone of the default generator is an ordinary,
// unguarded Generator.
func (g *Generator) Clone() *Generator {
	g.lock()
	defer g.unlock()
	g.ensureSeeded()
	c := new(Generator)
	*c = Generator{
		seeded:    true,
		left:      g.left,
		seed:      g.seed,
		hasNormal: g.hasNormal,
		normal:    g.normal,
		state:     g.state,
	}
	return c
}
