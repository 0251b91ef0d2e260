package strictjson

import (
	"strings"
	"testing"
)

type inner struct {
	A float64 `json:"a"`
	B bool    `json:"b,omitempty"`
}

type outer struct {
	inner
	N     int              `json:"n"`
	List  []inner          `json:"list"`
	M     map[string]inner `json:"m"`
	Skip  int              `json:"-"`
	Maybe *inner           `json:"maybe,omitempty"`
}

func TestUnmarshal(t *testing.T) {
	good := `{"a":1,"n":2,"list":[{"a":3}],"m":{"x":{"a":4,"b":true}}}`
	var o outer
	if err := Unmarshal([]byte(good), &o); err != nil || o.A != 1 || o.N != 2 || o.List[0].A != 3 || !o.M["x"].B {
		t.Fatalf("%+v, %v", o, err)
	}
	for _, tc := range []struct{ in, want string }{
		{`{"a":1,"n":2,"list":[],"m":{},"x":1}`, `unknown field "x"`},
		{`{"mr":1,"n":2,"list":[],"m":{}}`, `unknown field "mr"`},
		{`{"n":2,"list":[],"m":{}}`, `missing field "a"`},
		{`{"a":1,"n":2,"list":[{"b":true}],"m":{}}`, `$.list[0]: missing field "a"`},
		{`{"a":1,"n":2,"list":[],"m":{"k":{"a":1,"c":2}}}`, `$.m.k: unknown field "c"`},
		{`{"a":1,"a":2,"n":2,"list":[],"m":{}}`, `key "a" given twice`},
		{`{"a":1,"n":2,"list":[],"m":{}} {}`, "data after"},
		{"{\"a\":1,\"n\":2,\"list\":[],\"m\":{\"\xff\":{\"a\":1}}}", "invalid UTF-8"},
		{`{"a":"x","n":2,"list":[],"m":{}}`, "cannot unmarshal"},
	} {
		var o outer
		if err := Unmarshal([]byte(tc.in), &o); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want %q", tc.in, err, tc.want)
		}
	}
}

func FuzzUnmarshal(f *testing.F) {
	f.Add(`{"a":1,"n":2,"list":[{"a":3}],"m":{"x":{"a":4,"b":true}}}`)
	f.Add(`{"a":1,"a":1}`)
	f.Fuzz(func(t *testing.T, s string) {
		var o outer
		_ = Unmarshal([]byte(s), &o)
	})
}
