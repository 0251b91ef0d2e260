package train_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/intercept-ml/intercept/data"
	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/optim"
	"github.com/intercept-ml/intercept/train"
)

type recLogger struct{ got []string }

func (r *recLogger) Scalar(tag string, step int64, v float64) error {
	r.got = append(r.got, fmt.Sprintf("%d %s", step, tag))
	return nil
}

func (r *recLogger) HistogramValues(tag string, step int64, v []float64) error {
	r.got = append(r.got, fmt.Sprintf("%d %s[%d]", step, tag, len(v)))
	return nil
}

func TestTrainerLog(t *testing.T) {
	trainSet, _ := data.DigitsTrainTest()
	init := seeded(0)
	model := nn.NewSequential(nn.NewLinear(64, 8, nn.WithGenerator(init)), nn.NewReLU(), nn.NewLinear(8, 10, nn.NoBias, nn.WithGenerator(init)))
	opt := optim.NewSGD(nn.Parameters(model), optim.LR(0.1))
	log := &recLogger{}
	tr := &train.Trainer{Model: model, Optimizer: opt, Loader: data.NewLoader(trainSet, 64), Log: log, LogEvery: 3}
	defer tr.Close()
	if err := tr.Run(7); err != nil {
		t.Fatal(err)
	}
	params := []string{"param/0.weight[512]", "param/0.bias[8]", "param/2.weight[80]"}
	var want []string
	for _, p := range params {
		want = append(want, "0 "+p)
	}
	for _, s := range []string{"3", "6"} {
		want = append(want, s+" loss", s+" lr")
		for _, p := range params {
			want = append(want, s+" "+p, s+" grad/"+p[len("param/"):])
		}
	}
	if !slices.Equal(log.got, want) {
		t.Errorf("logged\n%q\nwant\n%q", log.got, want)
	}
	// A second Run does not log step 0 again.
	log.got = nil
	if err := tr.Run(9); err != nil {
		t.Fatal(err)
	}
	if len(log.got) != 2+2*len(params) || log.got[0] != "9 loss" {
		t.Errorf("second run logged %q", log.got)
	}
}
