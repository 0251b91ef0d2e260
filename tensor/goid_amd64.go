//go:build amd64 && !purego

package tensor

// getg returns the address of the calling goroutine's runtime descriptor
// (read from thread-local storage). It is unique among live goroutines and
// fixed for a goroutine's lifetime, which is all NoGrad needs of a key.
func getg() uintptr

// goroutineKey identifies the calling goroutine for the grad-mode table.
// A goroutine's key is only used while it is inside NoGrad, which removes
// it on the way out, so a key reused by a later goroutine cannot collide.
func goroutineKey() uint64 { return uint64(getg()) }
