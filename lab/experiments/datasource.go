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
	if train.Len() == 0 {
		return &classSet{err: fmt.Errorf("--data %q: the training set is empty", source)}
	}
	if test.Len() == 0 {
		return &classSet{err: fmt.Errorf("--data %q: the test set is empty", source)}
	}
	xtr, ytr := data.Tensors(train)
	xte, yte := data.Tensors(test)
	if err := checkClassSet(source, "training", xtr, ytr); err != nil {
		return &classSet{err: err}
	}
	if err := checkClassSet(source, "test", xte, yte); err != nil {
		return &classSet{err: err}
	}
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

// numClasses is the number of classes of every classification source (the
// digits 0-9, or the ten Fashion-MNIST classes).
const numClasses = 10

// checkClassSet refuses a set the classification experiments cannot train
// on: no example, examples without features, as many labels as examples,
// or a label outside 0..numClasses-1.
func checkClassSet(source, part string, x, y *tensor.Tensor) error {
	if x.Dim() < 1 || x.Size(0) == 0 {
		return fmt.Errorf("--data %q: the %s set is empty", source, part)
	}
	if x.Numel()/x.Size(0) == 0 {
		return fmt.Errorf("--data %q: the %s examples have no features (shape %v)", source, part, x.Shape())
	}
	if y.Dim() != 1 || y.Size(0) != x.Size(0) {
		return fmt.Errorf("--data %q: the %s set has %d examples but %d labels", source, part, x.Size(0), y.Numel())
	}
	for i, l := range y.Int64s() {
		if l < 0 || l >= numClasses {
			return fmt.Errorf("--data %q: %s label %d is %d, outside the %d classes 0..%d", source, part, i, l, numClasses, numClasses-1)
		}
	}
	return nil
}
