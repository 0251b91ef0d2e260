package tboard

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func fixedClock() func() time.Time {
	t := time.Unix(1700000000, 250_000_000)
	return func() time.Time { t = t.Add(time.Second); return t }
}

func TestMaskedCRC(t *testing.T) {
	// CRC-32C("123456789") is 0xe3069283 (the standard check value).
	c := uint32(0xe3069283)
	if got, want := MaskedCRC([]byte("123456789")), (c>>15|c<<17)+0xa282ead8; got != want {
		t.Errorf("MaskedCRC = %#x, want %#x", got, want)
	}
	rec := AppendRecord(nil, []byte("abc"))
	if len(rec) != 8+4+3+4 || binary.LittleEndian.Uint64(rec) != 3 || string(rec[12:15]) != "abc" {
		t.Errorf("AppendRecord = % x", rec)
	}
}

func TestDefaultBucketLimits(t *testing.T) {
	l := DefaultBucketLimits()
	if len(l)%2 != 1 || l[len(l)/2] != 0 {
		t.Fatalf("%d limits, middle %v: want an odd number around 0", len(l), l[len(l)/2])
	}
	half := len(l) / 2
	if l[half+1] != 1e-12 || l[len(l)-1] != math.MaxFloat64 || l[0] != -math.MaxFloat64 {
		t.Errorf("limits start %v, %v and end %v", l[0], l[half+1], l[len(l)-1])
	}
	if l[len(l)-2] >= 1e20 || l[len(l)-2]*1.1 < 1e20 {
		t.Errorf("largest finite limit %v, want the last 1e-12·1.1^k below 1e20", l[len(l)-2])
	}
	for i := 1; i < len(l); i++ {
		if l[i] <= l[i-1] || l[i] != -l[len(l)-1-i] {
			t.Fatalf("limits not increasing and symmetric at %d: %v %v", i, l[i-1], l[i])
		}
	}
	if half != 775 {
		t.Errorf("%d positive limits, want 775 (774 below 1e20 and DBL_MAX)", half)
	}
}

func TestNewHistogram(t *testing.T) {
	h := NewHistogram([]float64{0, 0, 1, -1, 1e-12, math.NaN(), math.Inf(1), 2.5})
	if h.Num != 6 || h.Min != -1 || h.Max != 2.5 || h.Sum != 2.5+1e-12 || h.SumSquares != 1+1+1e-24+6.25 {
		t.Errorf("stats %+v", *h)
	}
	next := DefaultBucketLimits()[len(DefaultBucketLimits())/2+2] // 1e-12 times 1.1 in float64
	if got := slices.Index(h.BucketLimit, next); got < 0 || h.Bucket[got] != 1 {
		t.Errorf("1e-12 is not alone in the bucket [1e-12, 1.1e-12): %v", h.BucketLimit)
	}
	var total float64
	for i, c := range h.Bucket {
		total += c
		if i > 0 && c == 0 && h.Bucket[i-1] == 0 {
			t.Errorf("two empty buckets in a row at %d", i)
		}
	}
	if total != h.Num {
		t.Errorf("buckets hold %v values, want %v", total, h.Num)
	}
	// 0 is counted in the bucket whose limit is the first positive one.
	if i := slices.Index(h.BucketLimit, 1e-12); i < 0 || h.Bucket[i] != 2 {
		t.Errorf("the two zeros are not in the bucket [0, 1e-12)")
	}
	if h.BucketLimit[len(h.BucketLimit)-1] != math.MaxFloat64 {
		t.Errorf("the last limit is %v, want DBL_MAX", h.BucketLimit[len(h.BucketLimit)-1])
	}
	e := NewHistogram([]float32{})
	if len(e.Bucket) != 1 || e.Bucket[0] != 0 || e.BucketLimit[0] != math.MaxFloat64 {
		t.Errorf("empty histogram %+v", *e)
	}
}

func TestRoundTrip(t *testing.T) {
	dir := t.TempDir()
	w, err := NewWriter(filepath.Join(dir, "run"), WithClock(fixedClock()))
	if err != nil {
		t.Fatal(err)
	}
	h := NewHistogram([]float32{0.5, -0.25, 0.125})
	for _, err := range []error{
		w.Scalar("loss", 1, 2.5),
		w.Histogram("fc.weight", 1, h),
		w.Text("note", 2, "**bold** ünïcode"),
		w.Scalar("loss", 1<<40, -0.75),
		w.Flush(), w.Close(), w.Close(),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Scalar("late", 3, 1); err == nil {
		t.Error("Scalar after Close succeeded")
	}
	base := filepath.Base(w.Path())
	host, _ := os.Hostname()
	if base != "events.out.tfevents.1700000001."+host {
		t.Errorf("file name %s", base)
	}
	ev, err := ReadFile(w.Path())
	if err != nil {
		t.Fatal(err)
	}
	if len(ev) != 5 || ev[0].FileVersion != "brain.Event:2" || ev[0].WallTime != 1700000001.25 {
		t.Fatalf("events %+v", ev)
	}
	if v := ev[1].Values[0]; ev[1].Step != 1 || v.Tag != "loss" || !v.HasScalar || v.Scalar != 2.5 {
		t.Errorf("scalar event %+v", ev[1])
	}
	if v := ev[2].Values[0]; v.Tag != "fc.weight" || !histEqual(v.Histogram, h) {
		t.Errorf("histogram event %+v, want %+v", v.Histogram, h)
	}
	if v := ev[3].Values[0]; v.Plugin != "text" || !slices.Equal(v.Text, []string{"**bold** ünïcode"}) || ev[3].Step != 2 {
		t.Errorf("text event %+v", ev[3])
	}
	if ev[4].Step != 1<<40 || ev[4].Values[0].Scalar != -0.75 {
		t.Errorf("last event %+v", ev[4])
	}

	// A second writer in the same second gets its own file.
	w2, err := NewWriter(filepath.Join(dir, "run"), WithClock(func() time.Time { return time.Unix(1700000001, 0) }))
	if err != nil {
		t.Fatal(err)
	}
	defer w2.Close()
	if w2.Path() != w.Path()+".1" {
		t.Errorf("second file %s", w2.Path())
	}
}

func histEqual(a, b *Histogram) bool {
	return a != nil && a.Min == b.Min && a.Max == b.Max && a.Num == b.Num && a.Sum == b.Sum &&
		a.SumSquares == b.SumSquares && slices.Equal(a.BucketLimit, b.BucketLimit) && slices.Equal(a.Bucket, b.Bucket)
}

// A torn last record (a crash in the middle of a write) loses that record
// only; a corrupted one is reported.
func TestTornAndCorrupt(t *testing.T) {
	w, err := NewWriter(t.TempDir(), WithClock(fixedClock()))
	if err != nil {
		t.Fatal(err)
	}
	w.Scalar("a", 1, 1)
	w.Scalar("a", 2, 2)
	w.Close()
	b, _ := os.ReadFile(w.Path())
	for cut := 1; cut < 30; cut++ {
		ev, err := Read(bytes.NewReader(b[:len(b)-cut]))
		if !errors.Is(err, ErrTruncated) || len(ev) != 2 {
			t.Fatalf("cut %d bytes: %d events, %v; want 2 and ErrTruncated", cut, len(ev), err)
		}
	}
	c := bytes.Clone(b)
	c[len(c)-6] ^= 1
	if ev, err := Read(bytes.NewReader(c)); err == nil || !strings.Contains(err.Error(), "data CRC") || len(ev) != 2 {
		t.Errorf("corrupted data: %d events, %v", len(ev), err)
	}
}
