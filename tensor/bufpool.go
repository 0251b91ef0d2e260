package tensor

import (
	"runtime"
	"sync"
	"unsafe"
)

// bufPool keeps the memory of float tensors that the garbage collector
// found unreachable, for new tensors whose every element is written before
// it is read (see emptyReused): a fresh result then costs neither
// allocating nor zeroing its elements, nor the collections that the
// allocation would bring closer.
//
// The unit is the backing array itself, not a tensor or a storage: each
// array the pool tracks carries a finalizer, which the runtime runs only
// once nothing at all references the array any more (no storage, no view,
// no slice returned by Data32 and kept by the caller, no slice held by a
// running kernel). The finalizer makes the array reachable again by
// putting it back in its free list, a use of finalizers that
// runtime.SetFinalizer documents. Since reachability is decided by the
// collector, a recycled array can never still be in use, whatever held it
// before: there is no escape to track. The finalizer also sets itself
// again, on the finalizer goroutine, so that an array taken from a free
// list is handed out as it is; an array evicted from a free list has its
// finalizer removed.
//
// The arrays the pool tracks (handed out with its finalizer, or free) total
// at most bufPoolMaxBytes; beyond, arrays are allocated as usual. The bound
// also limits how far the pool moves the heap: free arrays count as live at
// a collection, and raise the next heap goal by their size.
var bufPool struct {
	mu      sync.Mutex
	lists   map[[2]int]*bufList // by element type and exact length
	tracked int                 // bytes of the arrays carrying the finalizer or free
	free    int                 // bytes of the arrays in the free lists
}

// bufList is the free arrays of one element type and length, and the
// finalizer that returns such an array to the list.
type bufList struct {
	free []unsafe.Pointer
	fin  any // func(*float32) or func(*float64)
}

// bufPoolMaxBytes bounds the memory of the arrays that bufPool tracks.
const bufPoolMaxBytes = 16 << 20

// bufPoolMaxLists bounds the number of (type, length) lists. Arrays of a
// length without a list once there are that many are allocated as usual.
const bufPoolMaxLists = 1 << 12

// bufPoolGet returns the address of an array of n elements of the float
// type dt, with unspecified values: a recycled one if the pool has one,
// else a new one, which the pool tracks if its bound allows (evicting the
// free arrays of other lengths if need be). The caller must write every
// element before reading it.
func bufPoolGet(dt DType, n int) unsafe.Pointer {
	key := [2]int{int(dt), n}
	size := n * floatSize(dt)
	bufPool.mu.Lock()
	l := bufPool.lists[key]
	if l == nil && len(bufPool.lists) < bufPoolMaxLists {
		if bufPool.lists == nil {
			bufPool.lists = map[[2]int]*bufList{}
		}
		l = &bufList{fin: bufFinalizer(dt, key)}
		bufPool.lists[key] = l
	}
	var fin any // the finalizer a new array must be given
	if l != nil {
		if k := len(l.free); k > 0 {
			p := l.free[k-1] // its finalizer is set
			l.free[k-1] = nil
			l.free = l.free[:k-1]
			bufPool.free -= size
			bufPool.mu.Unlock()
			return p
		}
		if bufPoolRoom(key, size) {
			bufPool.tracked += size
			fin = l.fin
		}
	}
	bufPool.mu.Unlock()
	var p unsafe.Pointer
	if dt == Float64 {
		p = unsafe.Pointer(unsafe.SliceData(make([]float64, n)))
	} else {
		p = unsafe.Pointer(unsafe.SliceData(make([]float32, n)))
	}
	if fin != nil {
		setBufFinalizer(dt, p, fin)
	}
	return p
}

// setBufFinalizer sets the finalizer of the array p of the float type dt
// to fin, or removes it when fin is nil.
func setBufFinalizer(dt DType, p unsafe.Pointer, fin any) {
	if dt == Float64 {
		if fin == nil {
			runtime.SetFinalizer((*float64)(p), nil)
		} else {
			runtime.SetFinalizer((*float64)(p), fin)
		}
		return
	}
	if fin == nil {
		runtime.SetFinalizer((*float32)(p), nil)
	} else {
		runtime.SetFinalizer((*float32)(p), fin)
	}
}

// bufPoolRoom reports whether the pool can track size more bytes, after
// evicting the free arrays of lists other than key if need be (they are
// then left to the collector). The caller holds bufPool.mu.
func bufPoolRoom(key [2]int, size int) bool {
	if bufPool.tracked+size <= bufPoolMaxBytes {
		return true
	}
	if bufPool.tracked+size-bufPool.free > bufPoolMaxBytes {
		return false // not even by evicting every free array
	}
	for k, l := range bufPool.lists {
		if k == key || len(l.free) == 0 {
			continue
		}
		b := len(l.free) * k[1] * floatSize(DType(k[0]))
		bufPool.tracked -= b
		bufPool.free -= b
		for _, p := range l.free {
			setBufFinalizer(DType(k[0]), p, nil)
		}
		clear(l.free)
		l.free = l.free[:0]
		if bufPool.tracked+size <= bufPoolMaxBytes {
			return true
		}
	}
	return false
}

// bufFinalizer returns the finalizer of the arrays of list key, of type
// func(*float32) or func(*float64) as dt requires.
func bufFinalizer(dt DType, key [2]int) any {
	if dt == Float64 {
		var fin func(p *float64)
		fin = func(p *float64) {
			runtime.SetFinalizer(p, fin)
			bufPoolPut(key, unsafe.Pointer(p))
		}
		return fin
	}
	var fin func(p *float32)
	fin = func(p *float32) {
		runtime.SetFinalizer(p, fin)
		bufPoolPut(key, unsafe.Pointer(p))
	}
	return fin
}

// bufPoolPut adds the unreachable tracked array p, whose finalizer is set
// again, to free list key.
func bufPoolPut(key [2]int, p unsafe.Pointer) {
	bufPool.mu.Lock()
	l := bufPool.lists[key]
	l.free = append(l.free, p)
	bufPool.free += key[1] * floatSize(DType(key[0]))
	bufPool.mu.Unlock()
}
