package idx_test

import (
	"bytes"
	"fmt"

	"github.com/intercept-ml/intercept/data/idx"
)

func ExampleDecode() {
	file := []byte{
		0, 0, 0x08, 2, // magic: uint8 elements, 2 dimensions
		0, 0, 0, 2, // 2 rows
		0, 0, 0, 3, // 3 columns
		0, 128, 255, 1, 2, 3,
	}
	a, err := idx.Decode(bytes.NewReader(file))
	if err != nil {
		panic(err)
	}
	fmt.Println(a.Type, a.Dims)
	fmt.Println(a.Float32())

	// A header that promises more than the file holds.
	_, err = idx.Decode(bytes.NewReader(file[:15]))
	fmt.Println(err)
	// Output:
	// uint8 [2 3]
	// tensor([[  0., 128., 255.],
	//         [  1.,   2.,   3.]])
	// idx: truncated: dimensions 2×3 of uint8 need 6 bytes after the 12-byte header, the input has 3
}
