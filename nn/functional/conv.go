package functional

import (
	"fmt"

	"github.com/intercept-ml/intercept/internal/kernel"
	"github.com/intercept-ml/intercept/internal/ntuple"
	"github.com/intercept-ml/intercept/internal/pyfmt"
	"github.com/intercept-ml/intercept/internal/tensorinternal"
	"github.com/intercept-ml/intercept/tensor"
)

// Conv1d applies a 1-D convolution (cross-correlation, as PyTorch) to x of
// shape (N, C_in, L) or (C_in, L) with weight (C_out, C_in/groups, k) and
// optional bias (C_out), like torch.nn.functional.conv1d. The output is
// (N, C_out, L_out) or (C_out, L_out) with
// L_out = ⌊(L + 2·padding − dilation·(k−1) − 1)/stride⌋ + 1. Options
// (ConvOption, as for Conv2d and Conv3d): Stride (default 1), Padding
// (default 0) or PaddingSame / PaddingValid, Dilation (default 1), Groups
// (default 1).
func Conv1d(x, w, b *tensor.Tensor, opts ...ConvOption) *tensor.Tensor {
	c := convConfig(opts)
	return conv("conv1d", 1, x, w, b, &c, false)
}

// Conv2d applies a 2-D convolution to x of shape (N, C_in, H, W) or
// (C_in, H, W) with weight (C_out, C_in/groups, kH, kW) and optional bias
// (C_out), like torch.nn.functional.conv2d. Each output size is
// ⌊(in + 2·padding − dilation·(k−1) − 1)/stride⌋ + 1.
func Conv2d(x, w, b *tensor.Tensor, opts ...ConvOption) *tensor.Tensor {
	c := convConfig(opts)
	return conv("conv2d", 2, x, w, b, &c, false)
}

// Conv2dReLU returns Conv2d(x, w, b, opts...).ReLU(), the values, gradients
// and GradFn of the two operations in sequence, computed as one: the ReLU is
// applied in place to the convolution's output, which saves allocating and
// writing a second tensor. nn.Sequential uses it
// for a Conv2d layer followed by ReLU; a model of one's own can call it
// directly.
func Conv2dReLU(x, w, b *tensor.Tensor, opts ...ConvOption) *tensor.Tensor {
	c := convConfig(opts)
	return conv("conv2d", 2, x, w, b, &c, true)
}

// Conv3d applies a 3-D convolution to x of shape (N, C_in, D, H, W) or
// (C_in, D, H, W) with weight (C_out, C_in/groups, kD, kH, kW) and optional
// bias (C_out), like torch.nn.functional.conv3d.
func Conv3d(x, w, b *tensor.Tensor, opts ...ConvOption) *tensor.Tensor {
	c := convConfig(opts)
	return conv("conv3d", 3, x, w, b, &c, false)
}

// ConvTranspose1d applies a 1-D transposed convolution (the gradient of
// Conv1d with respect to its input) to x of shape (N, C_in, L) or (C_in, L)
// with weight (C_in, C_out/groups, k) and optional bias (C_out), like
// torch.nn.functional.conv_transpose1d. The output length is
// (L−1)·stride − 2·padding + dilation·(k−1) + output_padding + 1. Options
// (ConvTransposeOption, as for ConvTranspose2d and ConvTranspose3d): Stride
// (default 1), Padding (default 0), OutputPadding (default 0), Dilation
// (default 1), Groups (default 1).
func ConvTranspose1d(x, w, b *tensor.Tensor, opts ...ConvTransposeOption) *tensor.Tensor {
	c := convConfig(opts)
	return convTranspose("conv_transpose1d", 1, x, w, b, &c)
}

// ConvTranspose2d applies a 2-D transposed convolution to x of shape
// (N, C_in, H, W) or (C_in, H, W) with weight (C_in, C_out/groups, kH, kW)
// and optional bias (C_out), like torch.nn.functional.conv_transpose2d. Each
// output size is (in−1)·stride − 2·padding + dilation·(k−1) +
// output_padding + 1.
func ConvTranspose2d(x, w, b *tensor.Tensor, opts ...ConvTransposeOption) *tensor.Tensor {
	c := convConfig(opts)
	return convTranspose("conv_transpose2d", 2, x, w, b, &c)
}

// ConvTranspose3d applies a 3-D transposed convolution to x of shape
// (N, C_in, D, H, W) or (C_in, D, H, W) with weight
// (C_in, C_out/groups, kD, kH, kW), like
// torch.nn.functional.conv_transpose3d.
func ConvTranspose3d(x, w, b *tensor.Tensor, opts ...ConvTransposeOption) *tensor.Tensor {
	c := convConfig(opts)
	return convTranspose("conv_transpose3d", 3, x, w, b, &c)
}

// expandParam broadcasts a convolution size argument to nd values
// (PyTorch's expand_param_if_needed); empty means def.
func expandParam(name string, v []int, nd, def int) []int {
	out, ok := ntuple.Expand(v, nd, def)
	if !ok {
		panic(fmt.Sprintf("expected %s to be a single integer value or a list of %d values to match the convolution dimensions, but got %s=%s",
			name, nd, name, pyfmt.List(v...)))
	}
	return out
}

// checkConvInput validates the ranks and element types of a convolution's
// operands and returns x with a batch dimension.
func checkConvInput(name string, nd int, x, w, b *tensor.Tensor) (xb *tensor.Tensor, batched bool) {
	if x.Dim() != nd+1 && x.Dim() != nd+2 {
		panic(fmt.Sprintf("Expected %dD (unbatched) or %dD (batched) input to %s, but got input of size: %s", nd+1, nd+2, name, pyfmt.List(x.Shape()...)))
	}
	if w.Dim() != nd+2 {
		panic(fmt.Sprintf("%s: expected a %d-dimensional weight, but got weight of size %s", name, nd+2, pyfmt.List(w.Shape()...)))
	}
	requireFloat(name, "input", x)
	sameType(x, w)
	if b != nil && b.DType() != x.DType() {
		panic(fmt.Sprintf("Input type (%s) and bias type (%s) should be the same", cTypeName(x.DType()), cTypeName(b.DType())))
	}
	if x.Dim() == nd+1 {
		return x.Unsqueeze(0), false
	}
	return x, true
}

// convConfig applies the options of a convolution to PyTorch's defaults.
func convConfig[O any](opts []O) callConfig {
	c := callConfig{groups: 1}
	applyOptions(&c, opts)
	return c
}

// convGroups returns the number of groups, checking it like PyTorch.
func convGroups(g int) int {
	if g <= 0 {
		panic("non-positive groups is not supported")
	}
	return g
}

// checkCommon performs the checks PyTorch's check_shape_forward makes on
// padding, stride, dilation and the weight's first dimension.
func checkCommon(stride, pad, dil []int, groups int, ws []int) {
	for _, p := range pad {
		if p < 0 {
			panic("negative padding is not supported")
		}
	}
	for _, s := range stride {
		if s <= 0 {
			panic("non-positive stride is not supported")
		}
	}
	for _, d := range dil {
		if d <= 0 {
			panic(fmt.Sprintf("dilation should be greater than zero, but got %s", pyfmt.List(dil...)))
		}
	}
	if ws[0] < groups {
		panic(fmt.Sprintf("Given groups=%d, expected weight to be at least %d at dimension 0, but got weight of size %s instead", groups, groups, pyfmt.List(ws...)))
	}
	if ws[0]%groups != 0 {
		// PyTorch 1.13 prints the sizes in double brackets here.
		panic(fmt.Sprintf("Given groups=%d, expected weight to be divisible by %d at dimension 0, but got weight of size [%s] instead", groups, groups, pyfmt.List(ws...)))
	}
}

// checkSpatial panics for inputs with an empty spatial dimension.
func checkSpatial(xs []int) {
	for _, v := range xs[2:] {
		if v == 0 {
			panic(fmt.Sprintf("Only zero batch or zero channel inputs are supported, but got input shape: %s", pyfmt.List(xs...)))
		}
	}
}

// conv is the convolution of Conv1d/2d/3d, followed by ReLU when relu is
// set.
func conv(name string, nd int, x, w, b *tensor.Tensor, o *callConfig, relu bool) *tensor.Tensor {
	x, batched := checkConvInput(name, nd, x, w, b)
	groups := convGroups(o.groups)
	stride := expandParam("stride", o.stride, nd, 1)
	dil := expandParam("dilation", o.dilation, nd, 1)
	ws, xs := w.Shape(), x.Shape()
	var padL, padR []int
	switch o.paddingMode {
	case "":
		padL = expandParam("padding", o.padding, nd, 0)
		padR = padL
	case PaddingValid, PaddingSame:
		padL, padR = make([]int, nd), make([]int, nd)
		if o.paddingMode == PaddingSame {
			if len(o.stride) > 1 && len(o.stride) != nd {
				panic(fmt.Sprintf("stride cannot broadcast to %d dimensions", nd))
			}
			for _, s := range stride {
				if s != 1 {
					panic("padding='same' is not supported for strided convolutions")
				}
			}
			for i := range nd {
				total := dil[i] * (ws[2+i] - 1)
				padL[i] = total / 2
				padR[i] = total - padL[i]
			}
		}
	default:
		panic(fmt.Sprintf("Invalid padding string: '%s'", o.paddingMode))
	}
	checkCommon(stride, padL, dil, groups, ws)
	if xs[1] != ws[1]*groups {
		panic(fmt.Sprintf("Given groups=%d, weight of size %s, expected input%s to have %d channels, but got %d channels instead",
			groups, pyfmt.List(ws...), pyfmt.List(xs...), ws[1]*groups, xs[1]))
	}
	if b != nil && (b.Dim() != 1 || b.Size(0) != ws[0]) {
		panic(fmt.Sprintf("Given weight of size %s, expected bias to be 1-dimensional with %d elements, but got bias of size %s instead",
			pyfmt.List(ws...), ws[0], pyfmt.List(b.Shape()...)))
	}
	checkSpatial(xs)
	padded, kern := make([]int, nd), make([]int, nd)
	ok := true
	for i := range nd {
		padded[i] = xs[2+i] + padL[i] + padR[i]
		kern[i] = dil[i]*(ws[2+i]-1) + 1
		ok = ok && padded[i] >= kern[i]
	}
	if !ok {
		panic(fmt.Sprintf("Calculated padded input size per channel: (%s). Kernel size: (%s). Kernel size can't be greater than actual input size",
			joinX(padded), joinX(kern)))
	}
	outSp := make([]int, nd)
	for i := range nd {
		outSp[i] = (padded[i]-kern[i])/stride[i] + 1
	}
	g := newGeom(xs[2:], outSp, ws[2:], stride, dil, padL)
	// An unbatched input gets its ReLU after the squeeze, as the two
	// operations in sequence would, so that GradFn is the ReLU's.
	out := convolution(x, w, b, g, groups, false, append([]int{xs[0], ws[0]}, outSp...), relu && batched)
	if !batched {
		out = out.Squeeze(0)
		if relu {
			out = out.ReLU()
		}
	}
	return out
}

func convTranspose(name string, nd int, x, w, b *tensor.Tensor, o *callConfig) *tensor.Tensor {
	x, batched := checkConvInput(name, nd, x, w, b)
	groups := convGroups(o.groups)
	stride := expandParam("stride", o.stride, nd, 1)
	pad := expandParam("padding", o.padding, nd, 0)
	outPad := expandParam("output_padding", o.outputPadding, nd, 0)
	dil := expandParam("dilation", o.dilation, nd, 1)
	ws, xs := w.Shape(), x.Shape()
	for _, p := range outPad {
		if p < 0 {
			panic("negative output_padding is not supported")
		}
	}
	checkCommon(stride, pad, dil, groups, ws)
	if xs[1] != ws[0] {
		panic(fmt.Sprintf("Given transposed=1, weight of size %s, expected input%s to have %d channels, but got %d channels instead",
			pyfmt.List(ws...), pyfmt.List(xs...), ws[0], xs[1]))
	}
	cout := ws[1] * groups
	if b != nil && (b.Dim() != 1 || b.Size(0) != cout) {
		panic(fmt.Sprintf("Given transposed=1, weight of size %s, expected bias to be 1-dimensional with %d elements, but got bias of size %s instead",
			pyfmt.List(ws...), cout, pyfmt.List(b.Shape()...)))
	}
	checkSpatial(xs)
	okPad := true
	for i := range nd {
		okPad = okPad && (outPad[i] < stride[i] || outPad[i] < dil[i])
	}
	if !okPad {
		labels := []string{"depth", "height", "width"}[3-max(nd, 2):]
		op, st, dl := outPad, stride, dil
		if nd == 1 { // PyTorch runs 1-D as 2-D with a height of 1
			op, st, dl = []int{0, op[0]}, []int{1, st[0]}, []int{1, dl[0]}
		}
		msg := "output padding must be smaller than either stride or dilation, but got"
		for _, part := range []struct {
			name string
			v    []int
		}{{"output_padding", op}, {"stride", st}, {"dilation", dl}} {
			for i, l := range labels {
				msg += fmt.Sprintf(" %s_%s: %d", part.name, l, part.v[i])
			}
		}
		panic(msg)
	}
	outSp := make([]int, nd)
	ok := true
	for i := range nd {
		outSp[i] = (xs[2+i]-1)*stride[i] - 2*pad[i] + dil[i]*(ws[2+i]-1) + outPad[i] + 1
		ok = ok && outSp[i] >= 1
	}
	if !ok {
		panic(fmt.Sprintf("Given input size per channel: (%s). Calculated output size per channel: (%s). Output size is too small",
			joinX(xs[2:]), joinX(outSp)))
	}
	g := newGeom(outSp, xs[2:], ws[2:], stride, dil, pad)
	out := convolution(x, w, b, g, groups, true, append([]int{xs[0], cout}, outSp...), false)
	if !batched {
		out = out.Squeeze(0)
	}
	return out
}

// convolution runs a checked convolution as one autograd node. For a
// transposed convolution, g describes the equivalent direct convolution
// from the output to the input.
func convolution(x, w, b *tensor.Tensor, g *geom, groups int, transposed bool, outShape []int, relu bool) *tensor.Tensor {
	xc, wc := x.Contiguous(), w.Contiguous()
	var bc *tensor.Tensor
	if b != nil {
		bc = b.Contiguous()
	}
	dt := x.DType()
	// The forward pass of a convolution writes every element of its
	// output; a transposed one accumulates into zeros.
	var out *tensor.Tensor
	if transposed {
		out = newLike(dt, outShape)
	} else {
		out = tensorinternal.EmptyReused(dt, outShape...)
	}
	n, cin, cout := outShape[0], x.Size(1), outShape[1]
	// The column matrices of the forward pass are kept (in a scratch
	// buffer) for the weight gradient, which would rebuild exactly the
	// same ones, when they are not too large.
	rowsL := cin * g.kSize() * g.outSize()
	chunk := chunkSize(n, rowsL) // the layout of the kept matrices
	keep := wc.RequiresGrad() && tensor.IsGradEnabled() && groups == 1 && !transposed && !g.identity() && n*rowsL <= colCacheMax
	var cache32 []float32
	var cache64 []float64
	if dt == tensor.Float32 {
		if keep {
			cache32 = getScratch[float32](n * rowsL)
		}
		convForward(raw[float32](xc), raw[float32](wc), rawOrNil[float32](bc), raw[float32](out), n, cin, cout, groups, g, transposed, cache32)
	} else {
		if keep {
			cache64 = getScratch[float64](n * rowsL)
		}
		convForward(raw[float64](xc), raw[float64](wc), rawOrNil[float64](bc), raw[float64](out), n, cin, cout, groups, g, transposed, cache64)
	}
	xd, wd := xc.Detach(), wc.Detach()
	needX, needW, needB := xc.RequiresGrad(), wc.RequiresGrad(), bc != nil && bc.RequiresGrad()
	backward := func(gy *tensor.Tensor) []*tensor.Tensor {
		gy = contig(gy)
		var gx, gw, gb *tensor.Tensor
		if needX {
			// convBackward zeroes gx itself, on the cores that fill it.
			gx = tensorinternal.EmptyGrad(dt, xd.Shape()...)
		}
		if needW {
			gw = newLike(dt, wd.Shape())
		}
		if needB {
			gb = newLike(dt, []int{cout})
		}
		// The kept column matrices serve the first backward pass only
		// (they go back to the scratch pool); a second one, through a
		// retained graph, rebuilds them.
		c32, c64 := cache32, cache64
		cache32, cache64 = nil, nil
		if chunkSize(n, rowsL) != chunk {
			putScratch(c32)
			putScratch(c64)
			c32, c64 = nil, nil
		}
		if dt == tensor.Float32 {
			convBackward(raw[float32](xd), raw[float32](wd), raw[float32](gy), rawOrNil[float32](gx), rawOrNil[float32](gw), rawOrNil[float32](gb),
				n, cin, cout, groups, g, transposed, c32)
			putScratch(c32)
		} else {
			convBackward(raw[float64](xd), raw[float64](wd), raw[float64](gy), rawOrNil[float64](gx), rawOrNil[float64](gw), rawOrNil[float64](gb),
				n, cin, cout, groups, g, transposed, c64)
			putScratch(c64)
		}
		return []*tensor.Tensor{gx, gw, gb}
	}
	inputs := []*tensor.Tensor{xc, wc, bc}
	if relu {
		return tensorinternal.RecordReLU(out, "ConvolutionBackward0", inputs, backward)
	}
	tensor.Record(out, "ConvolutionBackward0", inputs, backward)
	return out
}

// colBudget bounds the number of elements of the column matrix that a
// convolution builds for several samples at once (256 KiB of float32,
// which stays in a core's L2 cache while it is multiplied; see
// forChunkTasks). It is a variable so that tests can force small chunks.
var colBudget = 1 << 16

// colCacheMax bounds the column matrices (in elements, all samples) that a
// convolution keeps from its forward pass for the weight gradient. It is
// a variable so that tests can turn the cache off.
var colCacheMax = 1 << 21

// maxChunkTasks bounds the tasks a convolution's batch is cut into.
const maxChunkTasks = 8

// chunkTasks returns how many tasks forChunkTasks cuts n samples in
// chunks of nb into: one per chunk, at most maxChunkTasks.
func chunkTasks(n, nb int) int {
	return min((n+nb-1)/nb, maxChunkTasks)
}

// forChunkTasks cuts n samples into chunks of nb (the last may be
// shorter), deals consecutive runs of chunks to chunkTasks(n, nb) tasks run
// on the kernel's worker pool, and calls f(task, n0, m) for each chunk of
// m samples starting at n0, in order within a task. A task builds its
// chunks' column matrices, multiplies them and scatters the results on one
// core: with chunks sized to stay in that core's cache (colBudget), the
// column matrices never go to memory or to the other core, which made the
// im2col convolution memory-bound when chunks were built by all cores
// together and then multiplied by all cores together. The cut depends on
// n and nb only, never on GOMAXPROCS.
func forChunkTasks(n, nb int, f func(task, n0, m int)) {
	chunks := (n + nb - 1) / nb
	tasks := chunkTasks(n, nb)
	kernel.ParallelFor(tasks, func(t int) {
		for c := t * chunks / tasks; c < (t+1)*chunks/tasks; c++ {
			n0 := c * nb
			f(t, n0, min(nb, n-n0))
		}
	})
}

// chunkSize returns how many of n samples to process per matrix product
// when each needs per column-matrix elements.
func chunkSize(n, per int) int {
	if per <= 0 {
		return max(n, 1)
	}
	return max(1, min(n, colBudget/per))
}

// convForward computes a convolution (or transposed convolution) of
// contiguous data: x (n, cin, ...), w, y (n, cout, ...), b (cout) or nil.
// Samples are processed in chunks whose columns sit side by side, so that
// each group needs one matrix product per chunk.
//
// cache, when not nil (groups == 1, not transposed, not an identity
// geometry), receives the column matrix of every chunk, the chunk starting
// at sample n0 at offset n0·rows·L, for convBackward.
func convForward[T float](x, w, b, y []T, n, cin, cout, groups int, g *geom, transposed bool, cache []T) {
	K := g.kSize()
	ident := g.identity()
	if !transposed {
		// y[n, grp] (og × L) = w[grp] (og × cg·K) · im2col(x[n, grp]) (cg·K × L)
		cg, og := cin/groups, cout/groups
		L, inSz := g.outSize(), g.inSize()
		rows := cg * K
		nb := chunkSize(n, rows*L)
		// Each task builds, multiplies and scatters the column
		// matrices of its chunks on one core (see chunkTasks).
		// Without a cache, the column matrices of planar stride-1
		// geometries are packed by the GEMM straight from x (colSource).
		fuse := cache == nil && fusedColumns(g) && fuseForward
		forChunkTasks(n, nb, func(_, n0, m int) {
			var cols, tmp []T
			if (!ident || m > 1) && cache == nil && !fuse {
				cols = getScratch[T](rows * m * L)
				defer putScratch(cols)
			}
			if m > 1 {
				tmp = getScratch[T](og * m * L)
				defer putScratch(tmp)
			}
			for gi := range groups {
				xBase := (n0*cin + gi*cg) * inSz
				B := cols
				switch {
				case ident && m == 1:
					B = x[xBase:]
				case ident:
					gatherRows(x, xBase, cin*inSz, m, cg, L, cols)
				case fuse:
				default:
					if cache != nil {
						B = cache[n0*rows*L : (n0+m)*rows*L]
					}
					for j := range m {
						im2col(g, cg, x[xBase+j*cin*inSz:], B, m*L, j*L)
					}
				}
				yBase := (n0*cout + gi*og) * L
				wg := w[gi*og*rows:]
				C, ldc := tmp, m*L
				if m == 1 {
					C, ldc = y[yBase:], L
				}
				if fuse {
					gemmSource(false, false, og, m*L, rows, 1, wg, rows, colSource(g, cg, x[xBase:], cin*inSz, m), 0, C, ldc)
				} else {
					gemm(false, false, og, m*L, rows, 1, wg, rows, B, m*L, 0, C, ldc)
				}
				if m > 1 {
					scatterRows(tmp, m, og, L, y, yBase, cout*L)
				}
			}
			addBias(y[n0*cout*L:], b, m, cout, L)
		})
		return
	}
	// Transposed: w is (cin, og, K...); for each group
	// cols (og·K × Lin) = w[grp]ᵀ · x[n, grp] (cg × Lin), then col2im into y.
	cg, og := cin/groups, cout/groups
	Lin, outSz := g.outSize(), g.inSize()
	rows := og * K
	nb := chunkSize(n, rows*Lin)
	cols := getScratch[T](rows * nb * Lin)
	defer putScratch(cols)
	var xT []T
	if nb > 1 {
		xT = getScratch[T](cg * nb * Lin)
		defer putScratch(xT)
	}
	for n0 := 0; n0 < n; n0 += nb {
		m := min(nb, n-n0)
		for gi := range groups {
			xBase := (n0*cin + gi*cg) * Lin
			X := x[xBase:]
			if m > 1 {
				gatherRows(x, xBase, cin*Lin, m, cg, Lin, xT)
				X = xT
			}
			wg := w[gi*cg*rows:]
			yBase := (n0*cout + gi*og) * outSz
			if ident && m == 1 {
				gemm(true, false, rows, Lin, cg, 1, wg, rows, X, Lin, 0, y[yBase:], Lin)
				continue
			}
			gemm(true, false, rows, m*Lin, cg, 1, wg, rows, X, m*Lin, 0, cols, m*Lin)
			if ident {
				scatterRows(cols, m, og, Lin, y, yBase, cout*outSz)
				continue
			}
			for j := range m {
				col2im(g, og, cols, m*Lin, j*Lin, y[yBase+j*cout*outSz:])
			}
		}
	}
	addBias(y, b, n, cout, outSz)
}

// addBias adds b[c] to every element of channel c of y (n, cout, L).
func addBias[T float](y, b []T, n, cout, L int) {
	if b == nil {
		return
	}
	parallelChunks(n, n*cout*L, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			for c := range cout {
				bv := b[c]
				row := y[(i*cout+c)*L : (i*cout+c+1)*L]
				for k := range row {
					row[k] += bv
				}
			}
		}
	})
}

// sumChannels sets gb[c] to the sum of channel c of gy (n, cout, L),
// accumulated in float64 in a fixed order: element j of each row of the
// channel, row after row, into the partial sum s[j%4], and gb[c] =
// (s[0]+s[1]) + (s[2]+s[3]).
func sumChannels[T float](gy, gb []T, n, cout, L int) {
	if gb == nil {
		return
	}
	// Channels are independent sums (each in its fixed order), so they
	// can be shared out, and summed three at a time: each partial sum is a
	// chain of dependent additions, and three channels' twelve chains keep
	// the adder busy where one channel's four leave it waiting.
	const group = 3
	groups := (cout + group - 1) / group
	parallelChunks(groups, 4*n*cout*L, func(lo, hi int) {
		for gi := lo; gi < hi; gi++ {
			c0, c1 := gi*group, min(cout, (gi+1)*group)
			if c1-c0 == 1 {
				gb[c0] = sumChannel(gy, n, cout, L, c0)
				continue
			}
			// Two channels are summed as three, the third a repeat of
			// the second whose sum is dropped.
			sums := sumChannels3(gy, n, cout, L, c0, c0+1, c1-1)
			copy(gb[c0:c1], sums[:c1-c0])
		}
	})
}

// sumChannel returns the sum of channel c of gy (see sumChannels).
func sumChannel[T float](gy []T, n, cout, L, c int) T {
	var s [4]float64
	for i := range n {
		row := gy[(i*cout+c)*L : (i*cout+c+1)*L]
		j := 0
		for ; j+4 <= len(row); j += 4 {
			s[0] += float64(row[j])
			s[1] += float64(row[j+1])
			s[2] += float64(row[j+2])
			s[3] += float64(row[j+3])
		}
		for ; j < len(row); j++ {
			s[j%4] += float64(row[j])
		}
	}
	return T((s[0] + s[1]) + (s[2] + s[3]))
}

// sumChannels3 returns the sums of channels a, b and c of gy, each formed
// exactly as sumChannel forms it.
func sumChannels3[T float](gy []T, n, cout, L, a, b, c int) [3]T {
	var s, u, v [4]float64
	for i := range n {
		ra := gy[(i*cout+a)*L : (i*cout+a+1)*L]
		rb := gy[(i*cout+b)*L : (i*cout+b+1)*L]
		rc := gy[(i*cout+c)*L : (i*cout+c+1)*L]
		j := 0
		for ; j+4 <= L; j += 4 {
			x, y, z := ra[j:j+4:j+4], rb[j:j+4:j+4], rc[j:j+4:j+4]
			s[0] += float64(x[0])
			u[0] += float64(y[0])
			v[0] += float64(z[0])
			s[1] += float64(x[1])
			u[1] += float64(y[1])
			v[1] += float64(z[1])
			s[2] += float64(x[2])
			u[2] += float64(y[2])
			v[2] += float64(z[2])
			s[3] += float64(x[3])
			u[3] += float64(y[3])
			v[3] += float64(z[3])
		}
		for ; j < L; j++ {
			s[j%4] += float64(ra[j])
			u[j%4] += float64(rb[j])
			v[j%4] += float64(rc[j])
		}
	}
	return [3]T{T((s[0] + s[1]) + (s[2] + s[3])), T((u[0] + u[1]) + (u[2] + u[3])), T((v[0] + v[1]) + (v[2] + v[3]))}
}

// convBackward computes the gradients of convForward for the outputs that
// are not nil (gw and gb must be zeroed; gx is overwritten).
//
// cached is convForward's cache (column matrices of the same chunks) or nil.
func convBackward[T float](x, w, gy, gx, gw, gb []T, n, cin, cout, groups int, g *geom, transposed bool, cached []T) {
	K := g.kSize()
	ident := g.identity()
	if !transposed {
		cg, og := cin/groups, cout/groups
		L, inSz := g.outSize(), g.inSize()
		rows := cg * K
		sumChannels(gy, gb, n, cout, L)
		if gx == nil && gw == nil {
			return
		}
		nb := chunkSize(n, rows*L)
		tasks := chunkTasks(n, nb)
		// Task t adds its chunks' weight gradient into part t, summed
		// into gw in task order afterwards (part 0 is gw itself).
		var parts []T
		if gw != nil && tasks > 1 {
			parts = getScratch[T]((tasks - 1) * len(gw))
			clear(parts)
			defer putScratch(parts)
		}
		fuse := fusedColumns(g)
		forChunkTasks(n, nb, func(t, n0, m int) {
			var cols []T
			if !fuse {
				cols = getScratch[T](rows * m * L)
				defer putScratch(cols)
			}
			var gyT []T
			if m > 1 {
				gyT = getScratch[T](og * m * L)
				defer putScratch(gyT)
			}
			gwt := gw
			if t > 0 && gw != nil {
				gwt = parts[(t-1)*len(gw) : t*len(gw)]
			}
			if gx != nil {
				clear(gx[n0*cin*inSz : (n0+m)*cin*inSz])
			}
			for gi := range groups {
				yBase := (n0*cout + gi*og) * L
				G := gy[yBase:]
				if m > 1 {
					gatherRows(gy, yBase, cout*L, m, og, L, gyT)
					G = gyT
				}
				xBase := (n0*cin + gi*cg) * inSz
				wg := w[gi*og*rows:]
				if gw != nil {
					// gw[grp] (og × rows) += G (og × m·L) · colsᵀ
					B := cols
					switch {
					case ident && m == 1:
						B = x[xBase:]
					case ident:
						gatherRows(x, xBase, cin*inSz, m, cg, L, cols)
					case cached != nil:
						B = cached[n0*rows*L : (n0+m)*rows*L]
					case fuse:
						gemmSource(false, true, og, rows, m*L, 1, G, m*L, colSource(g, cg, x[xBase:], cin*inSz, m), 1, gwt[gi*og*rows:], rows)
						B = nil
					default:
						for j := range m {
							im2col(g, cg, x[xBase+j*cin*inSz:], cols, m*L, j*L)
						}
					}
					if B != nil {
						gemm(false, true, og, rows, m*L, 1, G, m*L, B, m*L, 1, gwt[gi*og*rows:], rows)
					}
				}
				if gx != nil {
					// dcols (rows × m·L) = w[grp]ᵀ · G, then col2im.
					if ident && m == 1 {
						gemm(true, false, rows, L, og, 1, wg, rows, G, L, 0, gx[xBase:], L)
						continue
					}
					if fuse {
						// The column gradient goes straight into gx.
						gemmSink(true, false, rows, m*L, og, 1, wg, rows, G, m*L, colSink(g, cg, gx[xBase:], cin*inSz, m))
						continue
					}
					gemm(true, false, rows, m*L, og, 1, wg, rows, G, m*L, 0, cols, m*L)
					if ident {
						scatterRows(cols, m, cg, L, gx, xBase, cin*inSz)
						continue
					}
					for j := range m {
						col2im(g, cg, cols, m*L, j*L, gx[xBase+j*cin*inSz:])
					}
				}
			}
		})
		for t := 1; t < tasks && gw != nil; t++ {
			for i, v := range parts[(t-1)*len(gw) : t*len(gw)] {
				gw[i] += v
			}
		}
		return
	}
	cg, og := cin/groups, cout/groups
	Lin, outSz := g.outSize(), g.inSize()
	rows := og * K
	sumChannels(gy, gb, n, cout, outSz)
	if gx == nil && gw == nil {
		return
	}
	clear(gx) // the products below overwrite it; this keeps the contract simple
	nb := chunkSize(n, rows*Lin)
	var cols, xT []T
	if !ident || nb > 1 {
		cols = getScratch[T](rows * nb * Lin)
		defer putScratch(cols)
	}
	if nb > 1 {
		xT = getScratch[T](cg * nb * Lin)
		defer putScratch(xT)
	}
	for n0 := 0; n0 < n; n0 += nb {
		m := min(nb, n-n0)
		for gi := range groups {
			yBase := (n0*cout + gi*og) * outSz
			// gcols (rows × m·Lin) = im2col(gy[n, grp])
			GC := cols
			switch {
			case ident && m == 1:
				GC = gy[yBase:]
			case ident:
				gatherRows(gy, yBase, cout*outSz, m, og, Lin, cols)
			default:
				for j := range m {
					im2col(g, og, gy[yBase+j*cout*outSz:], cols, m*Lin, j*Lin)
				}
			}
			xBase := (n0*cin + gi*cg) * Lin
			wg := w[gi*cg*rows:]
			if gx != nil {
				// gx[n, grp] (cg × m·Lin) = w[grp] (cg × rows) · gcols
				if m == 1 {
					gemm(false, false, cg, Lin, rows, 1, wg, rows, GC, Lin, 0, gx[xBase:], Lin)
				} else {
					gemm(false, false, cg, m*Lin, rows, 1, wg, rows, GC, m*Lin, 0, xT, m*Lin)
					scatterRows(xT, m, cg, Lin, gx, xBase, cin*Lin)
				}
			}
			if gw != nil {
				// gw[grp] (cg × rows) += x[n, grp] (cg × m·Lin) · gcolsᵀ
				X := x[xBase:]
				if m > 1 {
					gatherRows(x, xBase, cin*Lin, m, cg, Lin, xT)
					X = xT
				}
				gemm(false, true, cg, rows, m*Lin, 1, X, m*Lin, GC, m*Lin, 1, gw[gi*cg*rows:], rows)
			}
		}
	}
}
