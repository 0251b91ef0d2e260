package data

import (
	"bytes"
	_ "embed"
	"sync"

	"github.com/intercept-ml/intercept/data/numcsv"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

//go:embed digits.csv.gz
var digitsCSV []byte

// digitsTable parses the embedded file once.
var digitsTable = sync.OnceValue(func() *numcsv.Table {
	t, err := numcsv.Read(bytes.NewReader(digitsCSV), "digits.csv.gz", numcsv.Options{Label: -1, LabelType: tensor.Int64})
	if err != nil {
		panic("data: the embedded digits are corrupt: " + err.Error())
	}
	return t
})

// Digits returns the embedded handwritten digits (see the package
// documentation for their source and licence): x is float32 of shape
// (1797, 64), the 8×8 images row by row with pixel values 0..16, and y the
// int64 class labels 0..9 of shape (1797,). Reshape x to (1797, 1, 8, 8) for
// convolutions. Each call returns new tensors.
func Digits() *TensorDataset {
	t := digitsTable()
	return NewTensorDataset(tensor.FromFloat32(t.X.Float32s(), t.X.Shape()...), tensor.FromInt64(t.Y.Int64s(), t.Y.Shape()...))
}

// DigitsScaled is [Digits] with the pixel values divided by 16, so that they
// lie in [0, 1].
func DigitsScaled() *TensorDataset {
	d := Digits()
	xs := d.x.Data32()
	for i, v := range xs {
		xs[i] = v / 16
	}
	return d
}

// DigitsSplitSeed is the seed of the fixed train/test split of
// [DigitsTrainTest].
const DigitsSplitSeed = 0

// DigitsTrainTest returns [DigitsScaled] split at random into 1438 training
// and 359 test examples, the same split every time: it equals PyTorch's
// random_split(ds, [0.8, 0.2], generator=torch.Generator().manual_seed(0))
// (see [RandomSplitFractions]).
func DigitsTrainTest() (train, test *TensorDataset) {
	g := rng.NewGenerator()
	g.ManualSeed(DigitsSplitSeed)
	parts, err := RandomSplitFractions(DigitsScaled(), g, 0.8, 0.2)
	if err != nil {
		panic(err) // cannot happen: the fractions are valid
	}
	return NewTensorDataset(Tensors(parts[0])), NewTensorDataset(Tensors(parts[1]))
}
