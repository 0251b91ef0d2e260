//go:build amd64 && !purego

#include "textflag.h"

// func tanhAVX2(n int, d *float32, c *float32, sigmoid int)
// Requires: AVX, AVX2. Hand-written (see tanh.go for the arithmetic, which
// this loop performs operation for operation, without fused multiply-adds).
// Constants (c): 0 lo, 4 hi, 8 a1, 12 a3, 16 a5, 20 a7, 24 a9, 28 a11,
// 32 a13, 36 b0, 40 b2, 44 b4, 48 b6, 52 small, 56 half.
TEXT ·tanhAVX2(SB), NOSPLIT, $0-32
	MOVQ n+0(FP), AX
	MOVQ d+8(FP), DI
	MOVQ c+16(FP), SI
	MOVQ sigmoid+24(FP), DX
	VBROADCASTSS 0(SI), Y8   // lo
	VBROADCASTSS 4(SI), Y9   // hi
	VBROADCASTSS 52(SI), Y10 // small
	VBROADCASTSS 56(SI), Y11 // half
	VXORPS       Y12, Y12, Y12
	VSUBPS       Y10, Y12, Y12 // -small

loop:
	CMPQ    AX, $8
	JL      done
	VMOVUPS (DI), Y0 // x
	TESTQ   DX, DX
	JZ      clamp
	VMULPS  Y11, Y0, Y0 // x *= 0.5

clamp:
	VMAXPS Y0, Y8, Y0 // max(lo, x), x if NaN
	VMINPS Y0, Y9, Y0 // min(hi, x), x if NaN
	VMULPS Y0, Y0, Y1 // x2
	VMULPS Y1, Y1, Y2 // x4
	VMULPS Y2, Y2, Y3 // x8

	VBROADCASTSS 12(SI), Y4
	VMULPS       Y1, Y4, Y4
	VBROADCASTSS 8(SI), Y5
	VADDPS       Y4, Y5, Y4 // p01

	VBROADCASTSS 20(SI), Y5
	VMULPS       Y1, Y5, Y5
	VBROADCASTSS 16(SI), Y6
	VADDPS       Y5, Y6, Y5 // p23

	VBROADCASTSS 28(SI), Y6
	VMULPS       Y1, Y6, Y6
	VBROADCASTSS 24(SI), Y7
	VADDPS       Y6, Y7, Y6 // p45

	VBROADCASTSS 32(SI), Y7
	VMULPS       Y2, Y7, Y7 // a13*x4
	VADDPS       Y7, Y6, Y6 // p45 + a13*x4
	VMULPS       Y3, Y6, Y6 // hi = (...)*x8

	VMULPS Y2, Y5, Y5 // p23*x4
	VADDPS Y5, Y4, Y4 // p01 + p23*x4
	VADDPS Y6, Y4, Y4 // p

	VBROADCASTSS 40(SI), Y5
	VMULPS       Y1, Y5, Y5
	VBROADCASTSS 36(SI), Y6
	VADDPS       Y5, Y6, Y5 // q01

	VBROADCASTSS 48(SI), Y6
	VMULPS       Y1, Y6, Y6
	VBROADCASTSS 44(SI), Y7
	VADDPS       Y6, Y7, Y6 // q23
	VMULPS       Y2, Y6, Y6 // q23*x4
	VADDPS       Y6, Y5, Y5 // q

	VMULPS Y4, Y0, Y4 // x*p
	VDIVPS Y5, Y4, Y4 // y = x*p / q

	// y = x where -small < x < small
	VCMPPS    $1, Y10, Y0, Y6 // x < small
	VCMPPS    $1, Y0, Y12, Y7 // -small < x
	VANDPS    Y6, Y7, Y6
	VBLENDVPS Y6, Y0, Y4, Y4

	TESTQ  DX, DX
	JZ     store
	VMULPS Y11, Y4, Y4 // 0.5*y
	VADDPS Y11, Y4, Y4 // 0.5 + 0.5*y

store:
	VMOVUPS Y4, (DI)
	ADDQ    $32, DI
	SUBQ    $8, AX
	JMP     loop

done:
	VZEROUPPER
	RET
