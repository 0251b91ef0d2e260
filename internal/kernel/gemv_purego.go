package kernel

// Matrix-vector shapes (m == 1 or n == 1) skip packing, which would cost
// more than the multiply: each output is a dot product of a row or column
// of one operand with the other operand, a vector. The per-element
// arithmetic is exactly that of the packed path (same depth blocks, each
// summed from +0 in increasing k order by fused multiply-adds, same
// update), so the results are bit-identical to it.

// gemvContiguous reports whether gemv reads each output's terms from one
// contiguous row (x·Wᵀ with W row-major, or W·v): the case of the dots
// hook.
func gemvContiguous(transA, transB bool, m int) bool {
	if m == 1 {
		return transB
	}
	return !transA
}

// gemv computes C for m == 1 or n == 1. ws supplies the vector buffer.
func (g *gemmProblem[T]) gemv(ws *gemmWorkspace[T]) {
	// Outputs o in [0, outs) live at c[o*cstride]. Output o is the sum over
	// p of x[o*xo + p*xp] * v[p*vs].
	var (
		outs, cstride int
		x, v          []T
		xo, xp, vs    int
	)
	if g.m == 1 {
		outs, cstride = g.n, 1
		v, vs = g.a, 1 // op(A)[0, p]
		if g.transA {
			vs = g.lda
		}
		x, xo, xp = g.b, 1, g.ldb // op(B)[p, o]
		if g.transB {
			xo, xp = g.ldb, 1
		}
	} else {
		outs, cstride = g.m, g.ldc
		v, vs = g.b, g.ldb // op(B)[p, 0]
		if g.transB {
			vs = 1
		}
		x, xo, xp = g.a, g.lda, 1 // op(A)[o, p]
		if g.transA {
			xo, xp = 1, g.lda
		}
	}
	kc := g.depthBlock()
	if xo == 1 {
		// The outputs are contiguous in each row of x: sweep the rows,
		// keeping one running sum per output in ws.acc.
		ws.acc = grow(ws.acc, outs)
		acc := ws.acc
		for pc := 0; pc < g.k; pc += kc {
			kb := min(kc, g.k-pc)
			clear(acc)
			// Four rows per sweep; each output still adds its terms one
			// at a time in increasing p order.
			good := true
			p := pc
			for ; p+4 <= pc+kb; p += 4 {
				w0, w1, w2, w3 := v[p*vs], v[(p+1)*vs], v[(p+2)*vs], v[(p+3)*vs]
				x0 := x[p*xp:][:outs]
				x1 := x[(p+1)*xp:][:outs]
				x2 := x[(p+2)*xp:][:outs]
				x3 := x[(p+3)*xp:][:outs]
				for o := range acc {
					s, ok0 := fmaTry(x0[o], w0, acc[o])
					s, ok1 := fmaTry(x1[o], w1, s)
					s, ok2 := fmaTry(x2[o], w2, s)
					s, ok3 := fmaTry(x3[o], w3, s)
					acc[o] = s
					good = good && ok0 && ok1 && ok2 && ok3
				}
			}
			for ; p < pc+kb; p++ {
				w := v[p*vs]
				row := x[p*xp:][:outs]
				for o, xv := range row {
					s, ok := fmaTry(xv, w, acc[o])
					acc[o] = s
					good = good && ok
				}
			}
			if !good {
				clear(acc)
				for p := pc; p < pc+kb; p++ {
					w := v[p*vs]
					row := x[p*xp:][:outs]
					for o, xv := range row {
						acc[o] = fmaExact(xv, w, acc[o])
					}
				}
			}
			for o, s := range acc {
				g.gemvStore(o*cstride, s, pc == 0)
			}
		}
		return
	}
	// Otherwise each output's terms are contiguous: four dot products at a
	// time, over a contiguous copy of the vector.
	ws.acc = grow(ws.acc, kc)
	vb := ws.acc
	if g.mk.dots != nil {
		// At least 16 sums, so that the dots kernels of fewer outputs
		// than their rows have room for all of theirs.
		ws.b = grow(ws.b, max(outs, 16))
		ws.a = grow(ws.a, 16*kc)
	}
	for pc := 0; pc < g.k; pc += kc {
		kb := min(kc, g.k-pc)
		vv := vb[:kb]
		for p := range vv {
			vv[p] = v[(pc+p)*vs]
		}
		first := pc == 0
		xb := x[pc*xp:]
		o := 0
		if g.mk.dots != nil {
			sums := ws.b
			o = g.mk.dots(outs, kb, vv, xb, xo, sums, ws.a)
			for q, s := range sums[:o] {
				g.gemvStore(q*cstride, s, first)
			}
		}
		for ; o+4 <= outs; o += 4 {
			var s0, s1, s2, s3 T
			good := true
			r0 := xb[o*xo:][:kb]
			r1 := xb[(o+1)*xo:][:kb]
			r2 := xb[(o+2)*xo:][:kb]
			r3 := xb[(o+3)*xo:][:kb]
			for p, w := range vv {
				var ok0, ok1, ok2, ok3 bool
				s0, ok0 = fmaTry(r0[p], w, s0)
				s1, ok1 = fmaTry(r1[p], w, s1)
				s2, ok2 = fmaTry(r2[p], w, s2)
				s3, ok3 = fmaTry(r3[p], w, s3)
				good = good && ok0 && ok1 && ok2 && ok3
			}
			if !good {
				s0, s1, s2, s3 = dotExact(r0, vv), dotExact(r1, vv), dotExact(r2, vv), dotExact(r3, vv)
			}
			g.gemvStore(o*cstride, s0, first)
			g.gemvStore((o+1)*cstride, s1, first)
			g.gemvStore((o+2)*cstride, s2, first)
			g.gemvStore((o+3)*cstride, s3, first)
		}
		for ; o < outs; o++ {
			var s T
			good := true
			r := xb[o*xo:][:kb]
			for p, w := range vv {
				var ok bool
				s, ok = fmaTry(r[p], w, s)
				good = good && ok
			}
			if !good {
				s = dotExact(r, vv)
			}
			g.gemvStore(o*cstride, s, first)
		}
	}
}

// dotExact returns the fused multiply-add sum of r[p]*v[p] from +0 in increasing p order, with
// fmaExact.
func dotExact[T float](r, v []T) T {
	var s T
	for p, w := range v {
		s = fmaExact(r[p], w, s)
	}
	return s
}

func (g *gemmProblem[T]) gemvStore(i int, s T, first bool) {
	g.c[i] = g.update(g.c[i], s, first)
}
