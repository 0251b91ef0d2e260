package tboard

import (
	"math"
	"slices"
	"sync"
)

// Histogram is TensorFlow's HistogramProto: the summary statistics of a set
// of values and their counts per bucket, bucket i holding the values v with
// BucketLimit[i-1] <= v < BucketLimit[i] (the first bucket has no lower
// limit).
type Histogram struct {
	Min, Max, Num, Sum, SumSquares float64
	BucketLimit, Bucket            []float64
}

// DefaultBucketLimits returns TensorFlow's default bucket limits
// (InitDefaultBucketsInner in tensorflow/core/lib/histogram/histogram.cc):
// -DBL_MAX, the negatives of the positive limits in decreasing order, 0, and
// the positive limits 1e-12·1.1^k below 1e20 (each the previous one times
// 1.1, in float64 arithmetic) followed by DBL_MAX. The result is shared: do
// not modify it.
func DefaultBucketLimits() []float64 { return defaultLimits() }

var defaultLimits = sync.OnceValue(func() []float64 {
	var pos []float64
	for v := 1e-12; v < 1e20; v *= 1.1 {
		pos = append(pos, v)
	}
	pos = append(pos, math.MaxFloat64)
	out := make([]float64, 0, 2*len(pos)+1)
	for i := len(pos) - 1; i >= 0; i-- {
		out = append(out, -pos[i])
	}
	out = append(out, 0)
	return append(out, pos...)
})

// NewHistogram returns the histogram of values over TensorFlow's default
// buckets, encoded as TensorFlow's Histogram::EncodeToProto encodes it
// (without preserving empty buckets): each run of empty buckets is merged
// into one whose limit is the run's last limit. NaN and infinite values are
// left out: TensorFlow's histograms cannot hold them. An empty histogram has
// one empty bucket with limit DBL_MAX.
func NewHistogram[T float32 | float64](values []T) *Histogram {
	limits := defaultLimits()
	counts := make([]float64, len(limits))
	h := &Histogram{Min: limits[len(limits)-1], Max: -math.MaxFloat64}
	for _, x := range values {
		v := float64(x)
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		// The first limit above v (std::upper_bound).
		b, found := slices.BinarySearch(limits, v)
		if found {
			b++
		}
		counts[b]++
		h.Min = min(h.Min, v)
		h.Max = max(h.Max, v)
		h.Num++
		h.Sum += v
		h.SumSquares += float64(v * v) // rounded: no fused multiply-add on any GOARCH
	}
	for i := 0; i < len(counts); {
		end, count := limits[i], counts[i]
		i++
		if count <= 0 {
			for i < len(counts) && counts[i] <= 0 {
				end, count = limits[i], counts[i]
				i++
			}
		}
		h.BucketLimit = append(h.BucketLimit, end)
		h.Bucket = append(h.Bucket, count)
	}
	return h
}
