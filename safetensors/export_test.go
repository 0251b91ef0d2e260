package safetensors

// The tests are in package safetensors_test, since they use package nn,
// which imports this one; these are the internals they check.
var (
	HalfToFloat32 = halfToFloat32
	Float32ToHalf = float32ToHalf
	BF16ToFloat32 = bf16ToFloat32
	Float32ToBF16 = float32ToBF16
)

const ChunkSize = chunkSize
