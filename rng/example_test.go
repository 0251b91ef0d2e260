package rng_test

import (
	"fmt"

	"github.com/intercept-ml/intercept/rng"
)

// torch.manual_seed(0); torch.rand(5)
func ExampleManualSeed() {
	rng.ManualSeed(0)
	x := make([]float32, 5)
	rng.Default().Uniform32(x, 0, 1)
	fmt.Printf("%.4f\n", x)
	// Output: [0.4963 0.7682 0.0885 0.1320 0.3074]
}

// torch.manual_seed(42); torch.randn(5): fewer than 16 elements, so the
// per-element path (A).
func ExampleGenerator_Normal32() {
	g := rng.NewGenerator()
	g.ManualSeed(42)
	x := make([]float32, 5)
	g.Normal32(x, 0, 1)
	fmt.Printf("%.4f\n", x)
	// Output: [0.3367 0.1288 0.2345 0.2303 -1.1229]
}

// torch.manual_seed(3); torch.empty(50).normal_(0.5, 0.1): the vectorised
// float32 path (B).
func ExampleGenerator_Normal32_fill() {
	g := rng.NewGenerator()
	g.ManualSeed(3)
	x := make([]float32, 50)
	g.Normal32(x, 0.5, 0.1)
	fmt.Printf("%.4f\n", x[:4])
	// Output: [0.4923 0.5360 0.4218 0.5072]
}

// torch.manual_seed(0); torch.rand(3, dtype=torch.float64)
func ExampleGenerator_Uniform64() {
	g := rng.NewGenerator()
	g.ManualSeed(0)
	x := make([]float64, 3)
	g.Uniform64(x, 0, 1)
	fmt.Printf("%.4f\n", x)
	// Output: [0.9701 0.7078 0.4594]
}

// torch.manual_seed(0); torch.randperm(10)
func ExampleGenerator_Randperm() {
	g := rng.NewGenerator()
	g.ManualSeed(0)
	fmt.Println(g.Randperm(10))
	// Output: [4 1 7 5 3 9 0 8 6 2]
}

// A DataLoader(shuffle=True) epoch in PyTorch 1.13: the worker base seed,
// then the sampler's seed for a fresh generator that gives the order.
func ExampleGenerator_DataLoaderSeed() {
	rng.ManualSeed(0)
	_ = rng.Default().DataLoaderSeed() // base_seed for workers
	sampler := rng.NewGenerator()
	sampler.ManualSeed(rng.Default().DataLoaderSeed())
	fmt.Println(sampler.Randperm(25)[:8])
	// Output: [1 4 19 3 2 6 7 14]
}

// Saving and restoring a generator, cached normal sample included.
func ExampleGenerator_MarshalBinary() {
	g := rng.NewGenerator()
	g.ManualSeed(42)
	state, _ := g.MarshalBinary()
	a := make([]float32, 3)
	g.Normal32(a, 0, 1)
	_ = g.UnmarshalBinary(state)
	b := make([]float32, 3)
	g.Normal32(b, 0, 1)
	fmt.Println(a[0] == b[0] && a[1] == b[1] && a[2] == b[2])
	// Output: true
}
