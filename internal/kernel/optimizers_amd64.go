//go:build amd64 && !purego

package kernel

// The assembly optimizer kernels (asmgen's optim.go) read their constants from an array of
// scalars (AVX-512) or from 32-byte slots, each holding one constant broadcast (AVX2), and handle
// the last n%lanes elements under a mask: a k-mask for AVX-512, and for AVX2 the lanes words
// starting at tailMask32[8-r] (tailMask64[4-r]), whose first r are all ones.

var (
	tailMask32 = [16]int32{-1, -1, -1, -1, -1, -1, -1, -1}
	tailMask64 = [8]int64{-1, -1, -1, -1}
)

// slots32 and slots64 lay out the constants c in broadcast 32-byte slots.
func slots32(c *[optConsts]float32) (s [optConsts * 8]float32) {
	for k, v := range c {
		for j := range 8 {
			s[8*k+j] = v
		}
	}
	return s
}

func slots64(c *[optConsts]float64) (s [optConsts * 4]float64) {
	for k, v := range c {
		for j := range 4 {
			s[4*k+j] = v
		}
	}
	return s
}

// orFirst returns &x[0], or def for an empty (unused) x.
func orFirst[T float](x []T, def *T) *T {
	if len(x) == 0 {
		return def
	}
	return &x[0]
}

// setOptimizersAsm installs the AVX-512 (zmm) or AVX2 optimizer kernels in im.
func setOptimizersAsm(im *implementation, zmm bool) {
	im.adam32 = func(p, g, m, v, vmax []float32, s AdamScalars[float32]) {
		n := len(p)
		if n == 0 {
			return
		}
		c, f := adamConsts(s)
		if zmm {
			adam32AVX512(n, &p[0], &g[0], &m[0], &v[0], orFirst(vmax, &p[0]), &c[0], f, 1<<(n%16)-1)
		} else {
			k := slots32(&c)
			adam32AVX2(n, &p[0], &g[0], &m[0], &v[0], orFirst(vmax, &p[0]), &k[0], f, &tailMask32[8-n%8])
		}
	}
	im.adam64 = func(p, g, m, v, vmax []float64, s AdamScalars[float64]) {
		n := len(p)
		if n == 0 {
			return
		}
		c, f := adamConsts(s)
		if zmm {
			adam64AVX512(n, &p[0], &g[0], &m[0], &v[0], orFirst(vmax, &p[0]), &c[0], f, 1<<(n%8)-1)
		} else {
			k := slots64(&c)
			adam64AVX2(n, &p[0], &g[0], &m[0], &v[0], orFirst(vmax, &p[0]), &k[0], f, &tailMask64[4-n%4])
		}
	}
	im.rmsprop32 = func(p, g, sq, gavg, buf []float32, s RMSpropScalars[float32]) {
		n := len(p)
		if n == 0 {
			return
		}
		c, f := rmspropConsts(s)
		if zmm {
			rmsprop32AVX512(n, &p[0], &g[0], &sq[0], orFirst(gavg, &p[0]), orFirst(buf, &p[0]), &c[0], f, 1<<(n%16)-1)
		} else {
			k := slots32(&c)
			rmsprop32AVX2(n, &p[0], &g[0], &sq[0], orFirst(gavg, &p[0]), orFirst(buf, &p[0]), &k[0], f, &tailMask32[8-n%8])
		}
	}
	im.rmsprop64 = func(p, g, sq, gavg, buf []float64, s RMSpropScalars[float64]) {
		n := len(p)
		if n == 0 {
			return
		}
		c, f := rmspropConsts(s)
		if zmm {
			rmsprop64AVX512(n, &p[0], &g[0], &sq[0], orFirst(gavg, &p[0]), orFirst(buf, &p[0]), &c[0], f, 1<<(n%8)-1)
		} else {
			k := slots64(&c)
			rmsprop64AVX2(n, &p[0], &g[0], &sq[0], orFirst(gavg, &p[0]), orFirst(buf, &p[0]), &k[0], f, &tailMask64[4-n%4])
		}
	}
	im.sgd32 = func(p, g, buf []float32, s SGDScalars[float32]) {
		n := len(p)
		if n == 0 {
			return
		}
		c, f := sgdConsts(s)
		if zmm {
			sgd32AVX512(n, &p[0], &g[0], orFirst(buf, &p[0]), &c[0], f, 1<<(n%16)-1)
		} else {
			k := slots32(&c)
			sgd32AVX2(n, &p[0], &g[0], orFirst(buf, &p[0]), &k[0], f, &tailMask32[8-n%8])
		}
	}
	im.sgd64 = func(p, g, buf []float64, s SGDScalars[float64]) {
		n := len(p)
		if n == 0 {
			return
		}
		c, f := sgdConsts(s)
		if zmm {
			sgd64AVX512(n, &p[0], &g[0], orFirst(buf, &p[0]), &c[0], f, 1<<(n%8)-1)
		} else {
			k := slots64(&c)
			sgd64AVX2(n, &p[0], &g[0], orFirst(buf, &p[0]), &k[0], f, &tailMask64[4-n%4])
		}
	}
}
