//go:build !amd64 || purego

package tensor

import (
	"bytes"
	"runtime"
	"strconv"
)

// goroutineKey identifies the calling goroutine for the grad-mode table:
// its id, read from its stack header.
func goroutineKey() uint64 {
	var buf [64]byte
	n := runtime.Stack(buf[:], false)
	b := bytes.TrimPrefix(buf[:n], []byte("goroutine "))
	if i := bytes.IndexByte(b, ' '); i > 0 {
		b = b[:i]
	}
	id, _ := strconv.ParseUint(string(b), 10, 64)
	return id
}
