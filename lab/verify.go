package lab

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strconv"
	"sync"
)

// DefaultVerifySample is the number of trials per experiment that Verify
// re-runs unless told to re-run them all.
const DefaultVerifySample = 3

// VerifyOptions choose which trials Verify re-runs.
type VerifyOptions struct {
	// All re-runs every trial that has a record; otherwise Sample trials
	// per experiment are re-run (DefaultVerifySample when 0).
	All    bool
	Sample int
	// Workers is the number of trials re-run at once (default
	// GOMAXPROCS); the results do not depend on it.
	Workers int
	// Progress, if set, is told about every re-run trial.
	Progress Progress
}

// VerifyResult is what Verify found.
type VerifyResult struct {
	Run        RunInfo // how the run in the directory was made
	Recorded   int     // trials with a record (finished or failed) in the directory
	Rerun      int     // trials re-run
	Reproduced int     // re-run trials whose metrics equal the record bit for bit
	// Mismatches are the re-run trials that differ from their record, in
	// the order of the report (experiment, variant, seed).
	Mismatches []Mismatch
	// Tampered lists the experiments whose recorded values no longer give
	// the fingerprint recorded with them: results.json was changed after
	// the run. Empty when they agree or when the file has no fingerprint.
	Tampered []string
	// NoFingerprint is set when results.json records no fingerprint (a run
	// made before fingerprints existed), so its values could not be
	// checked against one.
	NoFingerprint bool
}

// OK reports whether every re-run trial reproduced its record and the
// recorded values agree with their fingerprint.
func (v *VerifyResult) OK() bool { return len(v.Mismatches) == 0 && len(v.Tampered) == 0 }

// Mismatch is a re-run trial whose metrics differ from its record, with
// its first difference.
type Mismatch struct {
	Experiment, Variant string
	Seed                uint64
	// Where names the first difference: `series "loss" step 17`,
	// `scalar "accuracy"`, "diverged", ...; Series and Step (or Scalar) are
	// set accordingly, Step is -1 when no step is involved.
	Where  string
	Series string
	Step   int
	Scalar string
	// Recorded and Got are the two values at Where (NaN when the
	// difference is not a value, e.g. a missing series).
	Recorded, Got float64
	// Detail says what differs when it is not a value ("recorded as
	// failed: ...", "series recorded with 100 steps, 99 here").
	Detail string
	// Values is the number of values of the trial that differ.
	Values int
}

// String is the mismatch in one line.
func (m Mismatch) String() string {
	s := fmt.Sprintf("experiment %s, variant %q, seed %d: %s", m.Experiment, m.Variant, m.Seed, m.Where)
	if m.Detail != "" {
		s += ": " + m.Detail
	} else {
		s += fmt.Sprintf(": recorded %s, here %s", fmtBits(m.Recorded), fmtBits(m.Got))
	}
	if m.Values > 1 {
		s += fmt.Sprintf(" (%d values of this trial differ)", m.Values)
	}
	return s
}

// fmtBits shows a number exactly: its shortest decimal form and its IEEE
// bits.
func fmtBits(x float64) string {
	return fmt.Sprintf("%s (0x%016x)", strconv.FormatFloat(x, 'g', -1, 64), math.Float64bits(x))
}

// Verify re-runs trials of the run in dir on this machine, with the
// recorded parameters, data and seeds, and compares their metrics with the
// record bit for bit (NaN equals NaN, +0 differs from -0, an empty series
// equals an absent one). By default it
// re-runs opts.Sample trials per experiment, chosen deterministically (the
// trials whose SHA-256 of "experiment\x00variant\x00seed" is smallest, which
// spreads them over variants and seeds); opts.All re-runs every trial. It
// also checks the recorded values against the fingerprint recorded with
// them. It works on whole runs, --quick runs, shards and merged runs: only
// trials with a record are re-run. An error means the run could not be
// verified (not a run directory, an experiment this version does not know).
func Verify(ctx context.Context, reg *Registry, dir string, opts VerifyOptions) (*VerifyResult, error) {
	res, err := Load(reg, dir)
	if err != nil {
		return nil, err
	}
	plans, err := Plans(reg, res)
	if err != nil {
		return nil, fmt.Errorf("%s cannot be verified: %w", dir, err)
	}
	out := &VerifyResult{Run: res.Run}
	if res.Fingerprint == nil {
		out.NoFingerprint = true
	} else {
		if res.Fingerprint.Encoding != FingerprintEncoding {
			return nil, fmt.Errorf("%s: fingerprint encoding %q, this intercept computes %q (use the intercept that wrote it)", dir, res.Fingerprint.Encoding, FingerprintEncoding)
		}
		now := NewFingerprint(res.Experiments)
		for _, e := range now.Experiments {
			if res.Fingerprint.Of(e.Name) != e.SHA256 {
				out.Tampered = append(out.Tampered, e.Name)
			}
		}
		if len(out.Tampered) == 0 && now.SHA256 != res.Fingerprint.SHA256 {
			out.Tampered = append(out.Tampered, "(the run's total)")
		}
	}

	type check struct {
		job
		rec    TrialRecord
		got    *TrialResult
		gotErr error
	}
	var checks []*check
	sample := opts.Sample
	if sample <= 0 {
		sample = DefaultVerifySample
	}
	for i, r := range res.Experiments {
		p := &plans[i]
		variants, err := p.Exp.Variants(p.Config)
		if err != nil {
			return nil, fmt.Errorf("%s: experiment %s: %w", dir, r.Name, err)
		}
		var mine []*check
		for _, vr := range r.Variants {
			var variant *Variant
			for k := range variants {
				if variants[k].Key == vr.Key {
					variant = &variants[k]
				}
			}
			if variant == nil {
				return nil, fmt.Errorf("%s: experiment %s has no variant %q in this version of intercept", dir, r.Name, vr.Key)
			}
			for _, t := range vr.Trials {
				if t.Result == nil && t.Error == "" {
					continue
				}
				out.Recorded++
				mine = append(mine, &check{job: job{plan: p, variant: *variant, seed: t.Seed}, rec: t})
			}
		}
		if !opts.All && len(mine) > sample {
			rank := func(c *check) []byte {
				h := sha256.New()
				h.Write([]byte(r.Name + "\x00" + c.variant.Key + "\x00"))
				h.Write(binary.LittleEndian.AppendUint64(nil, c.seed))
				return h.Sum(nil)
			}
			ranked := slices.Clone(mine)
			slices.SortStableFunc(ranked, func(a, b *check) int { return slices.Compare(rank(a), rank(b)) })
			keep := map[*check]bool{}
			for _, c := range ranked[:sample] {
				keep[c] = true
			}
			mine = slices.DeleteFunc(mine, func(c *check) bool { return !keep[c] })
		}
		checks = append(checks, mine...)
	}

	if opts.Progress != nil {
		opts.Progress.Start(len(checks), 0)
		defer opts.Progress.Finish()
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	ch := make(chan *check)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range ch {
				c.got, c.gotErr = runTrial(ctx, &c.job)
				if opts.Progress != nil && ctx.Err() == nil {
					opts.Progress.TrialDone(c.plan.Exp.Name, c.variant.Label, c.seed, c.got, c.gotErr)
				}
			}
		}()
	}
feed:
	for _, c := range checks {
		select {
		case ch <- c:
		case <-ctx.Done():
			break feed
		}
	}
	close(ch)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return out, err
	}
	for _, c := range checks {
		out.Rerun++
		m, ok := compareTrial(c.rec, c.got, c.gotErr)
		if ok {
			out.Reproduced++
			continue
		}
		m.Experiment, m.Variant, m.Seed = c.plan.Exp.Name, c.variant.Key, c.seed
		out.Mismatches = append(out.Mismatches, m)
	}
	return out, nil
}

// sameBits reports whether two recorded values are the same: equal bits,
// or both NaN (storage keeps no NaN payload).
func sameBits(a, b float64) bool {
	return math.Float64bits(a) == math.Float64bits(b) || (a != a && b != b)
}

// compareTrial compares a re-run trial (got, or its error) with its
// record. It returns the first difference and false, or true when they
// are the same bit for bit. The first difference is the earliest step of
// any series that differs (ties in series name order), then the
// divergence record, then the scalars in name order.
func compareTrial(rec TrialRecord, got *TrialResult, gotErr error) (Mismatch, bool) {
	m := Mismatch{Step: -1, Recorded: math.NaN(), Got: math.NaN()}
	switch {
	case rec.Result == nil && gotErr != nil:
		return m, true // failed both times
	case rec.Result == nil:
		m.Where, m.Detail, m.Values = "outcome", "recorded as failed ("+firstLine(rec.Error)+"), finished here", 1
		return m, false
	case gotErr != nil:
		m.Where, m.Detail, m.Values = "outcome", "recorded as finished, failed here: "+firstLine(gotErr.Error()), 1
		return m, false
	}
	r := rec.Result
	found := false
	set := func(mm Mismatch) {
		if !found {
			m, found = mm, true
		}
	}
	diff := 0
	// Series: the earliest differing step over all series.
	names := sortedKeys(r.Series)
	for _, n := range sortedKeys(got.Series) {
		if _, ok := r.Series[n]; !ok {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	best := Mismatch{Step: math.MaxInt}
	for _, n := range names {
		a, inA := r.Series[n]
		b, inB := got.Series[n]
		where := fmt.Sprintf("series %q", n)
		switch {
		case len(a) == 0 && len(b) == 0:
			continue // an empty series is no series (see Fingerprint)
		case !inA:
			diff += len(b)
			if best.Step > 0 {
				best = Mismatch{Where: where, Series: n, Step: 0, Detail: "not recorded, produced here", Recorded: math.NaN(), Got: math.NaN()}
			}
			continue
		case !inB:
			diff += len(a)
			if best.Step > 0 {
				best = Mismatch{Where: where, Series: n, Step: 0, Detail: "recorded, not produced here", Recorded: math.NaN(), Got: math.NaN()}
			}
			continue
		}
		first := -1
		for i := range min(len(a), len(b)) {
			if !sameBits(a[i], b[i]) {
				diff++
				if first < 0 {
					first = i
				}
			}
		}
		diff += max(len(a), len(b)) - min(len(a), len(b))
		if first >= 0 && first < best.Step {
			best = Mismatch{Where: fmt.Sprintf("%s step %d", where, first), Series: n, Step: first, Recorded: a[first], Got: b[first]}
		} else if first < 0 && len(a) != len(b) && min(len(a), len(b)) < best.Step {
			best = Mismatch{Where: fmt.Sprintf("%s step %d", where, min(len(a), len(b))), Series: n, Step: min(len(a), len(b)),
				Detail: fmt.Sprintf("recorded with %d steps, %d here", len(a), len(b)), Recorded: math.NaN(), Got: math.NaN()}
		}
	}
	if best.Step != math.MaxInt {
		set(best)
	}
	if r.Diverged != got.Diverged || r.DivergedStep != got.DivergedStep || !sameBits(r.DivergedValue, got.DivergedValue) {
		diff++
		set(Mismatch{Where: "divergence", Step: -1, Recorded: math.NaN(), Got: math.NaN(),
			Detail: fmt.Sprintf("recorded %s, here %s", fmtDiverged(r), fmtDiverged(got))})
	}
	scalars := sortedKeys(r.Scalars)
	for _, n := range sortedKeys(got.Scalars) {
		if _, ok := r.Scalars[n]; !ok {
			scalars = append(scalars, n)
		}
	}
	slices.Sort(scalars)
	for _, n := range scalars {
		a, inA := r.Scalars[n]
		b, inB := got.Scalars[n]
		where := fmt.Sprintf("scalar %q", n)
		switch {
		case !inA:
			diff++
			set(Mismatch{Where: where, Scalar: n, Step: -1, Detail: "not recorded, produced here", Recorded: math.NaN(), Got: math.NaN()})
		case !inB:
			diff++
			set(Mismatch{Where: where, Scalar: n, Step: -1, Detail: "recorded, not produced here", Recorded: math.NaN(), Got: math.NaN()})
		case !sameBits(a, b):
			diff++
			set(Mismatch{Where: where, Scalar: n, Step: -1, Recorded: a, Got: b})
		}
	}
	if !found {
		return m, true
	}
	m.Values = diff
	return m, false
}

func fmtDiverged(r *TrialResult) string {
	if !r.Diverged {
		return "not diverged"
	}
	return fmt.Sprintf("diverged at step %d with loss %s", r.DivergedStep, strconv.FormatFloat(r.DivergedValue, 'g', -1, 64))
}

func firstLine(s string) string {
	for i, c := range s {
		if c == '\n' {
			return s[:i]
		}
	}
	return s
}
