package main

// Double-precision kernels: the float64 GEMM micro-kernels and element-wise loops.
//
// # float64 micro-kernels
//
// gemmMicro64AVX512 (8 rows × 16 columns: two ZMM vectors of B per depth step, each A value
// broadcast once into a register for two FMAs, 16 accumulators) and gemmMicro64AVX2 (6 rows × 8
// columns: two YMM vectors of B, 12 accumulators) follow the float32 kernels' contract (see the
// command doc): each element's sum starts from zero and takes one fused multiply-add per depth
// step in increasing k order, the depth loop is unrolled four times with a one-step remainder
// loop, and the store is c = alpha*s (beta == 0) or alpha*s + beta*c, each multiplication rounded
// separately (alpha == 1 and beta == 1 skip their exact multiplications). So every element gets
// the operations of the portable float64 micro-kernel (math.FMA in increasing k order) in its
// order, and the same bits.
//
// # float64 element-wise kernels
//
// add64AVX2, sub64AVX2, mul64AVX2 and div64AVX2 are the IEEE operations on 4-lane vectors (the
// same bits as Go's scalar ones), and relu64AVX2 is ReLU64's rule (x < 0 becomes +0; -0 and NaN
// pass through) by masking with !(x < 0). reluForward64AVX2 and reluBackward64AVX2 are the float64
// forms of reluAVX2 and reluBackwardAVX2 (ReLUForward64, ReLUBackward64).
//
// # float64 packers
//
// packCols8F64AVX512 (8×8 transposes) and packRows8F64AVX512 and packRows16F64AVX512 (row copies)
// pack the panels of the AVX-512 micro-kernel; packCols4F64AVX2 (4×4 transposes) packs the
// transposed B panels of the AVX2 one. Packing only moves values.
//
// # float64 matrix-vector kernels
//
// gemvDots16F64AVX512 and gemvDots8F64AVX512 are the float64 dots kernels of the AVX-512 GEMM
// (see gemvDots64): rows of W read in place and transposed 8×8 in registers, one output per lane,
// the micro-kernels' arithmetic.

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// spec64 describes one float64 micro-kernel.
type spec64 struct {
	name string
	zmm  bool // AVX-512 (ZMM, 8 lanes) or AVX2 (YMM, 4 lanes)
	mr   int  // rows of the tile
	nvec int  // vectors of B per depth step
	pfA  int  // when not 0, prefetch packed A this many bytes ahead at each depth step
}

func (s spec64) lanes() int {
	if s.zmm {
		return 8
	}
	return 4
}

func (s spec64) vec(i int) VecPhysical {
	return kernelSpec{zmm: s.zmm}.vec(i)
}

// gemm64Kernels emits the float64 micro-kernels.
func gemm64Kernels() {
	for _, s := range []spec64{
		{name: "gemmMicro64AVX512", zmm: true, mr: 8, nvec: 2, pfA: 1024},
		{name: "gemmMicro64AVX2", zmm: false, mr: 6, nvec: 2},
	} {
		micro64(s)
	}
}

// micro64 emits one float64 GEMM micro-kernel.
func micro64(s spec64) {
	const es = 8 // element size
	nr := s.nvec * s.lanes()
	TEXT(s.name, NOSPLIT, "func(kc int, a, b *float64, alpha, beta float64, c *float64, ldc int)")
	Pragma("noescape")
	Doc(fmt.Sprintf("%s sets the %d×%d tile at c (row stride ldc) to alpha*s + beta*c (alpha*s when", s.name, s.mr, nr),
		fmt.Sprintf("beta == 0), s[i][j] = Σ_p a[p*%d+i]*b[p*%d+j] over p in [0, kc) accumulated by", s.mr, nr),
		"fused multiply-adds in increasing p order. kc must be positive.")
	name := s.name
	n := Load(Param("kc"), GP64())
	pa := Load(Param("a"), GP64())
	pb := Load(Param("b"), GP64())

	nacc := s.mr * s.nvec
	acc := func(i, v int) VecPhysical { return s.vec(i*s.nvec + v) }
	bv := func(v int) VecPhysical { return s.vec(nacc + v) }
	tmp := s.vec(nacc + s.nvec)
	for i := 0; i < nacc; i++ {
		r := s.vec(i)
		VXORPD(r, r, r)
	}
	vbytes := es * s.lanes()
	step := func(k int) {
		for v := 0; v < s.nvec; v++ {
			VMOVUPD(Mem{Base: pb, Disp: es*(k*nr) + v*vbytes}, bv(v))
		}
		if s.pfA > 0 {
			PREFETCHT0(Mem{Base: pa, Disp: es*(k*s.mr) + s.pfA})
		}
		for i := 0; i < s.mr; i++ {
			VBROADCASTSD(Mem{Base: pa, Disp: es * (k*s.mr + i)}, tmp)
			for v := 0; v < s.nvec; v++ {
				VFMADD231PD(tmp, bv(v), acc(i, v))
			}
		}
	}
	advance := func(steps int) {
		ADDQ(U32(es*steps*s.mr), pa)
		ADDQ(U32(es*steps*nr), pb)
	}
	Comment("Main loop: unroll depth steps per trip.")
	Label(name + "_loop")
	CMPQ(n, U8(unroll))
	JL(LabelRef(name + "_tail"))
	for k := 0; k < unroll; k++ {
		step(k)
	}
	advance(unroll)
	SUBQ(U8(unroll), n)
	JMP(LabelRef(name + "_loop"))

	Label(name + "_tail")
	TESTQ(n, n)
	JZ(LabelRef(name + "_store"))
	step(0)
	advance(1)
	DECQ(n)
	JMP(LabelRef(name + "_tail"))

	Label(name + "_store")
	pc := Load(Param("c"), GP64())
	ldc := Load(Param("ldc"), GP64())
	SHLQ(U8(3), ldc)
	finish := func() {
		VZEROUPPER()
		RET()
	}
	al := bv(0)
	be := tmp
	t := bv(1)
	one := GP64()
	MOVQ(U64(0x3ff0000000000000), one)
	// Scale by alpha (skipped when alpha == 1, where it changes nothing).
	alphaGP := GP64()
	MOVQ(addr("alpha"), alphaGP)
	CMPQ(alphaGP, one)
	JE(LabelRef(name + "_alpha1"))
	VBROADCASTSD(addr("alpha"), al)
	for i := 0; i < nacc; i++ {
		VMULPD(al, s.vec(i), s.vec(i))
	}
	Label(name + "_alpha1")
	// beta == 0: plain store (old C is not read, NaNs are not propagated).
	betaGP := GP64()
	MOVQ(addr("beta"), betaGP)
	CMPQ(betaGP, one)
	JE(LabelRef(name + "_beta1"))
	SHLQ(U8(1), betaGP) // drop the sign: -0 counts as zero
	JZ(LabelRef(name + "_beta0"))
	row := GP64()
	MOVQ(pc, row)
	VBROADCASTSD(addr("beta"), be)
	for i := 0; i < s.mr; i++ {
		for v := 0; v < s.nvec; v++ {
			VMULPD(Mem{Base: row, Disp: v * vbytes}, be, t)
			VADDPD(t, acc(i, v), acc(i, v))
			VMOVUPD(acc(i, v), Mem{Base: row, Disp: v * vbytes})
		}
		if i+1 < s.mr {
			ADDQ(ldc, row)
		}
	}
	finish()
	// beta == 1: add C directly (c*1 is exact, so the sum is the same).
	Label(name + "_beta1")
	for i := 0; i < s.mr; i++ {
		for v := 0; v < s.nvec; v++ {
			VADDPD(Mem{Base: pc, Disp: v * vbytes}, acc(i, v), acc(i, v))
			VMOVUPD(acc(i, v), Mem{Base: pc, Disp: v * vbytes})
		}
		if i+1 < s.mr {
			ADDQ(ldc, pc)
		}
	}
	finish()
	Label(name + "_beta0")
	for i := 0; i < s.mr; i++ {
		for v := 0; v < s.nvec; v++ {
			VMOVUPD(acc(i, v), Mem{Base: pc, Disp: v * vbytes})
		}
		if i+1 < s.mr {
			ADDQ(ldc, pc)
		}
	}
	finish()
}

// binary64 emits dst = x op y over n float64 values (IEEE add, sub, mul or div: the same bits as
// the scalar Go operation).
func binary64(op string) {
	name := op + "64AVX2"
	TEXT(name, NOSPLIT, "func(n int, dst, x, y *float64)")
	Pragma("noescape")
	Doc(fmt.Sprintf("%s sets dst[i] = x[i] %s y[i] for i in [0, n).", name, map[string]string{"add": "+", "sub": "-", "mul": "*", "div": "/"}[op]))
	vop := map[string]func(...Op){"add": VADDPD, "sub": VSUBPD, "mul": VMULPD, "div": VDIVPD}[op]
	sop := map[string]func(...Op){"add": VADDSD, "sub": VSUBSD, "mul": VMULSD, "div": VDIVSD}[op]
	n := Load(Param("n"), GP64())
	dst := Load(Param("dst"), GP64())
	px := Load(Param("x"), GP64())
	py := Load(Param("y"), GP64())
	Label(name + "_loop16")
	CMPQ(n, U8(16))
	JL(LabelRef(name + "_loop4"))
	for v := 0; v < 4; v++ {
		x := []VecPhysical{Y0, Y1, Y2, Y3}[v]
		VMOVUPD(Mem{Base: px, Disp: 32 * v}, x)
		vop(Mem{Base: py, Disp: 32 * v}, x, x)
		VMOVUPD(x, Mem{Base: dst, Disp: 32 * v})
	}
	ADDQ(U8(128), dst)
	ADDQ(U8(128), px)
	ADDQ(U8(128), py)
	SUBQ(U8(16), n)
	JMP(LabelRef(name + "_loop16"))
	Label(name + "_loop4")
	CMPQ(n, U8(4))
	JL(LabelRef(name + "_tail"))
	VMOVUPD(Mem{Base: px}, Y0)
	vop(Mem{Base: py}, Y0, Y0)
	VMOVUPD(Y0, Mem{Base: dst})
	ADDQ(U8(32), dst)
	ADDQ(U8(32), px)
	ADDQ(U8(32), py)
	SUBQ(U8(4), n)
	JMP(LabelRef(name + "_loop4"))
	Label(name + "_tail")
	TESTQ(n, n)
	JZ(LabelRef(name + "_done"))
	VMOVSD(Mem{Base: px}, X0)
	sop(Mem{Base: py}, X0, X0)
	VMOVSD(X0, Mem{Base: dst})
	ADDQ(U8(8), dst)
	ADDQ(U8(8), px)
	ADDQ(U8(8), py)
	DECQ(n)
	JMP(LabelRef(name + "_tail"))
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// relu64 emits ReLU64: dst = +0 where x < 0, else x (so -0 and NaN pass through), by masking x
// with !(x < 0) (predicate NLT_UQ, true for unordered).
func relu64() {
	TEXT("relu64AVX2", NOSPLIT, "func(n int, dst, x *float64)")
	Pragma("noescape")
	Doc("relu64AVX2 sets dst[i] = +0 if x[i] < 0 and x[i] otherwise, for i in [0, n).")
	n := Load(Param("n"), GP64())
	dst := Load(Param("dst"), GP64())
	px := Load(Param("x"), GP64())
	zero := Y15
	VXORPD(zero, zero, zero)
	Label("relu64_loop16")
	CMPQ(n, U8(16))
	JL(LabelRef("relu64_loop4"))
	for v := 0; v < 4; v++ {
		x, m := []VecPhysical{Y0, Y1, Y2, Y3}[v], []VecPhysical{Y4, Y5, Y6, Y7}[v]
		VMOVUPD(Mem{Base: px, Disp: 32 * v}, x)
		VCMPPD(U8(5), zero, x, m) // m = !(x < 0)
		VANDPD(x, m, x)
		VMOVUPD(x, Mem{Base: dst, Disp: 32 * v})
	}
	ADDQ(U8(128), dst)
	ADDQ(U8(128), px)
	SUBQ(U8(16), n)
	JMP(LabelRef("relu64_loop16"))
	Label("relu64_loop4")
	CMPQ(n, U8(4))
	JL(LabelRef("relu64_tail"))
	VMOVUPD(Mem{Base: px}, Y0)
	VCMPPD(U8(5), zero, Y0, Y4)
	VANDPD(Y0, Y4, Y0)
	VMOVUPD(Y0, Mem{Base: dst})
	ADDQ(U8(32), dst)
	ADDQ(U8(32), px)
	SUBQ(U8(4), n)
	JMP(LabelRef("relu64_loop4"))
	Label("relu64_tail")
	TESTQ(n, n)
	JZ(LabelRef("relu64_done"))
	VMOVSD(Mem{Base: px}, X0)
	VCMPSD(U8(5), X15, X0, X4)
	VANDPD(X0, X4, X0)
	VMOVSD(X0, Mem{Base: dst})
	ADDQ(U8(8), dst)
	ADDQ(U8(8), px)
	DECQ(n)
	JMP(LabelRef("relu64_tail"))
	Label("relu64_done")
	VZEROUPPER()
	RET()
}

// reluForward64 emits ReLUForward64, PyTorch's ReLU: dst = x where x > 0 or x is NaN, else +0 (so
// -0 becomes +0), by masking x with !(x <= 0) (predicate NLE_UQ, true for unordered).
func reluForward64() {
	TEXT("reluForward64AVX2", NOSPLIT, "func(n int, dst, x *float64)")
	Pragma("noescape")
	Doc("reluForward64AVX2 sets dst[i] = x[i] if x[i] > 0 or x[i] is NaN, and +0 otherwise, for i in [0, n).")
	n := Load(Param("n"), GP64())
	dst := Load(Param("dst"), GP64())
	px := Load(Param("x"), GP64())
	zero := Y15
	VXORPD(zero, zero, zero)
	Label("reluForward64_loop16")
	CMPQ(n, U8(16))
	JL(LabelRef("reluForward64_loop4"))
	for v := 0; v < 4; v++ {
		x, m := []VecPhysical{Y0, Y1, Y2, Y3}[v], []VecPhysical{Y4, Y5, Y6, Y7}[v]
		VMOVUPD(Mem{Base: px, Disp: 32 * v}, x)
		VCMPPD(U8(6), zero, x, m) // m = !(x <= 0)
		VANDPD(x, m, x)
		VMOVUPD(x, Mem{Base: dst, Disp: 32 * v})
	}
	ADDQ(U8(128), dst)
	ADDQ(U8(128), px)
	SUBQ(U8(16), n)
	JMP(LabelRef("reluForward64_loop16"))
	Label("reluForward64_loop4")
	CMPQ(n, U8(4))
	JL(LabelRef("reluForward64_tail"))
	VMOVUPD(Mem{Base: px}, Y0)
	VCMPPD(U8(6), zero, Y0, Y4)
	VANDPD(Y0, Y4, Y0)
	VMOVUPD(Y0, Mem{Base: dst})
	ADDQ(U8(32), dst)
	ADDQ(U8(32), px)
	SUBQ(U8(4), n)
	JMP(LabelRef("reluForward64_loop4"))
	Label("reluForward64_tail")
	TESTQ(n, n)
	JZ(LabelRef("reluForward64_done"))
	VMOVSD(Mem{Base: px}, X0)
	VCMPSD(U8(6), X15, X0, X4)
	VANDPD(X0, X4, X0)
	VMOVSD(X0, Mem{Base: dst})
	ADDQ(U8(8), dst)
	ADDQ(U8(8), px)
	DECQ(n)
	JMP(LabelRef("reluForward64_tail"))
	Label("reluForward64_done")
	VZEROUPPER()
	RET()
}

// reluBackward64 emits ReLUBackward64, ReLU's gradient: dst = g where y > 0, else g*0 (which keeps
// the sign of a zero and turns ±Inf or NaN into NaN, as multiplying by a 0/1 mask does).
func reluBackward64() {
	TEXT("reluBackward64AVX2", NOSPLIT, "func(n int, dst, grad, y *float64)")
	Pragma("noescape")
	Doc("reluBackward64AVX2 sets dst[i] = grad[i] if y[i] > 0 and grad[i]*0 otherwise, for i in [0, n).")
	n := Load(Param("n"), GP64())
	dst := Load(Param("dst"), GP64())
	pg := Load(Param("grad"), GP64())
	py := Load(Param("y"), GP64())
	zero := Y15
	VXORPD(zero, zero, zero)
	Label("reluBackward64_loop16")
	CMPQ(n, U8(16))
	JL(LabelRef("reluBackward64_loop4"))
	for v := 0; v < 4; v++ {
		g, z, m := []VecPhysical{Y0, Y1, Y2, Y3}[v], []VecPhysical{Y4, Y5, Y6, Y7}[v], []VecPhysical{Y8, Y9, Y10, Y11}[v]
		VMOVUPD(Mem{Base: pg, Disp: 32 * v}, g)
		VMULPD(zero, g, z)
		VCMPPD(U8(1), Mem{Base: py, Disp: 32 * v}, zero, m) // m = 0 < y, ordered
		VBLENDVPD(m, g, z, z)
		VMOVUPD(z, Mem{Base: dst, Disp: 32 * v})
	}
	ADDQ(U8(128), dst)
	ADDQ(U8(128), pg)
	ADDQ(U8(128), py)
	SUBQ(U8(16), n)
	JMP(LabelRef("reluBackward64_loop16"))
	Label("reluBackward64_loop4")
	CMPQ(n, U8(4))
	JL(LabelRef("reluBackward64_tail"))
	VMOVUPD(Mem{Base: pg}, Y0)
	VMULPD(zero, Y0, Y1)
	VCMPPD(U8(1), Mem{Base: py}, zero, Y2)
	VBLENDVPD(Y2, Y0, Y1, Y1)
	VMOVUPD(Y1, Mem{Base: dst})
	ADDQ(U8(32), dst)
	ADDQ(U8(32), pg)
	ADDQ(U8(32), py)
	SUBQ(U8(4), n)
	JMP(LabelRef("reluBackward64_loop4"))
	Label("reluBackward64_tail")
	TESTQ(n, n)
	JZ(LabelRef("reluBackward64_done"))
	VMOVSD(Mem{Base: pg}, X0)
	VMULSD(X15, X0, X1)
	VMOVSD(Mem{Base: py}, X3)
	VCMPSD(U8(1), X3, X15, X2)
	VBLENDVPD(X2, X0, X1, X1)
	VMOVSD(X1, Mem{Base: dst})
	ADDQ(U8(8), dst)
	ADDQ(U8(8), pg)
	ADDQ(U8(8), py)
	DECQ(n)
	JMP(LabelRef("reluBackward64_tail"))
	Label("reluBackward64_done")
	VZEROUPPER()
	RET()
}

// packCols8F64 emits the transposing float64 packer: it copies 8 source rows (depth contiguous, row
// stride ld elements) into 8 lanes of a k-major panel whose depth steps are dstStride elements
// apart, 8 depth steps at a time, by an 8×8 transpose in registers (unpack of doubles, then two
// rounds of 128-bit lane shuffles). A 16-lane panel is packed by two calls, one per half.
func packCols8F64() {
	TEXT("packCols8F64AVX512", NOSPLIT, "func(blocks int, src *float64, ld int, dst *float64, dstStride int)")
	Pragma("noescape")
	Doc("packCols8F64AVX512 sets dst[p*dstStride+q] = src[q*ld+p] for q in [0, 8) and p in [0, 8*blocks).",
		"blocks must be positive.")
	n := Load(Param("blocks"), GP64())
	src := Load(Param("src"), GP64())
	ld := Load(Param("ld"), GP64())
	dst := Load(Param("dst"), GP64())
	ds := Load(Param("dstStride"), GP64())
	SHLQ(U8(3), ld)
	SHLQ(U8(3), ds)
	ld3 := GP64()
	LEAQ(Mem{Base: ld, Index: ld, Scale: 2}, ld3)
	ds3 := GP64()
	LEAQ(Mem{Base: ds, Index: ds, Scale: 2}, ds3)
	src4 := GP64()
	LEAQ(Mem{Base: src, Index: ld, Scale: 4}, src4)
	dst4 := GP64()
	z := func(i int) VecPhysical { return kernelSpec{zmm: true}.vec(i) }
	// at returns the address of row (or output) i of a group of 8 from the bases b0 (rows 0..3)
	// and b4 (rows 4..7) with stride s and 3*s in s3.
	at := func(b0, b4, s, s3 Register, i int) Mem {
		b := b0
		if i >= 4 {
			b = b4
		}
		switch i % 4 {
		case 1:
			return Mem{Base: b, Index: s, Scale: 1}
		case 2:
			return Mem{Base: b, Index: s, Scale: 2}
		case 3:
			return Mem{Base: b, Index: s3, Scale: 1}
		}
		return Mem{Base: b}
	}
	Label("packCols8F64_loop")
	for q := 0; q < 8; q++ {
		VMOVUPD(at(src, src4, ld, ld3, q), z(q))
	}
	// t[2i] = unpacklo(r[2i], r[2i+1]), t[2i+1] = unpackhi(…), in Z8..Z15: 128-bit lane L of
	// t[2i] holds rows 2i, 2i+1 at depth 2L, of t[2i+1] at depth 2L+1.
	for i := 0; i < 4; i++ {
		VUNPCKLPD(z(2*i+1), z(2*i), z(8+2*i))
		VUNPCKHPD(z(2*i+1), z(2*i), z(8+2*i+1))
	}
	// For parity e (t[e], t[2+e], t[4+e], t[6+e]): v = lanes 0, 2 of t[e] and of t[2+e]
	// (0x88), v' = lanes 1, 3 (0xDD); likewise w, w' from t[4+e], t[6+e]; then output depth
	// 4h+2g+e... gathers lane pairs of v and w in the same way.
	LEAQ(Mem{Base: dst, Index: ds, Scale: 4}, dst4)
	for e := 0; e < 2; e++ {
		t := func(i int) VecPhysical { return z(8 + 2*i + e) }
		v0, v1, w0, w1, o := z(16), z(17), z(18), z(19), z(20)
		VSHUFF64X2(U8(0x88), t(1), t(0), v0) // t0.L0 t0.L2 t2.L0 t2.L2: depths 0, 4
		VSHUFF64X2(U8(0xDD), t(1), t(0), v1) // depths 2, 6
		VSHUFF64X2(U8(0x88), t(3), t(2), w0)
		VSHUFF64X2(U8(0xDD), t(3), t(2), w1)
		for _, out := range []struct {
			v, w VecPhysical
			imm  uint8
			p    int
		}{{v0, w0, 0x88, 0}, {v0, w0, 0xDD, 4}, {v1, w1, 0x88, 2}, {v1, w1, 0xDD, 6}} {
			VSHUFF64X2(U8(out.imm), out.w, out.v, o)
			VMOVUPD(o, at(dst, dst4, ds, ds3, out.p+e))
		}
	}
	ADDQ(U8(64), src)
	ADDQ(U8(64), src4)
	LEAQ(Mem{Base: dst, Index: ds, Scale: 8}, dst)
	DECQ(n)
	JNZ(LabelRef("packCols8F64_loop"))
	VZEROUPPER()
	RET()
}

// packCols4F64 emits the AVX2 transposing float64 packer: it copies 4 source rows (depth
// contiguous, row stride ld elements) into 4 lanes of a k-major panel whose depth steps are
// dstStride elements apart, 4 depth steps at a time, by a 4×4 transpose in registers (unpack of
// doubles, then 128-bit permutes). An 8-lane panel is packed by two calls, one per half.
func packCols4F64() {
	TEXT("packCols4F64AVX2", NOSPLIT, "func(blocks int, src *float64, ld int, dst *float64, dstStride int)")
	Pragma("noescape")
	Doc("packCols4F64AVX2 sets dst[p*dstStride+q] = src[q*ld+p] for q in [0, 4) and p in [0, 4*blocks).",
		"blocks must be positive.")
	n := Load(Param("blocks"), GP64())
	src := Load(Param("src"), GP64())
	ld := Load(Param("ld"), GP64())
	dst := Load(Param("dst"), GP64())
	ds := Load(Param("dstStride"), GP64())
	SHLQ(U8(3), ld)
	SHLQ(U8(3), ds)
	ld3 := GP64()
	LEAQ(Mem{Base: ld, Index: ld, Scale: 2}, ld3)
	ds3 := GP64()
	LEAQ(Mem{Base: ds, Index: ds, Scale: 2}, ds3)
	at := func(b, s, s3 Register, i int) Mem {
		return []Mem{{Base: b}, {Base: b, Index: s, Scale: 1}, {Base: b, Index: s, Scale: 2}, {Base: b, Index: s3, Scale: 1}}[i]
	}
	Label("packCols4F64_loop")
	r := []VecPhysical{Y0, Y1, Y2, Y3}
	t := []VecPhysical{Y4, Y5, Y6, Y7}
	for q := 0; q < 4; q++ {
		VMOVUPD(at(src, ld, ld3, q), r[q])
	}
	// t0 = rows 0, 1 at depths 0 and 2; t1 at depths 1 and 3; t2, t3 likewise for rows 2, 3.
	VUNPCKLPD(r[1], r[0], t[0])
	VUNPCKHPD(r[1], r[0], t[1])
	VUNPCKLPD(r[3], r[2], t[2])
	VUNPCKHPD(r[3], r[2], t[3])
	// Depth p: the low (p < 2) or high 128-bit halves of t[p%2] and t[2+p%2].
	for p := 0; p < 4; p++ {
		imm := U8(0x20)
		if p >= 2 {
			imm = U8(0x31)
		}
		VPERM2F128(imm, t[2+p%2], t[p%2], r[p])
		VMOVUPD(r[p], at(dst, ds, ds3, p))
	}
	ADDQ(U8(32), src)
	LEAQ(Mem{Base: dst, Index: ds, Scale: 4}, dst)
	DECQ(n)
	JNZ(LabelRef("packCols4F64_loop"))
	VZEROUPPER()
	RET()
}

// packRowsF64 emits the non-transposing float64 packer of vecs·8-lane panels: vecs 64-byte copies
// per depth step, four steps per trip.
func packRowsF64(vecs int) {
	name := fmt.Sprintf("packRows%dF64AVX512", 8*vecs)
	TEXT(name, NOSPLIT, "func(kb int, src *float64, ld int, dst *float64)")
	Pragma("noescape")
	Doc(fmt.Sprintf("%s sets dst[p*%d+q] = src[p*ld+q] for q in [0, %d) and p in [0, kb).", name, 8*vecs, 8*vecs),
		"kb must be positive.")
	n := Load(Param("kb"), GP64())
	src := Load(Param("src"), GP64())
	ld := Load(Param("ld"), GP64())
	dst := Load(Param("dst"), GP64())
	SHLQ(U8(3), ld)
	ld3 := GP64()
	LEAQ(Mem{Base: ld, Index: ld, Scale: 2}, ld3)
	z := func(i int) VecPhysical { return kernelSpec{zmm: true}.vec(i) }
	row := func(p int) Mem {
		return []Mem{{Base: src}, {Base: src, Index: ld, Scale: 1}, {Base: src, Index: ld, Scale: 2}, {Base: src, Index: ld3, Scale: 1}}[p]
	}
	Label(name + "_loop4")
	CMPQ(n, U8(4))
	JL(LabelRef(name + "_tail"))
	for p := 0; p < 4; p++ {
		for v := 0; v < vecs; v++ {
			VMOVUPD(row(p).Offset(64*v), z(p*vecs+v))
		}
	}
	for p := 0; p < 4; p++ {
		for v := 0; v < vecs; v++ {
			VMOVUPD(z(p*vecs+v), Mem{Base: dst, Disp: 64 * (p*vecs + v)})
		}
	}
	LEAQ(Mem{Base: src, Index: ld, Scale: 4}, src)
	ADDQ(U32(256*vecs), dst)
	SUBQ(U8(4), n)
	JMP(LabelRef(name + "_loop4"))
	Label(name + "_tail")
	TESTQ(n, n)
	JZ(LabelRef(name + "_done"))
	for v := 0; v < vecs; v++ {
		VMOVUPD(Mem{Base: src, Disp: 64 * v}, z(v))
		VMOVUPD(z(v), Mem{Base: dst, Disp: 64 * v})
	}
	ADDQ(ld, src)
	ADDQ(U8(64*vecs), dst)
	DECQ(n)
	JMP(LabelRef(name + "_tail"))
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// float64Kernels emits every double-precision kernel of this file.
func float64Kernels() {
	gemm64Kernels()
	packCols8F64()
	packCols4F64()
	packRowsF64(1)
	packRowsF64(2)
	gemvDots64(1)
	gemvDots64(2)
	for _, op := range []string{"add", "sub", "mul", "div"} {
		binary64(op)
	}
	relu64()
	reluForward64()
	reluBackward64()
}

// gemvDots64 emits the float64 form of gemvDots (gemv.go): 8·panels rows of W at a time, 8 depth
// steps per trip, each 8×8 block transposed in registers (the shuffles of packCols8F64) so that
// lane q holds row q, and the 8 depth steps folded into the panel's accumulator by fused
// multiply-adds in increasing depth order, x[p] an embedded broadcast. Lane q of a panel thus
// forms Σ_p w[q*ld+p]·x[p] from +0 exactly as the float64 micro-kernels form an element of C,
// without packing W.
func gemvDots64(panels int) {
	rows := 8 * panels
	name := fmt.Sprintf("gemvDots%dF64AVX512", rows)
	TEXT(name, NOSPLIT, "func(blocks int, x *float64, w *float64, ld int, s *float64)")
	Pragma("noescape")
	Doc(fmt.Sprintf("%s sets s[q] = Σ_p w[q*ld+p]*x[p] for q in [0, %d), p in [0, 8*blocks),", name, rows),
		"each sum formed from +0 by fused multiply-adds in increasing p order (one lane per q).",
		"blocks must be positive.")
	n := Load(Param("blocks"), GP64())
	x := Load(Param("x"), GP64())
	w := Load(Param("w"), GP64())
	ld := Load(Param("ld"), GP64())
	SHLQ(U8(3), ld)
	ld3 := GP64()
	LEAQ(Mem{Base: ld, Index: ld, Scale: 2}, ld3)
	base := make([]Register, 2*panels)
	base[0] = w
	for g := 1; g < len(base); g++ {
		base[g] = GP64()
		LEAQ(Mem{Base: base[g-1], Index: ld, Scale: 4}, base[g])
	}
	all := make([]VecPhysical, 32)
	for i := range all {
		all[i] = kernelSpec{zmm: true}.vec(i)
	}
	acc := all[32-panels:]
	for _, a := range acc {
		VPXORQ(a, a, a)
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
		var r [8]VecPhysical
		for q := 0; q < 8; q++ {
			b := base[2*pn+q/4]
			m := []Mem{{Base: b}, {Base: b, Index: ld, Scale: 1}, {Base: b, Index: ld, Scale: 2}, {Base: b, Index: ld3, Scale: 1}}[q%4]
			r[q] = alloc()
			VMOVUPD(m, r[q])
		}
		// t[2i] = unpacklo(r[2i], r[2i+1]) (depths 0, 2, 4, 6), t[2i+1] = unpackhi(…) (odd).
		var t [8]VecPhysical
		for i := 0; i < 4; i++ {
			t[2*i], t[2*i+1] = alloc(), alloc()
			VUNPCKLPD(r[2*i+1], r[2*i], t[2*i])
			VUNPCKHPD(r[2*i+1], r[2*i], t[2*i+1])
			release(r[2*i], r[2*i+1])
		}
		// o[p] holds the 8 rows at depth p (see packCols8F64).
		var o [8]VecPhysical
		for e := 0; e < 2; e++ {
			v0, v1, w0, w1 := alloc(), alloc(), alloc(), alloc()
			VSHUFF64X2(U8(0x88), t[2+e], t[e], v0)
			VSHUFF64X2(U8(0xDD), t[2+e], t[e], v1)
			VSHUFF64X2(U8(0x88), t[6+e], t[4+e], w0)
			VSHUFF64X2(U8(0xDD), t[6+e], t[4+e], w1)
			release(t[e], t[2+e], t[4+e], t[6+e])
			for _, out := range []struct {
				v, w VecPhysical
				imm  uint8
				p    int
			}{{v0, w0, 0x88, 0}, {v0, w0, 0xDD, 4}, {v1, w1, 0x88, 2}, {v1, w1, 0xDD, 6}} {
				o[out.p+e] = alloc()
				VSHUFF64X2(U8(out.imm), out.w, out.v, o[out.p+e])
			}
			release(v0, v1, w0, w1)
		}
		for p := 0; p < 8; p++ {
			VFMADD231PD_BCST(Mem{Base: x, Disp: 8 * p}, o[p], acc[pn])
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
		VMOVUPD(a, Mem{Base: s, Disp: 64 * pn})
	}
	VZEROUPPER()
	RET()
}
