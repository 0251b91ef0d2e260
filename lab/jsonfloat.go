package lab

import "encoding/json"

// JSON cannot hold NaN or ±Inf, which diverged trials produce; the types
// below store them as the strings "NaN", "+Inf" and "-Inf".

func toJSONFloats(xs []float64) []jsonFloat {
	if xs == nil {
		return nil
	}
	out := make([]jsonFloat, len(xs))
	for i, x := range xs {
		out[i] = jsonFloat(x)
	}
	return out
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
	Scalars       map[string]jsonFloat   `json:"scalars"`
	Series        map[string][]jsonFloat `json:"series,omitempty"`
	Diverged      bool                   `json:"diverged,omitempty"`
	DivergedStep  int                    `json:"diverged_step,omitempty"`
	DivergedValue jsonFloat              `json:"diverged_value,omitempty"`
}

// MarshalJSON encodes the result with NaN/Inf as strings.
func (r TrialResult) MarshalJSON() ([]byte, error) {
	j := trialResultJSON{Scalars: map[string]jsonFloat{}, Series: map[string][]jsonFloat{},
		Diverged: r.Diverged, DivergedStep: r.DivergedStep, DivergedValue: jsonFloat(r.DivergedValue)}
	for k, v := range r.Scalars {
		j.Scalars[k] = jsonFloat(v)
	}
	for k, v := range r.Series {
		j.Series[k] = toJSONFloats(v)
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
		r.Series[k] = fromJSONFloats(v)
	}
	return nil
}

type summaryJSON struct {
	N         int         `json:"n"`
	Mean      jsonFloat   `json:"mean"`
	Std       jsonFloat   `json:"std"`
	CILow     jsonFloat   `json:"ci95_low"`
	CIHigh    jsonFloat   `json:"ci95_high"`
	Min       jsonFloat   `json:"min"`
	Max       jsonFloat   `json:"max"`
	NonFinite int         `json:"non_finite,omitempty"`
	Values    []jsonFloat `json:"values"`
}

// MarshalJSON encodes the summary with NaN/Inf as strings.
func (s Summary) MarshalJSON() ([]byte, error) {
	return json.Marshal(summaryJSON{s.N, jsonFloat(s.Mean), jsonFloat(s.Std), jsonFloat(s.CILow), jsonFloat(s.CIHigh),
		jsonFloat(s.Min), jsonFloat(s.Max), s.NonFinite, toJSONFloats(s.Values)})
}

// UnmarshalJSON decodes what MarshalJSON wrote.
func (s *Summary) UnmarshalJSON(b []byte) error {
	var j summaryJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*s = Summary{j.N, float64(j.Mean), float64(j.Std), float64(j.CILow), float64(j.CIHigh), float64(j.Min), float64(j.Max),
		j.NonFinite, fromJSONFloats(j.Values)}
	return nil
}

type lineJSON struct {
	Label  string      `json:"label"`
	X      []jsonFloat `json:"x,omitempty"`
	Y      []jsonFloat `json:"y,omitempty"`
	Low    []jsonFloat `json:"low,omitempty"`
	High   []jsonFloat `json:"high,omitempty"`
	Values []jsonFloat `json:"values,omitempty"`
	Dashed bool        `json:"dashed,omitempty"`
	Group  string      `json:"group,omitempty"`
}

// MarshalJSON encodes the line with NaN/Inf as strings.
func (l Line) MarshalJSON() ([]byte, error) {
	return json.Marshal(lineJSON{l.Label, toJSONFloats(l.X), toJSONFloats(l.Y), toJSONFloats(l.Low), toJSONFloats(l.High),
		toJSONFloats(l.Values), l.Dashed, l.Group})
}

// UnmarshalJSON decodes what MarshalJSON wrote.
func (l *Line) UnmarshalJSON(b []byte) error {
	var j lineJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*l = Line{j.Label, fromJSONFloats(j.X), fromJSONFloats(j.Y), fromJSONFloats(j.Low), fromJSONFloats(j.High),
		fromJSONFloats(j.Values), j.Dashed, j.Group}
	return nil
}
