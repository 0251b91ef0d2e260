// Package data provides datasets and a loader that batches and shuffles them
// the way torch.utils.data does in PyTorch 1.13, with the same order for the
// same seed.
//
// # Datasets
//
// A [Dataset] is anything with a length and indexed examples; an example is an
// (x, y) pair of tensors, y being nil for unlabelled data. Like io.Reader and
// io.WriterTo, the interfaces are small and a dataset may implement an
// optional one: a [Batcher] builds a whole batch at once, which the [Loader]
// prefers over collating examples one by one. [TensorDataset] (rows of two
// tensors) and [Subset] (a view of selected examples) implement it.
//
// Datasets shipped or read here: [Digits] (embedded, see below), [MNISTLike]
// (the IDX files of MNIST and Fashion-MNIST, read by package data/idx), numeric
// CSV files (package data/numcsv) and synthetic sets (package data/synth).
// [RandomSplit] and [RandomSplitFractions] split a dataset as
// torch.utils.data.random_split does; [Standardizer] and [MinMaxScaler] fit a
// normalization on training data and apply it to other data.
//
// # Loading and PyTorch parity
//
// A [Loader] is torch.utils.data.DataLoader with num_workers=0: batch size,
// shuffle, drop_last and an optional generator. Each pass over
// [Loader.Epoch] is one iter(loader) and makes the same random draws as
// PyTorch 1.13, so the shuffled order equals DataLoader(shuffle=True)'s after
// the same torch.manual_seed (or the same seeded torch.Generator passed as
// generator=), epoch after epoch, and the generator is left in the same state.
// This is verified against orders recorded from PyTorch
// (testdata/gen_loader.py).
//
// # The handwritten digits
//
// [Digits] is embedded in the package: 1797 8×8 images of handwritten digits
// with pixel values 0..16, the test part of the "Optical Recognition of
// Handwritten Digits" data set by E. Alpaydin and C. Kaynak (1998), UCI
// Machine Learning Repository (https://archive.ics.uci.edu/dataset/80),
// licensed under Creative Commons Attribution 4.0 International (CC BY 4.0).
// It is the same set as scikit-learn's load_digits. The embedded file
// digits.csv.gz holds one image per line: 64 pixel values, then the label.
package data
