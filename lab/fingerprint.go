package lab

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"math"
	"slices"
	"strings"
)

// FingerprintEncoding names the canonical encoding a Fingerprint hashes.
// Change it whenever the encoding changes.
const FingerprintEncoding = "intercept-metrics-v1"

// Fingerprint is a SHA-256 hash of every trial's metrics, recorded in
// results.json and shown in the report: two runs with equal fingerprints
// measured the same numbers bit for bit, whatever machine, kernel or
// storage format they used. Experiments carries one fingerprint per
// experiment, so that a mismatch can be localized.
//
// The hash is taken over a canonical byte encoding of the values, never
// over a file. Its building blocks, all little-endian:
//
//	u8(x)     one byte
//	u64(x)    8 bytes
//	str(s)    u64(len(s)) then the UTF-8 bytes of s
//	f64(x)    u64(IEEE-754 bits of x); every NaN is encoded as
//	          0x7FF8000000000001, since JSON keeps neither a NaN's sign nor
//	          its payload
//
// A trial is encoded as
//
//	str(experiment) str(variant key) u64(seed)
//	u8(0) for a finished trial, then
//	    u64(number of scalars), and for each scalar in byte order of its
//	    name: str(name) f64(value)
//	    u64(number of non-empty series), and for each in byte order of its
//	    name: str(name) u64(length) f64(value) for each step in order
//	    u8(1 if diverged else 0) u64(diverged step, two's complement)
//	    f64(diverged value)
//	u8(1) for a trial that failed (its error message is not hashed)
//
// An empty series is not encoded (long-format storage, one row per step,
// cannot tell it from an absent one). Trials with no record (an
// interrupted run, another shard's trials) are not encoded. An experiment's fingerprint is the SHA-256 of the string
// FingerprintEncoding followed by a zero byte and the encodings of its
// trials in the order of their variant keys (byte order), then of their
// seeds (ascending). The run's fingerprint (SHA256) hashes the same prefix
// and the trials of every experiment, the experiments in byte order of
// their names. Hashes are written in lower-case hexadecimal.
type Fingerprint struct {
	Encoding    string                  `json:"encoding"` // FingerprintEncoding
	SHA256      string                  `json:"sha256"`   // every trial of every experiment
	Trials      int                     `json:"trials"`   // the trials hashed
	Experiments []ExperimentFingerprint `json:"experiments"`
}

// ExperimentFingerprint is the fingerprint of one experiment's trials.
type ExperimentFingerprint struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
	Trials int    `json:"trials"`
}

// Of returns the fingerprint of the named experiment, or "" (also for a
// nil f).
func (f *Fingerprint) Of(experiment string) string {
	if f != nil {
		for _, e := range f.Experiments {
			if e.Name == experiment {
				return e.SHA256
			}
		}
	}
	return ""
}

// canonicalNaN is the bit pattern every NaN is hashed as.
const canonicalNaN = 0x7FF8000000000001

// NewFingerprint computes the fingerprint of results (see Fingerprint for
// the encoding). Its Experiments are in byte order of their names.
func NewFingerprint(results []*ExperimentResult) *Fingerprint {
	exps := slices.Clone(results)
	slices.SortStableFunc(exps, func(a, b *ExperimentResult) int { return strings.Compare(a.Name, b.Name) })
	fp := &Fingerprint{Encoding: FingerprintEncoding, Experiments: []ExperimentFingerprint{}}
	total := newFingerprintHash()
	var b []byte // one trial's encoding, its buffer reused
	for _, r := range exps {
		h := newFingerprintHash()
		n := 0
		variants := slices.Clone(r.Variants)
		slices.SortStableFunc(variants, func(a, b *VariantResult) int { return strings.Compare(a.Key, b.Key) })
		for _, v := range variants {
			trials := slices.Clone(v.Trials)
			slices.SortStableFunc(trials, func(a, b TrialRecord) int {
				switch {
				case a.Seed < b.Seed:
					return -1
				case a.Seed > b.Seed:
					return 1
				}
				return 0
			})
			for _, t := range trials {
				if t.Result == nil && t.Error == "" {
					continue
				}
				b = AppendTrialEncoding(b[:0], r.Name, v.Key, t.Seed, t.Result)
				h.Write(b)
				total.Write(b)
				n++
			}
		}
		fp.Experiments = append(fp.Experiments, ExperimentFingerprint{Name: r.Name, SHA256: hex.EncodeToString(h.Sum(nil)), Trials: n})
		fp.Trials += n
	}
	fp.SHA256 = hex.EncodeToString(total.Sum(nil))
	return fp
}

func newFingerprintHash() hash.Hash {
	h := sha256.New()
	h.Write([]byte(FingerprintEncoding))
	h.Write([]byte{0})
	return h
}

// AppendTrialEncoding appends the canonical encoding of one trial (see
// Fingerprint) to b; a nil res encodes a failed trial.
func AppendTrialEncoding(b []byte, experiment, variant string, seed uint64, res *TrialResult) []byte {
	str := func(s string) {
		b = binary.LittleEndian.AppendUint64(b, uint64(len(s)))
		b = append(b, s...)
	}
	f64 := func(x float64) {
		bits := math.Float64bits(x)
		if x != x {
			bits = canonicalNaN
		}
		b = binary.LittleEndian.AppendUint64(b, bits)
	}
	str(experiment)
	str(variant)
	b = binary.LittleEndian.AppendUint64(b, seed)
	if res == nil {
		return append(b, 1)
	}
	b = append(b, 0)
	b = binary.LittleEndian.AppendUint64(b, uint64(len(res.Scalars)))
	for _, name := range sortedKeys(res.Scalars) {
		str(name)
		f64(res.Scalars[name])
	}
	series := sortedKeys(res.Series)
	series = slices.DeleteFunc(series, func(name string) bool { return len(res.Series[name]) == 0 })
	b = binary.LittleEndian.AppendUint64(b, uint64(len(series)))
	for _, name := range series {
		str(name)
		xs := res.Series[name]
		b = binary.LittleEndian.AppendUint64(b, uint64(len(xs)))
		for _, x := range xs {
			f64(x)
		}
	}
	div := byte(0)
	if res.Diverged {
		div = 1
	}
	b = append(b, div)
	b = binary.LittleEndian.AppendUint64(b, uint64(int64(res.DivergedStep)))
	f64(res.DivergedValue)
	return b
}
