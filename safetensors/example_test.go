package safetensors_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/safetensors"
	"github.com/intercept-ml/intercept/tensor"
)

// Save a model's state dict and list what the file holds.
func ExampleSave() {
	dir, err := os.MkdirTemp("", "safetensors-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "mlp.safetensors")

	model := nn.NewSequential(nn.NewLinear(3, 4), nn.NewReLU(), nn.NewLinear(4, 1))
	if err := safetensors.Save(path, nn.StateDictOf(model), map[string]string{"format": "pt"}); err != nil {
		log.Fatal(err)
	}

	f, err := safetensors.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	for _, name := range f.Names() {
		info, _ := f.Info(name)
		fmt.Println(name, info.DType, info.Shape, info.Begin, info.End)
	}
	fmt.Println(f.Metadata())
	// Output:
	// 0.bias F32 [4] 0 16
	// 0.weight F32 [4 3] 16 64
	// 2.bias F32 [1] 64 68
	// 2.weight F32 [1 4] 68 84
	// map[format:pt]
}

// Open a file and read one tensor; half-precision data reads as float32.
func ExampleOpen() {
	dir, err := os.MkdirTemp("", "safetensors-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "t.safetensors")
	err = safetensors.Save(path, []tensor.Named{
		{Name: "steps", Tensor: tensor.FromInt64([]int64{10, 20}, 2)},
		{Name: "x", Tensor: tensor.FromFloat32([]float32{0.1, 1, 65519, 1e-8}, 2, 2)},
	}, nil, safetensors.StoreAs(safetensors.F16, "x"))
	if err != nil {
		log.Fatal(err)
	}

	f, err := safetensors.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	fmt.Println(f.Names())
	x, err := f.Tensor("x")
	if err != nil {
		log.Fatal(err)
	}
	info, _ := f.Info("x")
	fmt.Println(info.DType, x.DType(), x.Float32s())
	// Output:
	// [steps x]
	// F16 torch.float32 [0.099975586 1 65504 0]
}

// Load PyTorch weights into the equal Go model.
func Example_loadPyTorchWeights() {
	// testdata/mlp.safetensors holds the state_dict of PyTorch's
	// nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1)).
	model := nn.NewSequential(nn.NewLinear(3, 4), nn.NewReLU(), nn.NewLinear(4, 1))
	if err := nn.LoadSafetensors(model, "testdata/mlp.safetensors", true); err != nil {
		log.Fatal(err)
	}
	fmt.Println(nn.StateDictOf(model).Keys())

	// A model of another shape is refused, as PyTorch refuses it.
	wrong := nn.NewSequential(nn.NewLinear(3, 4), nn.NewReLU(), nn.NewLinear(4, 2))
	err := nn.LoadSafetensors(wrong, "testdata/mlp.safetensors", true)
	fmt.Println(err)
	// Output:
	// [0.weight 0.bias 2.weight 2.bias]
	// safetensors: testdata/mlp.safetensors: Error(s) in loading state_dict for Sequential:
	// 	size mismatch for 2.weight: copying a param with shape torch.Size([1, 4]) from checkpoint, the shape in current model is torch.Size([2, 4]).
	// 	size mismatch for 2.bias: copying a param with shape torch.Size([1]) from checkpoint, the shape in current model is torch.Size([2]).
}
