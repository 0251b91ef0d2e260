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
// LoadOnly set can aggregate them as if one machine had run them all: each
// trial file, each trial of a trial pack (as a trial file) and, from a run
// written before trial format 3, each trial directory (its series.parquet
// before the summary.json that marks it finished), every file written
// atomically. A trial present in two sources
// must be identical in both (trials are deterministic); otherwise
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
			if d.IsDir() || strings.HasPrefix(d.Name(), ".") {
				return nil
			}
			// stem is the trial's directory (TrialDir), its files'
			// name without extension
			var stem string
			var failed, old bool
			switch name := d.Name(); {
			case strings.HasSuffix(name, trialErrExt):
				stem, failed = strings.TrimSuffix(path, trialErrExt), true
			case strings.HasSuffix(name, trialExt) && name != seriesFile:
				stem = strings.TrimSuffix(path, trialExt)
			case name == "error.txt":
				stem, failed, old = filepath.Dir(path), true, true
			case name == "summary.json":
				stem, old = filepath.Dir(path), true
			default:
				return nil
			}
			rel, err := filepath.Rel(src, stem)
			if err != nil {
				return err
			}
			out := filepath.Join(dst, rel)
			if failed {
				// A failed trial: recorded as failed unless a shard finished it.
				if _, err := loadTrial(stem); err == nil {
					return nil
				}
				if _, ok := readTrialError(out); ok {
					return nil
				}
				b, err := os.ReadFile(path)
				if err != nil {
					return err
				}
				if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
					return err
				}
				return WriteFileAtomic(out+trialErrExt, b)
			}
			if old {
				if _, err := loadTrialDir(stem); err != nil {
					return nil // unfinished or foreign: not merged
				}
				n, err := copyTrialDir(stem, out)
				copied += n
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			if _, err := decodeTrialParquet(path, b); err != nil {
				// a trial pack (Compact), whose trials are copied as
				// trial files; or damaged or foreign: not merged
				trials, perr := decodePack(path, b)
				if perr != nil {
					return nil
				}
				for _, name := range sortedKeys(trials) {
					tb, err := encodeTrial(trials[name])
					if err != nil {
						return err
					}
					n, err := copyTrialFile(path+": trial "+name, tb, trialPath(filepath.Join(out, filepath.FromSlash(name))))
					copied += n
					if err != nil {
						return err
					}
				}
				return nil
			}
			n, err := copyTrialFile(path, b, trialPath(out))
			copied += n
			return err
		})
		if err != nil {
			return copied, fmt.Errorf("merging %s: %w", src, err)
		}
	}
	return copied, nil
}

// copyTrialFile writes the trial file b (read from src) to dst; it returns
// 1 if it copied it, 0 if dst already held the identical trial.
func copyTrialFile(src string, b []byte, dst string) (int, error) {
	if have, err := os.ReadFile(dst); err == nil {
		if !bytes.Equal(have, b) {
			return 0, fmt.Errorf("%s and %s hold different results for the same trial (were the shards run with different versions or kernels?)", src, dst)
		}
		return 0, nil
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return 0, err
	}
	if err := writeFileRenamed(dst, b); err != nil { // checked when read, as the runner writes it
		return 0, err
	}
	return 1, nil
}

// copyTrialDir copies one finished trial directory of a run written
// before trial format 3; it returns 1 if it copied it, 0 if dst already
// held the identical trial.
func copyTrialDir(src, dst string) (int, error) {
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
