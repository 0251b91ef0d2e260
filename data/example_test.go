package data_test

import (
	"fmt"

	"github.com/intercept-ml/intercept/data"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

// The same batches as PyTorch 1.13:
//
//	torch.manual_seed(0)
//	dl = DataLoader(TensorDataset(torch.arange(10)), batch_size=3, shuffle=True)
//	for epoch in range(2):
//	    print([b.tolist() for (b,) in dl])
func ExampleLoader() {
	rng.ManualSeed(0)
	ds := data.NewTensorDataset(tensor.ArangeOf(tensor.Int64, 0, 10, 1), nil)
	loader := data.NewLoader(ds, 3, data.Shuffle)
	for range 2 {
		var epoch [][]int64
		for x := range loader.Epoch() {
			epoch = append(epoch, x.Int64s())
		}
		fmt.Println(epoch)
	}
	// Output:
	// [[6 7 1] [4 2 0] [9 8 3] [5]]
	// [[2 4 7] [0 8 9] [5 3 6] [1]]
}

// A loader with its own generator, like DataLoader(..., generator=g) with
// g = torch.Generator().manual_seed(0), leaves the default generator alone.
func ExampleWithGenerator() {
	g := rng.NewGenerator()
	g.ManualSeed(0)
	ds := data.NewTensorDataset(tensor.ArangeOf(tensor.Int64, 0, 10, 1), nil)
	loader := data.NewLoader(ds, 3, data.Shuffle, data.DropLast, data.WithGenerator(g))
	for range 2 {
		var epoch [][]int
		for idx := range loader.EpochIndices() {
			epoch = append(epoch, idx)
		}
		fmt.Println(epoch)
	}
	// Output:
	// [[3 7 5] [2 0 8] [1 6 9]]
	// [[1 3 2] [7 5 9] [0 6 4]]
}

// Training batches of the embedded digits.
func ExampleDigits() {
	train, test := data.DigitsTrainTest()
	fmt.Println(train.Len(), test.Len())
	rng.ManualSeed(0)
	loader := data.NewLoader(train, 64, data.Shuffle)
	for x, y := range loader.Epoch() {
		fmt.Println(x.Shape(), y.Shape(), y.DType())
		break
	}
	fmt.Println(loader.Len(), "batches per epoch")
	// Output:
	// 1438 359
	// [64 64] [64] torch.int64
	// 23 batches per epoch
}

// PyTorch's own example:
// random_split(range(10), [3, 7], generator=torch.Generator().manual_seed(42)).
func ExampleRandomSplit() {
	g := rng.NewGenerator()
	g.ManualSeed(42)
	ds := data.NewTensorDataset(tensor.ArangeOf(tensor.Int64, 0, 10, 1), nil)
	parts, err := data.RandomSplit(ds, g, 3, 7)
	if err != nil {
		panic(err)
	}
	fmt.Println(parts[0].Indices(), parts[1].Indices())
	// Output: [2 6 1] [8 4 5 0 9 3 7]
}

// Fit the normalization on the training inputs only, then apply it to both
// parts.
func ExampleStandardizer() {
	train, test := data.DigitsTrainTest()
	s := data.FitStandardizer(train.X())
	train = data.TransformX(train, s.Apply)
	test = data.TransformX(test, s.Apply)
	fmt.Printf("train mean %.3f, test mean %.3f\n", train.X().Mean().Item(), test.X().Mean().Item())
	// Output: train mean 0.000, test mean 0.010
}

func ExampleMNISTLike() {
	train, test, err := data.MNISTLike("/usr/share/datasets/fashion-mnist")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(train.X().Shape(), test.Y().Shape()) // [60000 1 28 28] [10000]
}
