//go:build amd64 && !purego

package kernel

// tanhAVX2 applies Tanh32 (sigmoid != 0: Sigmoid32) to d[0:n], n a
// multiple of 8, reading its constants from c (tanhConsts).
//
//go:noescape
func tanhAVX2(n int, d *float32, c *float32, sigmoid int)

// tanh32Asm is Tanh32 with the AVX2 loop for whole groups of 8 and the
// portable code for the rest (the same bits).
func tanh32Asm(d []float32, sigmoid bool) {
	n := len(d) &^ 7
	if n > 0 {
		s := 0
		if sigmoid {
			s = 1
		}
		tanhAVX2(n, &d[0], &tanhConsts[0], s)
	}
	tanh32Go(d[n:], sigmoid)
}
