package lab

import (
	"encoding/json"
	"math"
	"strconv"
)

// JSON cannot hold NaN or ±Inf, which diverged trials produce; the types
// below store them as the strings "NaN", "+Inf" and "-Inf".

// appendJSONFloat appends x as encoding/json writes a float64 (the
// shortest representation that reads back exactly; exponent form below
// 1e-6 and from 1e21), or as "NaN", "+Inf", "-Inf".
func appendJSONFloat(b []byte, x float64) []byte {
	switch {
	case math.IsNaN(x):
		return append(b, `"NaN"`...)
	case math.IsInf(x, 1):
		return append(b, `"+Inf"`...)
	case math.IsInf(x, -1):
		return append(b, `"-Inf"`...)
	}
	abs := math.Abs(x)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, x, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9, as encoding/json does
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// jsonFloats is a []float64 whose JSON form is written in one pass (with
// NaN and ±Inf as strings), without a method call per element.
type jsonFloats []float64

// MarshalJSON encodes the array.
func (xs jsonFloats) MarshalJSON() ([]byte, error) {
	if xs == nil {
		return []byte("null"), nil
	}
	b := make([]byte, 0, 2+len(xs)*20)
	b = append(b, '[')
	for i, x := range xs {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONFloat(b, x)
	}
	return append(b, ']'), nil
}

// UnmarshalJSON decodes what MarshalJSON wrote.
func (xs *jsonFloats) UnmarshalJSON(b []byte) error {
	var fs []jsonFloat
	if err := json.Unmarshal(b, &fs); err != nil {
		return err
	}
	*xs = jsonFloats(fromJSONFloats(fs))
	return nil
}

func fromJSONFloats(xs []jsonFloat) []float64 {
	if xs == nil {
		return nil
	}
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = float64(x)
	}
	return out
}

type trialResultJSON struct {
	Scalars       map[string]jsonFloat  `json:"scalars"`
	Series        map[string]jsonFloats `json:"series,omitempty"`
	Diverged      bool                  `json:"diverged,omitempty"`
	DivergedStep  int                   `json:"diverged_step,omitempty"`
	DivergedValue jsonFloat             `json:"diverged_value,omitempty"`
}

// MarshalJSON encodes the result with NaN/Inf as strings.
func (r TrialResult) MarshalJSON() ([]byte, error) {
	j := trialResultJSON{Scalars: map[string]jsonFloat{}, Series: map[string]jsonFloats{},
		Diverged: r.Diverged, DivergedStep: r.DivergedStep, DivergedValue: jsonFloat(r.DivergedValue)}
	for k, v := range r.Scalars {
		j.Scalars[k] = jsonFloat(v)
	}
	for k, v := range r.Series {
		j.Series[k] = jsonFloats(v)
	}
	return json.Marshal(j)
}

// UnmarshalJSON decodes what MarshalJSON wrote.
func (r *TrialResult) UnmarshalJSON(b []byte) error {
	var j trialResultJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*r = TrialResult{Scalars: map[string]float64{}, Series: map[string][]float64{},
		Diverged: j.Diverged, DivergedStep: j.DivergedStep, DivergedValue: float64(j.DivergedValue)}
	for k, v := range j.Scalars {
		r.Scalars[k] = float64(v)
	}
	for k, v := range j.Series {
		r.Series[k] = []float64(v)
	}
	return nil
}

type summaryJSON struct {
	N         int        `json:"n"`
	Mean      jsonFloat  `json:"mean"`
	Std       jsonFloat  `json:"std"`
	CILow     jsonFloat  `json:"ci95_low"`
	CIHigh    jsonFloat  `json:"ci95_high"`
	Min       jsonFloat  `json:"min"`
	Max       jsonFloat  `json:"max"`
	NonFinite int        `json:"non_finite,omitempty"`
	Values    jsonFloats `json:"values"`
}

// MarshalJSON encodes the summary with NaN/Inf as strings.
func (s Summary) MarshalJSON() ([]byte, error) {
	return json.Marshal(summaryJSON{s.N, jsonFloat(s.Mean), jsonFloat(s.Std), jsonFloat(s.CILow), jsonFloat(s.CIHigh),
		jsonFloat(s.Min), jsonFloat(s.Max), s.NonFinite, jsonFloats(s.Values)})
}

// UnmarshalJSON decodes what MarshalJSON wrote.
func (s *Summary) UnmarshalJSON(b []byte) error {
	var j summaryJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*s = Summary{j.N, float64(j.Mean), float64(j.Std), float64(j.CILow), float64(j.CIHigh), float64(j.Min), float64(j.Max),
		j.NonFinite, []float64(j.Values)}
	return nil
}

type lineJSON struct {
	Label  string     `json:"label"`
	X      jsonFloats `json:"x,omitempty"`
	Y      jsonFloats `json:"y,omitempty"`
	Low    jsonFloats `json:"low,omitempty"`
	High   jsonFloats `json:"high,omitempty"`
	Values jsonFloats `json:"values,omitempty"`
	Dashed bool       `json:"dashed,omitempty"`
	Group  string     `json:"group,omitempty"`
}

// MarshalJSON encodes the line with NaN/Inf as strings.
func (l Line) MarshalJSON() ([]byte, error) {
	return json.Marshal(lineJSON{l.Label, jsonFloats(l.X), jsonFloats(l.Y), jsonFloats(l.Low), jsonFloats(l.High),
		jsonFloats(l.Values), l.Dashed, l.Group})
}

// UnmarshalJSON decodes what MarshalJSON wrote.
func (l *Line) UnmarshalJSON(b []byte) error {
	var j lineJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*l = Line{j.Label, []float64(j.X), []float64(j.Y), []float64(j.Low), []float64(j.High),
		[]float64(j.Values), j.Dashed, j.Group}
	return nil
}
