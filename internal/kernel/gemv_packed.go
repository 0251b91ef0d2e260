package kernel

import "fmt"

// Weight-stationary matrix-vector products: a matrix that many products
// read (the weight of a Linear layer at batch 1) is packed once into
// 16-row panels laid out depth step by depth step, which the kernels
// stream with one vector load per 16 outputs and depth step, instead of
// transposing blocks of the row-major matrix in registers on every call.

// GemvPackedLen32 returns the length of PackGemv32's packed copy of an
// n×k matrix: n rounded up to a multiple of 16, times k.
func GemvPackedLen32(n, k int) int {
	if n < 0 || k < 0 {
		panic(fmt.Sprintf("kernel: GemvPackedLen32: negative dimension n=%d k=%d", n, k))
	}
	return (n + 15) / 16 * 16 * k
}

// PackGemv32 packs the row-major n×k matrix w (leading dimension k) into
// dst for GemvPacked32: row 16g+q, column p goes to dst[(g*k+p)*16+q], and
// the rows of the last panel past n are zeros. It panics unless
// len(w) >= n*k and len(dst) >= GemvPackedLen32(n, k).
func PackGemv32(dst, w []float32, n, k int) {
	size := GemvPackedLen32(n, k)
	if len(w) < n*k || len(dst) < size {
		panic(fmt.Sprintf("kernel: PackGemv32: %d×%d matrix of %d elements into %d (want %d)", n, k, len(w), len(dst), size))
	}
	for g := 0; g*16 < n; g++ {
		panel := dst[g*16*k : (g+1)*16*k]
		p0 := 0
		if g*16+16 <= n {
			p0 = packGemvPanel(panel, w[g*16*k:], k)
		}
		for q := range 16 {
			o := g*16 + q
			if o >= n {
				for p := range k {
					panel[p*16+q] = 0
				}
				continue
			}
			for p, v := range w[o*k+p0 : (o+1)*k] {
				panel[(p0+p)*16+q] = v
			}
		}
	}
}

// GemvPacked32 sets y[i*n+o], for the m rows i of x (m×k, row-major) and
// o < n, to the outputs of the Linear layer x·Wᵀ + bias, followed by
// ReLUForward32's rule when relu is set, from wp, W (n×k) packed by
// PackGemv32; bias may be nil (no bias). The results are exactly the bits
// of copying bias into every row of y and calling
// Gemm32(false, true, m, n, k, 1, x, k, W, k, 1, y, n) (beta 0 without
// bias), then ReLUForward32(y, y): each depth block (gemmDepthBlock) of
// each output is summed from +0 in increasing k order by fused
// multiply-adds, and the block sums are added in order to the bias. Rows
// are taken four at a time where the kernels allow, so that the packed
// weight streams once for four rows. y must not overlap x or wp. It
// panics unless len(x) >= m*k, len(wp) >= GemvPackedLen32(n, k),
// len(y) >= m*n and bias is nil or has at least n elements.
func GemvPacked32(y, x, wp, bias []float32, m, n, k int, relu bool) {
	size := GemvPackedLen32(n, k)
	if m < 0 || len(x) < m*k || len(wp) < size || len(y) < m*n || bias != nil && len(bias) < n {
		panic(fmt.Sprintf("kernel: GemvPacked32: m=%d n=%d k=%d with len(y)=%d len(x)=%d len(wp)=%d (want %d) len(bias)=%d",
			m, n, k, len(y), len(x), len(wp), size, len(bias)))
	}
	if m == 0 || n == 0 {
		return
	}
	y = y[:m*n]
	if bias != nil {
		for i := range m {
			copy(y[i*n:(i+1)*n], bias[:n])
		}
	}
	if k == 0 {
		if bias == nil {
			clear(y)
		}
		if relu {
			reluForwardGo(y, y)
		}
		return
	}
	kc := gemmDepthBlock(m, n, k)
	full := n / 16
	rest := n - 16*full
	ldw := 16 * k
	for i := 0; i < m; {
		rows := 1
		if m-i >= 4 && gemvRows4 {
			rows = 4
		}
		yi, xi := y[i*n:], x[i*k:]
		// The whole panels write straight into y; a last partial one into
		// tmp (16 per row), whose lanes past n hold zeros (the packed rows
		// are zero).
		var tmp [4 * 16]float32
		if bias != nil {
			for r := range rows {
				copy(tmp[16*r:16*r+rest], bias[16*full:n])
			}
		}
		for pc := 0; pc < k; pc += kc {
			kb := min(kc, k-pc)
			mode := 0
			if pc > 0 || bias != nil {
				mode |= 1
			}
			if relu && pc+kb == k {
				mode |= 2
			}
			if full > 0 {
				gemvRowsPanels32(rows, kb, xi[pc:], k, wp[16*pc:], ldw, yi, n, full, mode)
			}
			if rest > 0 {
				gemvRowsPanels32(rows, kb, xi[pc:], k, wp[full*ldw+16*pc:], ldw, tmp[:], 16, 1, mode)
			}
		}
		for r := range rows {
			copy(yi[r*n+16*full:r*n+n], tmp[16*r:16*r+rest])
		}
		i += rows
	}
}

// gemvRowsPanels32 runs gemvPanels32 for rows (1, or 4 when gemvRows4)
// rows of x (leading dimension ldx) into rows of c (leading dimension ldc).
func gemvRowsPanels32(rows, kb int, x []float32, ldx int, w []float32, ldw int, c []float32, ldc, panels, mode int) {
	if rows == 1 {
		gemvPanels32(kb, x, w, ldw, c, panels, mode)
		return
	}
	gemvRows4Panels32(kb, x, ldx, w, ldw, c, ldc, panels, mode)
}

// gemvPanelsGo is the portable gemvPanels32: for each of the panels 16-lane
// panels g (panel g at w[g*ldw:], 16 values per depth step) and lane q, it
// forms s = Σ_p w[g*ldw+16p+q]·x[p] for p < kb from +0 by correctly
// rounded fused multiply-adds in increasing p order (fmaTry, redone with
// fmaExact where it cannot tell), then sets c[16g+q] to s, or to
// c[16g+q] + s when mode&1, and applies ReLUForward32's rule when mode&2.
func gemvPanelsGo(kb int, x, w []float32, ldw int, c []float32, panels, mode int) {
	x = x[:kb]
	for g := range panels {
		pw := w[g*ldw:][:16*kb]
		var acc [16]float32
		good := true
		for p, xv := range x {
			col := pw[16*p:][:16]
			for q, wv := range col {
				var ok bool
				acc[q], ok = fmaTry(wv, xv, acc[q])
				good = good && ok
			}
		}
		if !good {
			acc = [16]float32{}
			for p, xv := range x {
				col := pw[16*p:][:16]
				for q, wv := range col {
					acc[q] = fmaExact(wv, xv, acc[q])
				}
			}
		}
		out := c[16*g:][:16]
		for q, s := range acc {
			if mode&1 != 0 {
				s = out[q] + s
			}
			if mode&2 != 0 && !(s > 0 || s != s) {
				s = 0
			}
			out[q] = s
		}
	}
}
