package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/intercept-ml/intercept/lab/experiments"
)

// FuzzInspect feeds arbitrary files to `intercept inspect`: it reports an
// error or statistics, and --json always gives valid JSON.
func FuzzInspect(f *testing.F) {
	for _, p := range []string{"../../safetensors/testdata/dtypes.safetensors", "../../safetensors/testdata/convnet.safetensors", "testdata/inspect/lstm.safetensors"} {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) {
		path := filepath.Join(dir, "f.safetensors")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		stats, err := inspectFile(path)
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := printStats(&out, stats, true); err != nil {
			t.Fatalf("--json: %v", err)
		}
		if !json.Valid(out.Bytes()) {
			t.Fatalf("--json gave invalid JSON: %s", out.Bytes())
		}
		out.Reset()
		if err := printStats(&out, stats, false); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzParseSet feeds arbitrary --set values (split at commas as cobra
// does) to the parser and to every experiment's Resolve: a value is
// refused or within its declared range, and nothing panics.
func FuzzParseSet(f *testing.F) {
	for _, s := range []string{"steps=10", "offsets=0,1,2,steps=100", "lr=NaN", "hidden=0", "a;b=c", ",=,", "steps=1e6", "lr=1e-9"} {
		f.Add(s)
	}
	reg := experiments.Registry()
	f.Fuzz(func(t *testing.T, s string) {
		over, err := parseSet(strings.Split(s, ","))
		if err != nil {
			return
		}
		for _, e := range reg.All() {
			cfg, err := e.Resolve(false, over, "")
			if err != nil {
				continue
			}
			for _, p := range e.Params {
				switch p.Kind.String() {
				case "int":
					if v := float64(cfg.Int(p.Name)); v < p.Min || v > p.Max {
						t.Fatalf("%s: %s=%v accepted outside [%v, %v]", e.Name, p.Name, v, p.Min, p.Max)
					}
				case "float":
					if v := cfg.Float(p.Name); !(v >= p.Min && v <= p.Max) {
						t.Fatalf("%s: %s=%v accepted outside [%v, %v]", e.Name, p.Name, v, p.Min, p.Max)
					}
				case "list of floats":
					for _, v := range cfg.Floats(p.Name) {
						if !(v >= p.Min && v <= p.Max) {
							t.Fatalf("%s: %s has %v, outside [%v, %v]", e.Name, p.Name, v, p.Min, p.Max)
						}
					}
				}
			}
		}
	})
}

// FuzzParseShard feeds arbitrary --shard values and environments to the
// parser: it refuses or gives 0 <= i < n.
func FuzzParseShard(f *testing.F) {
	for _, s := range []string{"0/4", "env/8", "3/3", "-1/2", "1/0", "x/y", "1/99999999999999999999"} {
		f.Add(s, "5")
	}
	f.Fuzz(func(t *testing.T, s, env string) {
		i, n, err := parseShard(s, func(string) string { return env })
		if err == nil && (n < 1 || i < 0 || i >= n) {
			t.Fatalf("%q (env %q) gave shard %d of %d", s, env, i, n)
		}
	})
}
