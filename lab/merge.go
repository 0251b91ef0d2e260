package lab

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// MergeTrials copies the finished trials of the run directories srcs (the
// shards of one sweep) into the run directory dst, so that a Runner with
// LoadOnly set can aggregate them as if one machine had run them all. A
// trial's series.parquet is copied before its summary.json, which marks it
// finished, and every file is written atomically. A trial present in two
// sources must be identical in both (trials are deterministic); otherwise
// MergeTrials returns an error naming both files. It returns the number of
// trials copied.
func MergeTrials(dst string, srcs []string) (int, error) {
	copied := 0
	for _, src := range srcs {
		root := filepath.Join(src, "trials")
		if _, err := os.Stat(root); err != nil {
			return copied, fmt.Errorf("merging %s: %w", src, err)
		}
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || (d.Name() != "summary.json" && d.Name() != "error.txt") {
				return nil
			}
			dir := filepath.Dir(path)
			rel, err := filepath.Rel(src, dir)
			if err != nil {
				return err
			}
			out := filepath.Join(dst, rel)
			if d.Name() == "error.txt" {
				// A failed trial: recorded as failed unless a shard finished it.
				if _, err := loadTrial(dir); err == nil {
					return nil
				}
				if _, err := os.Stat(filepath.Join(out, "error.txt")); err == nil {
					return nil
				}
				b, err := os.ReadFile(path)
				if err != nil {
					return err
				}
				if err := os.MkdirAll(out, 0o755); err != nil {
					return err
				}
				return WriteFileAtomic(filepath.Join(out, "error.txt"), b)
			}
			if _, err := loadTrial(dir); err != nil {
				return nil // unfinished or foreign: not merged
			}
			n, err := copyTrial(dir, out)
			copied += n
			return err
		})
		if err != nil {
			return copied, fmt.Errorf("merging %s: %w", src, err)
		}
	}
	return copied, nil
}

// copyTrial copies one finished trial directory; it returns 1 if it copied
// it, 0 if dst already held the identical trial.
func copyTrial(src, dst string) (int, error) {
	summary, err := os.ReadFile(filepath.Join(src, "summary.json"))
	if err != nil {
		return 0, err
	}
	if have, err := os.ReadFile(filepath.Join(dst, "summary.json")); err == nil {
		hs, _ := os.ReadFile(filepath.Join(dst, seriesFile))
		ss, _ := os.ReadFile(filepath.Join(src, seriesFile))
		if !bytes.Equal(have, summary) || !bytes.Equal(hs, ss) {
			return 0, fmt.Errorf("%s and %s hold different results for the same trial (were the shards run with different versions or kernels?)",
				filepath.Join(src, "summary.json"), filepath.Join(dst, "summary.json"))
		}
		return 0, nil
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return 0, err
	}
	if series, err := os.ReadFile(filepath.Join(src, seriesFile)); err == nil {
		if err := WriteFileAtomic(filepath.Join(dst, seriesFile), series); err != nil {
			return 0, err
		}
	}
	if err := WriteFileAtomic(filepath.Join(dst, "summary.json"), summary); err != nil {
		return 0, err
	}
	return 1, nil
}

// Plans rebuilds the plans of a run from its results (results.json), so a
// run can be merged or re-aggregated with the same experiments,
// parameters, data and seeds. Every experiment must be in reg.
func Plans(reg *Registry, res *Results) ([]Plan, error) {
	var plans []Plan
	for _, er := range res.Experiments {
		e := reg.Get(er.Name)
		if e == nil {
			return nil, fmt.Errorf("experiment %q is not known to this version of intercept", er.Name)
		}
		cfg, err := resolveRecorded(e, er)
		if err != nil {
			return nil, fmt.Errorf("experiment %s: %w", er.Name, err)
		}
		plans = append(plans, Plan{Exp: e, Config: cfg, Seeds: er.Seeds})
	}
	return plans, nil
}

var errMalformed = errors.New("malformed parameter")

// recordedOverrides turns a result's recorded "name=value" parameters back
// into overrides.
func recordedOverrides(r *ExperimentResult) (map[string]string, error) {
	over := map[string]string{}
	for _, kv := range r.Config {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, fmt.Errorf("%w %q", errMalformed, kv)
		}
		over[k] = v
	}
	return over, nil
}
