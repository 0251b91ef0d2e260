// Command vulndb builds a Go vulnerability database that govulncheck reads with
// -db file://DIR, from the golang.org/x/vulndb module as the Go module proxy serves it.
//
//	go run ./internal/tools/vulndb -out DIR golang.org/x/vulndb@VERSION
//	go run ./internal/tools/vulndb -out DIR -osv SRC [-modified RFC3339]
//
// The first form downloads the module with `go mod download` and converts its data/osv
// directory; the second converts a directory of OSV files. The output has the layout of
// https://go.dev/security/vuln/database#api without compression:
//
//	index/db.json       {"modified": T}
//	index/modules.json  [{"path": M, "vulns": [{"id", "modified", "fixed"}]}], sorted
//	index/vulns.json    [{"id", "modified", "aliases"}], sorted
//	ID/<id>.json        each OSV entry, byte for byte as in the source
//
// The module's OSV files carry zero "modified" times (the deployed database fills them
// in from git history, which a module zip does not have). An entry's zero time is
// replaced in the index by the database's time: the module version's commit time, or
// -modified, or else the newest time of any entry.
package main

import (
	"cmp"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

func main() {
	out := flag.String("out", "", "directory to write the database to (required)")
	osvDir := flag.String("osv", "", "convert this directory of OSV files instead of a module")
	modified := flag.String("modified", "", "the database's modification time (RFC 3339)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: vulndb -out DIR golang.org/x/vulndb@VERSION\n"+
			"       vulndb -out DIR -osv SRC [-modified RFC3339]\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *out == "" || (*osvDir == "") == (flag.NArg() != 1) {
		flag.Usage()
		os.Exit(2)
	}
	var t time.Time
	if *modified != "" {
		var err error
		if t, err = time.Parse(time.RFC3339, *modified); err != nil {
			fatal(err)
		}
	}
	src := *osvDir
	if src == "" {
		dir, mt, err := download(flag.Arg(0))
		if err != nil {
			fatal(err)
		}
		src = filepath.Join(dir, "data", "osv")
		if t.IsZero() {
			t = mt
		}
	}
	n, err := convert(src, *out, t)
	if err != nil {
		fatal(err)
	}
	fmt.Printf("vulndb: %d entries from %s written to %s\n", n, src, *out)
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "vulndb:", err)
	os.Exit(1)
}

// download fetches module@version through the module proxy and returns the directory
// it was extracted to and the version's commit time.
func download(modver string) (dir string, t time.Time, err error) {
	cmd := exec.Command("go", "mod", "download", "-json", modver)
	cmd.Stderr = os.Stderr
	b, err := cmd.Output()
	if err != nil {
		return "", t, fmt.Errorf("go mod download %s: %v", modver, err)
	}
	var m struct{ Dir, Info, Error string }
	if err := json.Unmarshal(b, &m); err != nil {
		return "", t, fmt.Errorf("go mod download %s: %v", modver, err)
	}
	if m.Error != "" {
		return "", t, fmt.Errorf("go mod download %s: %s", modver, m.Error)
	}
	b, err = os.ReadFile(m.Info)
	if err != nil {
		return "", t, err
	}
	var info struct{ Time time.Time }
	if err := json.Unmarshal(b, &info); err != nil {
		return "", t, fmt.Errorf("%s: %v", m.Info, err)
	}
	return m.Dir, info.Time, nil
}

// entry is the part of an OSV entry that the index is made of.
type entry struct {
	ID       string    `json:"id"`
	Modified time.Time `json:"modified"`
	Aliases  []string  `json:"aliases"`
	Affected []struct {
		Package struct {
			Name string `json:"name"`
		} `json:"package"`
		Ranges []osvRange `json:"ranges"`
	} `json:"affected"`
}

type osvRange struct {
	Type   string `json:"type"`
	Events []struct {
		Introduced string `json:"introduced"`
		Fixed      string `json:"fixed"`
	} `json:"events"`
}

type moduleVuln struct {
	ID       string    `json:"id"`
	Modified time.Time `json:"modified"`
	Fixed    string    `json:"fixed,omitempty"`
}

type module struct {
	Path  string       `json:"path"`
	Vulns []moduleVuln `json:"vulns"`
}

type vuln struct {
	ID       string    `json:"id"`
	Modified time.Time `json:"modified"`
	Aliases  []string  `json:"aliases,omitempty"`
}

// convert writes the database made of the OSV files src/*.json to out and returns the
// number of entries. A zero modified time of an entry is replaced in the index by
// modified, or, when modified is zero, by the newest time of any entry.
func convert(src, out string, modified time.Time) (int, error) {
	files, err := filepath.Glob(filepath.Join(src, "*.json"))
	if err != nil {
		return 0, err
	}
	if len(files) == 0 {
		return 0, fmt.Errorf("no OSV entries (*.json) in %s", src)
	}
	sort.Strings(files)
	if err := os.MkdirAll(filepath.Join(out, "index"), 0o755); err != nil {
		return 0, err
	}
	if err := os.MkdirAll(filepath.Join(out, "ID"), 0o755); err != nil {
		return 0, err
	}
	entries := make([]entry, 0, len(files))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return 0, err
		}
		var e entry
		if err := json.Unmarshal(b, &e); err != nil {
			return 0, fmt.Errorf("%s: %v", f, err)
		}
		if e.ID == "" || filepath.Base(f) != e.ID+".json" {
			return 0, fmt.Errorf("%s: entry id %q does not match the file name", f, e.ID)
		}
		if err := os.WriteFile(filepath.Join(out, "ID", e.ID+".json"), b, 0o644); err != nil {
			return 0, err
		}
		entries = append(entries, e)
	}
	if modified.IsZero() {
		for _, e := range entries {
			if e.Modified.After(modified) {
				modified = e.Modified
			}
		}
	}
	if modified.IsZero() {
		return 0, errors.New("no modification time: every entry's is zero and none was given")
	}
	modified = modified.UTC()

	modules := map[string]*module{}
	var vulns []vuln
	for _, e := range entries {
		t := e.Modified
		if t.IsZero() {
			t = modified
		}
		vulns = append(vulns, vuln{ID: e.ID, Modified: t, Aliases: e.Aliases})
		for _, a := range e.Affected {
			m := modules[a.Package.Name]
			if m == nil {
				m = &module{Path: a.Package.Name, Vulns: []moduleVuln{}}
				modules[a.Package.Name] = m
			}
			m.Vulns = append(m.Vulns, moduleVuln{ID: e.ID, Modified: t, Fixed: latestFixed(a.Ranges)})
		}
	}
	mods := make([]*module, 0, len(modules))
	for _, m := range modules {
		sort.SliceStable(m.Vulns, func(i, j int) bool { return m.Vulns[i].ID < m.Vulns[j].ID })
		mods = append(mods, m)
	}
	sort.Slice(mods, func(i, j int) bool { return mods[i].Path < mods[j].Path })
	sort.SliceStable(vulns, func(i, j int) bool { return vulns[i].ID < vulns[j].ID })

	for name, v := range map[string]any{
		"db.json": struct {
			Modified time.Time `json:"modified"`
		}{modified},
		"modules.json": mods,
		"vulns.json":   vulns,
	} {
		b, err := json.Marshal(v)
		if err != nil {
			return 0, err
		}
		if err := os.WriteFile(filepath.Join(out, "index", name), b, 0o644); err != nil {
			return 0, err
		}
	}
	return len(entries), nil
}

// latestFixed returns the version from which no SEMVER range in ranges is affected any
// more, or "" if a range is re-introduced after its last fix or has no fix. It is what
// govulncheck's NonSupersededFix and the database's own generator compute.
func latestFixed(ranges []osvRange) string {
	var latest string
	for _, r := range ranges {
		if r.Type != "SEMVER" {
			continue
		}
		for _, e := range r.Events {
			if e.Fixed != "" && semverLess(latest, e.Fixed) {
				latest = e.Fixed
			}
		}
		for _, e := range r.Events {
			if e.Introduced != "" && e.Introduced != "0" && semverLess(latest, e.Introduced) {
				latest = ""
				break
			}
		}
	}
	return latest
}

// semverLess reports whether a < b in semantic-version order, for versions without the
// "v" prefix (OSV's form). As in golang.org/x/mod/semver, an invalid version is less
// than any valid one, and "1" and "1.2" stand for "1.0.0" and "1.2.0".
func semverLess(a, b string) bool {
	pa, oka := parseSemver(a)
	pb, okb := parseSemver(b)
	if !oka || !okb {
		return !oka && okb
	}
	for i := range 3 {
		if c := compareNum(pa.num[i], pb.num[i]); c != 0 {
			return c < 0
		}
	}
	return comparePrerelease(pa.pre, pb.pre) < 0
}

type semver struct {
	num [3]string // major, minor, patch: decimal without leading zeros
	pre string    // prerelease without its '-', "" when none
}

func parseSemver(v string) (semver, bool) {
	var s semver
	if i := strings.IndexByte(v, '+'); i >= 0 {
		v = v[:i]
	}
	short := false
	core := v
	if i := strings.IndexByte(v, '-'); i >= 0 {
		core, s.pre = v[:i], v[i+1:]
		if s.pre == "" {
			return s, false
		}
		for _, id := range strings.Split(s.pre, ".") {
			if id == "" || strings.Trim(id, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-") != "" ||
				(isNum(id) && len(id) > 1 && id[0] == '0') {
				return s, false
			}
		}
	}
	parts := strings.Split(core, ".")
	if len(parts) > 3 {
		return s, false
	}
	if len(parts) < 3 {
		short = true
	}
	s.num = [3]string{"0", "0", "0"}
	for i, p := range parts {
		if !isNum(p) || (len(p) > 1 && p[0] == '0') {
			return s, false
		}
		s.num[i] = p
	}
	if short && s.pre != "" {
		return s, false // x/mod/semver accepts "v1.2" but not "v1.2-pre"
	}
	return s, true
}

func isNum(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// compareNum compares two decimal numbers without leading zeros, of any length.
func compareNum(a, b string) int {
	if len(a) != len(b) {
		return cmp.Compare(len(a), len(b))
	}
	return strings.Compare(a, b)
}

// comparePrerelease orders prereleases as semver 2.0.0 does; "" (a release) is last.
func comparePrerelease(a, b string) int {
	switch {
	case a == b:
		return 0
	case a == "":
		return 1
	case b == "":
		return -1
	}
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) && i < len(bs); i++ {
		x, y := as[i], bs[i]
		if x == y {
			continue
		}
		xn, yn := isNum(x), isNum(y)
		switch {
		case xn && yn:
			return compareNum(x, y)
		case xn:
			return -1
		case yn:
			return 1
		default:
			return strings.Compare(x, y)
		}
	}
	return cmp.Compare(len(as), len(bs))
}
