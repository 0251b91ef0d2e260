// Package numcsv reads numeric CSV files into tensors: every field a number,
// an optional header line, and optionally one column that holds the label
// (target) of each row. Files may be gzip-compressed; compression is detected
// from the first bytes, not the name.
//
// Errors are of type [*Error] and name the file, the line and the column
// (counted from 1, as a spreadsheet would), for example
//
//	numcsv: weather.csv: line 7, column 3 ("pressure"): "n/a" is not a number
package numcsv

import (
	"bufio"
	"compress/gzip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/intercept-ml/intercept/tensor"
)

// Options describe the layout of a file. The zero value reads a file without
// header and without label column, with comma-separated fields.
type Options struct {
	// Header says that the first line names the columns.
	Header bool
	// Label is the column that holds the label, counted from 1; a negative
	// value counts from the end (-1 is the last column); 0 means no label.
	Label int
	// LabelName selects the label column by its header name instead; it
	// requires Header and takes precedence over Label.
	LabelName string
	// LabelType is the type of the labels: tensor.Float32 (the zero value)
	// for regression targets, or tensor.Int64 for class indices, which must
	// then be whole numbers.
	LabelType tensor.DType
	// Comma is the field separator; 0 means ','.
	Comma rune
}

// Table is the content of a numeric CSV file.
type Table struct {
	// Header holds the column names (nil without header), label included.
	Header []string
	// Features names the columns of X (nil without header).
	Features []string
	// X holds the feature columns as float32, shape (rows, features).
	X *tensor.Tensor
	// Y holds the label column, shape (rows,), of Options.LabelType; nil
	// without label.
	Y *tensor.Tensor
}

// Error reports a problem in a CSV file. Line and Column count from 1 and
// are 0 when they do not apply.
type Error struct {
	File       string // the name given to Read, or the path given to ReadFile
	Line       int    // line of the file, from 1
	Column     int    // field of the row, from 1
	ColumnName string // the column's header name, if known
	Problem    string // what is wrong
}

// Error returns "numcsv: FILE: line L, column C ("NAME"): PROBLEM", leaving
// out the parts that are not known.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("numcsv: ")
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteString(": ")
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d", e.Line)
		if e.Column > 0 {
			fmt.Fprintf(&b, ", column %d", e.Column)
			if e.ColumnName != "" {
				fmt.Fprintf(&b, " (%q)", e.ColumnName)
			}
		}
		b.WriteString(": ")
	}
	b.WriteString(e.Problem)
	return b.String()
}

// ReadFile reads the CSV file at path (gzip-compressed or not).
func ReadFile(path string, opt Options) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Read(f, path, opt)
}

// Read reads a CSV file from r (gzip-compressed or not); name is used in
// error messages and may be empty.
func Read(r io.Reader, name string, opt Options) (*Table, error) {
	p := &parser{name: name, opt: opt}
	t, err := p.read(r)
	if err != nil {
		return nil, err
	}
	return t, nil
}

type parser struct {
	name   string
	opt    Options
	header []string
}

func (p *parser) errAt(line, col int, format string, args ...any) *Error {
	e := &Error{File: p.name, Line: line, Column: col, Problem: fmt.Sprintf(format, args...)}
	if col > 0 && col <= len(p.header) {
		e.ColumnName = p.header[col-1]
	}
	return e
}

func (p *parser) read(r io.Reader) (*Table, error) {
	br := bufio.NewReader(r)
	if m, _ := br.Peek(2); len(m) == 2 && m[0] == 0x1f && m[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, p.errAt(0, 0, "bad gzip stream: %v", err)
		}
		defer zr.Close()
		r = zr
	} else {
		r = br
	}
	// A UTF-8 byte-order mark (as Excel and Windows tools write) is not
	// part of the first field.
	bomr := bufio.NewReader(r)
	if m, _ := bomr.Peek(3); len(m) == 3 && m[0] == 0xef && m[1] == 0xbb && m[2] == 0xbf {
		bomr.Discard(3)
	}
	cr := csv.NewReader(bomr)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	if p.opt.Comma != 0 {
		cr.Comma = p.opt.Comma
	}
	if p.opt.LabelType != tensor.Float32 && p.opt.LabelType != tensor.Int64 {
		return nil, p.errAt(0, 0, "label type %v is not float32 or int64", p.opt.LabelType)
	}
	if p.opt.LabelName != "" && !p.opt.Header {
		return nil, p.errAt(0, 0, "LabelName %q needs a header line", p.opt.LabelName)
	}

	var (
		ncol    = -1
		label   = -1 // 0-based label column, -1 for none
		xs      []float32
		ys32    []float32
		ys64    []int64
		rows    int
		lineOne = 0
	)
	setLayout := func(line, n int) error {
		ncol = n
		lineOne = line
		if p.opt.LabelName != "" {
			for i, h := range p.header {
				if strings.TrimSpace(h) == p.opt.LabelName {
					label = i
				}
			}
			if label < 0 {
				return p.errAt(line, 0, "no column named %q in the header %q", p.opt.LabelName, p.header)
			}
		} else if p.opt.Label != 0 {
			label = p.opt.Label - 1
			if p.opt.Label < 0 {
				label = n + p.opt.Label
			}
			if label < 0 || label >= n {
				return p.errAt(line, 0, "label column %d does not exist: the rows have %d columns", p.opt.Label, n)
			}
		}
		return nil
	}
	first := true
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, p.errAt(pe.Line, 0, "%v (byte %d of the line)", pe.Err, pe.Column)
			}
			return nil, p.errAt(0, 0, "%v", err)
		}
		line, _ := cr.FieldPos(0)
		if first && p.opt.Header {
			first = false
			p.header = append([]string(nil), rec...)
			if err := setLayout(line, len(rec)); err != nil {
				return nil, err
			}
			continue
		}
		first = false
		if ncol < 0 {
			if err := setLayout(line, len(rec)); err != nil {
				return nil, err
			}
		}
		if len(rec) != ncol {
			col := len(rec) + 1
			if len(rec) > ncol {
				col = ncol + 1
			}
			return nil, p.errAt(line, col, "the row has %d fields, but line %d has %d", len(rec), lineOne, ncol)
		}
		for i, field := range rec {
			s := strings.TrimSpace(field)
			if i == label && p.opt.LabelType == tensor.Int64 {
				v, err := parseLabel(s)
				if err != nil {
					l, _ := cr.FieldPos(i)
					return nil, p.errAt(l, i+1, "%v", err)
				}
				ys64 = append(ys64, v)
				continue
			}
			v, err := parseNumber(s)
			if err != nil {
				l, _ := cr.FieldPos(i)
				return nil, p.errAt(l, i+1, "%v", err)
			}
			if i == label {
				ys32 = append(ys32, v)
			} else {
				xs = append(xs, v)
			}
		}
		rows++
	}
	if rows == 0 {
		return nil, p.errAt(0, 0, "no data rows")
	}
	nx := ncol
	if label >= 0 {
		nx--
	}
	t := &Table{Header: p.header, X: tensor.FromFloat32(xs, rows, nx)}
	if p.header != nil {
		for i, h := range p.header {
			if i != label {
				t.Features = append(t.Features, h)
			}
		}
	}
	if label >= 0 {
		if p.opt.LabelType == tensor.Int64 {
			t.Y = tensor.FromInt64(ys64, rows)
		} else {
			t.Y = tensor.FromFloat32(ys32, rows)
		}
	}
	return t, nil
}

func parseNumber(s string) (float32, error) {
	if s == "" {
		return 0, errors.New("empty field, want a number")
	}
	v, err := strconv.ParseFloat(s, 32)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && errors.Is(ne.Err, strconv.ErrRange) {
			return 0, fmt.Errorf("%q is out of the range of float32", s)
		}
		return 0, fmt.Errorf("%q is not a number", s)
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%q is not a finite number", s)
	}
	return float32(v), nil
}

func parseLabel(s string) (int64, error) {
	if s == "" {
		return 0, errors.New("empty field, want a class label")
	}
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		return v, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v != math.Trunc(v) || math.Abs(v) > 1<<53 {
		return 0, fmt.Errorf("%q is not a whole number, as a class label must be", s)
	}
	return int64(v), nil
}
