package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// gemvDots emits the AVX-512 matrix-vector kernel for products whose
// outputs each read one contiguous row of a matrix (x·Wᵀ with W row-major,
// the Linear layer at batch 1): 16·panels rows of W at a time, 16 depth
// steps per trip. Each trip loads a 16×16 block of every panel, transposes
// it in registers (the shuffles of packCols16) so that lane q holds row q,
// and folds the 16 depth steps into the panel's accumulator by fused
// multiply-adds in increasing depth order, x[p] an embedded broadcast. Lane
// q of a panel thus forms Σ_p w[q*ld+p]·x[p] from +0 exactly as the GEMM
// micro-kernels form an element of C, without packing W. The panels'
// accumulators are independent chains, which hide the FMA latency behind
// the shuffles of the other panel.
func gemvDots(panels int) {
	rows := 16 * panels
	name := fmt.Sprintf("gemvDots%dAVX512", rows)
	TEXT(name, NOSPLIT, "func(blocks int, x *float32, w *float32, ld int, s *float32)")
	Pragma("noescape")
	Doc(fmt.Sprintf("%s sets s[q] = Σ_p w[q*ld+p]*x[p] for q in [0, %d), p in [0, 16*blocks),", name, rows),
		"each sum formed from +0 by fused multiply-adds in increasing p order (one lane per q).",
		"blocks must be positive.")
	n := Load(Param("blocks"), GP64())
	x := Load(Param("x"), GP64())
	w := Load(Param("w"), GP64())
	ld := Load(Param("ld"), GP64())
	SHLQ(U8(2), ld)
	ld3 := GP64()
	LEAQ(Mem{Base: ld, Index: ld, Scale: 2}, ld3)
	base := make([]Register, 4*panels)
	base[0] = w
	for g := 1; g < len(base); g++ {
		base[g] = GP64()
		LEAQ(Mem{Base: base[g-1], Index: ld, Scale: 4}, base[g])
	}
	all := []VecPhysical{Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7, Z8, Z9, Z10, Z11, Z12, Z13, Z14, Z15,
		Z16, Z17, Z18, Z19, Z20, Z21, Z22, Z23, Z24, Z25, Z26, Z27, Z28, Z29, Z30, Z31}
	acc := all[32-panels:]
	for _, a := range acc {
		VPXORD(a, a, a)
	}
	// free is a stack of the registers not holding a live value.
	var free []VecPhysical
	reset := func() { free = append(free[:0], all[:32-panels]...) }
	alloc := func() VecPhysical {
		r := free[len(free)-1]
		free = free[:len(free)-1]
		return r
	}
	release := func(rs ...VecPhysical) { free = append(free, rs...) }
	Label(name + "_loop")
	for pn := 0; pn < panels; pn++ {
		reset()
		var r [16]VecPhysical
		for q := 0; q < 16; q++ {
			b := base[4*pn+q/4]
			var m Mem
			switch q % 4 {
			case 0:
				m = Mem{Base: b}
			case 1:
				m = Mem{Base: b, Index: ld, Scale: 1}
			case 2:
				m = Mem{Base: b, Index: ld, Scale: 2}
			case 3:
				m = Mem{Base: b, Index: ld3, Scale: 1}
			}
			r[q] = alloc()
			VMOVUPS(m, r[q])
		}
		// t[2i] = unpacklo(r[2i], r[2i+1]), t[2i+1] = unpackhi(…).
		var t [16]VecPhysical
		for i := 0; i < 8; i++ {
			t[2*i], t[2*i+1] = alloc(), alloc()
			VUNPCKLPS(r[2*i+1], r[2*i], t[2*i])
			VUNPCKHPS(r[2*i+1], r[2*i], t[2*i+1])
			release(r[2*i], r[2*i+1])
		}
		// u[4g+j] holds rows 4g..4g+3 at depth 4L+j in 128-bit lane L.
		var u [16]VecPhysical
		for g := 0; g < 4; g++ {
			for j := range 4 {
				u[4*g+j] = alloc()
			}
			VUNPCKLPD(t[4*g+2], t[4*g+0], u[4*g+0])
			VUNPCKHPD(t[4*g+2], t[4*g+0], u[4*g+1])
			VUNPCKLPD(t[4*g+3], t[4*g+1], u[4*g+2])
			VUNPCKHPD(t[4*g+3], t[4*g+1], u[4*g+3])
			release(t[4*g], t[4*g+1], t[4*g+2], t[4*g+3])
		}
		// o[p] holds the 16 rows at depth p.
		var o [16]VecPhysical
		for j := 0; j < 4; j++ {
			a, b, c, d := u[j], u[4+j], u[8+j], u[12+j]
			v0, v1, v2, v3 := alloc(), alloc(), alloc(), alloc()
			VSHUFF32X4(U8(0x44), b, a, v0)
			VSHUFF32X4(U8(0xEE), b, a, v1)
			VSHUFF32X4(U8(0x44), d, c, v2)
			VSHUFF32X4(U8(0xEE), d, c, v3)
			release(a, b, c, d)
			for l := 0; l < 4; l++ {
				x0, y0 := v0, v2
				if l >= 2 {
					x0, y0 = v1, v3
				}
				imm := U8(0x88)
				if l%2 == 1 {
					imm = U8(0xDD)
				}
				o[4*l+j] = alloc()
				VSHUFF32X4(imm, y0, x0, o[4*l+j])
			}
			release(v0, v1, v2, v3)
		}
		for p := 0; p < 16; p++ {
			VFMADD231PS_BCST(Mem{Base: x, Disp: 4 * p}, o[p], acc[pn])
		}
	}
	for g := range base {
		ADDQ(U8(64), base[g])
	}
	ADDQ(U8(64), x)
	DECQ(n)
	JNZ(LabelRef(name + "_loop"))
	s := Load(Param("s"), GP64())
	for pn, a := range acc {
		VMOVUPS(a, Mem{Base: s, Disp: 64 * pn})
	}
	VZEROUPPER()
	RET()
}

// gemvDotsAVX2 emits the AVX2 form of gemvDots: 8·panels rows of W at a
// time, 8 depth steps per trip, each 8×8 block transposed in registers
// (unpack, shuffle, 128-bit permute) so that lane q holds row q, and x[p]
// broadcast into a register for its fused multiply-add. Lane q of a panel
// forms Σ_p w[q*ld+p]·x[p] from +0 in increasing p order, as gemvDots.
func gemvDotsAVX2(panels int) {
	rows := 8 * panels
	name := fmt.Sprintf("gemvDots%dAVX2", rows)
	TEXT(name, NOSPLIT, "func(blocks int, x *float32, w *float32, ld int, s *float32)")
	Pragma("noescape")
	Doc(fmt.Sprintf("%s sets s[q] = Σ_p w[q*ld+p]*x[p] for q in [0, %d), p in [0, 8*blocks),", name, rows),
		"each sum formed from +0 by fused multiply-adds in increasing p order (one lane per q).",
		"blocks must be positive.")
	n := Load(Param("blocks"), GP64())
	x := Load(Param("x"), GP64())
	w := Load(Param("w"), GP64())
	ld := Load(Param("ld"), GP64())
	SHLQ(U8(2), ld)
	ld3 := GP64()
	LEAQ(Mem{Base: ld, Index: ld, Scale: 2}, ld3)
	base := make([]Register, 2*panels)
	base[0] = w
	for g := 1; g < len(base); g++ {
		base[g] = GP64()
		LEAQ(Mem{Base: base[g-1], Index: ld, Scale: 4}, base[g])
	}
	all := []VecPhysical{Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y8, Y9, Y10, Y11, Y12, Y13, Y14, Y15}
	acc := all[16-panels:]
	for _, a := range acc {
		VXORPS(a, a, a)
	}
	var free []VecPhysical
	reset := func() { free = append(free[:0], all[:16-panels]...) }
	alloc := func() VecPhysical {
		r := free[len(free)-1]
		free = free[:len(free)-1]
		return r
	}
	release := func(rs ...VecPhysical) { free = append(free, rs...) }
	Label(name + "_loop")
	for pn := 0; pn < panels; pn++ {
		reset()
		var r [8]VecPhysical
		for q := 0; q < 8; q++ {
			b := base[2*pn+q/4]
			var m Mem
			switch q % 4 {
			case 0:
				m = Mem{Base: b}
			case 1:
				m = Mem{Base: b, Index: ld, Scale: 1}
			case 2:
				m = Mem{Base: b, Index: ld, Scale: 2}
			case 3:
				m = Mem{Base: b, Index: ld3, Scale: 1}
			}
			r[q] = alloc()
			VMOVUPS(m, r[q])
		}
		// t[2i] = unpacklo(r[2i], r[2i+1]), t[2i+1] = unpackhi(…).
		var t [8]VecPhysical
		for i := 0; i < 4; i++ {
			t[2*i], t[2*i+1] = alloc(), alloc()
			VUNPCKLPS(r[2*i+1], r[2*i], t[2*i])
			VUNPCKHPS(r[2*i+1], r[2*i], t[2*i+1])
			release(r[2*i], r[2*i+1])
		}
		// u[4h+j] holds rows 4h..4h+3 at depth j (low half) and j+4
		// (high half).
		var u [8]VecPhysical
		for h := 0; h < 2; h++ {
			for j := range 4 {
				u[4*h+j] = alloc()
			}
			VSHUFPS(U8(0x44), t[4*h+2], t[4*h+0], u[4*h+0])
			VSHUFPS(U8(0xEE), t[4*h+2], t[4*h+0], u[4*h+1])
			VSHUFPS(U8(0x44), t[4*h+3], t[4*h+1], u[4*h+2])
			VSHUFPS(U8(0xEE), t[4*h+3], t[4*h+1], u[4*h+3])
			release(t[4*h], t[4*h+1], t[4*h+2], t[4*h+3])
		}
		// o[p] holds the 8 rows at depth p.
		var o [8]VecPhysical
		for j := 0; j < 4; j++ {
			o[j], o[j+4] = alloc(), alloc()
			VPERM2F128(U8(0x20), u[4+j], u[j], o[j])
			VPERM2F128(U8(0x31), u[4+j], u[j], o[j+4])
			release(u[j], u[4+j])
		}
		bx := alloc()
		for p := 0; p < 8; p++ {
			VBROADCASTSS(Mem{Base: x, Disp: 4 * p}, bx)
			VFMADD231PS(o[p], bx, acc[pn])
		}
	}
	for g := range base {
		ADDQ(U8(32), base[g])
	}
	ADDQ(U8(32), x)
	DECQ(n)
	JNZ(LabelRef(name + "_loop"))
	s := Load(Param("s"), GP64())
	for pn, a := range acc {
		VMOVUPS(a, Mem{Base: s, Disp: 32 * pn})
	}
	VZEROUPPER()
	RET()
}

// gemvPanels emits a matrix-vector kernel over a weight matrix packed once
// in 16-lane panels (PackGemv32's layout: for each depth step, the 16
// values of a panel's rows, contiguous): groups panels at a time, panel g
// at w + g·ldw elements, one depth step per FMA and no shuffles. Lane q of
// panel g forms Σ_p w[g·ldw + 16p + q]·x[p] from +0 by fused multiply-adds
// in increasing p order, the GEMM micro-kernels' arithmetic, then the
// epilogue of mode: bit 0 adds the sum to c (c + s, else c = s), bit 1
// applies ReLUForward32's rule (the value when it is above 0 or NaN, else
// +0). zmm selects AVX-512 (one ZMM vector per panel and depth step) or
// AVX2 (two YMM vectors).
func gemvPanels(groups int, zmm bool) {
	isa, vecs, width := "AVX2", 2, 32
	if zmm {
		isa, vecs, width = "AVX512", 1, 64
	}
	name := fmt.Sprintf("gemvPanels%d%s", groups, isa)
	TEXT(name, NOSPLIT, "func(kb int, x *float32, w *float32, ldw int, c *float32, mode int)")
	Pragma("noescape")
	Doc(fmt.Sprintf("%s sets, for the %d 16-lane panels g at w+g*ldw (16 values per depth step) and q < 16,", name, groups),
		"s = Σ_p w[g*ldw+16p+q]*x[p] for p in [0, kb), formed from +0 by fused multiply-adds in increasing p order,",
		"then c[16g+q] = s, or c[16g+q] + s when mode&1, followed by ReLU (the value if above 0 or NaN, else +0)",
		"when mode&2. kb must be positive.")
	kb := Load(Param("kb"), GP64())
	x := Load(Param("x"), GP64())
	w := Load(Param("w"), GP64())
	ldw := Load(Param("ldw"), GP64())
	SHLQ(U8(2), ldw)
	ptr := stridedPointers(w, ldw, groups)
	var all []VecPhysical
	if zmm {
		all = []VecPhysical{Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7, Z8, Z9, Z10, Z11, Z12, Z13, Z14, Z15,
			Z16, Z17, Z18, Z19, Z20, Z21, Z22, Z23, Z24, Z25, Z26, Z27, Z28, Z29, Z30, Z31}
	} else {
		all = []VecPhysical{Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y8, Y9, Y10, Y11, Y12, Y13, Y14, Y15}
	}
	nacc := groups * vecs
	acc := all[len(all)-nacc:]
	bx := all[:4]
	for _, a := range acc {
		if zmm {
			VPXORD(a, a, a)
		} else {
			VXORPS(a, a, a)
		}
	}
	off := GP64()
	XORQ(off, off)
	step := func(u int) {
		VBROADCASTSS(Mem{Base: x, Disp: 4 * u}, bx[u])
		for g := 0; g < groups; g++ {
			for v := 0; v < vecs; v++ {
				VFMADD231PS(Mem{Base: ptr[g], Index: off, Scale: 1, Disp: 64*u + width*v}, bx[u], acc[g*vecs+v])
			}
		}
	}
	CMPQ(kb, U8(4))
	JL(LabelRef(name + "_tail"))
	Label(name + "_loop4")
	for u := 0; u < 4; u++ {
		step(u)
	}
	ADDQ(U32(256), off)
	ADDQ(U8(16), x)
	SUBQ(U8(4), kb)
	CMPQ(kb, U8(4))
	JGE(LabelRef(name + "_loop4"))
	Label(name + "_tail")
	TESTQ(kb, kb)
	JZ(LabelRef(name + "_epilogue"))
	Label(name + "_loop1")
	step(0)
	ADDQ(U8(64), off)
	ADDQ(U8(4), x)
	DECQ(kb)
	JNZ(LabelRef(name + "_loop1"))
	Label(name + "_epilogue")
	c := Load(Param("c"), GP64())
	mode := Load(Param("mode"), GP64())
	TESTQ(U32(1), mode)
	JZ(LabelRef(name + "_relu"))
	for i, a := range acc {
		VADDPS(Mem{Base: c, Disp: width * i}, a, a)
	}
	Label(name + "_relu")
	TESTQ(U32(2), mode)
	JZ(LabelRef(name + "_store"))
	zero := bx[0]
	if zmm {
		VPXORD(zero, zero, zero)
		for _, a := range acc {
			VCMPPS(U8(6), zero, a, K1) // K1 = !(a <= 0)
			VMOVAPS_Z(a, K1, a)
		}
	} else {
		VXORPS(zero, zero, zero)
		m := bx[1]
		for _, a := range acc {
			VCMPPS(U8(6), zero, a, m) // m = !(a <= 0)
			VANDPS(a, m, a)
		}
	}
	Label(name + "_store")
	for i, a := range acc {
		VMOVUPS(a, Mem{Base: c, Disp: width * i})
	}
	VZEROUPPER()
	RET()
}

// gemvRowsPanels emits the AVX-512 kernel of rows input rows by groups
// 16-lane panels of a weight packed as for gemvPanels: per depth step one
// load of each panel's 16 values and one broadcast of each row's x value,
// rows·groups fused multiply-adds, so that the weight streams once for all
// the rows. Each output (row r, lane q of panel g) forms
// Σ_p w[g·ldw+16p+q]·x[r·ldx+p] from +0 in increasing p order, then
// gemvPanels's epilogue, into c[r·ldc+16g+q].
func gemvRowsPanels(rows, groups int) {
	name := fmt.Sprintf("gemvRows%dPanels%dAVX512", rows, groups)
	TEXT(name, NOSPLIT, "func(kb int, x *float32, ldx int, w *float32, ldw int, c *float32, ldc int, mode int)")
	Pragma("noescape")
	Doc(fmt.Sprintf("%s sets, for the %d rows r of x (leading dimension ldx), the %d 16-lane panels g at", name, rows, groups),
		"w+g*ldw (16 values per depth step) and q < 16, s = Σ_p w[g*ldw+16p+q]*x[r*ldx+p] for p in [0, kb),",
		"formed from +0 by fused multiply-adds in increasing p order, then c[r*ldc+16g+q] = s, or",
		"c[r*ldc+16g+q] + s when mode&1, followed by ReLU (the value if above 0 or NaN, else +0) when mode&2.",
		"kb must be positive.")
	kb := Load(Param("kb"), GP64())
	x := Load(Param("x"), GP64())
	ldx := Load(Param("ldx"), GP64())
	SHLQ(U8(2), ldx)
	w := Load(Param("w"), GP64())
	ldw := Load(Param("ldw"), GP64())
	SHLQ(U8(2), ldw)
	ptr := stridedPointers(w, ldw, groups)
	xr := stridedPointers(x, ldx, rows)
	all := []VecPhysical{Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7, Z8, Z9, Z10, Z11, Z12, Z13, Z14, Z15,
		Z16, Z17, Z18, Z19, Z20, Z21, Z22, Z23, Z24, Z25, Z26, Z27, Z28, Z29, Z30, Z31}
	acc := all[32-rows*groups:]
	wv := all[:groups]
	bx := all[groups : groups+2]
	for _, a := range acc {
		VPXORD(a, a, a)
	}
	off := GP64()
	XORQ(off, off)
	Label(name + "_loop")
	for g := 0; g < groups; g++ {
		VMOVUPS(Mem{Base: ptr[g], Index: off, Scale: 1}, wv[g])
	}
	for r := 0; r < rows; r++ {
		b := bx[r%2]
		VBROADCASTSS(Mem{Base: xr[r]}, b)
		for g := 0; g < groups; g++ {
			VFMADD231PS(wv[g], b, acc[r*groups+g])
		}
		ADDQ(U8(4), xr[r])
	}
	ADDQ(U8(64), off)
	DECQ(kb)
	JNZ(LabelRef(name + "_loop"))
	c := Load(Param("c"), GP64())
	ldc := Load(Param("ldc"), GP64())
	SHLQ(U8(2), ldc)
	mode := Load(Param("mode"), GP64())
	crow := func(r int) Register {
		if r == 0 {
			return c
		}
		ADDQ(ldc, c)
		return c
	}
	// c advances one row per row; the three passes each start from row 0.
	c0 := GP64()
	MOVQ(c, c0)
	TESTQ(U32(1), mode)
	JZ(LabelRef(name + "_relu"))
	for r := 0; r < rows; r++ {
		cr := crow(r)
		for g := 0; g < groups; g++ {
			a := acc[r*groups+g]
			VADDPS(Mem{Base: cr, Disp: 64 * g}, a, a)
		}
	}
	MOVQ(c0, c)
	Label(name + "_relu")
	TESTQ(U32(2), mode)
	JZ(LabelRef(name + "_store"))
	zero := bx[0]
	VPXORD(zero, zero, zero)
	for _, a := range acc {
		VCMPPS(U8(6), zero, a, K1) // K1 = !(a <= 0)
		VMOVAPS_Z(a, K1, a)
	}
	Label(name + "_store")
	for r := 0; r < rows; r++ {
		cr := crow(r)
		for g := 0; g < groups; g++ {
			VMOVUPS(acc[r*groups+g], Mem{Base: cr, Disp: 64 * g})
		}
	}
	VZEROUPPER()
	RET()
}

// stridedPointers returns n registers holding base, base+stride,
// base+2·stride, ... (stride in bytes): base itself and n−1 new ones.
func stridedPointers(base, stride Register, n int) []Register {
	ptrs := make([]Register, n)
	ptrs[0] = base
	for i := 1; i < n; i++ {
		ptrs[i] = GP64()
		LEAQ(Mem{Base: ptrs[i-1], Index: stride, Scale: 1}, ptrs[i])
	}
	return ptrs
}
