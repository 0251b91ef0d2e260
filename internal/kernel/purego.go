package kernel

// This file holds the portable implementation. It is plain Go apart from
// the unsafe pointer walk in the generated micro-kernels, and serves as the
// reference and fallback for any assembly implementation, with the same
// bits (see "One arithmetic" in the package doc).

//go:generate go run gen_micro.go

var (
	micro32 = newMicroKernel(4, 2, micro32_4x2)
	micro64 = newMicroKernel(4, 2, micro64_4x2)
)

// pureGo returns the portable implementation.
func pureGo() implementation {
	return implementation{
		name:           "purego",
		reluBackward32: reluBackwardGo[float32],
		reluForward32:  reluForwardGo[float32],
		reluBackward64: reluBackwardGo[float64],
		reluForward64:  reluForwardGo[float64],
		maxPool2x2:     maxPool2x2Go,
		copyRows32:     copyRowsGo[float32],
		addRows32:      addRowsGo[float32],
		copyRows64:     copyRowsGo[float64],
		addRows64:      addRowsGo[float64],
		tanh32:         tanh32Go,
		adam32:         adamGo[float32],
		adam64:         adamGo[float64],
		rmsprop32:      rmspropGo[float32],
		rmsprop64:      rmspropGo[float64],
		sgd32:          sgdGo[float32],
		sgd64:          sgdGo[float64],
		f32: ops[float32]{
			gemm:         gemmDriver(micro32, &pool32),
			gemmSource:   gemmSourceDriver(micro32, &pool32),
			gemmSink:     gemmSinkDriver(micro32, &pool32),
			add:          add32,
			sub:          sub32,
			mul:          mul32,
			div:          div32,
			addScalar:    addScalar32,
			mulScalar:    mulScalar32,
			axpy:         axpy32,
			relu:         relu32,
			addRowVector: addRowVector[float32],
			sum:          sum32,
			dot:          dot32,
			maxIndex:     maxIndex[float32],
		},
		f64: ops[float64]{
			gemm:         gemmDriver(micro64, &pool64),
			gemmSource:   gemmSourceDriver(micro64, &pool64),
			gemmSink:     gemmSinkDriver(micro64, &pool64),
			add:          add64,
			sub:          sub64,
			mul:          mul64,
			div:          div64,
			addScalar:    addScalar64,
			mulScalar:    mulScalar64,
			axpy:         axpy64,
			relu:         relu64,
			addRowVector: addRowVector[float64],
			sum:          sum64,
			dot:          dot64,
			maxIndex:     maxIndex[float64],
		},
	}
}
