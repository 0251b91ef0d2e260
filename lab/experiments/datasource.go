package experiments

import (
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/intercept-ml/intercept/data"
	"github.com/intercept-ml/intercept/tensor"
)

// A classification set: examples x float32 (D) in [0, 1], labels y int64.
type classSet struct {
	train, test *data.TensorDataset
	err         error
}

var (
	sourcesMu sync.Mutex
	sources   = map[string]*classSet{}
)

// loadDataSource returns the training and test sets of a --data source,
// with every example flattened to a row: "" or "digits" is the embedded handwritten digits
// (1438 training, 359 test examples); "idx:DIR" (or a directory) reads
// MNIST-like IDX files from DIR. At most limit training rows are kept
// (limit <= 0 keeps all), and the test set is cut to the same size. Sets
// are read once and shared by every trial; they must not be modified.
func loadDataSource(source string, limit int) (trainSet, testSet *data.TensorDataset, err error) {
	key := fmt.Sprintf("%s\x00%d", source, limit)
	sourcesMu.Lock()
	defer sourcesMu.Unlock()
	s, ok := sources[key]
	if !ok {
		s = readDataSource(source, limit)
		sources[key] = s
	}
	return s.train, s.test, s.err
}

func readDataSource(source string, limit int) *classSet {
	var train, test *data.TensorDataset
	switch {
	case source == "" || source == "digits":
		train, test = data.DigitsTrainTest()
	default:
		dir := strings.TrimPrefix(source, "idx:")
		if st, err := os.Stat(dir); err != nil {
			return &classSet{err: fmt.Errorf("--data %q: %w", source, err)}
		} else if !st.IsDir() {
			return &classSet{err: fmt.Errorf("--data %q: %s is not a directory (want digits or idx:DIR, DIR holding MNIST-like IDX files)", source, dir)}
		}
		var err error
		train, test, err = data.MNISTLike(dir)
		if err != nil {
			return &classSet{err: fmt.Errorf("--data %q: %w", source, err)}
		}
	}
	xtr, ytr := data.Tensors(train)
	xte, yte := data.Tensors(test)
	xtr, ytr = firstRows(flatten(xtr), ytr, limit)
	xte, yte = firstRows(flatten(xte), yte, limit)
	return &classSet{train: data.NewTensorDataset(xtr, ytr), test: data.NewTensorDataset(xte, yte)}
}

// flatten turns (N, ...) into (N, D).
func flatten(x *tensor.Tensor) *tensor.Tensor {
	if x.Dim() == 2 {
		return x
	}
	return x.Reshape(x.Size(0), -1)
}

func firstRows(x, y *tensor.Tensor, limit int) (*tensor.Tensor, *tensor.Tensor) {
	if limit <= 0 || limit >= x.Size(0) {
		return x, y
	}
	return x.Narrow(0, 0, limit), y.Narrow(0, 0, limit)
}
