package lab

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
)

// Logger receives a trial's training curves and distributions as it runs.
// It has the method set of train.Logger, so a Trial's Log can be given to a
// train.Trainer as is.
type Logger interface {
	Scalar(tag string, step int64, value float64) error
	HistogramValues(tag string, step int64, values []float64) error
}

// TrialLog is a Logger for one trial that also takes text and is closed
// when the trial ends. tboard.Writer implements it.
type TrialLog interface {
	Logger
	Text(tag string, step int64, text string) error
	Close() error
}

// LogDir is where Runner.NewLog puts the log of a trial, relative to the
// run directory: tensorboard/<experiment>/<config hash>/<variant>/seed-<n>,
// the trial's directory (TrialDir) under tensorboard/ instead of trials/,
// so that `tensorboard --logdir DIR/tensorboard` lists every trial of every
// experiment as a run.
func LogDir(exp string, cfg Config, variantKey string, seed uint64) string {
	return filepath.Join("tensorboard", strings.TrimPrefix(TrialDir(exp, cfg, variantKey, seed), "trials"+string(filepath.Separator)))
}

// logResult writes what a finished trial measured to its log: each series
// as a curve (over the steps of its "<name>_step" companion series when it
// has one, else over its indices), each scalar at step 0 under "result/",
// and a text describing the trial.
func logResult(l TrialLog, j *job, res *TrialResult) error {
	names := make([]string, 0, len(res.Series))
	for name := range res.Series {
		if !strings.HasSuffix(name, "_step") {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		steps := res.Series[name+"_step"]
		for i, v := range res.Series[name] {
			step := int64(i)
			if i < len(steps) {
				step = int64(steps[i])
			}
			if err := l.Scalar("series/"+name, step, v); err != nil {
				return err
			}
		}
	}
	for _, name := range sortedKeys(res.Scalars) {
		if err := l.Scalar("result/"+name, 0, res.Scalars[name]); err != nil {
			return err
		}
	}
	text := fmt.Sprintf("**%s**, variant %s, seed %d\n\n    %s", j.plan.Exp.Name, j.variant.Label, j.seed, strings.Join(j.plan.Config.Values(), "\n    "))
	return l.Text("trial", 0, text)
}
