package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestConvertFixture(t *testing.T) {
	out := t.TempDir()
	modified := time.Date(2099, 5, 6, 0, 0, 0, 0, time.UTC)
	n, err := convert("testdata/osv", out, modified)
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Errorf("convert wrote %d entries, want 3", n)
	}
	want := map[string]string{
		"index/db.json": `{"modified":"2099-05-06T00:00:00Z"}`,
		"index/modules.json": `[` +
			`{"path":"example.com/a","vulns":[` +
			`{"id":"GO-2099-0002","modified":"2099-03-04T05:06:07Z","fixed":"0.10.0"},` +
			`{"id":"GO-2099-0003","modified":"2099-05-06T00:00:00Z"}]},` +
			`{"path":"example.com/b","vulns":[` +
			`{"id":"GO-2099-0002","modified":"2099-03-04T05:06:07Z"}]},` +
			`{"path":"stdlib","vulns":[` +
			`{"id":"GO-2099-0001","modified":"2099-05-06T00:00:00Z","fixed":"1.27.2"}]}]`,
		"index/vulns.json": `[` +
			`{"id":"GO-2099-0001","modified":"2099-05-06T00:00:00Z","aliases":["CVE-2099-0001"]},` +
			`{"id":"GO-2099-0002","modified":"2099-03-04T05:06:07Z"},` +
			`{"id":"GO-2099-0003","modified":"2099-05-06T00:00:00Z","aliases":["CVE-2099-0003","GHSA-xxxx-yyyy-zzzz"]}]`,
	}
	for name, w := range want {
		b, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != w {
			t.Errorf("%s:\n got %s\nwant %s", name, b, w)
		}
	}
	for _, id := range []string{"GO-2099-0001", "GO-2099-0002", "GO-2099-0003"} {
		src, err := os.ReadFile(filepath.Join("testdata/osv", id+".json"))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(out, "ID", id+".json"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, src) {
			t.Errorf("ID/%s.json differs from its source", id)
		}
	}
}

func TestConvertModifiedDefaultsToNewestEntry(t *testing.T) {
	out := t.TempDir()
	if _, err := convert("testdata/osv", out, time.Time{}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(out, "index/db.json"))
	if err != nil {
		t.Fatal(err)
	}
	if w := `{"modified":"2099-03-04T05:06:07Z"}`; string(b) != w {
		t.Errorf("index/db.json = %s, want %s", b, w)
	}
}

func TestConvertErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := convert(dir, t.TempDir(), time.Now()); err == nil || !strings.Contains(err.Error(), "no OSV entries") {
		t.Errorf("empty directory: err = %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "GO-2099-0009.json"), []byte(`{"id":"GO-2099-0008"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := convert(dir, t.TempDir(), time.Now()); err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Errorf("misnamed entry: err = %v", err)
	}
	zero := t.TempDir()
	if err := os.WriteFile(filepath.Join(zero, "GO-2099-0001.json"), []byte(`{"id":"GO-2099-0001"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := convert(zero, t.TempDir(), time.Time{}); err == nil {
		t.Error("no modification time anywhere: no error")
	}
}

func TestSemverLess(t *testing.T) {
	// Each version is less than the next, as golang.org/x/mod/semver orders them
	// (with the "v" prefix that OSV leaves off).
	order := []string{
		"not-a-version",
		"0.0.0-20200101000000-abcdefabcdef",
		"0.9.0",
		"0.10.0",
		"1.0.0-0",
		"1.0.0-alpha",
		"1.0.0-alpha.1",
		"1.0.0-alpha.beta",
		"1.0.0-beta.2",
		"1.0.0-beta.11",
		"1.0.0-rc.1",
		"1.0.0",
		"1.26.8",
		"1.26.9",
		"1.27.0-0",
		"1.27.0",
		"1.27.2",
		"2",
		"2.1",
		"2.1.1",
	}
	for i, a := range order {
		for j, b := range order {
			if got, want := semverLess(a, b), i < j; got != want {
				t.Errorf("semverLess(%q, %q) = %v, want %v", a, b, got, want)
			}
		}
	}
	for _, bad := range []string{"", "01.2.3", "1.2.3.4", "1.2.3-", "1.2.3-01", "1.2-rc.1", "v1.2.3", "1.2.x"} {
		if semverLess("0.0.1", bad) || !semverLess(bad, "0.0.1") {
			t.Errorf("%q is not ordered as an invalid version", bad)
		}
	}
	if semverLess("1.2.3+build.1", "1.2.3") || semverLess("1.2.3", "1.2.3+build.1") {
		t.Error("build metadata takes part in the order")
	}
}
