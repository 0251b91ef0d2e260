package data

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/intercept-ml/intercept/data/idx"
	"github.com/intercept-ml/intercept/tensor"
)

// MNISTLike reads a data set stored as MNIST is, such as MNIST or
// Fashion-MNIST: the four IDX files train-images-idx3-ubyte,
// train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte
// in dir, each gzip-compressed (".gz") or not; the names with a dot before
// "idx" (train-images.idx3-ubyte) are accepted too. Debian's
// dataset-fashion-mnist package installs Fashion-MNIST this way in
// /usr/share/datasets/fashion-mnist.
//
// Inputs are float32 of shape (N, 1, H, W) with the pixel bytes divided by
// 255, as torchvision's ToTensor gives them; labels are int64 of shape (N,).
// It returns an error naming the file if one is missing or malformed, or if
// images and labels do not match.
func MNISTLike(dir string) (train, test *TensorDataset, err error) {
	train, err = mnistPart(dir, "train")
	if err != nil {
		return nil, nil, err
	}
	test, err = mnistPart(dir, "t10k")
	if err != nil {
		return nil, nil, err
	}
	return train, test, nil
}

func findIDX(dir, part, kind string, nd int) (string, error) {
	for _, sep := range []string{"-", "."} {
		for _, ext := range []string{"", ".gz"} {
			p := filepath.Join(dir, fmt.Sprintf("%s-%s%sidx%d-ubyte%s", part, kind, sep, nd, ext))
			if _, err := os.Stat(p); err == nil {
				return p, nil
			} else if !errors.Is(err, fs.ErrNotExist) {
				return "", err
			}
		}
	}
	return "", fmt.Errorf("data: MNISTLike: no %s-%s-idx%d-ubyte or %[1]s-%[2]s-idx%[3]d-ubyte.gz in %s", part, kind, nd, dir)
}

func mnistPart(dir, part string) (*TensorDataset, error) {
	ip, err := findIDX(dir, part, "images", 3)
	if err != nil {
		return nil, err
	}
	lp, err := findIDX(dir, part, "labels", 1)
	if err != nil {
		return nil, err
	}
	images, err := idx.ReadFile(ip)
	if err != nil {
		return nil, err
	}
	if images.Type != idx.Uint8 || len(images.Dims) != 3 {
		return nil, fmt.Errorf("data: MNISTLike: %s holds %v data of %d dimensions, want uint8 images (N, H, W)", ip, images.Type, len(images.Dims))
	}
	labels, err := idx.ReadFile(lp)
	if err != nil {
		return nil, err
	}
	if labels.Type != idx.Uint8 || len(labels.Dims) != 1 {
		return nil, fmt.Errorf("data: MNISTLike: %s holds %v data of %d dimensions, want uint8 labels (N)", lp, labels.Type, len(labels.Dims))
	}
	if images.Dims[0] == 0 || images.Dims[1] == 0 || images.Dims[2] == 0 {
		return nil, fmt.Errorf("data: MNISTLike: %s holds no images (dimensions %v)", ip, images.Dims)
	}
	if images.Dims[0] != labels.Dims[0] {
		return nil, fmt.Errorf("data: MNISTLike: %s has %d images but %s has %d labels", ip, images.Dims[0], lp, labels.Dims[0])
	}
	x := tensor.Empty(tensor.Float32, images.Dims[0], 1, images.Dims[1], images.Dims[2])
	xs := x.Data32()
	for i, b := range images.Bytes() {
		xs[i] = float32(b) / 255
	}
	return NewTensorDataset(x, labels.Int64()), nil
}
