// Package strictjson decodes JSON that must match a Go type exactly: an
// unknown field, a missing field (one without omitempty), a key given
// twice, invalid UTF-8 or data after the value is an error. It guards the
// files intercept reads back (checkpoint metadata), where a loose decoder
// would turn a flipped bit in a key into a silently zeroed value.
package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"unicode/utf8"
)

// Unmarshal decodes data into v (a pointer) strictly; see the package
// documentation. Fields tagged omitempty (or omitzero) may be absent; every
// other exported field must be present. Embedded structs are flattened as
// encoding/json flattens them.
func Unmarshal(data []byte, v any) error {
	if !utf8.Valid(data) {
		return errors.New("invalid UTF-8")
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return errors.New("strictjson: Unmarshal needs a non-nil pointer")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return err
	}
	if _, err := dec.Token(); err == nil {
		return errors.New("data after the JSON value")
	}
	if err := check(raw, rv.Type().Elem(), "$"); err != nil {
		return err
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.DisallowUnknownFields()
	return d.Decode(v)
}

// object returns the members of a JSON object in order, refusing a key
// given twice. A null gives (nil, true, nil).
func object(raw json.RawMessage, path string) (keys []string, vals []json.RawMessage, null bool, err error) {
	if string(bytes.TrimSpace(raw)) == "null" {
		return nil, nil, true, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	t, err := dec.Token()
	if err != nil {
		return nil, nil, false, err
	}
	if d, ok := t.(json.Delim); !ok || d != '{' {
		return nil, nil, false, fmt.Errorf("%s: want an object", path)
	}
	seen := map[string]bool{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, nil, false, err
		}
		k := t.(string)
		if seen[k] {
			return nil, nil, false, fmt.Errorf("%s: key %q given twice", path, k)
		}
		seen[k] = true
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, nil, false, err
		}
		keys, vals = append(keys, k), append(vals, v)
	}
	return keys, vals, false, nil
}

type field struct {
	typ      reflect.Type
	optional bool
}

// fields lists the JSON members of struct type t.
func fields(t reflect.Type, out map[string]field) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				fields(ft, out)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = field{f.Type, strings.Contains(opts, "omitempty") || strings.Contains(opts, "omitzero")}
	}
}

func check(raw json.RawMessage, t reflect.Type, path string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Implements(reflect.TypeFor[json.Unmarshaler]()) || reflect.PointerTo(t).Implements(reflect.TypeFor[json.Unmarshaler]()) {
		return nil // its own rules
	}
	switch t.Kind() {
	case reflect.Struct:
		keys, vals, null, err := object(raw, path)
		if err != nil || null {
			return err
		}
		want := map[string]field{}
		fields(t, want)
		have := map[string]bool{}
		for i, k := range keys {
			f, ok := want[k]
			if !ok {
				return fmt.Errorf("%s: unknown field %q", path, k)
			}
			have[k] = true
			if err := check(vals[i], f.typ, path+"."+k); err != nil {
				return err
			}
		}
		for k, f := range want {
			if !f.optional && !have[k] {
				return fmt.Errorf("%s: missing field %q", path, k)
			}
		}
	case reflect.Map:
		keys, vals, null, err := object(raw, path)
		if err != nil || null {
			return err
		}
		for i, k := range keys {
			if err := check(vals[i], t.Elem(), path+"."+k); err != nil {
				return err
			}
		}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 && t.Kind() == reflect.Slice {
			return nil // base64
		}
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		for i, it := range items {
			if err := check(it, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	}
	return nil
}
