package functional

import (
	"fmt"
	"testing"

	"github.com/intercept-ml/intercept/tensor"
)

// mustPanic runs f and checks that it panics with exactly msg.
func mustPanic(t *testing.T, msg string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Errorf("no panic, want %q", msg)
			return
		}
		if got := fmt.Sprint(r); got != msg {
			t.Errorf("panic\n got %q\nwant %q", got, msg)
		}
	}()
	f()
}

// The expected messages are PyTorch 1.13's, captured from the reference
// build, except where noted.
func TestErrorMessages(t *testing.T) {
	z := tensor.Zeros
	i64 := func(v ...int64) *tensor.Tensor { return tensor.FromInt64(v, len(v)) }
	cases := []struct {
		msg string
		f   func()
	}{
		// convolution
		{"Given groups=3, expected weight to be divisible by 3 at dimension 0, but got weight of size [[8, 2, 3, 3]] instead",
			func() { Conv2d(z(1, 6, 5, 5), z(8, 2, 3, 3), nil, ConvOptions{Groups: 3}) }},
		{"Given groups=3, expected weight to be at least 3 at dimension 0, but got weight of size [2, 2, 3, 3] instead",
			func() { Conv2d(z(1, 6, 5, 5), z(2, 2, 3, 3), nil, ConvOptions{Groups: 3}) }},
		{"Calculated padded input size per channel: (2 x 2). Kernel size: (3 x 3). Kernel size can't be greater than actual input size",
			func() { Conv2d(z(1, 3, 2, 2), z(4, 3, 3, 3), nil, ConvOptions{}) }},
		{"Calculated padded input size per channel: (4 x 7). Kernel size: (5 x 3). Kernel size can't be greater than actual input size",
			func() {
				Conv2d(z(1, 3, 2, 5), z(4, 3, 3, 3), nil, ConvOptions{Padding: []int{1}, Dilation: []int{2, 1}})
			}},
		{"Given groups=2, weight of size [6, 3, 3, 3], expected input[1, 4, 5, 5] to have 6 channels, but got 4 channels instead",
			func() { Conv2d(z(1, 4, 5, 5), z(6, 3, 3, 3), nil, ConvOptions{Groups: 2}) }},
		{"Given groups=1, weight of size [6, 3, 3, 3], expected input[1, 4, 5, 5] to have 3 channels, but got 4 channels instead",
			func() { Conv2d(z(4, 5, 5), z(6, 3, 3, 3), nil, ConvOptions{}) }},
		{"Given weight of size [6, 3, 3, 3], expected bias to be 1-dimensional with 6 elements, but got bias of size [5] instead",
			func() { Conv2d(z(1, 3, 5, 5), z(6, 3, 3, 3), z(5), ConvOptions{}) }},
		{"negative padding is not supported", func() { Conv2d(z(1, 3, 5, 5), z(6, 3, 3, 3), nil, ConvOptions{Padding: []int{-1}}) }},
		{"non-positive stride is not supported", func() { Conv2d(z(1, 3, 5, 5), z(6, 3, 3, 3), nil, ConvOptions{Stride: []int{0}}) }},
		{"non-positive stride is not supported", func() { Conv1d(z(1, 3, 5), z(6, 3, 3), nil, ConvOptions{Stride: []int{-1}}) }},
		{"dilation should be greater than zero, but got [0, 0]", func() { Conv2d(z(1, 3, 5, 5), z(6, 3, 3, 3), nil, ConvOptions{Dilation: []int{0}}) }},
		{"dilation should be greater than zero, but got [1, 0]", func() { Conv2d(z(1, 3, 5, 5), z(6, 3, 3, 3), nil, ConvOptions{Dilation: []int{1, 0}}) }},
		{"non-positive groups is not supported", func() { Conv2d(z(1, 3, 5, 5), z(6, 3, 3, 3), nil, ConvOptions{Groups: -1}) }},
		{"Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: [3, 5]",
			func() { Conv2d(z(3, 5), z(6, 3, 3, 3), nil, ConvOptions{}) }},
		{"Expected 2D (unbatched) or 3D (batched) input to conv1d, but got input of size: [3]",
			func() { Conv1d(z(3), z(6, 3, 3), nil, ConvOptions{}) }},
		{"Expected 4D (unbatched) or 5D (batched) input to conv3d, but got input of size: [3, 4, 4]",
			func() { Conv3d(z(3, 4, 4), z(6, 3, 3, 3, 3), nil, ConvOptions{}) }},
		{"expected stride to be a single integer value or a list of 2 values to match the convolution dimensions, but got stride=[1, 2, 3]",
			func() { Conv2d(z(1, 3, 5, 5), z(6, 3, 3, 3), nil, ConvOptions{Stride: []int{1, 2, 3}}) }},
		{"expected padding to be a single integer value or a list of 2 values to match the convolution dimensions, but got padding=[1, 2, 3]",
			func() { Conv2d(z(1, 3, 5, 5), z(6, 3, 3, 3), nil, ConvOptions{Padding: []int{1, 2, 3}}) }},
		{"padding='same' is not supported for strided convolutions",
			func() { Conv2d(z(1, 3, 5, 5), z(6, 3, 3, 3), nil, ConvOptions{Stride: []int{2}, PaddingMode: "same"}) }},
		{"Invalid padding string: 'foo'", func() { Conv2d(z(1, 3, 5, 5), z(6, 3, 3, 3), nil, ConvOptions{PaddingMode: "foo"}) }},
		{"expected scalar type Double but found Float", func() { Conv2d(z(1, 3, 5, 5).Double(), z(6, 3, 3, 3), nil, ConvOptions{}) }},
		{"expected scalar type Float but found Double", func() { Conv2d(z(1, 3, 5, 5), z(6, 3, 3, 3).Double(), nil, ConvOptions{}) }},
		{"Input type (float) and bias type (double) should be the same",
			func() { Conv2d(z(1, 3, 5, 5), z(6, 3, 3, 3), z(6).Double(), ConvOptions{}) }},
		{"Only zero batch or zero channel inputs are supported, but got input shape: [1, 3, 0, 5]",
			func() { Conv2d(z(1, 3, 0, 5), z(6, 3, 3, 3), nil, ConvOptions{Padding: []int{2}}) }},
		// Not PyTorch's (which has no such combination): ours.
		{"conv2d: expected a 4-dimensional weight, but got weight of size [6, 3, 3]",
			func() { Conv2d(z(1, 3, 5, 5), z(6, 3, 3), nil, ConvOptions{}) }},
		{"conv2d: padding=[1] cannot be combined with padding='same'",
			func() { Conv2d(z(1, 3, 5, 5), z(6, 3, 3, 3), nil, ConvOptions{Padding: []int{1}, PaddingMode: "same"}) }},
		// transposed convolution
		{"Given transposed=1, weight of size [3, 2, 3, 3], expected input[1, 4, 5, 5] to have 3 channels, but got 4 channels instead",
			func() { ConvTranspose2d(z(1, 4, 5, 5), z(3, 2, 3, 3), nil, ConvTransposeOptions{}) }},
		{"Given transposed=1, weight of size [4, 2, 3, 3], expected bias to be 1-dimensional with 4 elements, but got bias of size [3] instead",
			func() { ConvTranspose2d(z(1, 4, 5, 5), z(4, 2, 3, 3), z(3), ConvTransposeOptions{Groups: 2}) }},
		{"output padding must be smaller than either stride or dilation, but got output_padding_height: 2 output_padding_width: 2 stride_height: 2 stride_width: 2 dilation_height: 1 dilation_width: 1",
			func() {
				ConvTranspose2d(z(1, 4, 5, 5), z(4, 2, 3, 3), nil, ConvTransposeOptions{Stride: []int{2}, OutputPadding: []int{2}})
			}},
		{"output padding must be smaller than either stride or dilation, but got output_padding_height: 0 output_padding_width: 2 stride_height: 1 stride_width: 2 dilation_height: 1 dilation_width: 1",
			func() {
				ConvTranspose1d(z(1, 4, 5), z(4, 2, 3), nil, ConvTransposeOptions{Stride: []int{2}, OutputPadding: []int{2}})
			}},
		{"output padding must be smaller than either stride or dilation, but got output_padding_depth: 2 output_padding_height: 2 output_padding_width: 2 stride_depth: 2 stride_height: 2 stride_width: 2 dilation_depth: 1 dilation_height: 1 dilation_width: 1",
			func() {
				ConvTranspose3d(z(1, 4, 5, 5, 5), z(4, 2, 3, 3, 3), nil, ConvTransposeOptions{Stride: []int{2}, OutputPadding: []int{2}})
			}},
		{"negative output_padding is not supported",
			func() {
				ConvTranspose2d(z(1, 4, 5, 5), z(4, 2, 3, 3), nil, ConvTransposeOptions{Stride: []int{2}, OutputPadding: []int{-1}})
			}},
		{"Given groups=3, expected weight to be divisible by 3 at dimension 0, but got weight of size [[4, 2, 3, 3]] instead",
			func() { ConvTranspose2d(z(1, 4, 5, 5), z(4, 2, 3, 3), nil, ConvTransposeOptions{Groups: 3}) }},
		{"Given input size per channel: (1 x 1). Calculated output size per channel: (-3 x -3). Output size is too small",
			func() { ConvTranspose2d(z(1, 4, 1, 1), z(4, 2, 3, 3), nil, ConvTransposeOptions{Padding: []int{3}}) }},
		{"Expected 3D (unbatched) or 4D (batched) input to conv_transpose2d, but got input of size: [4, 1]",
			func() { ConvTranspose2d(z(4, 1), z(4, 2, 3, 3), nil, ConvTransposeOptions{}) }},
		{"negative padding is not supported",
			func() { ConvTranspose2d(z(1, 4, 5, 5), z(4, 2, 3, 3), nil, ConvTransposeOptions{Padding: []int{-1}}) }},
		// pooling
		{"stride should not be zero", func() { MaxPool2d(z(1, 3, 5, 5), []int{0}, nil, nil, nil, false) }},
		{"kernel size should be greater than zero, but got kH: 0 kW: 0", func() { MaxPool2d(z(1, 3, 5, 5), []int{0}, []int{1}, nil, nil, false) }},
		{"stride should be greater than zero, but got dH: -1 dW: -1", func() { MaxPool2d(z(1, 3, 5, 5), []int{2}, []int{-1}, nil, nil, false) }},
		{"dilation should be greater than zero, but got dilationH: 0 dilationW: 0", func() { MaxPool2d(z(1, 3, 5, 5), []int{2}, nil, nil, []int{0}, false) }},
		{"pad should be at most half of kernel size, but got pad=2 and kernel_size=2", func() { MaxPool2d(z(1, 3, 5, 5), []int{2}, nil, []int{2}, nil, false) }},
		{"pad must be non-negative, but got pad: -1", func() { MaxPool2d(z(1, 3, 5, 5), []int{2}, nil, []int{-1}, nil, false) }},
		{"Given input size: (3x2x2). Calculated output size: (3x0x0). Output size is too small", func() { MaxPool2d(z(1, 3, 2, 2), []int{3}, nil, nil, nil, false) }},
		{"non-empty 3D or 4D (batch mode) tensor expected for input", func() { MaxPool2d(z(3, 5), []int{2}, nil, nil, nil, false) }},
		{"max_pool2d: kernel_size must either be a single int, or a tuple of two ints", func() { MaxPool2d(z(1, 3, 5, 5), []int{2, 2, 2}, nil, nil, nil, false) }},
		{"max_pool2d: stride must either be omitted, a single int, or a tuple of two ints", func() { MaxPool2d(z(1, 3, 5, 5), []int{2}, []int{1, 1, 1}, nil, nil, false) }},
		{"max_pool2d: padding must be either be a single int, or a tuple of two ints", func() { MaxPool2d(z(1, 3, 5, 5), []int{2}, nil, []int{1, 1, 1}, nil, false) }},
		{"max_pool2d: dilation must be either a single int, or a tuple of two ints", func() { MaxPool2d(z(1, 3, 5, 5), []int{2}, nil, nil, []int{1, 1, 1}, false) }},
		{"Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but got:[1, 0, 5, 5]", func() { MaxPool2d(z(1, 0, 5, 5), []int{2}, nil, nil, nil, false) }},
		{"stride should not be zero", func() { AvgPool2d(z(1, 3, 5, 5), []int{2}, []int{0}, nil, false, true) }},
		{"kernel size should be greater than zero, but got kH: 0 kW: 0", func() { AvgPool2d(z(1, 3, 5, 5), []int{0}, []int{1}, nil, false, true) }},
		{"pad should be at most half of kernel size, but got pad=2 and kernel_size=2", func() { AvgPool2d(z(1, 3, 5, 5), []int{2}, nil, []int{2}, false, true) }},
		{"Given input size: (3x2x2). Calculated output size: (3x0x0). Output size is too small", func() { AvgPool2d(z(1, 3, 2, 2), []int{3}, nil, nil, false, true) }},
		{"avg_pool2d: kernel_size must either be a single int, or a tuple of two ints", func() { AvgPool2d(z(1, 3, 5, 5), []int{2, 2, 2}, nil, nil, false, true) }},
		{"avg_pool2d: stride must either be omitted, a single int, or a tuple of two ints", func() { AvgPool2d(z(1, 3, 5, 5), []int{2}, []int{1, 1, 1}, nil, false, true) }},
		{"avg_pool2d: padding must either be a single int, or a tuple of two ints", func() { AvgPool2d(z(1, 3, 5, 5), []int{2}, nil, []int{1, 1, 1}, false, true) }},
		{"pad must be non-negative, but got pad: -1", func() { AvgPool2d(z(1, 3, 5, 5), []int{2}, nil, []int{-1}, false, true) }},
		{"Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but got:[1, 0, 5, 5]", func() { AvgPool2d(z(1, 0, 5, 5), []int{2}, nil, nil, false, true) }},
		{"divisor must be not zero", func() { AvgPool2dDivisor(z(1, 3, 5, 5), []int{2}, nil, nil, false, true, 0) }},
		{"adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got [3, 5]", func() { AdaptiveAvgPool2d(z(3, 5), []int{2}) }},
		{"adaptive_avg_pool2d: output_size must be 2", func() { AdaptiveAvgPool2d(z(1, 3, 5, 5), []int{2, 2, 2}) }},
		{"adaptive_avg_pool2d: elements of output_size must be greater than or equal to 0 but received {-2, 2}", func() { AdaptiveAvgPool2d(z(1, 3, 5, 5), []int{-2, 2}) }},
		{"adaptive_avg_pool2d(): Expected input to have non-zero size for non-batch dimensions, but input has sizes [1, 3, 0, 5] with dimension 2 being empty",
			func() { AdaptiveAvgPool2d(z(1, 3, 0, 5), []int{2, 2}) }},
		// unfold / fold
		{"Given input with spatial size (5, 5), kernel_size=(7, 7), dilation=(1, 1), padding=(0, 0), calculated shape of the array of sliding blocks as (-1, -1), but its components must be at least one.",
			func() { Unfold(z(1, 3, 5, 5), []int{7}, nil, nil, nil) }},
		{"Given input with spatial size (5, 5), kernel_size=(7, 7), dilation=(1, 1), padding=(0, 0), calculated shape of the array of sliding blocks as (-1, 2), but its components must be at least one.",
			func() { Unfold(z(1, 3, 5, 8), []int{7}, nil, nil, nil) }},
		{"kernel size should be greater than zero, but got kernel_height: 0 kernel_width: 0", func() { Unfold(z(1, 3, 5, 5), []int{0}, nil, nil, nil) }},
		{"stride should be greater than zero, but got stride_height: 0 stride_width: 0", func() { Unfold(z(1, 3, 5, 5), []int{2}, nil, nil, []int{0}) }},
		{"padding should be non-negative, but got pad_height: -1 pad_width: -1", func() { Unfold(z(1, 3, 5, 5), []int{2}, nil, []int{-1}, nil) }},
		{"dilation should be greater than zero, but got dilation_height: 0 dilation_width: 0", func() { Unfold(z(1, 3, 5, 5), []int{2}, []int{0}, nil, nil) }},
		{"Expected size of input's dimension 1 to be divisible by the product of kernel_size, but got input.size(1)=7 and kernel_size=(2, 2).",
			func() { Fold(z(1, 7, 12), []int{4, 5}, []int{2}, nil, nil, nil) }},
		{"Given output_size=(4, 5), kernel_size=(2, 2), dilation=(1, 1), padding=(0, 0), stride=(1, 1), expected size of input's dimension 2 to match the calculated number of sliding blocks 3 * 4 = 12, but got input.size(2)=10.",
			func() { Fold(z(1, 8, 10), []int{4, 5}, []int{2}, nil, nil, nil) }},
		{"Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and non-zero dimensions for input, but got: [8]",
			func() { Fold(z(8), []int{4, 5}, []int{2}, nil, nil, nil) }},
		{"kernel size should be greater than zero, but got kernel_height: 0 kernel_width: 0", func() { Fold(z(1, 8, 12), []int{4, 5}, []int{0}, nil, nil, nil) }},
		// normalization
		{"Expected more than 1 value per channel when training, got input size torch.Size([1, 3])", func() { BatchNorm(z(1, 3), z(3), tensor.Ones(3), nil, nil, true, 0.1, 1e-5) }},
		{"Expected more than 1 value per channel when training, got input size torch.Size([1, 3, 1])", func() { BatchNorm(z(1, 3, 1), nil, nil, nil, nil, true, 0.1, 1e-5) }},
		{"running_mean should contain 3 elements not 4", func() { BatchNorm(z(4, 3), z(4), tensor.Ones(4), nil, nil, true, 0.1, 1e-5) }},
		{"weight should contain 3 elements not 4", func() { BatchNorm(z(4, 3), z(3), tensor.Ones(3), tensor.Ones(4), nil, true, 0.1, 1e-5) }},
		{"bias should contain 3 elements not 2", func() { BatchNorm(z(4, 3), z(3), tensor.Ones(3), tensor.Ones(3), z(2), true, 0.1, 1e-5) }},
		{"running_mean must be defined in evaluation mode", func() { BatchNorm(z(4, 3), nil, nil, nil, nil, false, 0.1, 1e-5) }},
		{"batch_norm: expected input with at least 2 dimensions (N, C, *), but got input of size [4]", func() { BatchNorm(z(4), nil, nil, nil, nil, true, 0.1, 1e-5) }},
		{"Given normalized_shape=[5], expected input with shape [*, 5], but got input of size[2, 3, 4]", func() { LayerNorm(z(2, 3, 4), []int{5}, nil, nil, 1e-5) }},
		{"Given normalized_shape=[2, 4], expected input with shape [*, 2, 4], but got input of size[2, 3, 4]", func() { LayerNorm(z(2, 3, 4), []int{2, 4}, nil, nil, 1e-5) }},
		{"Expected weight to be of same shape as normalized_shape, but got weight of shape [5] and normalized_shape = [4]", func() { LayerNorm(z(2, 3, 4), []int{4}, tensor.Ones(5), nil, 1e-5) }},
		{"Expected bias to be of same shape as normalized_shape, but got bias of shape [3] and normalized_shape = [4]", func() { LayerNorm(z(2, 3, 4), []int{4}, tensor.Ones(4), z(3), 1e-5) }},
		{"Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one element, but got normalized_shape = []", func() { LayerNorm(z(2, 3, 4), nil, nil, nil, 1e-5) }},
		// linear, bilinear, embedding, dropout, gelu
		{"mat1 and mat2 shapes cannot be multiplied (4x3 and 5x2)", func() { Linear(z(4, 3), z(2, 5), nil) }},
		{"mat1 and mat2 shapes cannot be multiplied (8x3 and 5x2)", func() { Linear(z(2, 4, 3), z(2, 5), nil) }},
		{"mat1 and mat2 shapes cannot be multiplied (1x3 and 5x2)", func() { Linear(z(3), z(2, 5), nil) }},
		{"both arguments to matmul need to be at least 1D, but they are 0D and 2D", func() { Linear(tensor.Scalar(1), z(2, 5), nil) }},
		{"The expanded size of the tensor (2) must match the existing size (3) at non-singleton dimension 1.  Target sizes: [4, 2].  Tensor sizes: [3]", func() { Linear(z(4, 5), z(2, 5), z(3)) }},
		{"t() expects a tensor with <= 2 dimensions, but self is 3D", func() { Linear(z(4, 5), z(2, 5, 1), nil) }},
		{"expected scalar type Double but found Float", func() { Linear(z(4, 5).Double(), z(2, 5), nil) }},
		{"bilinear(): input dimensions do not match: got 2 and 3", func() { Bilinear(z(4, 3), z(4, 2, 2), z(5, 3, 2), nil) }},
		{"bilinear(): input batch dimensions do not match at dim 0: got 4 and 5", func() { Bilinear(z(4, 3), z(5, 2), z(5, 3, 2), nil) }},
		{"bilinear(): input1 size does not match weight size: got 4 but expected 3", func() { Bilinear(z(4, 4), z(4, 2), z(5, 3, 2), nil) }},
		{"bilinear(): input2 size does not match weight size: got 3 but expected 2", func() { Bilinear(z(4, 3), z(4, 3), z(5, 3, 2), nil) }},
		{"bilinear(): bias size does not match weight size: got 4 but expected 5", func() { Bilinear(z(4, 3), z(4, 2), z(5, 3, 2), z(4)) }},
		{"index out of range in self", func() { Embedding(i64(0, 5), z(5, 3), NoPadding) }},
		{"index out of range in self", func() { Embedding(i64(0, -1), z(5, 3), NoPadding) }},
		{"Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; but got torch.FloatTensor instead (while checking arguments for embedding)",
			func() { Embedding(z(2), z(5, 3), NoPadding) }},
		{"Padding_idx must be within num_embeddings", func() { Embedding(i64(0, 1), z(5, 3), 5) }},
		{"Padding_idx must be within num_embeddings", func() { Embedding(i64(0, 1), z(5, 3), -6) }},
		{"'weight' must be 2-D", func() { Embedding(i64(0, 1), z(5), NoPadding) }},
		{"dropout probability has to be between 0 and 1, but got 1.5", func() { Dropout(z(5), 1.5, true, nil) }},
		{"dropout probability has to be between 0 and 1, but got -0.1", func() { Dropout(z(5), -0.1, true, nil) }},
		{"approximate argument must be either none or tanh.", func() { GELU(z(5), GELUApproximate(7)) }},
	}
	for _, c := range cases {
		mustPanic(t, c.msg, c.f)
	}
}
