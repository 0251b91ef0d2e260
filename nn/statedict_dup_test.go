package nn_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/tensor"
)

// A key given twice is an error, strict or not, and nothing is copied
// (before, the last copy won while StateDict.Get returned the first).
func TestLoadStateDictDuplicateKey(t *testing.T) {
	m := nn.NewLinear(2, 1)
	before := nn.StateDictOf(m).Get("weight").Float64s()
	sd := nn.StateDict{
		{Name: "weight", Tensor: tensor.Ones(1, 2)},
		{Name: "bias", Tensor: tensor.Zeros(1)},
		{Name: "weight", Tensor: tensor.Ones(1, 2).MulScalar(7)},
	}
	for _, strict := range []bool{true, false} {
		err := nn.LoadStateDict(m, sd, strict)
		var le *nn.LoadError
		if !errors.As(err, &le) || len(le.Duplicate) != 1 || !strings.Contains(err.Error(), `Duplicate key(s) in state_dict: "weight".`) {
			t.Errorf("strict=%v: %v", strict, err)
		}
	}
	if got := nn.StateDictOf(m).Get("weight").Float64s(); got[0] != before[0] || got[1] != before[1] {
		t.Errorf("the refused load changed the weight: %v", got)
	}
}
