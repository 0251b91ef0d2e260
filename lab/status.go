package lab

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Plans rebuilds the plans of the run m describes, with the experiments'
// definitions in reg.
func (m Manifest) Plans(reg *Registry) ([]Plan, error) {
	var plans []Plan
	for _, me := range m.Experiments {
		e := reg.Get(me.Name)
		if e == nil {
			return nil, fmt.Errorf("experiment %q is not known to this version of intercept", me.Name)
		}
		cfg, err := resolveRecorded(e, &ExperimentResult{Config: me.Config, Data: me.Data})
		if err != nil {
			return nil, fmt.Errorf("experiment %s: %w", me.Name, err)
		}
		plans = append(plans, Plan{Exp: e, Config: cfg, Seeds: m.Seeds})
	}
	return plans, nil
}

// TrialState is one trial of a run as found on disk.
type TrialState struct {
	Experiment, Variant string
	Seed                uint64
	Index               int    // in plan, variant, seed order (the shard is Index mod the shard count)
	Done                bool   // its trial file holds its result
	Diverged            bool   // done, and its loss became NaN or infinite
	DivergedStep        int    // where
	Error               string // the last attempt failed (its .error.txt), and it is not done
}

// Trials lists every trial of plans and its state in the run directory
// dir.
func Trials(dir string, plans []Plan) ([]TrialState, error) {
	var out []TrialState
	index := 0
	for _, p := range plans {
		variants, err := p.Exp.Variants(p.Config)
		if err != nil {
			return nil, fmt.Errorf("experiment %s: %w", p.Exp.Name, err)
		}
		for _, v := range variants {
			for _, s := range p.Seeds {
				td := filepath.Join(dir, TrialDir(p.Exp.Name, p.Config, v.Key, s))
				st := TrialState{Experiment: p.Exp.Name, Variant: v.Label, Seed: s, Index: index}
				index++
				if res, err := loadTrial(td); err == nil {
					st.Done, st.Diverged, st.DivergedStep = true, res.Diverged, res.DivergedStep
				} else if msg, ok := readTrialError(td); ok {
					st.Error = msg
				}
				out = append(out, st)
			}
		}
	}
	return out, nil
}

// Status is the state of one run directory (a shard of a sweep, or a
// whole run), for `intercept status`.
type Status struct {
	Dir      string
	Shard    string // "i/n", or "" for a whole run
	Total    int    // trials this directory is to run (its shard's)
	Done     int
	Failed   []TrialState // the last attempt failed
	Diverged []TrialState
	Running  bool   // a live process holds the directory's lock
	Lock     string // the lock's content when Running
}

// DirStatus reads the status of the run directory dir.
func DirStatus(reg *Registry, dir string) (*Status, error) {
	m, err := ReadManifest(dir)
	if errors.Is(err, ErrNoRun) {
		return nil, fmt.Errorf("%s is not a run directory (no run.json or results.json)", dir)
	}
	if err != nil {
		return nil, err
	}
	plans, err := m.Plans(reg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	trials, err := Trials(dir, plans)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	shard, shards, err := ParseShardSpec(m.Shard)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	st := &Status{Dir: dir, Shard: m.Shard}
	for _, t := range trials {
		if t.Index%shards != shard {
			continue
		}
		st.Total++
		switch {
		case t.Done:
			st.Done++
			if t.Diverged {
				st.Diverged = append(st.Diverged, t)
			}
		case t.Error != "":
			st.Failed = append(st.Failed, t)
		}
	}
	if b, err := os.ReadFile(filepath.Join(dir, ".lock")); err == nil {
		f := strings.Fields(string(b))
		if len(f) >= 2 && f[1] == hostname() {
			if pid, err := strconv.Atoi(f[0]); err == nil && processAlive(pid) {
				st.Running, st.Lock = true, strings.TrimSpace(string(b))
			}
		} else if len(f) >= 2 {
			st.Running, st.Lock = true, strings.TrimSpace(string(b)) // another host: assume it runs
		}
	}
	return st, nil
}

// ParseShardSpec parses a recorded shard "i/n" ("" is the whole run,
// shard 0 of 1).
func ParseShardSpec(s string) (shard, shards int, err error) {
	if s == "" {
		return 0, 1, nil
	}
	is, ns, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(is)
	n, err2 := strconv.Atoi(ns)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return 0, 0, fmt.Errorf("shard %q: want i/n with 0 <= i < n", s)
	}
	return i, n, nil
}
