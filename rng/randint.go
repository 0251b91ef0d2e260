package rng

import (
	"fmt"

	"github.com/intercept-ml/intercept/tensor"
)

// Randint returns an int64 tensor of the given shape filled with integers
// drawn uniformly from [low, high) by the default generator, like
// torch.randint(low, high, size) (torch.randint(high, size) is
// Randint(0, high, ...)). Each element, in row-major order, is one
// RandInt(low, high) draw: low + Random() mod (high − low), or
// low + Random64() mod (high − low) when the range is 2^32 or more, the
// bits of PyTorch 1.13's random_from_to on the CPU. It panics with
// PyTorch's message unless low < high. (RandInt draws a single value.)
func Randint(low, high int64, shape ...int) *tensor.Tensor {
	return defaultGen.Randint(low, high, shape...)
}

// Randint is the package-level Randint drawing from g, like
// torch.randint(low, high, size, generator=g).
func (g *Generator) Randint(low, high int64, shape ...int) *tensor.Tensor {
	if high <= low {
		panic(fmt.Sprintf("random_ expects 'from' to be less than 'to', but got from=%d >= to=%d", low, high))
	}
	for _, s := range shape {
		if s < 0 {
			panic(fmt.Sprintf("Trying to create tensor with negative dimension %d: %v", s, shape))
		}
	}
	t := tensor.ZerosOf(tensor.Int64, shape...)
	d := t.DataInt64()
	r := uint64(high) - uint64(low)
	g.lock()
	defer g.unlock()
	if r >= 1<<32 {
		for i := range d {
			d[i] = int64(uint64(low) + g.next64()%r)
		}
		return t
	}
	var raw [256]uint32
	for i := 0; i < len(d); {
		c := min(len(d)-i, len(raw))
		g.fillRaw(raw[:c])
		for _, v := range raw[:c] {
			d[i] = int64(uint64(low) + uint64(v)%r)
			i++
		}
	}
	return t
}
