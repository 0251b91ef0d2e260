package nn_test

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestDocExamplesMatchPyTorch checks that the `// Output:` block of every
// document example equals what PyTorch printed for the same program
// (testdata/doc_examples.json, from testdata/gen_doc_examples.py), so the
// expected outputs cannot drift from PyTorch's by hand edits.
func TestDocExamplesMatchPyTorch(t *testing.T) {
	examples := pytorchExamples(t, "testdata/doc_examples.json")
	src, err := os.ReadFile("example_doc_test.go")
	if err != nil {
		t.Fatal(err)
	}
	goName := map[string]string{
		"method1_builtin_layer":        "method1BuiltinLayer",
		"method2_no_bias":              "method2NoBias",
		"method3_constant_bias":        "method3ConstantBias",
		"method4_custom_model":         "method4CustomModel",
		"method5_conv2d":               "method5Conv2d",
		"method6_bias_inits":           "method6BiasInits",
		"method7_with_vs_without_bias": "method7WithVsWithoutBias",
		"init1_zeros":                  "init1Zeros",
		"init2_normal":                 "init2Normal",
		"init3_xavier":                 "init3Xavier",
		"init4_kaiming":                "init4Kaiming",
		"init5_loss_comparison":        "init5LossComparison",
	}
	if len(examples) != len(goName) {
		t.Fatalf("PyTorch produced %d examples, %d are mapped", len(examples), len(goName))
	}
	for py, want := range examples {
		checkOutputBlock(t, src, "Example_"+goName[py], want)
	}
}

// pytorchExamples reads the "examples" map (example name → what PyTorch
// printed) of a JSON file written by one of the testdata/gen_*.py scripts.
func pytorchExamples(t *testing.T, path string) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Examples map[string]string `json:"examples"`
	}
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatal(err)
	}
	return ref.Examples
}

// checkOutputBlock checks that the `// Output:` block of func fn in the Go
// source src equals want, PyTorch's printout of the same program.
func checkOutputBlock(t *testing.T, src []byte, fn, want string) {
	t.Helper()
	re := regexp.MustCompile(`(?s)func ` + fn + `\(\) \{.*?// Output:\n(.*?)\n\}`)
	m := re.FindSubmatch(src)
	if m == nil {
		t.Errorf("no %s with an Output block", fn)
		return
	}
	var lines []string
	for _, l := range strings.Split(string(m[1]), "\n") {
		l = strings.TrimPrefix(strings.TrimLeft(l, "\t"), "//")
		lines = append(lines, strings.TrimPrefix(l, " ")) // go/doc drops one space after //
	}
	if got := strings.Join(lines, "\n"); got != strings.TrimRight(want, "\n") {
		t.Errorf("%s's Output block differs from PyTorch's output:\n got %q\nwant %q", fn, got, want)
	}
}
