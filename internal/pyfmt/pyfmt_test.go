package pyfmt

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/intercept-ml/intercept/internal/golden"
)

func TestFloat(t *testing.T) {
	// Inputs are exact hex literals; expectations were produced by CPython's str(float).
	cases := []struct{ hex, want string }{
		{"0x1.4f8b588e368f1p-17", "1e-05"},
		{"0x1.999999999999ap-4", "0.1"},
		{"0x1.0000000000000p+0", "1.0"},
		{"0x1.e848000000000p+19", "1000000.0"},
		{"0x1.e240000000000p+16", "123456.0"},
		{"0x1.1c37937e08000p+53", "1e+16"},
		{"0x1.1c37937e07fffp+53", "9999999999999998.0"},
		{"0x1.1c37937e08001p+53", "1.0000000000000002e+16"},
		{"0x1.c6bf526340000p+49", "1000000000000000.0"},
		{"0x1.a36e2eb1c432dp-14", "0.0001"},
		{"0x1.a36371ea531a8p-14", "9.999e-05"},
		{"0x1.a36e2eb1c432ep-14", "0.00010000000000000002"},
		{"0x1.a36e2e6b65cccp-14", "9.9999999e-05"},
		{"0x1.421f5f40d8376p-23", "1.5e-07"},
		{"-0x1.421f5f40d8376p-23", "-1.5e-07"},
		{"-0x1.999999999999ap-4", "-0.1"},
		{"-0x1.0000000000000p+0", "-1.0"},
		{"-0x1.4f8b588e368f1p-17", "-1e-05"},
		{"-0x1.1c37937e08000p+53", "-1e+16"},
		{"-0x1.1c37937e07fffp+53", "-9999999999999998.0"},
		{"-0x1.a36e2eb1c432dp-14", "-0.0001"},
		{"-0x1.a36371ea531a8p-14", "-9.999e-05"},
		{"-0x1.edd2f1a9fbe77p+6", "-123.456"},
		{"-0x1.e848000000000p+19", "-1000000.0"},
		{"0x0.0000000000001p-1022", "5e-324"},
		{"0x1.fffffffffffffp+1023", "1.7976931348623157e+308"},
		{"0x1.3333333333334p-2", "0.30000000000000004"},
		{"0x1.4000000000000p+1", "2.5"},
		{"0x1.0f0cf064dd592p+73", "1e+22"},
		{"0x1.249ad2594c37dp+332", "1e+100"},
		{"0x1.a74fe1c1e8908p-997", "1.2345678901234568e-300"},
		{"0x1.c12218377de66p+46", "123456789012345.6"},
		{"0x1.18b54f22aeb03p+50", "1234567890123456.8"},
		{"0x1.5ee2a2eb5a5c4p+53", "1.2345678901234568e+16"},
		{"0x1.999999999999ap-3", "0.2"},
		{"0x1.0000000000000p-1", "0.5"},
		{"0x1.9000000000000p+6", "100.0"},
		{"0x1.0624dd2f1a9fcp-10", "0.001"},
		{"0x1.99999a0000000p-4", "0.10000000149011612"},
		{"0x1.fffffe0000000p+127", "3.4028234663852886e+38"},
		{"0x1.ad7f29abcaf48p-24", "1e-07"},
		{"0x1.47ae147ae147bp-7", "0.01"},
		{"0x1.0000000000000p-149", "1.401298464324817e-45"},
	}
	for _, c := range cases {
		x, err := strconv.ParseFloat(c.hex, 64)
		if err != nil {
			t.Fatalf("parse %s: %v", c.hex, err)
		}
		if got := Float(x); got != c.want {
			t.Errorf("Float(%s) = %q, want %q", c.hex, got, c.want)
		}
	}
	specials := []struct {
		x    float64
		want string
	}{
		{0, "0.0"},
		{math.Copysign(0, -1), "-0.0"},
		{math.NaN(), "nan"},
		{-math.NaN(), "nan"},
		{math.Inf(1), "inf"},
		{math.Inf(-1), "-inf"},
		{1e-05, "1e-05"},
		{0.1, "0.1"},
		{1e16, "1e+16"},
	}
	for _, c := range specials {
		if got := Float(c.x); got != c.want {
			t.Errorf("Float(%v) = %q, want %q", c.x, got, c.want)
		}
	}
}

func TestList(t *testing.T) {
	cases := []struct {
		in   []int
		want string
	}{
		{nil, "[]"},
		{[]int{5}, "[5]"},
		{[]int{3, 3}, "[3, 3]"},
		{[]int{1, -1, 10}, "[1, -1, 10]"},
	}
	for _, c := range cases {
		if got := List(c.in...); got != c.want {
			t.Errorf("List(%v) = %q, want %q", c.in, got, c.want)
		}
		if got, want := TorchSize(c.in...), "torch.Size("+c.want+")"; got != want {
			t.Errorf("TorchSize(%v) = %q, want %q", c.in, got, want)
		}
	}
}

func TestTuple(t *testing.T) {
	cases := []struct {
		in   []int
		want string
	}{
		{nil, "()"},
		{[]int{5}, "(5,)"},
		{[]int{3, 3}, "(3, 3)"},
		{[]int{2, 0}, "(2, 0)"},
		{[]int{1, -1, 10}, "(1, -1, 10)"},
	}
	for _, c := range cases {
		if got := Tuple(c.in...); got != c.want {
			t.Errorf("Tuple(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestBool(t *testing.T) {
	if Bool(true) != "True" || Bool(false) != "False" {
		t.Errorf("Bool: got %q, %q", Bool(true), Bool(false))
	}
}

// TestGoldenReprFloats checks that every float literal in the golden module
// reprs (eps=1e-05, momentum=0.1, max_norm=1.0, ...) round-trips through Float.
func TestGoldenReprFloats(t *testing.T) {
	var g struct {
		Repr []struct {
			Repr string `json:"repr"`
		}
	}
	golden.Section(t, "repr", &g.Repr)
	re := regexp.MustCompile(`=(-?[0-9]+(?:\.[0-9]+)?(?:e[-+][0-9]+)?)[,)]`)
	n := 0
	for _, r := range g.Repr {
		for _, m := range re.FindAllStringSubmatch(r.Repr, -1) {
			lit := m[1]
			if !strings.ContainsAny(lit, ".e") {
				continue // an int
			}
			x, err := strconv.ParseFloat(lit, 64)
			if err != nil {
				t.Fatal(err)
			}
			n++
			if got := Float(x); got != lit {
				t.Errorf("Float(%v) = %q, want %q", x, got, lit)
			}
		}
	}
	if n < 5 {
		t.Errorf("found only %d float literals in golden reprs", n)
	}
}
