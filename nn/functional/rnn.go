package functional

import (
	"fmt"
	"runtime"

	"github.com/intercept-ml/intercept/internal/kernel"
	"github.com/intercept-ml/intercept/internal/pyfmt"
	"github.com/intercept-ml/intercept/internal/xmath"

	"github.com/intercept-ml/intercept/tensor"
)

// RNNMode selects the recurrence computed by RNNLayer and the cells.
type RNNMode int

const (
	// ModeRNNTanh is h' = tanh(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh).
	ModeRNNTanh RNNMode = iota
	// ModeRNNReLU is h' = relu(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh).
	ModeRNNReLU
	// ModeLSTM is PyTorch's LSTM step with the gates in the order input,
	// forget, cell, output (rows [0,H), [H,2H), [2H,3H), [3H,4H) of the
	// weights and biases):
	//
	//	i = σ(·), f = σ(·), g = tanh(·), o = σ(·)
	//	c' = f⊙c + i⊙g, h' = o⊙tanh(c') (then h'·W_hrᵀ with a projection)
	ModeLSTM
	// ModeGRU is PyTorch's GRU step with the gates in the order reset,
	// update, new, b_hn inside the reset product:
	//
	//	r = σ(x_r + h_r), z = σ(x_z + h_z), n = tanh(x_n + r⊙(W_hn·h + b_hn))
	//	h' = (1−z)⊙n + z⊙h
	ModeGRU
)

// Gates returns the number of gates (row blocks of the weights): 1 for the
// plain RNN, 4 for LSTM, 3 for GRU.
func (m RNNMode) Gates() int {
	switch m {
	case ModeLSTM:
		return 4
	case ModeGRU:
		return 3
	}
	return 1
}

// String returns "RNN_TANH", "RNN_RELU", "LSTM" or "GRU", PyTorch's mode
// names.
func (m RNNMode) String() string {
	return [...]string{"RNN_TANH", "RNN_RELU", "LSTM", "GRU"}[m]
}

// RNNWeights holds the parameters of one layer and direction of a
// recurrent network, as PyTorch names them: WeightIH (G·H, in), WeightHH
// (G·H, H_r), BiasIH and BiasHH (G·H) or nil (no bias), and WeightHR
// (proj, H), the LSTM projection, or nil. H_r is proj when WeightHR is set,
// H otherwise.
type RNNWeights struct {
	WeightIH, WeightHH, BiasIH, BiasHH, WeightHR *tensor.Tensor
}

// RNNLayer runs one direction of one recurrent layer over a sequence, like
// one layer of torch's _VF.rnn_tanh/rnn_relu/lstm/gru: x has shape
// (L, N, in), h0 (N, H_r) and, for ModeLSTM, c0 (N, H); nil initial states
// are zeros. With reverse the sequence is processed from its last step to
// its first (the backward direction of a bidirectional layer; out[t] is
// still the state after reading x[t]). It returns the outputs (L, N, H_r),
// the final hidden state hn (N, H_r) and, for ModeLSTM, the final cell
// state cn (N, H) (nil otherwise).
//
// The input projection of all gates and steps is one matrix product; each
// step is one product with W_hh (and one with W_hr for a projected LSTM)
// followed by one fused pass over the gates. The whole layer is one
// autograd node (backpropagation through time with the same products
// transposed), so its gradients reach x, h0, c0 and every weight; the
// backward pass is not itself recorded (no second derivatives). Without
// recording (NoGrad, or no input that requires grad) the saved buffers hold
// one step, not the whole sequence.
//
// Precision: float32 gates use kernel.Sigmoid32 and kernel.Tanh32 (absolute
// error below 4e-7), float64 gates xmath.Exp and xmath.Tanh; the tests
// compare outputs and gradients with PyTorch's to 1e-5 (float32) and 1e-12
// (float64) of the largest magnitude.
func RNNLayer(mode RNNMode, x, h0, c0 *tensor.Tensor, w RNNWeights, reverse bool) (out, hn, cn *tensor.Tensor) {
	if x.Dim() != 3 {
		panic(fmt.Sprintf("rnn layer: expected input of 3 dimensions (L, N, input_size), got %dD", x.Dim()))
	}
	requireFloat(mode.String(), "input", x)
	L, N, in := x.Size(0), x.Size(1), x.Size(2)
	G := mode.Gates()
	if w.WeightIH == nil || w.WeightHH == nil || w.WeightIH.Dim() != 2 || w.WeightHH.Dim() != 2 {
		panic("rnn layer: weight_ih and weight_hh must be 2-D tensors")
	}
	GH := w.WeightIH.Size(0)
	if GH%G != 0 {
		panic(fmt.Sprintf("rnn layer: weight_ih has %d rows, not a multiple of %d gates", GH, G))
	}
	H := GH / G
	Hr := H
	if w.WeightHR != nil {
		if mode != ModeLSTM {
			panic("rnn layer: a projection (weight_hr) is only supported by LSTM")
		}
		if w.WeightHR.Dim() != 2 || w.WeightHR.Size(1) != H {
			panic(fmt.Sprintf("rnn layer: weight_hr must have shape (proj_size, %d), got %s", H, pyfmt.List(w.WeightHR.Shape()...)))
		}
		Hr = w.WeightHR.Size(0)
	}
	if w.WeightIH.Size(1) != in {
		panic(fmt.Sprintf("input.size(-1) must be equal to input_size. Expected %d, got %d", w.WeightIH.Size(1), in))
	}
	if w.WeightHH.Size(0) != GH || w.WeightHH.Size(1) != Hr {
		panic(fmt.Sprintf("rnn layer: weight_hh must have shape (%d, %d), got %s", GH, Hr, pyfmt.List(w.WeightHH.Shape()...)))
	}
	for _, b := range []*tensor.Tensor{w.BiasIH, w.BiasHH} {
		if b != nil && (b.Dim() != 1 || b.Size(0) != GH) {
			panic(fmt.Sprintf("rnn layer: biases must have shape (%d), got %s", GH, pyfmt.List(b.Shape()...)))
		}
	}
	checkState := func(name string, s *tensor.Tensor, width int) {
		if s != nil && (s.Dim() != 2 || s.Size(0) != N || s.Size(1) != width) {
			panic(fmt.Sprintf("Expected %s size (%d, %d), got %s", name, N, width, pyfmt.List(s.Shape()...)))
		}
	}
	checkState("hidden", h0, Hr)
	if mode == ModeLSTM {
		checkState("cell", c0, H)
	} else {
		c0 = nil
	}
	for _, t := range []*tensor.Tensor{h0, c0, w.WeightIH, w.WeightHH, w.BiasIH, w.BiasHH, w.WeightHR} {
		if t != nil {
			sameType(x, t)
		}
	}
	r := &rnnRun{mode: mode, L: L, N: N, in: in, H: H, Hr: Hr, G: G, reverse: reverse}
	if x.DType() == tensor.Float32 {
		return runRNN[float32](r, x, h0, c0, w)
	}
	return runRNN[float64](r, x, h0, c0, w)
}

// The elementwise arithmetic below rounds every product before adding it
// (T(a*b) + c), which keeps the compiler from fusing it into a multiply-add
// (it does under GOAMD64=v3): GOAMD64=v1 and v3 builds give the same bits.

// rnnRun holds the sizes of one RNNLayer call.
type rnnRun struct {
	mode            RNNMode
	L, N, in, H, Hr int
	G               int
	reverse         bool
}

// timeOf returns the time index processed at step s.
func (r *rnnRun) timeOf(s int) int {
	if r.reverse {
		return r.L - 1 - s
	}
	return s
}

// sigmoidSlice replaces every element of d by its logistic sigmoid: in
// float32 by kernel.Sigmoid32 (0.5 + 0.5·tanh(x/2) with a rational tanh,
// absolute error below 2e-7, vectorized), in float64 with xmath.Exp.
func sigmoidSlice[T float](d []T) {
	if d32, ok := any(d).([]float32); ok {
		kernel.Sigmoid32(d32)
		return
	}
	for i, x := range d {
		d[i] = T(1 / (1 + xmath.Exp(-float64(x))))
	}
}

// tanhSlice replaces every element of d by its tanh: kernel.Tanh32 in
// float32 (absolute error below 4e-7, vectorized), xmath.Tanh in float64.
func tanhSlice[T float](d []T) {
	if d32, ok := any(d).([]float32); ok {
		kernel.Tanh32(d32)
		return
	}
	for i, x := range d {
		d[i] = T(xmath.Tanh(float64(x)))
	}
}

// runRNN is RNNLayer for element type T.
func runRNN[T float](r *rnnRun, x, h0, c0 *tensor.Tensor, w RNNWeights) (out, hn, cn *tensor.Tensor) {
	L, N, in, H, Hr, G := r.L, r.N, r.in, r.H, r.Hr, r.G
	GH := G * H
	dt := x.DType()
	xc := contig(x)
	wih, whh := contig(w.WeightIH), contig(w.WeightHH)
	bih, bhh, whr := contig(w.BiasIH), contig(w.BiasHH), contig(w.WeightHR)
	xd, wihd, whhd := raw[T](xc), raw[T](wih), raw[T](whh)
	bihd, bhhd, whrd := rawOrNil[T](bih), rawOrNil[T](bhh), rawOrNil[T](whr)
	lstm := r.mode == ModeLSTM

	// The packed result: outputs, then hn, then cn.
	nOut, nHn, nCn := L*N*Hr, N*Hr, 0
	if lstm {
		nCn = N * H
	}
	all := tensor.Empty(dt, nOut+nHn+nCn)
	ad := raw[T](all)
	outd, hnd, cnd := ad[:nOut], ad[nOut:nOut+nHn], ad[nOut+nHn:]

	// Input projection of every step and gate at once. For RNN and LSTM
	// the bias is b_ih + b_hh, so that a step is xg[t] + h·W_hhᵀ: one GEMM
	// accumulating into a copy of xg[t]. GRU keeps b_hh apart (b_hn is
	// inside the reset product).
	xg := make([]T, L*N*GH)
	bx := bihd
	if r.mode != ModeGRU && bhhd != nil {
		bx = make([]T, GH)
		for i := range bx {
			if bihd != nil {
				bx[i] = bihd[i]
			}
			bx[i] += bhhd[i]
		}
	}
	linearForward(xd, wihd, bx, xg, L*N, in, GH)

	// Saved for the backward pass, indexed by time, when the result is
	// recorded; otherwise each buffer holds one step (cs two: the cell
	// state read and the one written).
	inputs := []*tensor.Tensor{x, h0, c0, w.WeightIH, w.WeightHH, w.BiasIH, w.BiasHH, w.WeightHR}
	save := false
	for _, in := range inputs {
		save = save || in != nil && in.RequiresGrad()
	}
	save = save && tensor.IsGradEnabled()
	// The hidden state a step reads is the output of the step before (or
	// h0), so it is not saved.
	slots, cslots := L, L
	if !save {
		slots, cslots = 1, 2
	}
	var acts []T    // gate activations (LSTM: i,f,g,o; GRU: r,z,n), in place of xg
	var cs, tcs []T // LSTM: c', tanh(c')
	var hfull []T   // projected LSTM: o⊙tanh(c') before W_hr
	var hgn []T     // GRU: W_hn·h + b_hn
	switch r.mode {
	case ModeLSTM:
		acts = xg
		cs, tcs = make([]T, cslots*N*H), make([]T, slots*N*H)
		if whrd != nil {
			hfull = make([]T, slots*N*H)
		}
	case ModeGRU:
		acts = xg
		hgn = make([]T, slots*N*H)
	}

	hp := make([]T, N*Hr) // h0, then a view of outd
	if h0 != nil {
		copy(hp, raw[T](contig(h0)))
	}
	h0d := hp
	cp := make([]T, N*H) // c0, then a view of cs
	if lstm && c0 != nil {
		copy(cp, raw[T](contig(c0)))
	}
	c0d := cp
	var hg []T // GRU: h·W_hhᵀ + b_hh
	if r.mode == ModeGRU {
		hg = make([]T, N*GH)
	}
	// The gate pass of one step over the batch rows [lo, hi), reading the
	// step's variables below. For RNN and LSTM the pre-activations are
	// already in ht and at.
	var (
		t             int
		xgt, ht, cpt  []T
		at, ct, tct   []T
		dst, hnt, hpt []T
	)
	gates := func(lo, hi int) {
		switch r.mode {
		case ModeRNNTanh:
			tanhSlice(ht[lo*H : hi*H])
		case ModeRNNReLU:
			for i := lo * H; i < hi*H; i++ {
				ht[i] = max(ht[i], 0)
			}
		case ModeLSTM:
			for b := lo; b < hi; b++ {
				ar := at[b*GH : (b+1)*GH]
				sigmoidSlice(ar[:2*H])
				tanhSlice(ar[2*H : 3*H])
				sigmoidSlice(ar[3*H:])
				cr, ctr, tcr := cpt[b*H:(b+1)*H], ct[b*H:(b+1)*H], tct[b*H:(b+1)*H]
				ig, fg, gg := ar[:H], ar[H:2*H], ar[2*H:3*H]
				for j := range ctr {
					ctr[j] = T(fg[j]*cr[j]) + T(ig[j]*gg[j])
				}
				copy(tcr, ctr)
				tanhSlice(tcr)
				og, dr := ar[3*H:], dst[b*H:(b+1)*H]
				for j := range dr {
					dr[j] = og[j] * tcr[j]
				}
			}
		case ModeGRU:
			for b := lo; b < hi; b++ {
				xr, hr, ar := xgt[b*GH:(b+1)*GH], hg[b*GH:(b+1)*GH], at[b*GH:(b+1)*GH]
				for j := range 2 * H {
					ar[j] = xr[j] + hr[j]
				}
				sigmoidSlice(ar[:2*H])
				for j := range H {
					ar[2*H+j] = xr[2*H+j] + T(ar[j]*hr[2*H+j])
				}
				tanhSlice(ar[2*H:])
				copy(hnt[b*H:(b+1)*H], hr[2*H:])
				for j := range H {
					k := b*H + j
					zg, ng := ar[H+j], ar[2*H+j]
					ht[k] = ng + T(zg*(hpt[k]-ng))
				}
			}
		}
	}
	chunks := rowChunks(N, GH)
	for s := range L {
		t = r.timeOf(s)
		slot, cslot := t, t // in the saved buffers
		if !save {
			slot, cslot = 0, s%2
		}
		xgt = xg[t*N*GH : (t+1)*N*GH]
		ht = outd[t*N*Hr : (t+1)*N*Hr]
		hpt = hp
		at = xgt // the activations replace the pre-activations
		switch r.mode {
		case ModeGRU:
			linearForward(hp, whhd, bhhd, hg, N, Hr, GH)
		case ModeLSTM:
			gemm(false, true, N, GH, Hr, 1, hp, Hr, whhd, Hr, 1, at, GH)
		default:
			copy(ht, xgt)
			gemm(false, true, N, GH, Hr, 1, hp, Hr, whhd, Hr, 1, ht, GH)
		}
		if lstm {
			ct, tct = cs[cslot*N*H:(cslot+1)*N*H], tcs[slot*N*H:(slot+1)*N*H]
			cpt = cp
			dst = ht
			if hfull != nil {
				dst = hfull[slot*N*H : (slot+1)*N*H]
			}
		}
		if hgn != nil {
			hnt = hgn[slot*N*H : (slot+1)*N*H]
		}
		if chunks > 1 {
			kernel.ParallelFor(chunks, func(c int) { gates(c*N/chunks, (c+1)*N/chunks) })
		} else {
			gates(0, N)
		}
		if lstm {
			cp = ct
			if hfull != nil {
				gemm(false, true, N, Hr, H, 1, dst, H, whrd, H, 0, ht, Hr)
			}
		}
		hp = ht
	}
	copy(hnd, hp)
	if lstm {
		copy(cnd, cp)
	}

	if !save {
		return views(all, lstm, L, N, H, Hr)
	}
	// no PyTorch counterpart: its CPU LSTM is a composition of operations
	name := map[RNNMode]string{ModeRNNTanh: "RnnTanhLayerBackward0", ModeRNNReLU: "RnnReluLayerBackward0", ModeLSTM: "LstmLayerBackward0", ModeGRU: "GruLayerBackward0"}[r.mode]
	tensor.Record(all, name, inputs, func(g *tensor.Tensor) []*tensor.Tensor {
		gd := raw[T](contig(g))
		gOut, gHn, gCn := gd[:nOut], gd[nOut:nOut+nHn], gd[nOut+nHn:]
		dGx := make([]T, L*N*GH)
		dGh := dGx
		if r.mode == ModeGRU {
			dGh = make([]T, L*N*GH)
		}
		dh := make([]T, N*Hr)
		copy(dh, gHn)
		dhNext := make([]T, N*Hr)
		var dc, dhf, dWhr []T
		if lstm {
			dc = make([]T, N*H)
			copy(dc, gCn)
			dhf = dh
			if whrd != nil {
				dhf = make([]T, N*H)
				dWhr = make([]T, Hr*H)
			}
		}
		// prevH returns the hidden state step s read
		prevH := func(s int) []T {
			if s == 0 {
				return h0d
			}
			tp := r.timeOf(s - 1)
			return outd[tp*N*Hr : (tp+1)*N*Hr]
		}
		for s := L - 1; s >= 0; s-- {
			t := r.timeOf(s)
			for i, v := range gOut[t*N*Hr : (t+1)*N*Hr] {
				dh[i] += v
			}
			dgx := dGx[t*N*GH : (t+1)*N*GH]
			switch r.mode {
			case ModeRNNTanh, ModeRNNReLU:
				ht := outd[t*N*Hr : (t+1)*N*Hr]
				for i, h := range ht {
					if r.mode == ModeRNNReLU {
						if h > 0 {
							dgx[i] = dh[i]
						} else {
							dgx[i] = 0
						}
					} else {
						dgx[i] = dh[i] * (1 - T(h*h))
					}
				}
			case ModeLSTM:
				if whrd != nil {
					hf := hfull[t*N*H : (t+1)*N*H]
					gemm(true, false, Hr, H, N, 1, dh, Hr, hf, H, 1, dWhr, H)
					gemm(false, false, N, H, Hr, 1, dh, Hr, whrd, H, 0, dhf, H)
				} else {
					dhf = dh
				}
				at := acts[t*N*GH : (t+1)*N*GH]
				tct, cpt := tcs[t*N*H:(t+1)*N*H], c0d
				if s > 0 {
					tp := r.timeOf(s - 1)
					cpt = cs[tp*N*H : (tp+1)*N*H]
				}
				for b := range N {
					ar, dr := at[b*GH:(b+1)*GH], dgx[b*GH:(b+1)*GH]
					for j := range H {
						k := b*H + j
						ig, fg, gg, og := ar[j], ar[H+j], ar[2*H+j], ar[3*H+j]
						tc := tct[k]
						dhk := dhf[k]
						dct := dc[k] + T(dhk*og*(1-T(tc*tc)))
						dr[j] = dct * gg * ig * (1 - ig)
						dr[H+j] = dct * cpt[k] * fg * (1 - fg)
						dr[2*H+j] = dct * ig * (1 - T(gg*gg))
						dr[3*H+j] = dhk * tc * og * (1 - og)
						dc[k] = dct * fg
					}
				}
			case ModeGRU:
				at := acts[t*N*GH : (t+1)*N*GH]
				dgh := dGh[t*N*GH : (t+1)*N*GH]
				hn := hgn[t*N*H : (t+1)*N*H]
				hpt := prevH(s)
				for b := range N {
					ar, dxr, dhr := at[b*GH:(b+1)*GH], dgx[b*GH:(b+1)*GH], dgh[b*GH:(b+1)*GH]
					for j := range H {
						k := b*H + j
						rg, zg, ng := ar[j], ar[H+j], ar[2*H+j]
						d := dh[k]
						dpn := d * (1 - zg) * (1 - T(ng*ng))
						dpz := d * (hpt[k] - ng) * zg * (1 - zg)
						dpr := dpn * hn[k] * rg * (1 - rg)
						dxr[j], dhr[j] = dpr, dpr
						dxr[H+j], dhr[H+j] = dpz, dpz
						dxr[2*H+j], dhr[2*H+j] = dpn, dpn*rg
						dhNext[k] = d * zg
					}
				}
			}
			// dh_prev = dG_h·W_hh (+ the direct path of GRU)
			beta := T(0)
			if r.mode == ModeGRU {
				beta = 1
			}
			gemm(false, false, N, Hr, GH, 1, dGh[t*N*GH:(t+1)*N*GH], GH, whhd, Hr, beta, dhNext, Hr)
			dh, dhNext = dhNext, dh
		}
		grads := make([]*tensor.Tensor, len(inputs))
		need := func(i int) bool { return inputs[i] != nil && inputs[i].RequiresGrad() }
		if need(0) {
			gx := tensor.Empty(dt, L, N, in)
			gemm(false, false, L*N, in, GH, 1, dGx, GH, wihd, in, 0, raw[T](gx), in)
			grads[0] = gx
		}
		if need(1) {
			grads[1] = fromSlice(dt, dh, N, Hr)
		}
		if need(2) {
			grads[2] = fromSlice(dt, dc, N, H)
		}
		if need(3) {
			gw := tensor.Empty(dt, GH, in)
			gemm(true, false, GH, in, L*N, 1, dGx, GH, xd, in, 0, raw[T](gw), in)
			grads[3] = gw
		}
		if need(4) {
			gw := tensor.Empty(dt, GH, Hr)
			// Σ_t dG_h[t]ᵀ·h_prev[t], h_prev being h0 at the first step and
			// the outputs of the neighbouring time otherwise
			gd, t0 := raw[T](gw), r.timeOf(0)
			gemm(true, false, GH, Hr, N, 1, dGh[t0*N*GH:], GH, h0d, Hr, 0, gd, Hr)
			if L > 1 {
				if r.reverse { // h_prev[t] = out[t+1], t < L-1
					gemm(true, false, GH, Hr, (L-1)*N, 1, dGh, GH, outd[N*Hr:], Hr, 1, gd, Hr)
				} else { // h_prev[t] = out[t-1], t > 0
					gemm(true, false, GH, Hr, (L-1)*N, 1, dGh[N*GH:], GH, outd, Hr, 1, gd, Hr)
				}
			}
			grads[4] = gw
		}
		if need(5) {
			grads[5] = colSums(dt, dGx, L*N, GH)
		}
		if need(6) {
			if r.mode != ModeGRU && grads[5] != nil {
				// the two biases enter as one sum: the same gradient
				grads[6] = fromSlice(dt, raw[T](grads[5]), GH)
			} else {
				grads[6] = colSums(dt, dGh, L*N, GH)
			}
		}
		if need(7) {
			grads[7] = fromSlice(dt, dWhr, Hr, H)
		}
		return grads
	})
	// the views are taken after Record, so that they carry its gradient
	return views(all, lstm, L, N, H, Hr)
}

// views returns the outputs (L, N, Hr), hn (N, Hr) and, for an LSTM, cn
// (N, H) packed in all.
func views(all *tensor.Tensor, lstm bool, L, N, H, Hr int) (out, hn, cn *tensor.Tensor) {
	nOut, nHn := L*N*Hr, N*Hr
	out = all.Narrow(0, 0, nOut).View(L, N, Hr)
	hn = all.Narrow(0, nOut, nHn).View(N, Hr)
	if lstm {
		cn = all.Narrow(0, nOut+nHn, N*H).View(N, H)
	}
	return out, hn, cn
}

// rnnParallelMin is the number of gate values from which a step's gate
// pass is split over the threads (a variable for the tests).
var rnnParallelMin = 1 << 16

// rowChunks returns the number of parallel tasks for a gate pass over n
// rows of width w: one per thread when there is enough work to pay for
// waking the workers at every step (with the vectorized activations, a
// pass over 2^16 gate values takes about 50µs).
func rowChunks(n, w int) int {
	if n*w < rnnParallelMin {
		return 1
	}
	return min(n, runtime.GOMAXPROCS(0))
}

// fromSlice returns a new tensor of type dt holding a copy of d.
func fromSlice[T float](dt tensor.DType, d []T, shape ...int) *tensor.Tensor {
	t := tensor.Empty(dt, shape...)
	copy(raw[T](t), d)
	return t
}

// colSums returns the float64-accumulated column sums of d (m × n).
func colSums[T float](dt tensor.DType, d []T, m, n int) *tensor.Tensor {
	t := tensor.Empty(dt, n)
	sumColumns(d, raw[T](t), make([]float64, n), m, n, 0, n)
	return t
}

// RNNTanhCell returns one step of an Elman RNN with tanh,
// tanh(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh), like torch's rnn_tanh_cell, for x
// (N, in) and h (N, H) (nil: zeros); the biases may be nil.
func RNNTanhCell(x, h, wih, whh, bih, bhh *tensor.Tensor) *tensor.Tensor {
	return cell(ModeRNNTanh, x, h, wih, whh, bih, bhh)
}

// RNNReLUCell is RNNTanhCell with relu in place of tanh (rnn_relu_cell).
func RNNReLUCell(x, h, wih, whh, bih, bhh *tensor.Tensor) *tensor.Tensor {
	return cell(ModeRNNReLU, x, h, wih, whh, bih, bhh)
}

// GRUCell returns one GRU step (see ModeGRU), like torch's gru_cell, for x
// (N, in) and h (N, H) (nil: zeros); the biases may be nil.
func GRUCell(x, h, wih, whh, bih, bhh *tensor.Tensor) *tensor.Tensor {
	return cell(ModeGRU, x, h, wih, whh, bih, bhh)
}

// LSTMCell returns one LSTM step (see ModeLSTM), like torch's lstm_cell:
// the new hidden and cell states (N, H) for x (N, in), h and c (N, H) (nil:
// zeros); the biases may be nil.
func LSTMCell(x, h, c, wih, whh, bih, bhh *tensor.Tensor) (h1, c1 *tensor.Tensor) {
	checkCellInput(x)
	_, hn, cn := RNNLayer(ModeLSTM, x.Unsqueeze(0), h, c, RNNWeights{WeightIH: wih, WeightHH: whh, BiasIH: bih, BiasHH: bhh}, false)
	return hn, cn
}

func cell(mode RNNMode, x, h, wih, whh, bih, bhh *tensor.Tensor) *tensor.Tensor {
	checkCellInput(x)
	_, hn, _ := RNNLayer(mode, x.Unsqueeze(0), h, nil, RNNWeights{WeightIH: wih, WeightHH: whh, BiasIH: bih, BiasHH: bhh}, false)
	return hn
}

func checkCellInput(x *tensor.Tensor) {
	if x.Dim() != 2 {
		panic(fmt.Sprintf("rnn cell: expected input of 2 dimensions (N, input_size), got %dD", x.Dim()))
	}
}
