// Command asmgen generates the amd64 assembly kernels of package kernel (asm_amd64.s and its Go
// declarations asm_amd64.go) with avo. It is its own module so that the main module does not
// depend on avo; run it with `go generate` in internal/kernel, which executes
//
//	go run -C asmgen . -out ../asm_amd64.s -stubs ../asm_amd64.go -pkg kernel
//
// # Micro-kernels
//
// Each GEMM micro-kernel forms an mr×nr tile of C from a packed mr-row panel of A (mr values per
// depth step) and a packed nr-column panel of B (nr values per depth step), nr being a whole
// number of vectors. Each element's sum starts from zero and accumulates one fused multiply-add
// per depth step in increasing k order; then c = alpha*s (beta == 0) or c = alpha*s + beta*c,
// each multiplication rounded separately. The depth loop is unrolled four times with a one-step
// remainder loop, so any positive depth is accepted (the driver need not pad k).
//
// The AVX-512 kernels prefetch the packed A panel 1 KiB (16 depth steps) ahead: the panel
// streams from L2 once per call.
//
// gemmMicroAVX512PrefetchC is gemmMicroAVX512 with a software prefetch of C rows in its depth
// loop, for products whose C is too large to stay in the caches between depth blocks (same
// arithmetic, same results).
//
// Tile shapes: AVX-512 uses 16 rows × 16 columns (one ZMM vector of B per step, each A value an
// embedded-broadcast memory operand of its FMA, so 16 accumulators and one B register); AVX2 uses
// 6 rows × 16 columns (two YMM vectors of B, a broadcast register, 12 accumulators), the usual
// shape for 16 vector registers.
//
// The AVX-512 pair kernels (gemmMicroAVX512Pair and its PrefetchC variant) form a 16×32 tile from
// one packed 16-row panel of A and two packed 16-column panels of B, in two halves of 8 rows: per
// depth step two B vectors, and each A value broadcast once into a register (VBROADCASTSS) for
// two FMAs, so 16 accumulators. That is half the loads per FMA of the 16×16 kernel and half its
// traffic of A from L2 per column of C; the driver uses them wherever two full B panels remain.
// gemmMicroAVX512Pair6 is the 6×32 pair kernel (one pass, 12 accumulators) that products of at
// most 6 rows use beside the 6×16 AVX2 kernel. Each element gets the same fused multiply-adds in
// the same order as in the 16×16 kernels, so the results are the same bits.
//
// # Other kernels
//
// packCols16AVX512 and packRows16AVX512 are the AVX-512 packers of 16-lane panels (the first
// transposes 16×16 blocks in registers); gemvDots32AVX512, gemvDots16AVX512, gemvDots16AVX2 and
// gemvDots8AVX2 are the matrix-vector kernels of gemv.go (rows of a matrix read in place and
// transposed in registers, one output per lane, the micro-kernels' arithmetic);
// gemvPanels{8,4,2,1}AVX512, gemvPanels{4,2,1}AVX2 and gemvRows4Panels{4,2,1}AVX512 are the
// matrix-vector kernels over a weight packed once by PackGemv32 (one vector load per 16 outputs
// and depth step, one or four input rows, the same arithmetic, bias and ReLU in the epilogue); reluAVX2,
// reluBackwardAVX2, addAVX2/subAVX2/mulAVX2/divAVX2 and tanhAVX2 (Tanh32 and Sigmoid32) are
// element-wise loops over float32 slices, rounding exactly as the scalar Go reference (IEEE
// operations and single-rounding fused multiply-adds; tanhAVX2 has none, as its reference rounds
// every product before the following addition). The optimizer kernels (adam, rmsprop, sgd; float32
// and float64; AVX-512 and AVX2) are described in optim.go, the float64 micro-kernels and
// element-wise loops in gemm64.go.
package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// unroll is the number of depth steps per main-loop trip.
const unroll = 4

// kernelSpec describes one micro-kernel.
type kernelSpec struct {
	name   string
	zmm    bool // AVX-512 (ZMM, 16 lanes) or AVX2 (YMM, 8 lanes)
	mr     int  // rows of the tile
	nvec   int  // vectors of B per depth step
	bcstFM bool // use embedded-broadcast FMAs (AVX-512 only)
	pfC    bool // prefetch one row of C per depth-loop trip
	pfA    int  // when not 0, prefetch packed A this many bytes ahead at each depth step
	// pair makes a kernel of halves·mr rows by two B panels of one
	// vector each (nvec must be 2): A is a packed panel of halves·mr
	// lanes, and the tile is computed in halves passes of mr rows (see
	// micro).
	pair   bool
	halves int
}

// rows is the number of rows of the kernel's tile.
func (s kernelSpec) rows() int {
	if s.pair {
		return s.halves * s.mr
	}
	return s.mr
}

func (s kernelSpec) lanes() int {
	if s.zmm {
		return 16
	}
	return 8
}

func (s kernelSpec) vec(i int) VecPhysical {
	if s.zmm {
		return []VecPhysical{Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7, Z8, Z9, Z10, Z11, Z12, Z13, Z14, Z15,
			Z16, Z17, Z18, Z19, Z20, Z21, Z22, Z23, Z24, Z25, Z26, Z27, Z28, Z29, Z30, Z31}[i]
	}
	return []VecPhysical{Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y8, Y9, Y10, Y11, Y12, Y13, Y14, Y15}[i]
}

func main() {
	ConstraintExpr("amd64,!purego")
	specs := []kernelSpec{
		{name: "gemmMicroAVX512", zmm: true, mr: 16, nvec: 1, bcstFM: true, pfA: 1024},
		{name: "gemmMicroAVX2", zmm: false, mr: 6, nvec: 2},
		{name: "gemmMicroAVX512PrefetchC", zmm: true, mr: 16, nvec: 1, bcstFM: true, pfC: true, pfA: 1024},
		{name: "gemmMicroAVX512Pair", zmm: true, mr: 8, nvec: 2, pair: true, halves: 2, pfA: 1024},
		{name: "gemmMicroAVX512PairPrefetchC", zmm: true, mr: 8, nvec: 2, pair: true, halves: 2, pfC: true, pfA: 1024},
		{name: "gemmMicroAVX512Pair6", zmm: true, mr: 6, nvec: 2, pair: true, halves: 1},
	}
	for _, s := range specs {
		micro(s)
	}
	peak("fmaLoopAVX512", true)
	peak("fmaLoopAVX2", false)
	packCols16()
	packRows16()
	gemvDots(1)
	gemvDots(2)
	gemvDotsAVX2(1)
	gemvDotsAVX2(2)
	for _, g := range []int{1, 2, 4, 8} {
		gemvPanels(g, true)
	}
	for _, g := range []int{1, 2, 4} {
		gemvPanels(g, false)
	}
	for _, g := range []int{1, 2, 4} {
		gemvRowsPanels(4, g)
	}
	reluBackward()
	reluForward()
	for _, op := range []string{"add", "sub", "mul", "div"} {
		binary(op)
	}
	maxPool2x2()
	stridedRows("copy", false)
	stridedRows("add", false)
	stridedRows("copy", true)
	stridedRows("add", true)
	tanhSigmoid()
	optimizers()
	float64Kernels()
	Generate()
}

// micro emits one GEMM micro-kernel.
func micro(s kernelSpec) {
	nr := s.nvec * s.lanes()
	sig := "func(kc int, a, b *float32, alpha, beta float32, c *float32, ldc int)"
	doc := []string{
		fmt.Sprintf("%s sets the %d×%d tile at c (row stride ldc) to alpha*s + beta*c (alpha*s when", s.name, s.mr, nr),
		fmt.Sprintf("beta == 0), s[i][j] = Σ_p a[p*%d+i]*b[p*%d+j] over p in [0, kc) accumulated by", s.mr, nr),
		"fused multiply-adds in increasing p order. kc must be positive.",
	}
	if s.pair {
		sig = "func(kc int, a, b *float32, bs int, alpha, beta float32, c *float32, ldc int)"
		passes := ""
		if s.halves > 1 {
			passes = fmt.Sprintf(", computed in %d passes of %d rows", s.halves, s.mr)
		}
		doc = []string{
			fmt.Sprintf("%s sets the %d×%d tile at c (row stride ldc) to alpha*s + beta*c (alpha*s when", s.name, s.rows(), nr),
			fmt.Sprintf("beta == 0), s[i][j] = Σ_p a[p*%d+i]*b[p*%d+j] (j < %d) or Σ_p a[p*%d+i]*b[bs+p*%d+j-%d]", s.rows(), s.lanes(), s.lanes(), s.rows(), s.lanes(), s.lanes()),
			"over p in [0, kc), accumulated by fused multiply-adds in increasing p order:",
			fmt.Sprintf("the product of a %d-row panel of A with two %d-column panels of B, bs", s.rows(), s.lanes()),
			fmt.Sprintf("elements apart%s. kc must be positive.", passes),
		}
	}
	TEXT(s.name, NOSPLIT, sig)
	Pragma("noescape")
	Doc(doc...)
	if !s.pair {
		microPass(s, s.name, 0)
		return
	}
	for h := range s.halves {
		name := fmt.Sprintf("%s_h%d", s.name, h)
		microPass(s, name, h)
		Label(name + "_done")
	}
	VZEROUPPER()
	RET()
}

// microPass emits the depth loop and the update of C for one tile, or (for
// a pair kernel) for half h of its rows, under labels prefixed by name. A
// pair kernel's pass ends by jumping to name+"_done"; a plain kernel's
// returns.
func microPass(s kernelSpec, name string, h int) {
	nr := s.nvec * s.lanes()
	aStep := s.rows() // A values per depth step in the packed panel
	n := Load(Param("kc"), GP64())
	pa := Load(Param("a"), GP64())
	pb := Load(Param("b"), GP64())
	// bases holds the B panel pointers (two for a pair kernel); bBase(v)
	// and bDisp(k, v) address vector v of B at depth step k.
	bases := []Register{pb}
	bBase := func(int) Register { return pb }
	bDisp := func(k, v int) int { return 4*(k*nr) + v*4*s.lanes() }
	bStep := 4 * nr
	if s.pair {
		pb1 := Load(Param("bs"), GP64())
		LEAQ(Mem{Base: pb, Index: pb1, Scale: 4}, pb1)
		bases = append(bases, pb1)
		bBase = func(v int) Register { return bases[v] }
		bDisp = func(k, v int) int { return 4 * k * s.lanes() }
		bStep = 4 * s.lanes()
		if h > 0 {
			ADDQ(U32(4*h*s.mr), pa)
		}
	}

	nacc := s.mr * s.nvec
	acc := func(i, v int) VecPhysical { return s.vec(i*s.nvec + v) }
	bv := func(v int) VecPhysical { return s.vec(nacc + v) }
	tmp := s.vec(nacc + s.nvec)
	for i := 0; i < nacc; i++ {
		r := s.vec(i)
		VXORPS(r, r, r)
	}
	vbytes := 4 * s.lanes()
	step := func(k int) {
		for v := 0; v < s.nvec; v++ {
			VMOVUPS(Mem{Base: bBase(v), Disp: bDisp(k, v)}, bv(v))
		}
		if s.pfA > 0 {
			PREFETCHT0(Mem{Base: pa, Disp: 4*(k*aStep) + s.pfA})
		}
		for i := 0; i < s.mr; i++ {
			am := Mem{Base: pa, Disp: 4 * (k*aStep + i)}
			if s.bcstFM {
				for v := 0; v < s.nvec; v++ {
					VFMADD231PS_BCST(am, bv(v), acc(i, v))
				}
				continue
			}
			VBROADCASTSS(am, tmp)
			for v := 0; v < s.nvec; v++ {
				VFMADD231PS(tmp, bv(v), acc(i, v))
			}
		}
	}
	advance := func(steps int) {
		ADDQ(U32(4*steps*aStep), pa)
		for _, b := range bases {
			ADDQ(U32(steps*bStep), b)
		}
	}
	var pf, pfStride Register
	if s.pfC {
		// One row of C is prefetched per trip, from the tile's first row
		// down: the tile's own rows, read after the loop, and (for depths
		// beyond 4·mr) those of the tile below, which the driver's next
		// call updates. For a C far larger than the caches this hides the
		// misses of the tile update; for small products it changes
		// nothing, so the driver only uses this variant for large C.
		pf = Load(Param("c"), GP64())
		pfStride = Load(Param("ldc"), GP64())
		SHLQ(U8(2), pfStride)
		if h > 0 {
			for range h * s.mr {
				ADDQ(pfStride, pf)
			}
		}
	}
	Comment("Main loop: unroll depth steps per trip.")
	Label(name + "_loop")
	CMPQ(n, U8(unroll))
	JL(LabelRef(name + "_tail"))
	if s.pfC {
		for line := 0; line < 4*nr; line += 64 {
			PREFETCHT0(Mem{Base: pf, Disp: line})
		}
		ADDQ(pfStride, pf)
	}
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
	SHLQ(U8(2), ldc)
	if h > 0 {
		for range h * s.mr {
			ADDQ(ldc, pc)
		}
	}
	// finish ends the pass: return, or go on to the pair's next half.
	finish := func() {
		if s.pair {
			JMP(LabelRef(name + "_done"))
			return
		}
		VZEROUPPER()
		RET()
	}
	al := bv(0)
	be := tmp
	var t VecPhysical
	if s.nvec > 1 {
		t = bv(1)
	} else {
		t = s.vec(nacc + 2)
	}
	// Scale by alpha (skipped when alpha == 1, where it changes nothing).
	alphaGP := GP32()
	MOVL(addr("alpha"), alphaGP)
	CMPL(alphaGP, U32(0x3f800000))
	JE(LabelRef(name + "_alpha1"))
	VBROADCASTSS(addr("alpha"), al)
	for i := 0; i < nacc; i++ {
		VMULPS(al, s.vec(i), s.vec(i))
	}
	Label(name + "_alpha1")
	// beta == 0: plain store (old C is not read, NaNs are not propagated).
	betaGP := GP32()
	MOVL(addr("beta"), betaGP)
	SHLL(U8(1), betaGP) // drop the sign: -0 counts as zero
	JZ(LabelRef(name + "_beta0"))
	row := GP64()
	MOVQ(pc, row)
	// beta == 1: add C directly (c*1 is exact, so the sum is the same).
	CMPL(addr("beta"), U32(0x3f800000))
	JNE(LabelRef(name + "_betaN"))
	for i := 0; i < s.mr; i++ {
		for v := 0; v < s.nvec; v++ {
			VADDPS(Mem{Base: row, Disp: v * vbytes}, acc(i, v), acc(i, v))
			VMOVUPS(acc(i, v), Mem{Base: row, Disp: v * vbytes})
		}
		if i+1 < s.mr {
			ADDQ(ldc, row)
		}
	}
	finish()
	Label(name + "_betaN")
	VBROADCASTSS(addr("beta"), be)
	for i := 0; i < s.mr; i++ {
		for v := 0; v < s.nvec; v++ {
			VMULPS(Mem{Base: row, Disp: v * vbytes}, be, t)
			VADDPS(t, acc(i, v), acc(i, v))
			VMOVUPS(acc(i, v), Mem{Base: row, Disp: v * vbytes})
		}
		if i+1 < s.mr {
			ADDQ(ldc, row)
		}
	}
	finish()
	Label(name + "_beta0")
	for i := 0; i < s.mr; i++ {
		for v := 0; v < s.nvec; v++ {
			VMOVUPS(acc(i, v), Mem{Base: pc, Disp: v * vbytes})
		}
		if i+1 < s.mr {
			ADDQ(ldc, pc)
		}
	}
	finish()
}

// peak emits a loop of independent FMAs for measuring the machine's peak.
func peak(name string, zmm bool) {
	TEXT(name, NOSPLIT, "func(iters int)")
	lanes := 8
	if zmm {
		lanes = 16
	}
	const chains = 12
	Doc(fmt.Sprintf("%s runs iters trips of %d independent %d-lane FMAs (%d flops per trip).", name, chains, lanes, 2*chains*lanes))
	s := kernelSpec{zmm: zmm}
	n := Load(Param("iters"), GP64())
	for i := 0; i < chains+2; i++ {
		VXORPS(s.vec(i), s.vec(i), s.vec(i))
	}
	Label(name + "_loop")
	TESTQ(n, n)
	JZ(LabelRef(name + "_done"))
	for i := 0; i < chains; i++ {
		VFMADD231PS(s.vec(chains), s.vec(chains+1), s.vec(i))
	}
	DECQ(n)
	JMP(LabelRef(name + "_loop"))
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// addr returns the frame address of a scalar parameter.
func addr(name string) Mem {
	b, err := Param(name).Resolve()
	if err != nil {
		panic(err)
	}
	return b.Addr
}

// packCols16 emits the transposing packer of the AVX-512 kernel: it copies
// 16 source rows (depth contiguous, row stride ld elements) into a k-major
// panel of 16 lanes, 16 depth steps at a time, by a 16×16 transpose in
// registers (unpack of singles, of doubles, then two 128-bit lane shuffles).
func packCols16() {
	TEXT("packCols16AVX512", NOSPLIT, "func(blocks int, src *float32, ld int, dst *float32)")
	Pragma("noescape")
	Doc("packCols16AVX512 sets dst[p*16+q] = src[q*ld+p] for q in [0, 16) and p in [0, 16*blocks).",
		"blocks must be positive.")
	n := Load(Param("blocks"), GP64())
	src := Load(Param("src"), GP64())
	ld := Load(Param("ld"), GP64())
	dst := Load(Param("dst"), GP64())
	SHLQ(U8(2), ld)
	ld3 := GP64()
	LEAQ(Mem{Base: ld, Index: ld, Scale: 2}, ld3)
	var base [4]Register
	base[0] = src
	for g := 1; g < 4; g++ {
		base[g] = GP64()
		LEAQ(Mem{Base: base[g-1], Index: ld, Scale: 4}, base[g])
	}
	z := func(i int) VecPhysical {
		return []VecPhysical{Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7, Z8, Z9, Z10, Z11, Z12, Z13, Z14, Z15,
			Z16, Z17, Z18, Z19, Z20, Z21, Z22, Z23, Z24, Z25, Z26, Z27, Z28, Z29, Z30, Z31}[i]
	}
	Label("packCols16_loop")
	for q := 0; q < 16; q++ {
		b := base[q/4]
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
		VMOVUPS(m, z(q))
	}
	// t[2i] = unpacklo(r[2i], r[2i+1]), t[2i+1] = unpackhi(…), in Z16..Z31.
	for i := 0; i < 8; i++ {
		VUNPCKLPS(z(2*i+1), z(2*i), z(16+2*i))
		VUNPCKHPS(z(2*i+1), z(2*i), z(16+2*i+1))
	}
	// u[4g+0..3] from t[4g..4g+3], back in Z0..Z15: u[4g+j] holds rows
	// 4g..4g+3 at depth 4L+j in 128-bit lane L.
	for g := 0; g < 4; g++ {
		t := func(i int) VecPhysical { return z(16 + 4*g + i) }
		VUNPCKLPD(t(2), t(0), z(4*g+0))
		VUNPCKHPD(t(2), t(0), z(4*g+1))
		VUNPCKLPD(t(3), t(1), z(4*g+2))
		VUNPCKHPD(t(3), t(1), z(4*g+3))
	}
	for j := 0; j < 4; j++ {
		a, b, c, d := z(j), z(4+j), z(8+j), z(12+j)
		v0, v1, v2, v3, o := z(16), z(17), z(18), z(19), z(20)
		VSHUFF32X4(U8(0x44), b, a, v0)
		VSHUFF32X4(U8(0xEE), b, a, v1)
		VSHUFF32X4(U8(0x44), d, c, v2)
		VSHUFF32X4(U8(0xEE), d, c, v3)
		for l := 0; l < 4; l++ {
			x, y := v0, v2
			if l >= 2 {
				x, y = v1, v3
			}
			imm := U8(0x88)
			if l%2 == 1 {
				imm = U8(0xDD)
			}
			VSHUFF32X4(imm, y, x, o)
			VMOVUPS(o, Mem{Base: dst, Disp: 64 * (4*l + j)})
		}
	}
	for g := 0; g < 4; g++ {
		ADDQ(U8(64), base[g])
	}
	ADDQ(U32(1024), dst)
	DECQ(n)
	JNZ(LabelRef("packCols16_loop"))
	VZEROUPPER()
	RET()
}

// packRows16 emits the non-transposing 16-lane packer: one 64-byte row
// copy per depth step, four steps per trip.
func packRows16() {
	TEXT("packRows16AVX512", NOSPLIT, "func(kb int, src *float32, ld int, dst *float32)")
	Pragma("noescape")
	Doc("packRows16AVX512 sets dst[p*16+q] = src[p*ld+q] for q in [0, 16) and p in [0, kb).",
		"kb must be positive.")
	n := Load(Param("kb"), GP64())
	src := Load(Param("src"), GP64())
	ld := Load(Param("ld"), GP64())
	dst := Load(Param("dst"), GP64())
	SHLQ(U8(2), ld)
	ld3 := GP64()
	LEAQ(Mem{Base: ld, Index: ld, Scale: 2}, ld3)
	Label("packRows16_loop4")
	CMPQ(n, U8(4))
	JL(LabelRef("packRows16_tail"))
	VMOVUPS(Mem{Base: src}, Z0)
	VMOVUPS(Mem{Base: src, Index: ld, Scale: 1}, Z1)
	VMOVUPS(Mem{Base: src, Index: ld, Scale: 2}, Z2)
	VMOVUPS(Mem{Base: src, Index: ld3, Scale: 1}, Z3)
	VMOVUPS(Z0, Mem{Base: dst})
	VMOVUPS(Z1, Mem{Base: dst, Disp: 64})
	VMOVUPS(Z2, Mem{Base: dst, Disp: 128})
	VMOVUPS(Z3, Mem{Base: dst, Disp: 192})
	LEAQ(Mem{Base: src, Index: ld, Scale: 4}, src)
	ADDQ(U32(256), dst)
	SUBQ(U8(4), n)
	JMP(LabelRef("packRows16_loop4"))
	Label("packRows16_tail")
	TESTQ(n, n)
	JZ(LabelRef("packRows16_done"))
	VMOVUPS(Mem{Base: src}, Z0)
	VMOVUPS(Z0, Mem{Base: dst})
	ADDQ(ld, src)
	ADDQ(U8(64), dst)
	DECQ(n)
	JMP(LabelRef("packRows16_tail"))
	Label("packRows16_done")
	VZEROUPPER()
	RET()
}

// reluBackward emits ReLU's gradient: dst = g where y > 0, else g*0
// (which keeps the sign of a zero and turns ±Inf or NaN into NaN, as
// multiplying by a 0/1 mask does).
func reluBackward() {
	TEXT("reluBackwardAVX2", NOSPLIT, "func(n int, dst, grad, y *float32)")
	Pragma("noescape")
	Doc("reluBackwardAVX2 sets dst[i] = grad[i] if y[i] > 0 and grad[i]*0 otherwise, for i in [0, n).")
	n := Load(Param("n"), GP64())
	dst := Load(Param("dst"), GP64())
	pg := Load(Param("grad"), GP64())
	py := Load(Param("y"), GP64())
	zero := Y15
	VXORPS(zero, zero, zero)
	Label("reluBackward_loop8")
	CMPQ(n, U8(8))
	JL(LabelRef("reluBackward_tail"))
	VMOVUPS(Mem{Base: pg}, Y0)
	VMULPS(zero, Y0, Y1)
	// Y2 = (0 < y) ordered, i.e. y > 0.
	VCMPPS(U8(1), Mem{Base: py}, zero, Y2)
	VBLENDVPS(Y2, Y0, Y1, Y1)
	VMOVUPS(Y1, Mem{Base: dst})
	ADDQ(U8(32), dst)
	ADDQ(U8(32), pg)
	ADDQ(U8(32), py)
	SUBQ(U8(8), n)
	JMP(LabelRef("reluBackward_loop8"))
	Label("reluBackward_tail")
	TESTQ(n, n)
	JZ(LabelRef("reluBackward_done"))
	VMOVSS(Mem{Base: pg}, X0)
	VMULSS(X15, X0, X1)
	VMOVSS(Mem{Base: py}, X3)
	VCMPSS(U8(1), X3, X15, X2)
	VBLENDVPS(X2, X0, X1, X1)
	VMOVSS(X1, Mem{Base: dst})
	ADDQ(U8(4), dst)
	ADDQ(U8(4), pg)
	ADDQ(U8(4), py)
	DECQ(n)
	JMP(LabelRef("reluBackward_tail"))
	Label("reluBackward_done")
	VZEROUPPER()
	RET()
}

// reluForward emits PyTorch's ReLU: dst = x where x > 0 or x is NaN, else
// +0 (so -0 becomes +0), by masking x with !(x <= 0).
func reluForward() {
	TEXT("reluAVX2", NOSPLIT, "func(n int, dst, x *float32)")
	Pragma("noescape")
	Doc("reluAVX2 sets dst[i] = x[i] if x[i] > 0 or x[i] is NaN, and +0 otherwise, for i in [0, n).")
	n := Load(Param("n"), GP64())
	dst := Load(Param("dst"), GP64())
	px := Load(Param("x"), GP64())
	zero := Y15
	VXORPS(zero, zero, zero)
	Label("relu_loop32")
	CMPQ(n, U8(32))
	JL(LabelRef("relu_loop8"))
	for v := 0; v < 4; v++ {
		x, m := []VecPhysical{Y0, Y1, Y2, Y3}[v], []VecPhysical{Y4, Y5, Y6, Y7}[v]
		VMOVUPS(Mem{Base: px, Disp: 32 * v}, x)
		// m = !(x <= 0), unordered true (predicate NLE_UQ).
		VCMPPS(U8(6), zero, x, m)
		VANDPS(x, m, x)
		VMOVUPS(x, Mem{Base: dst, Disp: 32 * v})
	}
	ADDQ(U8(128), dst)
	ADDQ(U8(128), px)
	SUBQ(U8(32), n)
	JMP(LabelRef("relu_loop32"))
	Label("relu_loop8")
	CMPQ(n, U8(8))
	JL(LabelRef("relu_tail"))
	VMOVUPS(Mem{Base: px}, Y0)
	VCMPPS(U8(6), zero, Y0, Y4)
	VANDPS(Y0, Y4, Y0)
	VMOVUPS(Y0, Mem{Base: dst})
	ADDQ(U8(32), dst)
	ADDQ(U8(32), px)
	SUBQ(U8(8), n)
	JMP(LabelRef("relu_loop8"))
	Label("relu_tail")
	TESTQ(n, n)
	JZ(LabelRef("relu_done"))
	VMOVSS(Mem{Base: px}, X0)
	VCMPSS(U8(6), X15, X0, X4)
	VANDPS(X0, X4, X0)
	VMOVSS(X0, Mem{Base: dst})
	ADDQ(U8(4), dst)
	ADDQ(U8(4), px)
	DECQ(n)
	JMP(LabelRef("relu_tail"))
	Label("relu_done")
	VZEROUPPER()
	RET()
}

// binary emits dst = x op y over n float32 values (IEEE add, sub, mul or
// div: the same bits as the scalar Go operation).
func binary(op string) {
	name := op + "AVX2"
	TEXT(name, NOSPLIT, "func(n int, dst, x, y *float32)")
	Pragma("noescape")
	Doc(fmt.Sprintf("%s sets dst[i] = x[i] %s y[i] for i in [0, n).", name, map[string]string{"add": "+", "sub": "-", "mul": "*", "div": "/"}[op]))
	vop := map[string]func(...Op){"add": VADDPS, "sub": VSUBPS, "mul": VMULPS, "div": VDIVPS}[op]
	sop := map[string]func(...Op){"add": VADDSS, "sub": VSUBSS, "mul": VMULSS, "div": VDIVSS}[op]
	n := Load(Param("n"), GP64())
	dst := Load(Param("dst"), GP64())
	px := Load(Param("x"), GP64())
	py := Load(Param("y"), GP64())
	Label(name + "_loop32")
	CMPQ(n, U8(32))
	JL(LabelRef(name + "_loop8"))
	for v := 0; v < 4; v++ {
		x := []VecPhysical{Y0, Y1, Y2, Y3}[v]
		VMOVUPS(Mem{Base: px, Disp: 32 * v}, x)
		vop(Mem{Base: py, Disp: 32 * v}, x, x)
		VMOVUPS(x, Mem{Base: dst, Disp: 32 * v})
	}
	ADDQ(U8(128), dst)
	ADDQ(U8(128), px)
	ADDQ(U8(128), py)
	SUBQ(U8(32), n)
	JMP(LabelRef(name + "_loop32"))
	Label(name + "_loop8")
	CMPQ(n, U8(8))
	JL(LabelRef(name + "_tail"))
	VMOVUPS(Mem{Base: px}, Y0)
	vop(Mem{Base: py}, Y0, Y0)
	VMOVUPS(Y0, Mem{Base: dst})
	ADDQ(U8(32), dst)
	ADDQ(U8(32), px)
	ADDQ(U8(32), py)
	SUBQ(U8(8), n)
	JMP(LabelRef(name + "_loop8"))
	Label(name + "_tail")
	TESTQ(n, n)
	JZ(LabelRef(name + "_done"))
	VMOVSS(Mem{Base: px}, X0)
	sop(Mem{Base: py}, X0, X0)
	VMOVSS(X0, Mem{Base: dst})
	ADDQ(U8(4), dst)
	ADDQ(U8(4), px)
	ADDQ(U8(4), py)
	DECQ(n)
	JMP(LabelRef(name + "_tail"))
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// maxPool2x2 emits one output row of a 2×2, stride-2 max pool: for each
// output o the window r0[2o], r0[2o+1], r1[2o], r1[2o+1] is scanned in that
// order, a value winning if it is greater than the best so far or NaN (so
// the first maximum wins ties, the last NaN wins), eight outputs a trip.
func maxPool2x2() {
	TEXT("maxPool2x2AVX2", NOSPLIT, "func(n int, r0, r1, y *float32, code *int32)")
	Pragma("noescape")
	Doc("maxPool2x2AVX2 sets y[o] to the winner of r0[2o], r0[2o+1], r1[2o], r1[2o+1] (greater than",
		"the best so far, or NaN, wins) and code[o] to its position 0..3, for o in [0, n); n is a",
		"positive multiple of 8.")
	n := Load(Param("n"), GP64())
	p0 := Load(Param("r0"), GP64())
	p1 := Load(Param("r1"), GP64())
	py := Load(Param("y"), GP64())
	pc := Load(Param("code"), GP64())
	k := []VecPhysical{nil, Y13, Y14, Y15}
	for c := 1; c <= 3; c++ {
		t := GP32()
		MOVL(U32(c), t)
		VMOVD(t, X12)
		VPBROADCASTD(X12, k[c])
	}
	Label("maxPool2x2_loop")
	VMOVUPS(Mem{Base: p0}, Y0)
	VMOVUPS(Mem{Base: p0, Disp: 32}, Y1)
	VSHUFPS(U8(0x88), Y1, Y0, Y2) // even lanes
	VSHUFPS(U8(0xDD), Y1, Y0, Y3) // odd lanes
	VPERMPD(U8(0xD8), Y2, Y2)
	VPERMPD(U8(0xD8), Y3, Y3)
	VMOVUPS(Mem{Base: p1}, Y0)
	VMOVUPS(Mem{Base: p1, Disp: 32}, Y1)
	VSHUFPS(U8(0x88), Y1, Y0, Y4)
	VSHUFPS(U8(0xDD), Y1, Y0, Y5)
	VPERMPD(U8(0xD8), Y4, Y4)
	VPERMPD(U8(0xD8), Y5, Y5)
	best, code := Y2, Y6
	VPXOR(code, code, code)
	for c, v := range []VecPhysical{Y3, Y4, Y5} {
		// m = v > best (ordered) or v is NaN.
		VCMPPS(U8(0x1E), best, v, Y7)
		VCMPPS(U8(0x03), v, v, Y8)
		VORPS(Y8, Y7, Y7)
		VBLENDVPS(Y7, v, best, best)
		VBLENDVPS(Y7, k[c+1], code, code)
	}
	VMOVUPS(best, Mem{Base: py})
	VMOVDQU(code, Mem{Base: pc})
	ADDQ(U8(64), p0)
	ADDQ(U8(64), p1)
	ADDQ(U8(32), py)
	ADDQ(U8(32), pc)
	SUBQ(U8(8), n)
	JNZ(LabelRef("maxPool2x2_loop"))
	VZEROUPPER()
	RET()
}

// stridedRows emits copyRowsAVX512 (dst row = src row) or addRowsAVX512
// (dst row += src row) over rows of width floats at independent strides:
// full 16-lane vectors, then the last width%16 lanes under the mask k
// (passed by the caller as (1<<(width%16))-1); with f64, copyRows64AVX512
// and addRows64AVX512, the same over float64 rows in 8-lane vectors.
func stridedRows(op string, f64 bool) {
	name, elem, lanes, shift := op+"RowsAVX512", "float32", 16, uint8(2)
	mov, add, movz := VMOVUPS, VADDPS, VMOVUPS_Z
	if f64 {
		name, elem, lanes, shift = op+"Rows64AVX512", "float64", 8, 3
		mov, add, movz = VMOVUPD, VADDPD, VMOVUPD_Z
	}
	TEXT(name, NOSPLIT, fmt.Sprintf("func(rows int, dst *%s, dstStride int, src *%s, srcStride int, full, mask int)", elem, elem))
	Pragma("noescape")
	what := "dst[r*dstStride+j] = src[r*srcStride+j]"
	if op == "add" {
		what = "dst[r*dstStride+j] += src[r*srcStride+j]"
	}
	Doc(fmt.Sprintf("%s sets %s for r in [0, rows) and j in [0, %d*full+w),", name, what, lanes),
		fmt.Sprintf("where mask = 1<<w - 1 (w < %d). rows must be positive.", lanes))
	n := Load(Param("rows"), GP64())
	dst := Load(Param("dst"), GP64())
	ds := Load(Param("dstStride"), GP64())
	src := Load(Param("src"), GP64())
	ss := Load(Param("srcStride"), GP64())
	full := Load(Param("full"), GP64())
	mask := GP64()
	Load(Param("mask"), mask)
	if f64 {
		KMOVB(mask.As32(), K1)
	} else {
		KMOVW(mask.As32(), K1)
	}
	SHLQ(U8(shift), ds)
	SHLQ(U8(shift), ss)
	d, sp, i := GP64(), GP64(), GP64()
	Label(name + "_row")
	MOVQ(dst, d)
	MOVQ(src, sp)
	MOVQ(full, i)
	Label(name + "_vec")
	TESTQ(i, i)
	JZ(LabelRef(name + "_tail"))
	mov(Mem{Base: sp}, Z0)
	if op == "add" {
		add(Mem{Base: d}, Z0, Z0)
	}
	mov(Z0, Mem{Base: d})
	ADDQ(U8(64), sp)
	ADDQ(U8(64), d)
	DECQ(i)
	JMP(LabelRef(name + "_vec"))
	Label(name + "_tail")
	movz(Mem{Base: sp}, K1, Z0)
	if op == "add" {
		movz(Mem{Base: d}, K1, Z1)
		add(Z1, Z0, Z0)
	}
	mov(Z0, K1, Mem{Base: d})
	ADDQ(ds, dst)
	ADDQ(ss, src)
	DECQ(n)
	JNZ(LabelRef(name + "_row"))
	VZEROUPPER()
	RET()
}

// tanhSigmoid emits Tanh32 (and Sigmoid32) over whole vectors of 8: the
// rational approximation of tanh32One in package kernel (tanh.go), operation
// for operation in its order and with every product rounded before it is
// added (VMULPS then VADDPS, never a fused multiply-add), so each lane gets
// the portable code's bits. The constants are read from c, laid out as
// tanhConsts: 0 lo, 1 hi (the clamp), 2..8 a1, a3, ..., a13, 9..12 b0, b2,
// b4, b6, 13 small, 14 half (indices of float32s).
func tanhSigmoid() {
	TEXT("tanhAVX2", NOSPLIT, "func(n int, d, c *float32, sigmoid int)")
	Pragma("noescape")
	Doc("tanhAVX2 sets d[i] = tanh32One(d[i]) (sigmoid != 0: 0.5 + 0.5*tanh32One(0.5*d[i])) for i in",
		"[0, n), n a multiple of 8, with the constants c (tanhConsts): the portable code's operations",
		"in its order, each product rounded (no fused multiply-adds), so the same bits.")
	n := Load(Param("n"), GP64())
	pd := Load(Param("d"), GP64())
	pc := Load(Param("c"), GP64())
	sig := Load(Param("sigmoid"), GP64())
	// c(i) is tanhConsts[i].
	c := func(i int) Mem { return Mem{Base: pc, Disp: 4 * i} }
	const (
		lo, hi                       = 0, 1
		a1, a3, a5, a7, a9, a11, a13 = 2, 3, 4, 5, 6, 7, 8
		b0, b2, b4, b6               = 9, 10, 11, 12
		small, half                  = 13, 14
	)
	vlo, vhi, vsmall, vhalf, vnsmall := Y8, Y9, Y10, Y11, Y12
	VBROADCASTSS(c(lo), vlo)
	VBROADCASTSS(c(hi), vhi)
	VBROADCASTSS(c(small), vsmall)
	VBROADCASTSS(c(half), vhalf)
	VXORPS(vnsmall, vnsmall, vnsmall)
	VSUBPS(vsmall, vnsmall, vnsmall) // -small

	Label("tanh_loop")
	CMPQ(n, U8(8))
	JL(LabelRef("tanh_done"))
	x, x2, x4, x8 := Y0, Y1, Y2, Y3
	VMOVUPS(Mem{Base: pd}, x)
	TESTQ(sig, sig)
	JZ(LabelRef("tanh_clamp"))
	VMULPS(vhalf, x, x) // x *= 0.5

	Label("tanh_clamp")
	// x = min(max(x, lo), hi), x the second source (the one VMAXPS and
	// VMINPS return when either is NaN): a NaN stays NaN, as with Go's
	// min and max.
	VMAXPS(x, vlo, x)
	VMINPS(x, vhi, x)
	VMULPS(x, x, x2)
	VMULPS(x2, x2, x4)
	VMULPS(x4, x4, x8)

	// pair sets dst = c(even) + float32(c(odd)*x2), through the scratch t.
	pair := func(even, odd int, dst, t VecPhysical) {
		VBROADCASTSS(c(odd), dst)
		VMULPS(x2, dst, dst)
		VBROADCASTSS(c(even), t)
		VADDPS(dst, t, dst)
	}
	p01, p23, p45, t := Y4, Y5, Y6, Y7
	pair(a1, a3, p01, Y5)
	pair(a5, a7, p23, Y6)
	pair(a9, a11, p45, t)
	VBROADCASTSS(c(a13), t)
	VMULPS(x4, t, t)      // a13*x4
	VADDPS(t, p45, p45)   // p45 + a13*x4
	VMULPS(x8, p45, p45)  // hi = (p45 + a13*x4)*x8
	VMULPS(x4, p23, p23)  // p23*x4
	VADDPS(p23, p01, p01) // p01 + p23*x4
	p := p01
	VADDPS(p45, p01, p) // p = (p01 + p23*x4) + hi

	q01, q23 := Y5, Y6
	pair(b0, b2, q01, Y6)
	pair(b4, b6, q23, t)
	VMULPS(x4, q23, q23)  // q23*x4
	VADDPS(q23, q01, q01) // q = q01 + q23*x4
	q := q01

	y := p
	VMULPS(p, x, y) // x*p
	VDIVPS(q, y, y) // y = x*p / q

	Comment("y = x where -small < x < small")
	VCMPPS(U8(1), vsmall, x, Y6)  // x < small
	VCMPPS(U8(1), x, vnsmall, Y7) // -small < x
	VANDPS(Y6, Y7, Y6)
	VBLENDVPS(Y6, x, y, y)

	TESTQ(sig, sig)
	JZ(LabelRef("tanh_store"))
	VMULPS(vhalf, y, y) // 0.5*y
	VADDPS(vhalf, y, y) // 0.5 + 0.5*y

	Label("tanh_store")
	VMOVUPS(y, Mem{Base: pd})
	ADDQ(U8(32), pd)
	SUBQ(U8(8), n)
	JMP(LabelRef("tanh_loop"))

	Label("tanh_done")
	VZEROUPPER()
	RET()
}
