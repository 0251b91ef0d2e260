package numcsv_test

import (
	"fmt"
	"strings"

	"github.com/intercept-ml/intercept/data/numcsv"
	"github.com/intercept-ml/intercept/tensor"
)

func ExampleRead() {
	const text = `humidity,pressure,rain
0.81,-0.4,1
0.40,0.6,0
`
	t, err := numcsv.Read(strings.NewReader(text), "weather.csv",
		numcsv.Options{Header: true, LabelName: "rain", LabelType: tensor.Int64})
	if err != nil {
		panic(err)
	}
	fmt.Println(t.Features)
	fmt.Println(t.X)
	fmt.Println(t.Y)

	_, err = numcsv.Read(strings.NewReader(text+"0.5,n/a,1\n"), "weather.csv", numcsv.Options{Header: true, Label: -1})
	fmt.Println(err)
	// Output:
	// [humidity pressure]
	// tensor([[ 0.8100, -0.4000],
	//         [ 0.4000,  0.6000]])
	// tensor([1, 0])
	// numcsv: weather.csv: line 4, column 2 ("pressure"): "n/a" is not a number
}
