// Package determinism holds tests, and nothing else, that check whole
// training runs for bit-for-bit reproducibility: the same seed gives the
// same parameters whatever GOMAXPROCS is, for every kernel implementation
// the machine can run.
package determinism
