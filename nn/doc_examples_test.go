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
	raw, err := os.ReadFile("testdata/doc_examples.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Examples map[string]string `json:"examples"`
	}
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatal(err)
	}
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
	if len(ref.Examples) != len(goName) {
		t.Fatalf("PyTorch produced %d examples, %d are mapped", len(ref.Examples), len(goName))
	}
	for py, want := range ref.Examples {
		name := goName[py]
		re := regexp.MustCompile(`(?s)func Example_` + name + `\(\) \{.*?// Output:\n(.*?)\n\}`)
		m := re.FindSubmatch(src)
		if m == nil {
			t.Errorf("no Example_%s with an Output block", name)
			continue
		}
		var lines []string
		for _, l := range strings.Split(string(m[1]), "\n") {
			l = strings.TrimPrefix(strings.TrimLeft(l, "\t"), "//")
			lines = append(lines, strings.TrimPrefix(l, " ")) // go/doc drops one space after //
		}
		got := strings.Join(lines, "\n")
		if got != strings.TrimRight(want, "\n") {
			t.Errorf("Example_%s's Output block differs from PyTorch's output:\n got %q\nwant %q", name, got, want)
		}
	}
}
