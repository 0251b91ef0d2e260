package tensor

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"
	"unsafe"
)

// inBufPool reports whether the array at address p is in bufPool's free
// list key. (An address, not a pointer: a pointer would keep the array
// reachable.)
func inBufPool(key [2]int, p uintptr) bool {
	bufPool.mu.Lock()
	defer bufPool.mu.Unlock()
	l := bufPool.lists[key]
	return l != nil && slices.ContainsFunc(l.free, func(q unsafe.Pointer) bool { return uintptr(q) == p })
}

// awaitBufPool collects garbage until the array at p is in free list key
// (finalizers run on their own goroutine, after a collection) and reports
// whether it got there within a few seconds.
func awaitBufPool(key [2]int, p uintptr) bool {
	for range 200 {
		runtime.GC()
		if inBufPool(key, p) {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return false
}

// seqMatrix returns an r×c float32 matrix of small distinct values
// depending on seed.
func seqMatrix(r, c, seed int) *Tensor {
	v := make([]float32, r*c)
	for i := range v {
		v[i] = float32((i*7+seed*13)%23) - 11
	}
	return FromFloat32(v, r, c)
}

// TestBufPoolRecyclesUnreachableResults checks that the memory of a
// Matmul result that nothing references any more goes back to bufPool and
// is the next result of its size, that the result is then right, and that
// the memory returns again once that result is dropped in turn.
func TestBufPoolRecyclesUnreachableResults(t *testing.T) {
	const m, k, n = 37, 19, 41 // 1517 elements: a size no other test uses
	a, b := seqMatrix(m, k, 1), seqMatrix(k, n, 2)
	key := [2]int{int(Float32), m * n}
	r := Matmul(a, b)
	p := uintptr(r.st.ptr)
	r = nil
	if !awaitBufPool(key, p) {
		t.Fatal("the memory of an unreachable Matmul result did not return to the pool")
	}
	r = Matmul(a, b)
	if uintptr(r.st.ptr) != p {
		t.Fatal("Matmul did not take its result's memory from the pool")
	}
	want := Empty(Float32, m, n)
	MatmulInto(want, a, b)
	if !Equal(r, want) {
		t.Fatal("Matmul into recycled memory differs from MatmulInto")
	}
	// A recycled array comes back again once dropped again: its finalizer
	// was set anew.
	r = nil
	if !awaitBufPool(key, p) {
		t.Fatal("the memory of a result built on recycled memory did not return to the pool")
	}
}

// TestBufPoolGarbageIsOverwritten fills pooled memory with NaN and checks
// that the results built on it (2-D, batched and empty-depth products,
// element-wise operations, copies) do not see it.
func TestBufPoolGarbageIsOverwritten(t *testing.T) {
	poison := func(dt DType, n int) {
		key := [2]int{int(dt), n}
		for range 3 {
			p := bufPoolGet(dt, n)
			if dt == Float64 {
				for i := range unsafe.Slice((*float64)(p), n) {
					unsafe.Slice((*float64)(p), n)[i] = math.NaN()
				}
			} else {
				for i := range unsafe.Slice((*float32)(p), n) {
					unsafe.Slice((*float32)(p), n)[i] = float32(math.NaN())
				}
			}
			// Back to the free list as its finalizer would put it (which
			// leaves the finalizer set).
			bufPoolPut(key, p)
		}
	}
	for _, dt := range []DType{Float32, Float64} {
		const m, k, n = 33, 45, 35 // 1155 elements
		a, b := seqMatrix(m, k, 3).To(dt), seqMatrix(k, n, 4).To(dt)
		want := Empty(dt, m, n)
		MatmulInto(want, a, b)

		poison(dt, m*n)
		if got := Matmul(a, b); !Equal(got, want) {
			t.Errorf("%v: Matmul over poisoned memory differs", dt)
		}
		poison(dt, m*n)
		if got := Matmul(a.T().Contiguous().T(), b); !Equal(got, want) {
			t.Errorf("%v: Matmul of a transposed operand over poisoned memory differs", dt)
		}
		poison(dt, 2*m*n)
		ab, bb := Stack([]*Tensor{a, a}, 0), Stack([]*Tensor{b, b}, 0)
		if got := Matmul(ab, bb); !Equal(got, Stack([]*Tensor{want, want}, 0)) {
			t.Errorf("%v: batched Matmul over poisoned memory differs", dt)
		}
		poison(dt, m*n)
		if got := Matmul(Empty(dt, m, 0), Empty(dt, 0, n)); !Equal(got, Zeros(m, n)) {
			t.Errorf("%v: Matmul with k = 0 over poisoned memory is not zero", dt)
		}
		poison(dt, m*n)
		if got := want.Add(want); !Equal(got, want.MulScalar(2)) {
			t.Errorf("%v: Add over poisoned memory differs", dt)
		}
		poison(dt, m*n)
		if got := want.T().Contiguous(); !Equal(got, want.T()) {
			t.Errorf("%v: Contiguous over poisoned memory differs", dt)
		}
	}
}

// TestBufPoolSparesLiveMemory keeps results alive only through a view, a
// transposed view, a slice from Data32 and a slice from Data64, drops
// every tensor, and checks that their elements survive collections while
// goroutines compute products of the same sizes, each checking its own
// results (which would differ if two of them were given the same memory).
func TestBufPoolSparesLiveMemory(t *testing.T) {
	const m, k, n = 40, 30, 50 // 2000 elements
	a, b := seqMatrix(m, k, 5), seqMatrix(k, n, 6)
	full := Empty(Float32, m, n)
	MatmulInto(full, a, b)
	want := full.Float32s()

	view := Matmul(a, b).Narrow(0, 3, 5)
	tview := Matmul(a, b).T()
	data := Matmul(a, b).Data32()
	data64 := Matmul(a.Double(), b.Double()).Data64()
	views := []*Tensor{view, tview}
	wants := [][]float32{full.Narrow(0, 3, 5).Float32s(), full.T().Float32s()}

	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 4 {
		wg.Go(func() {
			x, y := seqMatrix(m, k, 10+g), seqMatrix(k, n, 20+g)
			ref := Empty(Float32, m, n)
			MatmulInto(ref, x, y)
			for i := range 300 {
				got := Matmul(x, y)
				if !Equal(got, ref) {
					errs <- fmt.Errorf("goroutine %d, product %d: wrong result", g, i)
					return
				}
				// Overwrite it, so that memory handed out twice shows.
				got.Data32()[i%(m*n)] = float32(g + 1000)
				if i%50 == 0 {
					runtime.GC()
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	runtime.GC()
	runtime.GC()
	for i, v := range views {
		if !slices.Equal(v.Float32s(), wants[i]) {
			t.Errorf("view %d of a dropped result changed", i)
		}
	}
	if !slices.Equal(data, want) {
		t.Error("a slice from Data32 of a dropped result changed")
	}
	for i, v := range data64 {
		if float32(v) != want[i] {
			t.Fatal("a slice from Data64 of a dropped result changed")
		}
	}
}

// TestBufPoolBound checks that the arrays bufPool tracks total at most
// bufPoolMaxBytes, that the free arrays of another length make room for a
// new array, and that the tracked arrays come back once dropped.
func TestBufPoolBound(t *testing.T) {
	const small, big = 1<<11 + 3, 1 << 20 // 8 KiB and 4 MiB of float32
	keySmall, keyBig := [2]int{int(Float32), small}, [2]int{int(Float32), big}
	ps := uintptr(bufPoolGet(Float32, small))
	if !awaitBufPool(keySmall, ps) {
		t.Fatal("an unreachable array did not return to the pool")
	}
	var hold []unsafe.Pointer
	for range bufPoolMaxBytes/(4*big) + 2 {
		hold = append(hold, bufPoolGet(Float32, big))
	}
	bufPool.mu.Lock()
	tracked, free := bufPool.tracked, bufPool.free
	bufPool.mu.Unlock()
	if tracked > bufPoolMaxBytes || free > tracked {
		t.Errorf("pool tracks %d bytes, %d of them free; want at most %d", tracked, free, bufPoolMaxBytes)
	}
	if inBufPool(keySmall, ps) {
		t.Error("a full pool kept a free array of another length")
	}
	last := uintptr(hold[0])
	hold = nil
	if !awaitBufPool(keyBig, last) {
		t.Error("a tracked array did not return to the pool")
	}
	// Leave the pool as other tests expect it.
	bufPool.mu.Lock()
	l := bufPool.lists[keyBig]
	bufPool.tracked -= len(l.free) * 4 * big
	bufPool.free -= len(l.free) * 4 * big
	for _, p := range l.free {
		setBufFinalizer(Float32, p, nil)
	}
	clear(l.free)
	l.free = l.free[:0]
	bufPool.mu.Unlock()
}

// TestDrainPoolsLetsArraysGo checks that an array DrainPools takes out of
// a free list is garbage for good: its finalizer (armed again while it was
// free) does not put it back when it dies, and the pool's byte counts
// stay those of the arrays it still has.
func TestDrainPoolsLetsArraysGo(t *testing.T) {
	const m, k, n = 41, 13, 43 // 1763 elements: a size no other test uses
	a, b := seqMatrix(m, k, 3), seqMatrix(k, n, 4)
	key := [2]int{int(Float32), m * n}
	r := Matmul(a, b)
	p := uintptr(r.st.ptr)
	r = nil
	if !awaitBufPool(key, p) {
		t.Fatal("the memory of an unreachable Matmul result did not return to the pool")
	}
	DrainPools()
	if n := PoolBytes(); n != 0 {
		t.Fatalf("PoolBytes = %d after DrainPools", n)
	}
	for range 5 {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	if inBufPool(key, p) {
		t.Fatal("a drained array came back to the pool when it died")
	}
	bufPool.mu.Lock()
	free, tracked := bufPool.free, bufPool.tracked
	bufPool.mu.Unlock()
	if free != 0 || tracked < 0 {
		t.Fatalf("after draining and collecting: free %d bytes, tracked %d", free, tracked)
	}
}
