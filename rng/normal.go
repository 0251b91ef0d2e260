package rng

import (
	"math"

	"github.com/intercept-ml/intercept/internal/fp"
)

// twoPi is 2π as the double constant PyTorch uses (2.0 * c10::pi<double>).
const twoPi = 2 * math.Pi

// fillMin is the element count from which normal_ on a contiguous tensor
// uses the block fills (paths B and C) instead of path (A).
const fillMin = 16

func checkStd(std float64) {
	if !(std >= 0) {
		panic("rng: normal: std must be >= 0")
	}
}

// normalA returns one path-(A) sample: Box–Muller in float64 with the
// generator's one-value cache, then fma(v, std, mean) in float64.
func (g *Generator) normalA(mean, std float64) float64 {
	var v float64
	if g.hasNormal {
		v = g.normal
		g.hasNormal = false
		g.normal = 0
	} else {
		u1 := g.unif64()
		u2 := g.unif64()
		r := math.Sqrt(-2 * dlog(1-u2))
		theta := float64(twoPi * u1)
		g.normal = float64(r * dsin(theta))
		g.hasNormal = true
		v = float64(r * dcos(theta))
	}
	return math.FMA(v, std, mean)
}

// NormalScalar32 fills dst with normal(mean, std) samples by PyTorch's
// per-element path (A), in the order of dst: what normal_ does for a
// non-contiguous float32 tensor (pass its elements in memory order) and for
// fewer than 16 elements. Each value is computed in float64 (Box–Muller with
// the generator's cached second value, then fma(v, std, mean)) and rounded to
// float32. An odd number of fresh samples leaves a value in the cache for
// the next path-(A) call. It panics if std < 0.
func (g *Generator) NormalScalar32(dst []float32, mean, std float64) {
	checkStd(std)
	g.lock()
	defer g.unlock()
	for i := range dst {
		dst[i] = float32(g.normalA(mean, std))
	}
}

// NormalScalar64 is NormalScalar32 for float64 elements (no final
// rounding). Its results depend on the C library's log, sin and cos; see
// the package documentation.
func (g *Generator) NormalScalar64(dst []float64, mean, std float64) {
	checkStd(std)
	g.lock()
	defer g.unlock()
	for i := range dst {
		dst[i] = g.normalA(mean, std)
	}
}

// Normal32 fills dst like Tensor.normal_(mean, std) (torch.randn for
// mean = 0, std = 1) on a contiguous float32 tensor of len(dst) elements.
// With fewer than 16 elements it uses path (A) (see NormalScalar32).
// Otherwise it uses the AVX2 build's vectorised path (B): mean and std are
// rounded to float32; all elements are filled with float32 uniforms; each
// full block of 16 is transformed by Box–Muller in float32 (Cephes-style
// logf and sincosf); if len(dst) is not a multiple of 16, 16 fresh uniforms
// are drawn into the last 16 elements, which are transformed again. Path (B)
// neither uses nor clears the cached normal. It panics if std < 0.
func (g *Generator) Normal32(dst []float32, mean, std float64) {
	if len(dst) < fillMin {
		g.NormalScalar32(dst, mean, std)
		return
	}
	checkStd(std)
	m, s := float32(mean), float32(std)
	g.lock()
	defer g.unlock()
	g.fillUnif32(dst)
	n := len(dst)
	for o := 0; o+fillMin <= n; o += fillMin {
		block32(dst[o:o+fillMin], m, s)
	}
	if n%fillMin != 0 {
		tail := dst[n-fillMin:]
		g.fillUnif32(tail)
		block32(tail, m, s)
	}
}

// block32 transforms 16 float32 uniforms into normals (path B).
func block32(d []float32, mean, std float32) {
	d = d[:2*lanes]
	var u1, th vec8
	for k := range lanes {
		u1[k] = 1 - d[k]
		th[k] = float32(twoPi32 * d[k+lanes])
	}
	l := logf8(&u1)
	sn, cs := sincosf8(&th)
	for k := range lanes {
		r := float32(math.Sqrt(float64(-2 * l[k]))) // correctly rounded sqrtf
		a, b := float32(r*cs[k]), float32(r*sn[k])
		v, ok := fp.FMA32Try(a, std, mean)
		if !ok {
			v = fma32(a, std, mean)
		}
		d[k] = v
		v, ok = fp.FMA32Try(b, std, mean)
		if !ok {
			v = fma32(b, std, mean)
		}
		d[k+lanes] = v
	}
}

// Normal64 fills dst like Tensor.normal_(mean, std) (torch.randn for
// mean = 0, std = 1) on a contiguous float64 tensor of len(dst) elements.
// With fewer than 16 elements it uses path (A) (see NormalScalar64).
// Otherwise it uses path (C): the block structure of Normal32 with float64
// uniforms and Box–Muller in float64, r = sqrt(-2 log u1) with u1 = 1 - d[k]
// and θ = 2π·d[k+8], d[k] = fma(r·cos θ, std, mean),
// d[k+8] = fma(r·sin θ, std, mean). Path (C) neither uses nor clears the
// cached normal. Its results depend on the C library's log, sin and cos;
// see the package documentation. It panics if std < 0.
func (g *Generator) Normal64(dst []float64, mean, std float64) {
	if len(dst) < fillMin {
		g.NormalScalar64(dst, mean, std)
		return
	}
	checkStd(std)
	g.lock()
	defer g.unlock()
	g.fillUnif64(dst)
	n := len(dst)
	for o := 0; o+fillMin <= n; o += fillMin {
		block64(dst[o:o+fillMin], mean, std)
	}
	if n%fillMin != 0 {
		tail := dst[n-fillMin:]
		g.fillUnif64(tail)
		block64(tail, mean, std)
	}
}

// block64 transforms 16 float64 uniforms into normals (path C).
func block64(d []float64, mean, std float64) {
	d = d[:fillMin]
	for k := 0; k < 8; k++ {
		u1 := 1 - d[k]
		u2 := d[k+8]
		r := math.Sqrt(-2 * dlog(u1))
		theta := float64(twoPi * u2)
		d[k] = math.FMA(float64(r*dcos(theta)), std, mean)
		d[k+8] = math.FMA(float64(r*dsin(theta)), std, mean)
	}
}
