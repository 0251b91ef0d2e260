package kernel

// Reductions use a fixed blocked pairwise order that depends only on the
// length: the input is split recursively in two (at a multiple of 8, as in
// NumPy's pairwise sum) until a piece has at most sumLeaf elements; a leaf is
// summed in eight interleaved lanes (lane l takes elements l, l+8, l+16, …,
// and the leftover tail goes to lane 0 in order), and the lanes are combined
// as ((l0+l1)+(l2+l3))+((l4+l5)+(l6+l7)). The error grows like O(log n)
// rather than O(n), and the loops have enough independent adds to run at
// full speed.
const sumLeaf = 128

// pairSplit returns where a piece of length n > sumLeaf is split.
func pairSplit(n int) int {
	return n / 2 &^ 7
}

func sum32(x []float32) float64 {
	if len(x) <= sumLeaf {
		return sumLeaf32(x)
	}
	h := pairSplit(len(x))
	return sum32(x[:h]) + sum32(x[h:])
}

func sumLeaf32(x []float32) float64 {
	var s0, s1, s2, s3, s4, s5, s6, s7 float64
	for len(x) >= 8 {
		v := (*[8]float32)(x)
		s0 += float64(v[0])
		s1 += float64(v[1])
		s2 += float64(v[2])
		s3 += float64(v[3])
		s4 += float64(v[4])
		s5 += float64(v[5])
		s6 += float64(v[6])
		s7 += float64(v[7])
		x = x[8:]
	}
	for _, v := range x {
		s0 += float64(v)
	}
	return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
}

func sum64(x []float64) float64 {
	if len(x) <= sumLeaf {
		return sumLeaf64(x)
	}
	h := pairSplit(len(x))
	return sum64(x[:h]) + sum64(x[h:])
}

func sumLeaf64(x []float64) float64 {
	var s0, s1, s2, s3, s4, s5, s6, s7 float64
	for len(x) >= 8 {
		v := (*[8]float64)(x)
		s0 += v[0]
		s1 += v[1]
		s2 += v[2]
		s3 += v[3]
		s4 += v[4]
		s5 += v[5]
		s6 += v[6]
		s7 += v[7]
		x = x[8:]
	}
	for _, v := range x {
		s0 += v
	}
	return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
}

func dot32(x, y []float32) float64 {
	if len(x) <= sumLeaf {
		return dotLeaf32(x, y)
	}
	h := pairSplit(len(x))
	return dot32(x[:h], y[:h]) + dot32(x[h:], y[h:])
}

// dotLeaf32 forms each product exactly in float64 (24-bit significands
// multiply into at most 48 bits), so contraction could not change it anyway;
// the explicit conversion keeps that obvious.
func dotLeaf32(x, y []float32) float64 {
	y = y[:len(x)]
	var s0, s1, s2, s3, s4, s5, s6, s7 float64
	for len(x) >= 8 {
		u := (*[8]float32)(x)
		v := (*[8]float32)(y)
		s0 += float64(float64(u[0]) * float64(v[0]))
		s1 += float64(float64(u[1]) * float64(v[1]))
		s2 += float64(float64(u[2]) * float64(v[2]))
		s3 += float64(float64(u[3]) * float64(v[3]))
		s4 += float64(float64(u[4]) * float64(v[4]))
		s5 += float64(float64(u[5]) * float64(v[5]))
		s6 += float64(float64(u[6]) * float64(v[6]))
		s7 += float64(float64(u[7]) * float64(v[7]))
		x = x[8:]
		y = y[8:]
	}
	for i, u := range x {
		s0 += float64(float64(u) * float64(y[i]))
	}
	return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
}

func dot64(x, y []float64) float64 {
	if len(x) <= sumLeaf {
		return dotLeaf64(x, y)
	}
	h := pairSplit(len(x))
	return dot64(x[:h], y[:h]) + dot64(x[h:], y[h:])
}

func dotLeaf64(x, y []float64) float64 {
	y = y[:len(x)]
	var s0, s1, s2, s3, s4, s5, s6, s7 float64
	for len(x) >= 8 {
		u := (*[8]float64)(x)
		v := (*[8]float64)(y)
		s0 += float64(u[0] * v[0])
		s1 += float64(u[1] * v[1])
		s2 += float64(u[2] * v[2])
		s3 += float64(u[3] * v[3])
		s4 += float64(u[4] * v[4])
		s5 += float64(u[5] * v[5])
		s6 += float64(u[6] * v[6])
		s7 += float64(u[7] * v[7])
		x = x[8:]
		y = y[8:]
	}
	for i, u := range x {
		s0 += float64(u * y[i])
	}
	return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
}
