//go:build !amd64 || purego

package tensor

// goroutineKey identifies the calling goroutine for the grad-mode table:
// its id, read from its stack header.
func goroutineKey() uint64 { return goid() }
