package rng

import "testing"

// Linear(784, 256) draws 200 704 weights; the benchmarks use 200 000.

func BenchmarkUniform32_200k(b *testing.B) {
	g := NewGenerator()
	x := make([]float32, 200000)
	b.SetBytes(4 * int64(len(x)))
	for b.Loop() {
		g.Uniform32(x, -0.0357, 0.0357)
	}
}

func BenchmarkNormal32_200k(b *testing.B) {
	g := NewGenerator()
	x := make([]float32, 200000)
	b.SetBytes(4 * int64(len(x)))
	for b.Loop() {
		g.Normal32(x, 0, 0.05)
	}
}

func BenchmarkUniform64_200k(b *testing.B) {
	g := NewGenerator()
	x := make([]float64, 200000)
	b.SetBytes(8 * int64(len(x)))
	for b.Loop() {
		g.Uniform64(x, -1, 1)
	}
}

func BenchmarkNormal64_200k(b *testing.B) {
	g := NewGenerator()
	x := make([]float64, 200000)
	b.SetBytes(8 * int64(len(x)))
	for b.Loop() {
		g.Normal64(x, 0, 1)
	}
}

func BenchmarkNormalScalar32_200k(b *testing.B) {
	g := NewGenerator()
	x := make([]float32, 200000)
	b.SetBytes(4 * int64(len(x)))
	for b.Loop() {
		g.NormalScalar32(x, 0, 1)
	}
}

func BenchmarkRandom(b *testing.B) {
	g := NewGenerator()
	var s uint32
	for b.Loop() {
		s += g.Random()
	}
	sink32 = s
}

func BenchmarkRandperm_60000(b *testing.B) {
	g := NewGenerator()
	for b.Loop() {
		g.Randperm(60000)
	}
}

var sink32 uint32

// A dropout mask of TransformerEncoderLayer's feed-forward block at batch 32,
// sequence 64: 32·64·512 elements.
func BenchmarkBernoulli32_1M(b *testing.B) {
	g := NewGenerator()
	x := make([]float32, 32*64*512)
	b.SetBytes(4 * int64(len(x)))
	for b.Loop() {
		g.Bernoulli32(x, 0.9)
	}
}

// BenchmarkBernoulliBits_1M draws the mask of BenchmarkBernoulli32_1M as
// bits, as dropout does.
func BenchmarkBernoulliBits_1M(b *testing.B) {
	g := NewGenerator()
	const n = 32 * 64 * 512
	bits := make([]uint64, n/64)
	b.SetBytes(n / 8)
	for b.Loop() {
		g.BernoulliBits(bits, n, 0.9)
	}
}
