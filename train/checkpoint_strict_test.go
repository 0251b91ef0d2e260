package train_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/optim"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
	"github.com/intercept-ml/intercept/train"
)

// strictFixture is a small checkpoint with every part: model, Adam,
// scheduler, generators, an epoch-start state and extra metadata.
type strictFixture struct {
	m *nn.Sequential
	o *optim.Adam
	s optim.Scheduler
	c *train.Checkpoint
}

func newStrictFixture(seed uint64) *strictFixture {
	m := nn.NewSequential(nn.NewLinear(3, 2, nn.WithGenerator(seeded(seed))))
	o := optim.NewAdam(nn.Parameters(m), optim.LR(1e-3))
	s := optim.NewExponentialLR(o, 0.5)
	m.Forward(tensor.Ones(1, 3)).Sum().Backward()
	o.Step()
	s.Step()
	es, _ := seeded(seed + 3).MarshalBinary()
	c := &train.Checkpoint{Model: m, Optimizer: o, Scheduler: s, RNG: seeded(seed + 1),
		Generators: map[string]*rng.Generator{"loader": seeded(seed + 2)}, Step: 1, Epoch: 2, Batch: 3,
		EpochStart: map[string][]byte{"loader": es}, Extra: map[string]string{"k": "v"}}
	return &strictFixture{m, o, s, c}
}

// fingerprint is everything a checkpoint restores, as one string.
func (f *strictFixture) fingerprint() string {
	var b strings.Builder
	for _, nt := range nn.StateDictOf(f.m) {
		fmt.Fprintf(&b, "%s %v\n", nt.Name, nt.Tensor.Float64s())
	}
	sd := f.o.StateDict()
	fmt.Fprintf(&b, "%s %+v\n", sd.Optimizer, sd.Groups)
	for id, st := range sd.State {
		fmt.Fprintf(&b, "%d %d", id, st.Step)
		for k, v := range st.Buffers {
			fmt.Fprintf(&b, " %s %v", k, v.Float64s())
		}
		b.WriteString("\n")
	}
	ss, _ := json.Marshal(f.s.StateDict())
	b.Write(ss)
	r, _ := f.c.RNG.MarshalBinary()
	l, _ := f.c.Generators["loader"].MarshalBinary()
	fmt.Fprintf(&b, "\n%x %x %d %d %d %x %v", r, l, f.c.Step, f.c.Epoch, f.c.Batch, f.c.EpochStart["loader"], f.c.Extra)
	return b.String()
}

// No single-bit flip anywhere in a checkpoint's header or data loads
// silently with changed state: strict decoding, the format version and the
// checksums refuse it (before, a flip of "lr" to "mr" loaded lr 0).
func TestCheckpointBitFlipsNeverLoadSilently(t *testing.T) {
	dir := t.TempDir()
	want := newStrictFixture(1)
	path := filepath.Join(dir, "c.safetensors")
	if err := want.c.Save(path); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	fresh := newStrictFixture(1)
	if err := fresh.c.Load(path); err != nil {
		t.Fatal(err)
	}
	wantFP := fresh.fingerprint()
	// Every 11th bit (a prime stride, so every bit position of a byte is
	// hit); the full sweep (step 1) found none either.
	step := 11
	if testing.Short() {
		step = 101
	}
	flipped := filepath.Join(dir, "flipped.safetensors")
	silent, refused := 0, 0
	for bit := 0; bit < len(raw)*8; bit += step {
		b := bytes.Clone(raw)
		b[bit/8] ^= 1 << (bit % 8)
		if err := os.WriteFile(flipped, b, 0o644); err != nil {
			t.Fatal(err)
		}
		got := newStrictFixture(9)
		if err := got.c.Load(flipped); err != nil {
			refused++
			continue
		}
		if got.fingerprint() != wantFP {
			silent++
			if silent <= 5 {
				t.Errorf("flipping bit %d of byte %d (%q) loads silently with changed state", bit%8, bit/8, raw[bit/8])
			}
		}
	}
	if silent > 0 {
		t.Errorf("%d of %d flips loaded silently with changed state", silent, refused+silent)
	}
	// The named case: the Adam group's "lr" key turned into "mr".
	b := bytes.Replace(raw, []byte(`\"lr\":`), []byte(`\"mr\":`), 1)
	if bytes.Equal(b, raw) {
		t.Fatal("no lr key in the header")
	}
	os.WriteFile(flipped, b, 0o644)
	if err := newStrictFixture(9).c.Load(flipped); err == nil || !strings.Contains(err.Error(), "checksum") {
		t.Errorf(`"lr" -> "mr": err = %v`, err)
	}
	// Without the checksum, strict decoding alone refuses it.
	ts, meta := want.o.StateDict().Flatten("optim.")
	meta["optim.optimizer"] = strings.Replace(meta["optim.optimizer"], `"lr":`, `"mr":`, 1)
	if _, err := optim.StateDictFromFlat(ts, meta, "optim."); err == nil || !strings.Contains(err.Error(), `unknown field "mr"`) {
		t.Errorf(`optimizer state with "mr": err = %v`, err)
	}
	_, meta = want.o.StateDict().Flatten("optim.")
	meta["optim.optimizer"] = regexp.MustCompile(`"lr":[^,]*,`).ReplaceAllString(meta["optim.optimizer"], "")
	if _, err := optim.StateDictFromFlat(ts, meta, "optim."); err == nil || !strings.Contains(err.Error(), `missing field "lr"`) {
		t.Errorf(`optimizer state without lr: err = %v`, err)
	}
	// A flipped weight is caught by the data checksum.
	b = bytes.Clone(raw)
	b[len(b)-1] ^= 0x10
	os.WriteFile(flipped, b, 0o644)
	if err := newStrictFixture(9).c.Load(flipped); err == nil || !strings.Contains(err.Error(), "does not match its checksum") {
		t.Errorf("flipped data byte: err = %v", err)
	}
}

// setCheckpointEntry rewrites the "checkpoint" metadata entry of a file
// (keeping its data section).
func setCheckpointEntry(t *testing.T, raw []byte, f func(string) string) []byte {
	t.Helper()
	n := binary.LittleEndian.Uint64(raw)
	var hdr map[string]any
	if err := json.Unmarshal(raw[8:8+n], &hdr); err != nil {
		t.Fatal(err)
	}
	meta := hdr["__metadata__"].(map[string]any)
	meta["checkpoint"] = f(meta["checkpoint"].(string))
	h, _ := json.Marshal(hdr)
	for len(h)%8 != 0 {
		h = append(h, ' ')
	}
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(h)))
	return append(append(out, h...), raw[8+n:]...)
}

func TestCheckpointHeaderStrict(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "c.safetensors")
	if err := newStrictFixture(1).c.Save(path); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	for _, tc := range []struct {
		edit func(string) string
		want string
	}{
		{func(s string) string { return strings.Replace(s, `"version":2`, `"version":3`, 1) }, "unsupported checkpoint version 3"},
		{func(s string) string { return strings.Replace(s, `"step":1,`, ``, 1) }, `missing field "step"`},
		{func(s string) string { return strings.Replace(s, `"step":1,`, `"step":1,"stop":1,`, 1) }, `unknown field "stop"`},
		{func(s string) string { return strings.Replace(s, `"step":1,`, `"step":1,"step":2,`, 1) }, `key "step" given twice`},
		{func(s string) string { return strings.Replace(s, `"step":1,`, `"step":5,`, 1) }, "header does not match its checksum"},
		{func(s string) string { return s[:strings.Index(s, `,"data_sha256"`)] + "}" }, "data_sha256"},
		{func(s string) string { return strings.Replace(s, `"version":2`, `"version":1`, 1) }, "a version 1 checkpoint has no checksums"},
	} {
		p := filepath.Join(dir, "edited.safetensors")
		os.WriteFile(p, setCheckpointEntry(t, raw, tc.edit), 0o644)
		if err := newStrictFixture(9).c.Load(p); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("want %q, got %v", tc.want, err)
		}
	}
	// A version 1 checkpoint (no checksums) still loads.
	p := filepath.Join(dir, "v1.safetensors")
	os.WriteFile(p, setCheckpointEntry(t, raw, func(string) string { return `{"version":1,"step":1,"epoch":2,"batch":3}` }), 0o644)
	if err := newStrictFixture(9).c.Load(p); err != nil {
		t.Errorf("version 1: %v", err)
	}
}

func onesIn() *tensor.Tensor { return tensor.Ones(1, 3) }
