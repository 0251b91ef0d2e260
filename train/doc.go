// Package train holds what a training run needs around the model, the loss
// and the optimizer: one checked optimization step, a small loop that
// iterates a [data.Loader] epoch after epoch, evaluation on a dataset
// ([Accuracy], [MeanLoss]), and checkpoints that let an interrupted run
// resume bit-identically.
//
// # Steps and non-finite losses
//
// [Step] is PyTorch's zero_grad / forward / loss / backward / step, with one
// addition: a loss that is NaN or ±Inf is returned as a *[NonFiniteLossError]
// naming the step and the value, before backward, so the parameters are left
// as they were instead of being trained on garbage. [Trainer] runs Step over
// a loader for a number of steps.
//
// # Checkpoints
//
// A [Checkpoint] is one safetensors file (see package safetensors) holding
// the model's state dict, the optimizer's state (optim.StateDict.Flatten),
// a scheduler's position, the step and epoch counters, the complete state of
// any number of random generators ([rng.Generator.MarshalBinary]) and free
// string metadata. It is written atomically: a temporary file in the same
// directory is written, synced and renamed over the target, so a crash leaves
// the old checkpoint or the new one, never a torn file. Tensors are stored
// under "model.<name>" (PyTorch's state-dict keys), "optim.state.<i>.<buffer>"
// and "rng" / "rng.<name>" (generator states as U8 tensors); the metadata
// holds the counters and the optimizer's groups as JSON. The file is valid
// safetensors, readable by any implementation.
//
// A run resumed from a checkpoint continues exactly as the uninterrupted run
// would have, provided the checkpoint holds every generator the run draws
// from (the loader's, Dropout's — often rng.Default()). The one subtlety is
// the loader: a [data.Loader] draws an epoch's whole order when the epoch
// starts, so a checkpoint taken in the middle of an epoch must also be able
// to reproduce that order. Trainer handles it by recording, at the start of
// every epoch, the state of all its generators (Checkpoint.EpochStart) and
// the number of batches of the epoch already consumed (Checkpoint.Batch). On
// resume it restores the epoch-start states, starts the epoch (which redraws
// the same order), skips the consumed batches without training on them, and
// then restores the generators' saved current states. This is exact whatever
// generator the loader uses, at the cost of rebuilding the skipped batches
// once. Code that drives the loader itself can simply checkpoint at epoch
// boundaries (Batch 0), where the generators' current states are all that is
// needed.
package train
