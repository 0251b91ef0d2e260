package tboard

import (
	"bytes"
	"testing"
)

// FuzzRead checks that Read never panics or allocates without bound, and
// that what it decodes from a well-formed file re-encodes to the same
// scalars. The seed corpus is in testdata/fuzz/FuzzRead.
func FuzzRead(f *testing.F) {
	f.Add(AppendRecord(nil, fileVersionEvent(1)))
	f.Add(AppendRecord(nil, summaryEvent(2, 3, scalarValue("loss", 0.5))))
	f.Add(AppendRecord(nil, summaryEvent(2, 3, histogramValue("w", NewHistogram([]float64{1, 2, -3})))))
	f.Add(AppendRecord(nil, summaryEvent(2, 3, textValue("t", "hello"))))
	f.Fuzz(func(t *testing.T, b []byte) {
		ev, err := Read(bytes.NewReader(b))
		if err != nil {
			return
		}
		var again []byte
		for _, e := range ev {
			for _, v := range e.Values {
				if v.HasScalar && v.Histogram == nil && v.Text == nil {
					again = AppendRecord(again, summaryEvent(e.WallTime, e.Step, scalarValue(v.Tag, v.Scalar)))
				}
			}
		}
		ev2, err := Read(bytes.NewReader(again))
		if err != nil {
			t.Fatalf("re-encoded scalars do not read: %v", err)
		}
		n := 0
		for _, e := range ev2 {
			n += len(e.Values)
		}
		if len(ev2) != n {
			t.Fatalf("%d events for %d values", len(ev2), n)
		}
	})
}
