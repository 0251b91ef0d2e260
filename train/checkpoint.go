package train

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"

	"github.com/intercept-ml/intercept/internal/atomicfile"
	"github.com/intercept-ml/intercept/internal/strictjson"

	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/optim"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/safetensors"
	"github.com/intercept-ml/intercept/tensor"
)

// Names of the parts of a checkpoint file.
const (
	// MetadataKey is the metadata entry that marks a checkpoint file and
	// holds its format version, counters and two SHA-256 checksums as JSON:
	// {"version":2,"step":…,"epoch":…,"batch":…,"data_sha256":"…","header_sha256":"…"},
	// data_sha256 of the file's data section (every tensor byte),
	// header_sha256 of the rest (counters, tensor table, other metadata).
	// Version 1 files (no checksum) are still read.
	MetadataKey = "checkpoint"
	// ModelPrefix prefixes the model's state-dict keys.
	ModelPrefix = "model."
	// OptimizerPrefix prefixes the optimizer's tensors and metadata
	// (optim.StateDict.Flatten).
	OptimizerPrefix = "optim."
	// SchedulerKey is the metadata entry holding the scheduler's state as
	// JSON.
	SchedulerKey = "scheduler"
	// RNGName is the tensor holding the state of Checkpoint.RNG; the states
	// of Checkpoint.Generators are "rng.<name>", those of
	// Checkpoint.EpochStart "epoch_start.<name>" (with "rng" for the
	// unnamed RNG).
	RNGName = "rng"
	// ExtraPrefix prefixes the metadata entries of Checkpoint.Extra.
	ExtraPrefix = "extra."
)

// checkpointVersion is the format version Save writes: 2 added
// data_sha256, the checksum of the data section (all tensor bytes).
const checkpointVersion = 2

const epochStartPrefix = "epoch_start."

// Checkpoint is the state of a training run: model, optimizer, scheduler,
// counters and random generators, saved to and loaded from one safetensors
// file. Every field is optional; Save writes the parts that are set and
// Load restores them (see Load for the rules).
type Checkpoint struct {
	// Model is a model as package nn walks it (a pointer to a struct or a
	// Sequential); its state dict is stored under PyTorch's key names with
	// the prefix "model.".
	Model any
	// Optimizer and Scheduler are stored with their StateDict methods.
	Optimizer optim.Optimizer
	Scheduler optim.Scheduler
	// RNG is a generator whose complete state is stored: typically the one
	// the run draws from, rng.Default() if it uses the global generator.
	RNG *rng.Generator
	// Generators are further generators stored by name (names must be
	// non-empty), for runs that draw from several: say "loader" for the
	// loader's and "default" for rng.Default().
	Generators map[string]*rng.Generator
	// Step and Epoch count the optimizer steps and the completed epochs.
	Step, Epoch int
	// Batch is the number of batches of the current epoch already consumed
	// (0 at an epoch boundary). EpochStart holds, for a checkpoint taken in
	// the middle of an epoch, the states the generators had when the epoch
	// started (MarshalBinary form), keyed by generator name ("rng" for RNG);
	// Trainer uses them to redraw the epoch's order on resume. Both are
	// stored as they are.
	Batch      int
	EpochStart map[string][]byte
	// Extra holds free string metadata (a run name, a git revision, ...).
	Extra map[string]string

	// needEpochStart makes Load require, for a mid-epoch checkpoint, an
	// epoch-start state for every generator it restores (Trainer.Load).
	needEpochStart bool
}

type header struct {
	Version    int    `json:"version"`
	Step       int    `json:"step"`
	Epoch      int    `json:"epoch"`
	Batch      int    `json:"batch"`
	DataSHA256 string `json:"data_sha256,omitempty"` // required from version 2
	// HeaderSHA256 (version 2) covers the rest of the file: these
	// counters, the tensor table (names, dtypes, shapes, offsets) and every
	// other metadata entry (headerDigest).
	HeaderSHA256 string `json:"header_sha256,omitempty"`
}

// headerDigest is the hex SHA-256 of what HeaderSHA256 covers in the file
// f with checkpoint entry h.
func headerDigest(f *safetensors.File, h header) string {
	d := sha256.New()
	fmt.Fprintf(d, "checkpoint %d %d %d %d %q\n", h.Version, h.Step, h.Epoch, h.Batch, h.DataSHA256)
	for _, name := range f.Names() {
		info, _ := f.Info(name)
		fmt.Fprintf(d, "tensor %q %s %v %d %d\n", name, info.DType, info.Shape, info.Begin, info.End)
	}
	meta := f.Metadata()
	for _, k := range sortedKeys(meta) {
		if k != MetadataKey {
			fmt.Fprintf(d, "meta %q %q\n", k, meta[k])
		}
	}
	return hex.EncodeToString(d.Sum(nil))
}

// Save writes the checkpoint to path atomically: a temporary file in the same
// directory is written, synced to disk and renamed over path, so path holds
// either its previous content or the complete checkpoint. Errors name the
// file.
func (c *Checkpoint) Save(path string) error {
	fail := func(format string, a ...any) error {
		return fmt.Errorf("train: save checkpoint %s: %s", path, fmt.Sprintf(format, a...))
	}
	var tensors []nn.Named
	meta := map[string]string{}
	var u8 []string // tensors stored as U8

	if c.Model != nil {
		for _, nt := range nn.StateDictOf(c.Model) {
			tensors = append(tensors, nn.Named{Name: ModelPrefix + nt.Name, Tensor: nt.Tensor})
		}
	}
	if c.Optimizer != nil {
		ts, m := c.Optimizer.StateDict().Flatten(OptimizerPrefix)
		tensors = append(tensors, ts...)
		for k, v := range m {
			meta[k] = v
		}
	}
	if c.Scheduler != nil {
		s, err := json.Marshal(c.Scheduler.StateDict())
		if err != nil {
			return fail("scheduler state: %v", err)
		}
		meta[SchedulerKey] = string(s)
	}
	addState := func(name string, b []byte) {
		v := make([]int64, len(b))
		for i, x := range b {
			v[i] = int64(x)
		}
		tensors = append(tensors, nn.Named{Name: name, Tensor: tensor.FromInt64(v, len(v))})
		u8 = append(u8, name)
	}
	addGen := func(name string, g *rng.Generator) error {
		b, err := g.MarshalBinary()
		if err != nil {
			return fail("generator %q: %v", name, err)
		}
		addState(name, b)
		return nil
	}
	if c.RNG != nil {
		if err := addGen(RNGName, c.RNG); err != nil {
			return err
		}
	}
	for _, name := range sortedKeys(c.Generators) {
		if name == "" {
			return fail("generator with an empty name")
		}
		if c.Generators[name] == nil {
			return fail("generator %q is nil", name)
		}
		if err := addGen(RNGName+"."+name, c.Generators[name]); err != nil {
			return err
		}
	}
	for _, name := range sortedKeys(c.EpochStart) {
		if name == "" {
			return fail("epoch-start state with an empty name")
		}
		if err := new(rng.Generator).UnmarshalBinary(c.EpochStart[name]); err != nil {
			return fail("epoch-start state %q: %v", name, err)
		}
		addState(epochStartPrefix+name, c.EpochStart[name])
	}
	for k, v := range c.Extra {
		meta[ExtraPrefix+k] = v
	}
	var opts []safetensors.WriteOption
	if len(u8) > 0 {
		opts = append(opts, safetensors.StoreAs(safetensors.U8, u8...))
	}
	// The data section and the tensor table do not depend on the metadata:
	// encode once to checksum them, then again with the checksums in the
	// header.
	h := header{Version: checkpointVersion, Step: c.Step, Epoch: c.Epoch, Batch: c.Batch}
	var buf bytes.Buffer
	for pass := 0; pass < 2; pass++ {
		hj, err := json.Marshal(h)
		if err != nil {
			return fail("%v", err)
		}
		meta[MetadataKey] = string(hj)
		buf.Reset()
		if err := safetensors.Write(&buf, tensors, meta, opts...); err != nil {
			return wrap("save", path, err)
		}
		sum, err := dataSHA256(buf.Bytes())
		if err != nil {
			return fail("%v", err)
		}
		if pass == 1 && sum != h.DataSHA256 {
			return fail("the data section changed between two encodings")
		}
		h.DataSHA256 = sum
		if pass == 0 {
			f, err := safetensors.Read(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
			if err != nil {
				return fail("%v", err)
			}
			h.HeaderSHA256 = headerDigest(f, h)
		}
	}
	if err := atomicfile.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return wrap("save", path, err)
	}
	return nil
}

// dataSHA256 returns the hex SHA-256 of the data section of a safetensors
// file held in b (everything after the 8-byte length and the header).
func dataSHA256(b []byte) (string, error) {
	if len(b) < 8 {
		return "", errors.New("truncated safetensors file")
	}
	n := binary.LittleEndian.Uint64(b)
	if n > uint64(len(b)-8) {
		return "", errors.New("truncated safetensors header")
	}
	sum := sha256.Sum256(b[8+n:])
	return hex.EncodeToString(sum[:]), nil
}

// fileDataSHA256 is dataSHA256 of the file at path, streamed.
func fileDataSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	var lb [8]byte
	if _, err := io.ReadFull(f, lb[:]); err != nil {
		return "", err
	}
	n := binary.LittleEndian.Uint64(lb[:])
	if n > math.MaxInt64-8 {
		return "", errors.New("header length out of range")
	}
	if _, err := f.Seek(int64(8+n), io.SeekStart); err != nil {
		return "", err
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Load reads the checkpoint at path into c. It restores every part for which
// c has a field set: the model's parameters and buffers (strictly: the file
// must hold exactly the model's keys, with the same shapes), the optimizer's
// and the scheduler's state, and the state of RNG and of each generator in
// Generators; it sets Step, Epoch, Batch, EpochStart and Extra from the file.
// Parts of the file that c has no field for are ignored (so a model alone can
// be loaded from a training checkpoint); a part c asks for that the file
// lacks is an error.
//
// Load checks the whole file before it changes anything, and if the
// optimizer or the scheduler refuses its state it puts the model back, so on
// error c and everything it points to are left as they were. Errors name the
// file and the problem.
func (c *Checkpoint) Load(path string) error {
	fail := func(format string, a ...any) error {
		return fmt.Errorf("train: load checkpoint %s: %s", path, fmt.Sprintf(format, a...))
	}
	f, err := safetensors.Open(path)
	if err != nil {
		return wrap("load", path, err)
	}
	defer f.Close()
	meta := f.Metadata()
	hs, ok := meta[MetadataKey]
	if !ok {
		return fail("not a checkpoint: no %q metadata entry", MetadataKey)
	}
	h, err := parseHeader(hs)
	if err != nil {
		return fail("%v", err)
	}
	if h.Version >= 2 {
		sum, err := fileDataSHA256(path)
		if err != nil {
			return wrap("load", path, err)
		}
		if sum != h.DataSHA256 {
			return fail("the data section does not match its checksum (sha256 %s, recorded %s): the file is corrupt", sum, h.DataSHA256)
		}
		if d := headerDigest(f, h); d != h.HeaderSHA256 {
			return fail("the header does not match its checksum (sha256 %s, recorded %s): the file is corrupt", d, h.HeaderSHA256)
		}
	}
	all, err := f.Tensors()
	if err != nil {
		return wrap("load", path, err)
	}

	// Gather and check every part before changing anything.
	var modelSD nn.StateDict
	states := map[string][]byte{}
	for _, nt := range all {
		switch {
		case strings.HasPrefix(nt.Name, ModelPrefix):
			modelSD = append(modelSD, nn.Named{Name: strings.TrimPrefix(nt.Name, ModelPrefix), Tensor: nt.Tensor})
		case nt.Name == RNGName || strings.HasPrefix(nt.Name, RNGName+".") || strings.HasPrefix(nt.Name, epochStartPrefix):
			b, err := stateBytes(nt.Tensor)
			if err != nil {
				return fail("tensor %q: %v", nt.Name, err)
			}
			if err := new(rng.Generator).UnmarshalBinary(b); err != nil {
				return fail("tensor %q: %v", nt.Name, err)
			}
			states[nt.Name] = b
		}
	}
	var optSD *optim.StateDict
	if c.Optimizer != nil {
		if _, ok := meta[OptimizerPrefix+optim.MetadataKey]; !ok {
			return fail("no optimizer state (metadata %q)", OptimizerPrefix+optim.MetadataKey)
		}
		optSD, err = optim.StateDictFromFlat(all, meta, OptimizerPrefix)
		if err != nil {
			return fail("optimizer state: %v", err)
		}
	}
	var schedSD optim.SchedulerState
	if c.Scheduler != nil {
		s, ok := meta[SchedulerKey]
		if !ok {
			return fail("no scheduler state (metadata %q)", SchedulerKey)
		}
		if err := strictjson.Unmarshal([]byte(s), &schedSD); err != nil {
			return fail("bad scheduler state: %v", err)
		}
	}
	gens := map[string]*rng.Generator{}
	if c.RNG != nil {
		gens[RNGName] = c.RNG
	}
	for name, g := range c.Generators {
		if name == "" || g == nil {
			return fail("generator %q: empty name or nil generator", name)
		}
		gens[RNGName+"."+name] = g
	}
	for key := range gens {
		if _, ok := states[key]; !ok {
			return fail("no state for generator %q (tensor %q)", strings.TrimPrefix(strings.TrimPrefix(key, RNGName), "."), key)
		}
	}
	if c.needEpochStart && h.Batch > 0 {
		for _, name := range sortedKeys(c.Generators) {
			if _, ok := states[epochStartPrefix+name]; !ok {
				return fail("taken at batch %d of an epoch but without the epoch-start state of generator %q (tensor %q)", h.Batch, name, epochStartPrefix+name)
			}
		}
	}
	if c.Model != nil && len(modelSD) == 0 && len(nn.StateDictOf(c.Model)) > 0 {
		return fail("no model state (no tensor named %q...)", ModelPrefix)
	}

	// Apply: model, optimizer and scheduler validate their input and change
	// nothing on error; undo the earlier parts when a later one fails.
	var modelBackup nn.StateDict
	if c.Model != nil {
		modelBackup = snapshot(c.Model)
		if err := nn.LoadStateDict(c.Model, modelSD, true); err != nil {
			return fail("model: %v", err)
		}
	}
	restoreModel := func() {
		if c.Model != nil {
			_ = nn.LoadStateDict(c.Model, modelBackup, true)
		}
	}
	var optBackup *optim.StateDict
	if c.Optimizer != nil {
		optBackup = c.Optimizer.StateDict()
		if err := c.Optimizer.LoadStateDict(optSD); err != nil {
			restoreModel()
			return fail("optimizer: %v", err)
		}
	}
	if c.Scheduler != nil {
		if err := c.Scheduler.LoadStateDict(schedSD); err != nil {
			restoreModel()
			if c.Optimizer != nil {
				_ = c.Optimizer.LoadStateDict(optBackup)
			}
			return fail("scheduler: %v", err)
		}
	}
	for key, g := range gens {
		if err := g.UnmarshalBinary(states[key]); err != nil {
			panic(err) // checked above
		}
	}
	c.Step, c.Epoch, c.Batch = h.Step, h.Epoch, h.Batch
	c.EpochStart = nil
	for name, b := range states {
		if rest, ok := strings.CutPrefix(name, epochStartPrefix); ok {
			if c.EpochStart == nil {
				c.EpochStart = map[string][]byte{}
			}
			c.EpochStart[rest] = b
		}
	}
	c.Extra = nil
	for k, v := range meta {
		if rest, ok := strings.CutPrefix(k, ExtraPrefix); ok {
			if c.Extra == nil {
				c.Extra = map[string]string{}
			}
			c.Extra[rest] = v
		}
	}
	return nil
}

// parseHeader decodes the checkpoint entry strictly: unknown or missing
// fields, an unknown version, a negative counter or a malformed checksum
// are errors.
func parseHeader(hs string) (header, error) {
	var h header
	if err := strictjson.Unmarshal([]byte(hs), &h); err != nil {
		return h, fmt.Errorf("bad %q metadata: %v", MetadataKey, err)
	}
	switch h.Version {
	case 1:
		if h.DataSHA256 != "" || h.HeaderSHA256 != "" {
			return h, fmt.Errorf("bad %q metadata: a version 1 checkpoint has no checksums", MetadataKey)
		}
	case checkpointVersion:
		for _, c := range []struct{ name, v string }{{"data_sha256", h.DataSHA256}, {"header_sha256", h.HeaderSHA256}} {
			if b, err := hex.DecodeString(c.v); err != nil || len(b) != sha256.Size || strings.ToLower(c.v) != c.v {
				return h, fmt.Errorf("bad %q metadata: %s %q is not a lower-case hex SHA-256", MetadataKey, c.name, c.v)
			}
		}
	default:
		return h, fmt.Errorf("unsupported checkpoint version %d (this intercept reads versions 1 and %d)", h.Version, checkpointVersion)
	}
	if h.Step < 0 || h.Epoch < 0 || h.Batch < 0 {
		return h, fmt.Errorf("negative counter in %s", hs)
	}
	return h, nil
}

// stateBytes converts a generator state read from a U8 tensor (an int64
// tensor in memory) back to bytes.
func stateBytes(t *tensor.Tensor) ([]byte, error) {
	if t.DType() != tensor.Int64 || t.Dim() != 1 {
		return nil, errors.New("a generator state must be a 1-d U8 tensor")
	}
	v := t.Int64s()
	b := make([]byte, len(v))
	for i, x := range v {
		if x < 0 || x > 255 {
			return nil, fmt.Errorf("byte %d out of range: %d", i, x)
		}
		b[i] = byte(x)
	}
	return b, nil
}

// snapshot returns copies of the model's state dict.
func snapshot(model any) nn.StateDict {
	sd := nn.StateDictOf(model)
	out := make(nn.StateDict, len(sd))
	tensor.NoGrad(func() {
		for i, nt := range sd {
			out[i] = nn.Named{Name: nt.Name, Tensor: nt.Tensor.Detach().Clone()}
		}
	})
	return out
}

// wrap prefixes err, adding the path unless the error already names it (as
// those of package safetensors and os do).
func wrap(op, path string, err error) error {
	if strings.Contains(err.Error(), path) {
		return fmt.Errorf("train: %s checkpoint: %w", op, err)
	}
	return fmt.Errorf("train: %s checkpoint %s: %w", op, path, err)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
