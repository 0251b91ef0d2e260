package lab

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"
)

// ManifestFormat is the format version of run.json this package writes and
// reads.
const ManifestFormat = 1

// Manifest is run.json, written into a run directory before its first
// trial: what the run is (experiments, resolved parameters, data, seeds,
// shard) and what made it (version, kernel). A resumed run must be exactly
// this run (Manifest.Diff).
type Manifest struct {
	Format      int                  `json:"format"`
	Version     string               `json:"version"` // the intercept version that started the run
	Kernel      string               `json:"kernel"`  // the compute kernel (its bits differ from another's)
	Quick       bool                 `json:"quick"`
	Shard       string               `json:"shard"` // "i/n", or "" for the whole sweep
	Seeds       []uint64             `json:"seeds"`
	Experiments []ManifestExperiment `json:"experiments"`
}

// ManifestExperiment is one experiment of a Manifest.
type ManifestExperiment struct {
	Name   string   `json:"name"`
	Config []string `json:"config"` // resolved parameters, name=value, sorted
	Data   string   `json:"data"`
}

// NewManifest describes the run of plans.
func NewManifest(plans []Plan, version, kernel, shard string, quick bool) Manifest {
	m := Manifest{Format: ManifestFormat, Version: version, Kernel: kernel, Quick: quick, Shard: shard, Seeds: []uint64{}}
	for i, p := range plans {
		if i == 0 {
			m.Seeds = slices.Clone(p.Seeds)
		}
		m.Experiments = append(m.Experiments, ManifestExperiment{Name: p.Exp.Name, Config: p.Config.Values(), Data: p.Config.Data})
	}
	return m
}

// manifestOf rebuilds the manifest of a run directory written before
// run.json existed, from its results.json.
func manifestOf(res *Results) Manifest {
	m := Manifest{Format: ManifestFormat, Version: res.Run.Version, Kernel: res.Run.Kernel, Quick: res.Run.Quick, Shard: res.Run.Shard, Seeds: res.Run.Seeds}
	for _, e := range res.Experiments {
		m.Experiments = append(m.Experiments, ManifestExperiment{Name: e.Name, Config: e.Config, Data: e.Data})
	}
	return m
}

// Diff lists how the run want differs from the run m, one phrase per
// difference ("seeds: 0,1 here, 0,1,2 asked"); nil when they are the same
// run.
func (m Manifest) Diff(want Manifest) []string {
	var d []string
	add := func(what, have, asked string) {
		if have != asked {
			d = append(d, fmt.Sprintf("%s: %s in the directory, %s asked", what, quoteEmpty(have), quoteEmpty(asked)))
		}
	}
	add("intercept version", m.Version, want.Version)
	add("kernel", m.Kernel, want.Kernel)
	add("shard", m.Shard, want.Shard)
	add("quick", strconv.FormatBool(m.Quick), strconv.FormatBool(want.Quick))
	add("seeds", fmtSeeds(m.Seeds), fmtSeeds(want.Seeds))
	names := func(es []ManifestExperiment) string {
		var n []string
		for _, e := range es {
			n = append(n, e.Name)
		}
		return strings.Join(n, ",")
	}
	if names(m.Experiments) != names(want.Experiments) {
		add("experiments", names(m.Experiments), names(want.Experiments))
		return d
	}
	for i, e := range m.Experiments {
		w := want.Experiments[i]
		add(e.Name+" --data", e.Data, w.Data)
		if !slices.Equal(e.Config, w.Config) {
			var have, asked []string
			for _, kv := range e.Config {
				if !slices.Contains(w.Config, kv) {
					have = append(have, kv)
				}
			}
			for _, kv := range w.Config {
				if !slices.Contains(e.Config, kv) {
					asked = append(asked, kv)
				}
			}
			add(e.Name+" parameters", strings.Join(have, " "), strings.Join(asked, " "))
		}
	}
	return d
}

func quoteEmpty(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func fmtSeeds(s []uint64) string {
	var out []string
	for _, x := range s {
		out = append(out, strconv.FormatUint(x, 10))
	}
	return strings.Join(out, ",")
}

// WriteManifest writes dir/run.json.
func WriteManifest(dir string, m Manifest) error {
	b, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		return err
	}
	return WriteFileAtomic(filepath.Join(dir, "run.json"), append(b, '\n'))
}

// ErrNoRun is returned by ReadManifest for a directory that holds no run.
var ErrNoRun = errors.New("no run in this directory")

// ReadManifest reads what run a directory holds: dir/run.json, or for a
// run directory written before run.json existed, its results.json. A
// directory with neither gives ErrNoRun. The file is decoded strictly:
// unknown fields, a missing or unknown format version are errors.
func ReadManifest(dir string) (*Manifest, error) {
	path := filepath.Join(dir, "run.json")
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		res, rerr := ReadResults(filepath.Join(dir, "results.json"))
		if rerr == nil {
			m := manifestOf(res)
			return &m, nil
		}
		if errors.Is(rerr, fs.ErrNotExist) {
			return nil, ErrNoRun
		}
		return nil, rerr
	}
	if err != nil {
		return nil, err
	}
	return decodeManifest(path, b)
}

func decodeManifest(path string, b []byte) (*Manifest, error) {
	var m Manifest
	if err := decodeStrict(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if m.Format != ManifestFormat {
		return nil, fmt.Errorf("%s: format version %d, this intercept reads version %d", path, m.Format, ManifestFormat)
	}
	if len(m.Experiments) == 0 {
		return nil, fmt.Errorf("%s: no experiments", path)
	}
	return &m, nil
}

// decodeStrict decodes one JSON value into v: unknown fields, trailing
// data and invalid UTF-8 are errors.
func decodeStrict(b []byte, v any) error {
	if !utf8Valid(b) {
		return errors.New("invalid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err == nil {
		return errors.New("data after the JSON value")
	}
	return nil
}

// Lock is a run directory held by this process (LockDir).
type Lock struct{ path string }

// LockDir takes dir's lock (dir/.lock, holding this process's id), so that
// two processes never write one run directory: while another live process
// holds it, LockDir fails saying which. A lock left by a process that no
// longer runs (a crash) is taken over. Release it with Unlock.
func LockDir(dir string) (*Lock, error) {
	path := filepath.Join(dir, ".lock")
	me := fmt.Sprintf("%d %s %s\n", os.Getpid(), hostname(), time.Now().UTC().Format(time.RFC3339))
	for attempt := 0; attempt < 3; attempt++ {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err == nil {
			_, werr := f.WriteString(me)
			cerr := f.Close()
			if werr != nil || cerr != nil {
				os.Remove(path)
				return nil, fmt.Errorf("locking %s: %w", dir, errors.Join(werr, cerr))
			}
			return &Lock{path}, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("locking %s: %w", dir, err)
		}
		b, rerr := os.ReadFile(path)
		if rerr != nil {
			continue // released meanwhile
		}
		f2 := strings.Fields(string(b))
		if len(f2) >= 2 && f2[1] == hostname() {
			if pid, err := strconv.Atoi(f2[0]); err == nil && !processAlive(pid) {
				os.Remove(path) // stale: its process is gone
				continue
			}
		}
		return nil, fmt.Errorf("%s is being written by another intercept (process %s); wait for it to finish, or write elsewhere with --out (if no such process runs, remove %s)",
			dir, strings.TrimSpace(string(b)), path)
	}
	return nil, fmt.Errorf("locking %s: the lock keeps changing hands", dir)
}

// Unlock releases the lock.
func (l *Lock) Unlock() error {
	if l == nil {
		return nil
	}
	return os.Remove(l.path)
}

func hostname() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "unknown-host"
	}
	return strings.Join(strings.Fields(h), "_")
}

// CleanTemp removes the temporary files a crash can leave in a run
// directory (".NAME.tmp-*", written by WriteFileAtomic) and returns how
// many it removed. Call it only while holding the directory's lock.
func CleanTemp(dir string) (int, error) {
	n := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasPrefix(d.Name(), ".") && strings.Contains(d.Name(), ".tmp-") {
			if err := os.Remove(path); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

func utf8Valid(b []byte) bool { return utf8.Valid(b) }

// processAlive reports whether a process with this id runs on this host
// (signal 0 reaches it, or exists but belongs to another user).
func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	err = p.Signal(syscall.Signal(0))
	return err == nil || errors.Is(err, os.ErrPermission) || errors.Is(err, syscall.EPERM)
}
