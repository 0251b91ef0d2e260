package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// The optimizer kernels (adam, rmsprop and sgd, each for float32 and float64, AVX-512 and AVX2)
// update a parameter and its state buffers element by element with the operations of the portable
// reference in package kernel (optimizers.go), in its order: IEEE multiplications, additions,
// divisions and square roots, and fused multiply-adds exactly where the reference calls its
// correctly rounded fma. Each lane therefore gets the reference's bits.
//
// Their options select one of several loops, emitted once per combination of the option bits
// (flags) that change which operations run; Maximize is an XOR of every gradient with a sign
// constant (-0 or +0), which is the reference's negation or nothing. The scalar hyperparameters
// come as constants c: for the AVX-512 kernels an array of scalars, which they broadcast into Z16
// and up; for the AVX2 kernels 32-byte slots, each holding one constant broadcast (constant k at
// byte 32k), which they use as memory operands.
// Whole vectors are processed in the loop and the last n%lanes elements under a mask (mask: a
// k-mask for AVX-512, a pointer to lanes mask words for AVX2).

// optISA is one vector width and element type of an optimizer kernel.
type optISA struct {
	zmm bool // AVX-512 (64-byte vectors) or AVX2 (32-byte)
	f64 bool // float64 or float32 elements
}

func (s optISA) suffix() string {
	w := "AVX2"
	if s.zmm {
		w = "AVX512"
	}
	if s.f64 {
		return "64" + w
	}
	return "32" + w
}

func (s optISA) elem() string {
	if s.f64 {
		return "float64"
	}
	return "float32"
}

func (s optISA) size() int {
	if s.f64 {
		return 8
	}
	return 4
}

func (s optISA) vbytes() int {
	if s.zmm {
		return 64
	}
	return 32
}

func (s optISA) lanes() int { return s.vbytes() / s.size() }

// tmp returns temporary vector register i (0..7 AVX-512, 0..13 AVX2).
func (s optISA) tmp(i int) VecPhysical {
	if s.zmm {
		return []VecPhysical{Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7, Z8, Z9, Z10, Z11, Z12, Z13, Z14, Z15}[i]
	}
	return []VecPhysical{Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y8, Y9, Y10, Y11, Y12, Y13}[i]
}

// pick returns the single- or double-precision form of an instruction.
func (s optISA) pick(ps, pd func(...Op)) func(...Op) {
	if s.f64 {
		return pd
	}
	return ps
}

func (s optISA) mul(ops ...Op)   { s.pick(VMULPS, VMULPD)(ops...) }
func (s optISA) add(ops ...Op)   { s.pick(VADDPS, VADDPD)(ops...) }
func (s optISA) div(ops ...Op)   { s.pick(VDIVPS, VDIVPD)(ops...) }
func (s optISA) sqrt(ops ...Op)  { s.pick(VSQRTPS, VSQRTPD)(ops...) }
func (s optISA) xor(ops ...Op)   { s.pick(VXORPS, VXORPD)(ops...) }
func (s optISA) fma(ops ...Op)   { s.pick(VFMADD231PS, VFMADD231PD)(ops...) }
func (s optISA) fnma(ops ...Op)  { s.pick(VFNMADD231PS, VFNMADD231PD)(ops...) }
func (s optISA) max(ops ...Op)   { s.pick(VMAXPS, VMAXPD)(ops...) }
func (s optISA) cmp(ops ...Op)   { s.pick(VCMPPS, VCMPPD)(ops...) }
func (s optISA) movu(ops ...Op)  { s.pick(VMOVUPS, VMOVUPD)(ops...) }
func (s optISA) movap(ops ...Op) { s.pick(VMOVAPS, VMOVAPD)(ops...) }

// optEmitter emits the body of one optimizer loop, full or masked.
type optEmitter struct {
	optISA
	ptr    map[string]Register
	consts Register
	masked bool
	ymask  VecPhysical // AVX2 tail mask
}

// K returns constant k: a register (AVX-512) or its broadcast slot (AVX2).
func (e *optEmitter) K(k int) Op {
	if e.zmm {
		return []VecPhysical{Z16, Z17, Z18, Z19, Z20, Z21, Z22, Z23, Z24, Z25, Z26, Z27, Z28, Z29, Z30, Z31}[k]
	}
	return Mem{Base: e.consts, Disp: 32 * k}
}

// load sets dst to the current vector of the named slice.
func (e *optEmitter) load(name string, dst VecPhysical) {
	m := Mem{Base: e.ptr[name]}
	switch {
	case !e.masked:
		e.movu(m, dst)
	case e.zmm && e.f64:
		VMOVUPD_Z(m, K1, dst)
	case e.zmm:
		VMOVUPS_Z(m, K1, dst)
	case e.f64:
		VMASKMOVPD(m, e.ymask, dst)
	default:
		VMASKMOVPS(m, e.ymask, dst)
	}
}

// store writes src to the current vector of the named slice.
func (e *optEmitter) store(src VecPhysical, name string) {
	m := Mem{Base: e.ptr[name]}
	switch {
	case !e.masked:
		e.movu(src, m)
	case e.zmm:
		e.movu(src, K1, m)
	case e.f64:
		VMASKMOVPD(src, e.ymask, m)
	default:
		VMASKMOVPS(src, e.ymask, m)
	}
}

// maximum sets t = torch.maximum(t, v): t if t > v, else v, and the canonical quiet NaN (constant
// nan) where either is NaN. x is a scratch register.
func (e *optEmitter) maximum(t, v, x VecPhysical, nan int) {
	if e.zmm {
		e.cmp(U8(3), v, t, K2) // unordered
		e.max(v, t, t)         // t > v ? t : v
		e.movap(e.K(nan), K2, t)
		return
	}
	e.cmp(U8(3), v, t, x)
	e.max(v, t, t)
	if e.f64 {
		VBLENDVPD(x, e.K(nan), t, t)
	} else {
		VBLENDVPS(x, e.K(nan), t, t)
	}
}

// optKernel emits one optimizer kernel: ptrs are its slice parameters (in signature order after
// n), nconst the number of constants, variants the flag values it handles (any other value does
// nothing), and body emits the update of one vector for a flag value.
func optKernel(isa optISA, name string, ptrs []string, nconst int, variants []int, doc []string, body func(e *optEmitter, flags int)) {
	sig := "func(n int"
	for _, p := range ptrs {
		sig += ", " + p + " *" + isa.elem()
	}
	sig += ", c *" + isa.elem() + ", flags int"
	if isa.zmm {
		sig += ", mask int)"
	} else {
		sig += fmt.Sprintf(", mask *int%d)", 8*isa.size())
	}
	TEXT(name, NOSPLIT, sig)
	Pragma("noescape")
	Doc(doc...)
	n := Load(Param("n"), GP64())
	e := &optEmitter{optISA: isa, ptr: map[string]Register{}}
	for _, p := range ptrs {
		e.ptr[p] = Load(Param(p), GP64())
	}
	e.consts = Load(Param("c"), GP64())
	if isa.zmm {
		for k := range nconst {
			if isa.f64 {
				VBROADCASTSD(Mem{Base: e.consts, Disp: 8 * k}, e.K(k))
			} else {
				VBROADCASTSS(Mem{Base: e.consts, Disp: 4 * k}, e.K(k))
			}
		}
		m := Load(Param("mask"), GP64())
		KMOVW(m.(GPVirtual).As32(), K1)
	} else {
		m := Load(Param("mask"), GP64())
		e.ymask = Y15
		VMOVDQU(Mem{Base: m}, e.ymask)
	}
	flags := Load(Param("flags"), GP64())
	label := func(v int, what string) string { return fmt.Sprintf("%s_f%d_%s", name, v, what) }
	for _, v := range variants {
		CMPQ(flags, U8(v))
		JE(LabelRef(label(v, "loop")))
	}
	JMP(LabelRef(name + "_done"))
	for _, v := range variants {
		Label(label(v, "loop"))
		CMPQ(n, U8(isa.lanes()))
		JL(LabelRef(label(v, "tail")))
		e.masked = false
		body(e, v)
		for _, p := range ptrs {
			ADDQ(U8(isa.vbytes()), e.ptr[p])
		}
		SUBQ(U8(isa.lanes()), n)
		JMP(LabelRef(label(v, "loop")))
		Label(label(v, "tail"))
		TESTQ(n, n)
		JZ(LabelRef(name + "_done"))
		e.masked = true
		body(e, v)
		JMP(LabelRef(name + "_done"))
	}
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// Constants and flags of the Adam kernels (optimizers.go, adamConsts).
const (
	adamSign, adamWD, adamBeta1, adamOneMinusBeta1, adamBeta2, adamOneMinusBeta2 = 0, 1, 2, 3, 4, 5
	adamNegStep, adamBC2Sqrt, adamEps, adamDecay, adamNaN, adamNConst            = 6, 7, 8, 9, 10, 11

	adamL2, adamAMSGrad, adamDecoupled = 1, 2, 4
)

// adam emits _single_tensor_adam (AdamW with the decoupled flag) for one parameter.
func adam(isa optISA) {
	name := "adam" + isa.suffix()
	doc := []string{
		name + " performs one Adam (AdamW) update of p[i], m[i], v[i] (and vmax[i]) from g[i] for i",
		"in [0, n), as adamGo, with the constants c (adamConsts) and flags (1 L2 weight decay, 2 AMSGrad,",
		"4 decoupled decay); the last n%lanes elements are those of mask.",
	}
	variants := []int{0, adamL2, adamAMSGrad, adamL2 | adamAMSGrad, adamDecoupled, adamDecoupled | adamAMSGrad}
	optKernel(isa, name, []string{"p", "grad", "m", "v", "vmax"}, adamNConst, variants, doc, func(e *optEmitter, f int) {
		g, p, m, v, t, x := e.tmp(0), e.tmp(1), e.tmp(2), e.tmp(3), e.tmp(4), e.tmp(5)
		e.load("grad", g)
		e.xor(e.K(adamSign), g, g) // maximize: −g
		e.load("p", p)
		if f&adamDecoupled != 0 {
			e.mul(e.K(adamDecay), p, p) // param.mul_(1 − lr·λ)
		}
		if f&adamL2 != 0 {
			e.fma(e.K(adamWD), p, g) // grad.add(param, alpha=λ)
		}
		e.load("m", m)
		e.mul(e.K(adamBeta1), m, m)
		e.fma(e.K(adamOneMinusBeta1), g, m) // exp_avg.mul_(β1).add_(grad, alpha=1−β1)
		e.store(m, "m")
		e.load("v", v)
		e.mul(e.K(adamBeta2), v, v)
		e.mul(e.K(adamOneMinusBeta2), g, t)
		e.fma(t, g, v) // exp_avg_sq.mul_(β2).addcmul_(grad, grad, value=1−β2)
		e.store(v, "v")
		if f&adamAMSGrad != 0 {
			e.load("vmax", t)
			e.maximum(t, v, x, adamNaN)
			e.store(t, "vmax")
			v = t
		}
		e.sqrt(v, v)
		e.div(e.K(adamBC2Sqrt), v, v) // (v.sqrt() / bc2_sqrt)
		e.add(e.K(adamEps), v, v)     // .add_(eps)
		e.mul(e.K(adamNegStep), m, m)
		e.div(v, m, m) // (−step_size·exp_avg) / denom
		e.add(m, p, p)
		e.store(p, "p")
	})
}

// Constants and flags of the RMSprop kernels (optimizers.go, rmspropConsts).
const (
	rmsSign, rmsWD, rmsAlpha, rmsOneMinusAlpha, rmsEps, rmsMom, rmsNegLR, rmsNConst = 0, 1, 2, 3, 4, 5, 6, 7

	rmsL2, rmsCentered, rmsMomentum = 1, 2, 4
)

// rmsprop emits _single_tensor_rmsprop for one parameter.
func rmsprop(isa optISA) {
	name := "rmsprop" + isa.suffix()
	doc := []string{
		name + " performs one RMSprop update of p[i], sq[i] (gavg[i], buf[i]) from g[i] for i in",
		"[0, n), as rmspropGo, with the constants c (rmspropConsts) and flags (1 L2 weight decay,",
		"2 centered, 4 momentum); the last n%lanes elements are those of mask.",
	}
	var variants []int
	for f := range 8 {
		variants = append(variants, f)
	}
	optKernel(isa, name, []string{"p", "grad", "sq", "gavg", "buf"}, rmsNConst, variants, doc, func(e *optEmitter, f int) {
		g, p, sq, a, t, b := e.tmp(0), e.tmp(1), e.tmp(2), e.tmp(3), e.tmp(4), e.tmp(5)
		e.load("grad", g)
		e.xor(e.K(rmsSign), g, g)
		e.load("p", p)
		if f&rmsL2 != 0 {
			e.fma(e.K(rmsWD), p, g)
		}
		e.load("sq", sq)
		e.mul(e.K(rmsAlpha), sq, sq)
		e.mul(e.K(rmsOneMinusAlpha), g, t)
		e.fma(t, g, sq) // square_avg.mul_(α).addcmul_(grad, grad, value=1−α)
		e.store(sq, "sq")
		if f&rmsCentered != 0 {
			e.load("gavg", a)
			e.mul(e.K(rmsAlpha), a, a)
			e.fma(e.K(rmsOneMinusAlpha), g, a) // grad_avg.mul_(α).add_(grad, alpha=1−α)
			e.store(a, "gavg")
			e.fnma(a, a, sq) // square_avg.addcmul(grad_avg, grad_avg, value=−1)
		}
		e.sqrt(sq, sq)
		e.add(e.K(rmsEps), sq, sq) // avg
		if f&rmsMomentum != 0 {
			e.load("buf", b)
			e.mul(e.K(rmsMom), b, b)
			e.div(sq, g, g)
			e.add(g, b, b) // buf.mul_(μ).addcdiv_(grad, avg)
			e.store(b, "buf")
			e.fma(e.K(rmsNegLR), b, p) // param.add_(buf, alpha=−lr)
		} else {
			e.mul(e.K(rmsNegLR), g, g)
			e.div(sq, g, g)
			e.add(g, p, p) // param.addcdiv_(grad, avg, value=−lr)
		}
		e.store(p, "p")
	})
}

// Constants and flags of the SGD kernels (optimizers.go, sgdConsts).
const (
	sgdSign, sgdWD, sgdMom, sgdOneMinusDamp, sgdNegLR, sgdNConst = 0, 1, 2, 3, 4, 5

	sgdL2, sgdUseMom, sgdFirst, sgdNesterov = 1, 2, 4, 8
)

// sgd emits _single_tensor_sgd for one parameter.
func sgd(isa optISA) {
	name := "sgd" + isa.suffix()
	doc := []string{
		name + " performs one SGD update of p[i] (and buf[i]) from g[i] for i in [0, n), as sgdGo,",
		"with the constants c (sgdConsts) and flags (1 L2 weight decay, 2 momentum, 4 first step,",
		"8 Nesterov); the last n%lanes elements are those of mask.",
	}
	variants := []int{0, sgdL2}
	for f := range 16 {
		if f&sgdUseMom != 0 {
			variants = append(variants, f)
		}
	}
	optKernel(isa, name, []string{"p", "grad", "buf"}, sgdNConst, variants, doc, func(e *optEmitter, f int) {
		g, p, b := e.tmp(0), e.tmp(1), e.tmp(2)
		e.load("grad", g)
		e.xor(e.K(sgdSign), g, g)
		e.load("p", p)
		if f&sgdL2 != 0 {
			e.fma(e.K(sgdWD), p, g) // d_p.add(param, alpha=λ)
		}
		if f&sgdUseMom != 0 {
			if f&sgdFirst != 0 {
				b = g // buf = clone(d_p)
			} else {
				e.load("buf", b)
				e.mul(e.K(sgdMom), b, b)
				e.fma(e.K(sgdOneMinusDamp), g, b) // buf.mul_(μ).add_(d_p, alpha=1−τ)
			}
			e.store(b, "buf")
			if f&sgdNesterov != 0 {
				e.fma(e.K(sgdMom), b, g) // d_p.add(buf, alpha=μ)
			} else {
				g = b
			}
		}
		e.fma(e.K(sgdNegLR), g, p) // param.add_(d_p, alpha=−lr)
		e.store(p, "p")
	})
}

// optimizers emits every optimizer kernel.
func optimizers() {
	for _, isa := range []optISA{{zmm: true}, {}, {zmm: true, f64: true}, {f64: true}} {
		adam(isa)
		rmsprop(isa)
		sgd(isa)
	}
}
