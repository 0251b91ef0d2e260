package lab

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

// fingerprintFixture builds the experiments of
// testdata/fingerprint_encoding.py, in another order than the encoding's
// and with a trial that has no record (not hashed).
func fingerprintFixture() []*ExperimentResult {
	payloadNaN := math.Float64frombits(0xFFF8000000000ABC) // a negative NaN with a payload
	return []*ExperimentResult{
		{Name: "beta", Variants: []*VariantResult{
			{Variant: Variant{Key: "bias=on"}, Trials: []TrialRecord{
				{Seed: 1, Error: "boom"},
				{Seed: 0, Result: &TrialResult{Scalars: map[string]float64{"loss": 0.25, "acc": 1},
					Series: map[string][]float64{"loss": {1.5, 0.5, 0.25}}}},
				{Seed: 2}, // never ran: not hashed
			}},
			{Variant: Variant{Key: "bias=off"}, Trials: []TrialRecord{
				{Seed: 0, Result: &TrialResult{Scalars: map[string]float64{"loss": payloadNaN, "acc": math.Copysign(0, -1)},
					Series:   map[string][]float64{"loss": {1.5, math.Inf(1)}, "w": {}},
					Diverged: true, DivergedStep: 1, DivergedValue: math.Inf(1)}},
			}},
		}},
		{Name: "alpha", Variants: []*VariantResult{
			{Variant: Variant{Key: "x=1"}, Trials: []TrialRecord{
				{Seed: 3, Result: &TrialResult{Scalars: map[string]float64{"é": 1e-310}}},
			}},
		}},
	}
}

// The encoding is the one documented on Fingerprint: the hashes below come
// from testdata/fingerprint_encoding.py, an independent implementation of
// that documentation in Python.
func TestFingerprintEncoding(t *testing.T) {
	fp := NewFingerprint(fingerprintFixture())
	want := map[string]string{
		"alpha": "df70ef75784df371c850ddaa74ae19791b43b3cea775cb4787ff1da835347dc4",
		"beta":  "42ab5df89c973e14bae8c3e3b40f74f09142482ced0e6c5cb0960574dc1d8668",
	}
	if fp.Encoding != FingerprintEncoding || fp.SHA256 != "90617a7a7215d2d55de697b651192cf150a740e347a329a78a18063422420ae5" || fp.Trials != 4 {
		t.Errorf("run fingerprint %+v", fp)
	}
	if len(fp.Experiments) != 2 || fp.Experiments[0].Name != "alpha" || fp.Experiments[1].Trials != 3 {
		t.Errorf("experiments %+v", fp.Experiments)
	}
	for name, h := range want {
		if got := fp.Of(name); got != h {
			t.Errorf("%s: %s, want %s", name, got, h)
		}
	}
	if (*Fingerprint)(nil).Of("alpha") != "" || fp.Of("gamma") != "" {
		t.Error("Of of a missing experiment")
	}
}

// The fingerprint hashes values, not files: it survives results.json, and
// any one changed bit changes it and its experiment's fingerprint only.
func TestFingerprintValues(t *testing.T) {
	res := fingerprintFixture()
	fp := NewFingerprint(res)
	b, err := json.Marshal(&Results{Experiments: res})
	if err != nil {
		t.Fatal(err)
	}
	back, err := decodeResults("results.json", b)
	if err != nil {
		t.Fatal(err)
	}
	if got := NewFingerprint(back.Experiments); got.SHA256 != fp.SHA256 {
		t.Errorf("after a JSON round trip: %s, want %s", got.SHA256, fp.SHA256)
	}
	for _, tc := range []struct {
		what   string
		change func(r []*ExperimentResult)
	}{
		{"one bit of a series value", func(r []*ExperimentResult) {
			s := r[0].Variants[0].Trials[1].Result.Series["loss"]
			s[1] = math.Float64frombits(math.Float64bits(s[1]) ^ 1)
		}},
		{"-0 to +0", func(r []*ExperimentResult) { r[0].Variants[1].Trials[0].Result.Scalars["acc"] = 0 }},
		{"a failed trial's outcome", func(r []*ExperimentResult) {
			r[0].Variants[0].Trials[0] = TrialRecord{Seed: 1, Result: NewResult()}
		}},
		{"the divergence step", func(r []*ExperimentResult) { r[0].Variants[1].Trials[0].Result.DivergedStep = 2 }},
		{"a series name", func(r []*ExperimentResult) {
			res := r[0].Variants[1].Trials[0].Result
			res.Series["lost"] = res.Series["loss"]
			delete(res.Series, "loss")
		}},
		{"a seed", func(r []*ExperimentResult) { r[0].Variants[1].Trials[0].Seed = 7 }},
	} {
		r := fingerprintFixture()
		tc.change(r)
		got := NewFingerprint(r)
		if got.SHA256 == fp.SHA256 || got.Of("beta") == fp.Of("beta") || got.Of("alpha") != fp.Of("alpha") {
			t.Errorf("%s: fingerprints %s, beta %s, alpha %s; want the run's and beta's to change, alpha's not",
				tc.what, got.SHA256[:8], got.Of("beta")[:8], got.Of("alpha")[:8])
		}
	}
	// Neither an error message nor an empty series is part of the metrics
	// (storage in rows per step cannot tell an empty series from none).
	r := fingerprintFixture()
	r[0].Variants[0].Trials[0].Error = "another message"
	delete(r[0].Variants[1].Trials[0].Result.Series, "w")
	if NewFingerprint(r).SHA256 != fp.SHA256 {
		t.Error("the error message or an empty series changed the fingerprint")
	}
}

func TestCompareTrial(t *testing.T) {
	base := func() *TrialResult {
		return &TrialResult{Scalars: map[string]float64{"acc": 0.5, "loss": math.NaN()},
			Series: map[string][]float64{"a": {1, 2, 3, 4}, "b": {1, 2, 3, 4}}}
	}
	if _, ok := compareTrial(TrialRecord{Result: base()}, base(), nil); !ok {
		t.Error("equal trials (NaN equals NaN) differ")
	}
	withEmpty := base()
	withEmpty.Series["empty"] = []float64{}
	if _, ok := compareTrial(TrialRecord{Result: base()}, withEmpty, nil); !ok {
		t.Error("an empty series differs from an absent one")
	}
	for _, tc := range []struct {
		name   string
		change func(r *TrialResult)
		want   string
		values int
	}{
		{"earliest step wins over series order", func(r *TrialResult) { r.Series["a"][3] = 9; r.Series["b"][1] = 8 },
			`series "b" step 1: recorded 2 (0x4000000000000000), here 8 (0x4020000000000000)`, 2},
		{"shorter series", func(r *TrialResult) { r.Series["a"] = r.Series["a"][:2] },
			`series "a" step 2: recorded with 4 steps, 2 here`, 2},
		{"a scalar", func(r *TrialResult) { r.Scalars["acc"] = 0.25 }, `scalar "acc": recorded 0.5`, 1},
		{"signed zero", func(r *TrialResult) { r.Scalars["acc"] = math.Copysign(0, -1) }, `here -0 (0x8000000000000000)`, 1},
		{"a missing scalar", func(r *TrialResult) { delete(r.Scalars, "acc") }, `scalar "acc": recorded, not produced here`, 1},
		{"divergence", func(r *TrialResult) { r.Diverged, r.DivergedStep, r.DivergedValue = true, 3, math.Inf(1) },
			"divergence: recorded not diverged, here diverged at step 3 with loss +Inf", 1},
	} {
		got := base()
		tc.change(got)
		m, ok := compareTrial(TrialRecord{Result: base()}, got, nil)
		if ok || !strings.Contains(m.String(), tc.want) || m.Values != tc.values {
			t.Errorf("%s: %v %q (%d values), want %q (%d values)", tc.name, ok, m.String(), m.Values, tc.want, tc.values)
		}
	}
	if m, ok := compareTrial(TrialRecord{Error: "x"}, base(), nil); ok || !strings.Contains(m.Detail, "recorded as failed (x), finished here") {
		t.Errorf("failed then finished: %v %+v", ok, m)
	}
	if _, ok := compareTrial(TrialRecord{Error: "x"}, nil, errTest); !ok {
		t.Error("failed both times: want reproduced")
	}
}

var errTest = errorString("test error")

type errorString string

func (e errorString) Error() string { return string(e) }
