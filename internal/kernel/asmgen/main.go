// Command asmgen generates the amd64 assembly kernels of package kernel
// (gemm_amd64.s and its Go declarations gemm_amd64.go) with avo. It is its
// own module so that the main module does not depend on avo; run it with
// `go generate` in internal/kernel, which executes
//
//	go run -C asmgen . -out ../gemm_amd64.s -stubs ../gemm_amd64.go -pkg kernel
//
// # Micro-kernels
//
// Each GEMM micro-kernel forms an mr×nr tile of C from a packed mr-row
// panel of A (mr values per depth step) and a packed nr-column panel of B
// (nr values per depth step), nr being a whole number of vectors. Each
// element's sum starts from zero and accumulates one fused multiply-add per
// depth step in increasing k order; then c = alpha*s (beta == 0) or
// c = alpha*s + beta*c, each multiplication rounded separately. The depth
// loop is unrolled four times with a one-step remainder loop, so any
// positive depth is accepted (the driver need not pad k).
//
// Tile shapes: AVX-512 uses 16 rows × 16 columns (one ZMM vector of B per
// step, each A value an embedded-broadcast memory operand of its FMA, so 16
// accumulators and one B register); AVX2 uses 6 rows × 16 columns (two YMM
// vectors of B, a broadcast register, 12 accumulators), the usual shape for
// 16 vector registers.
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
		{name: "gemmMicroAVX512", zmm: true, mr: 16, nvec: 1, bcstFM: true},
		{name: "gemmMicroAVX2", zmm: false, mr: 6, nvec: 2},
	}
	for _, s := range specs {
		micro(s)
	}
	peak("fmaLoopAVX512", true)
	peak("fmaLoopAVX2", false)
	Generate()
}

// micro emits one GEMM micro-kernel.
func micro(s kernelSpec) {
	nr := s.nvec * s.lanes()
	TEXT(s.name, NOSPLIT, "func(kc int, a, b *float32, alpha, beta float32, c *float32, ldc int)")
	Pragma("noescape")
	Doc(fmt.Sprintf("%s sets the %d×%d tile at c (row stride ldc) to alpha*s + beta*c (alpha*s when", s.name, s.mr, nr),
		fmt.Sprintf("beta == 0), s[i][j] = Σ_p a[p*%d+i]*b[p*%d+j] over p in [0, kc) accumulated by", s.mr, nr),
		"fused multiply-adds in increasing p order. kc must be positive.")
	n := Load(Param("kc"), GP64())
	pa := Load(Param("a"), GP64())
	pb := Load(Param("b"), GP64())

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
			VMOVUPS(Mem{Base: pb, Disp: 4*(k*nr) + v*vbytes}, bv(v))
		}
		for i := 0; i < s.mr; i++ {
			am := Mem{Base: pa, Disp: 4 * (k*s.mr + i)}
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
	Comment("Main loop: unroll depth steps per trip.")
	Label(s.name + "_loop")
	CMPQ(n, U8(unroll))
	JL(LabelRef(s.name + "_tail"))
	for k := 0; k < unroll; k++ {
		step(k)
	}
	ADDQ(U32(4*unroll*s.mr), pa)
	ADDQ(U32(4*unroll*nr), pb)
	SUBQ(U8(unroll), n)
	JMP(LabelRef(s.name + "_loop"))

	Label(s.name + "_tail")
	TESTQ(n, n)
	JZ(LabelRef(s.name + "_store"))
	step(0)
	ADDQ(U32(4*s.mr), pa)
	ADDQ(U32(4*nr), pb)
	DECQ(n)
	JMP(LabelRef(s.name + "_tail"))

	Label(s.name + "_store")
	pc := Load(Param("c"), GP64())
	ldc := Load(Param("ldc"), GP64())
	SHLQ(U8(2), ldc)
	al := bv(0)
	be := tmp
	var t VecPhysical
	if s.nvec > 1 {
		t = bv(1)
	} else {
		t = s.vec(nacc + 2)
	}
	// Broadcast alpha and beta from the argument frame.
	VBROADCASTSS(addr("alpha"), al)
	for i := 0; i < nacc; i++ {
		VMULPS(al, s.vec(i), s.vec(i))
	}
	// beta == 0: plain store (old C is not read, NaNs are not propagated).
	betaGP := GP32()
	MOVL(addr("beta"), betaGP)
	SHLL(U8(1), betaGP) // drop the sign: -0 counts as zero
	JZ(LabelRef(s.name + "_beta0"))
	VBROADCASTSS(addr("beta"), be)
	row := GP64()
	MOVQ(pc, row)
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
	VZEROUPPER()
	RET()
	Label(s.name + "_beta0")
	for i := 0; i < s.mr; i++ {
		for v := 0; v < s.nvec; v++ {
			VMOVUPS(acc(i, v), Mem{Base: pc, Disp: v * vbytes})
		}
		if i+1 < s.mr {
			ADDQ(ldc, pc)
		}
	}
	VZEROUPPER()
	RET()
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
