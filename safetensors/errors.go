package safetensors

import (
	"errors"
	"fmt"
)

// ErrFormat is matched (with errors.Is) by every error that reports a
// malformed file.
var ErrFormat = errors.New("malformed safetensors file")

// FormatError reports a file that does not follow the safetensors format.
// It names the file (when known) and, for a problem with one entry of the
// header, the tensor.
type FormatError struct {
	File   string // path of the file, or "" when reading an unnamed reader
	Tensor string // the header entry concerned, or "" for the file as a whole
	Msg    string // what is wrong
}

// Error returns a message such as
// `safetensors: model.safetensors: tensor "fc.weight": shape [2 3] of F32 needs 24 bytes but data_offsets [0, 12] hold 12`.
func (e *FormatError) Error() string {
	s := "safetensors: "
	if e.File != "" {
		s += e.File + ": "
	}
	if e.Tensor != "" {
		s += fmt.Sprintf("tensor %q: ", e.Tensor)
	}
	return s + e.Msg
}

// Is makes errors.Is(err, ErrFormat) true for a FormatError.
func (e *FormatError) Is(target error) bool { return target == ErrFormat }
