package main

import (
	"bytes"
	"strings"
	"testing"
)

func run(args ...string) (string, string, error) {
	var out, errb bytes.Buffer
	root := newRootCmd(&out, &errb)
	root.SetArgs(args)
	err := root.Execute()
	return out.String(), errb.String(), err
}

func TestLabRuns(t *testing.T) {
	out, _, err := run("lab")
	if err != nil || !strings.Contains(out, "intercept lab") {
		t.Fatalf("lab: %v, %q", err, out)
	}
}

func TestUnknownCommandFails(t *testing.T) {
	if _, _, err := run("no-such-command"); err == nil {
		t.Fatal("unknown command accepted")
	}
	if _, _, err := run("lab", "extra"); err == nil {
		t.Fatal("lab accepted an argument")
	}
}

func TestVersion(t *testing.T) {
	out, _, err := run("version")
	if err != nil || !strings.HasPrefix(out, "intercept ") {
		t.Fatalf("version: %v %q", err, out)
	}
}
