// Package tboard writes TensorBoard event files: scalars, histograms and
// text, readable by `tensorboard --logdir` and by anything that reads
// TensorFlow's tf.Event records.
//
// A Writer owns one file, events.out.tfevents.<unix seconds>.<host>[.<n>],
// in a run directory; TensorBoard shows each directory under --logdir as a
// run. The file is a sequence of TFRecords (an 8-byte little-endian length,
// its masked CRC-32C, the data, the data's masked CRC-32C), each holding one
// Event protocol buffer (tensorboard/compat/proto/event.proto). The first
// event carries file_version "brain.Event:2"; each later one carries a step,
// a wall time and one Summary value:
//
//   - Scalar: Summary.Value.simple_value, shown by the scalars dashboard;
//   - Histogram: a HistogramProto with TensorFlow's default bucket layout
//     (limits ±1e-12·1.1^k up to 1e20, then ±DBL_MAX, and 0), runs of
//     empty buckets collapsed as TensorFlow's Histogram::EncodeToProto
//     does; shown by the histograms and distributions dashboards;
//   - Text: a scalar DT_STRING tensor with the text plugin's metadata
//     (plugin_name "text"), rendered as Markdown.
//
// # Crash safety
//
// Every record is written to the file with one write call as soon as it is
// added, so another process (TensorBoard) sees it at once and a crash of
// the program loses nothing already added. A crash of the machine can leave
// a torn last record, which TensorBoard's reader skips. Flush (and Close)
// also fsync the file.
//
// The protocol buffers are encoded by hand with package protowire (the
// package has no generated code), and Read and ReadFile decode the files
// back, checking every CRC. A Writer is a train.Logger: set it as a
// train.Trainer's Log to see the loss, the learning rate and every layer's
// weight, bias and gradient histograms over the steps.
package tboard
