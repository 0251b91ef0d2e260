package tboard

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"

	"google.golang.org/protobuf/encoding/protowire"
)

// Event is one decoded event record: the file_version event or a summary
// event holding Values.
type Event struct {
	WallTime    float64
	Step        int64
	FileVersion string
	Values      []Value
}

// Value is one Summary.Value. Exactly one of Scalar (with HasScalar),
// Histogram and Text (with Plugin "text") is set for what Writer writes.
type Value struct {
	Tag       string
	Plugin    string // the metadata's plugin_name, "" if none
	HasScalar bool
	Scalar    float32
	Histogram *Histogram
	Text      []string // a DT_STRING tensor's strings
}

// MaxRecordSize bounds the records Read accepts.
const MaxRecordSize = 1 << 28

// ErrTruncated reports a last record cut short, as a crash leaves it;
// TensorBoard ignores such a record.
var ErrTruncated = errors.New("tboard: truncated last record")

// ReadFile reads the event file at path (see Read).
func ReadFile(path string) ([]Event, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Read(f)
}

// Read decodes every record of an event file, checking both CRCs of each.
// It returns the events decoded before an error; a file ending in the
// middle of a record gives ErrTruncated. Unknown fields are skipped.
func Read(r io.Reader) ([]Event, error) {
	br := bufio.NewReader(r)
	var events []Event
	for n := 0; ; n++ {
		data, err := readRecord(br)
		if err == io.EOF {
			return events, nil
		}
		if err != nil {
			return events, fmt.Errorf("record %d: %w", n, err)
		}
		e, err := decodeEvent(data)
		if err != nil {
			return events, fmt.Errorf("record %d: %w", n, err)
		}
		events = append(events, e)
	}
}

func readRecord(r io.Reader) ([]byte, error) {
	var hdr [12]byte
	if n, err := io.ReadFull(r, hdr[:]); err != nil {
		if n == 0 && err == io.EOF {
			return nil, io.EOF
		}
		return nil, ErrTruncated
	}
	if got, want := binary.LittleEndian.Uint32(hdr[8:]), MaskedCRC(hdr[:8]); got != want {
		return nil, fmt.Errorf("tboard: length CRC %#08x, want %#08x", got, want)
	}
	n := binary.LittleEndian.Uint64(hdr[:8])
	if n > MaxRecordSize {
		return nil, fmt.Errorf("tboard: record of %d bytes, more than %d", n, MaxRecordSize)
	}
	var buf bytes.Buffer
	buf.Grow(int(min(n, 1<<16))) // grows with the data actually present
	if m, err := io.CopyN(&buf, r, int64(n)+4); err != nil || m != int64(n)+4 {
		return nil, ErrTruncated
	}
	b := buf.Bytes()
	data := b[:n]
	if got, want := binary.LittleEndian.Uint32(b[n:]), MaskedCRC(data); got != want {
		return nil, fmt.Errorf("tboard: data CRC %#08x, want %#08x", got, want)
	}
	return data, nil
}

// fields calls fn for every field of the message b.
func fields(b []byte, fn func(num protowire.Number, typ protowire.Type, v []byte) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		m := protowire.ConsumeFieldValue(num, typ, b[n:])
		if m < 0 {
			return protowire.ParseError(m)
		}
		if err := fn(num, typ, b[n:n+m]); err != nil {
			return err
		}
		b = b[n+m:]
	}
	return nil
}

type wireError struct {
	msg string
	num protowire.Number
}

func (e wireError) Error() string {
	return fmt.Sprintf("tboard: %s field %d has the wrong wire type", e.msg, e.num)
}

func want(msg string, num protowire.Number, typ, want protowire.Type) error {
	if typ != want {
		return wireError{msg, num}
	}
	return nil
}

func fixed64(v []byte) float64 {
	x, _ := protowire.ConsumeFixed64(v)
	return math.Float64frombits(x)
}

func bytesOf(v []byte) []byte {
	x, _ := protowire.ConsumeBytes(v)
	return x
}

func decodeEvent(b []byte) (Event, error) {
	var e Event
	err := fields(b, func(num protowire.Number, typ protowire.Type, v []byte) error {
		switch num {
		case eventWallTime:
			if err := want("Event", num, typ, protowire.Fixed64Type); err != nil {
				return err
			}
			e.WallTime = fixed64(v)
		case eventStep:
			if err := want("Event", num, typ, protowire.VarintType); err != nil {
				return err
			}
			x, _ := protowire.ConsumeVarint(v)
			e.Step = int64(x)
		case eventFileVersion:
			if err := want("Event", num, typ, protowire.BytesType); err != nil {
				return err
			}
			e.FileVersion = string(bytesOf(v))
		case eventSummary:
			if err := want("Event", num, typ, protowire.BytesType); err != nil {
				return err
			}
			return fields(bytesOf(v), func(num protowire.Number, typ protowire.Type, v []byte) error {
				if num != summaryValue {
					return nil
				}
				if err := want("Summary", num, typ, protowire.BytesType); err != nil {
					return err
				}
				val, err := decodeValue(bytesOf(v))
				e.Values = append(e.Values, val)
				return err
			})
		}
		return nil
	})
	return e, err
}

func decodeValue(b []byte) (Value, error) {
	var val Value
	err := fields(b, func(num protowire.Number, typ protowire.Type, v []byte) error {
		switch num {
		case valueTag:
			if err := want("Value", num, typ, protowire.BytesType); err != nil {
				return err
			}
			val.Tag = string(bytesOf(v))
		case valueSimpleValue:
			if err := want("Value", num, typ, protowire.Fixed32Type); err != nil {
				return err
			}
			x, _ := protowire.ConsumeFixed32(v)
			val.Scalar, val.HasScalar = math.Float32frombits(x), true
		case valueHisto:
			if err := want("Value", num, typ, protowire.BytesType); err != nil {
				return err
			}
			h, err := decodeHistogram(bytesOf(v))
			val.Histogram = h
			return err
		case valueMetadata:
			if err := want("Value", num, typ, protowire.BytesType); err != nil {
				return err
			}
			return fields(bytesOf(v), func(num protowire.Number, typ protowire.Type, v []byte) error {
				if num != metadataPluginData || typ != protowire.BytesType {
					return nil
				}
				return fields(bytesOf(v), func(num protowire.Number, typ protowire.Type, v []byte) error {
					if num == pluginName && typ == protowire.BytesType {
						val.Plugin = string(bytesOf(v))
					}
					return nil
				})
			})
		case valueTensor:
			if err := want("Value", num, typ, protowire.BytesType); err != nil {
				return err
			}
			return fields(bytesOf(v), func(num protowire.Number, typ protowire.Type, v []byte) error {
				if num == tensorStringVal && typ == protowire.BytesType {
					val.Text = append(val.Text, string(bytesOf(v)))
				}
				return nil
			})
		}
		return nil
	})
	return val, err
}

func decodeHistogram(b []byte) (*Histogram, error) {
	h := &Histogram{}
	err := fields(b, func(num protowire.Number, typ protowire.Type, v []byte) error {
		var dst *float64
		switch num {
		case histoMin:
			dst = &h.Min
		case histoMax:
			dst = &h.Max
		case histoNum:
			dst = &h.Num
		case histoSum:
			dst = &h.Sum
		case histoSumSquares:
			dst = &h.SumSquares
		case histoBucketLimit, histoBucket:
			list := &h.BucketLimit
			if num == histoBucket {
				list = &h.Bucket
			}
			switch typ {
			case protowire.Fixed64Type: // unpacked
				*list = append(*list, fixed64(v))
			case protowire.BytesType: // packed
				p := bytesOf(v)
				if len(p)%8 != 0 {
					return fmt.Errorf("tboard: packed doubles of %d bytes", len(p))
				}
				for ; len(p) > 0; p = p[8:] {
					*list = append(*list, fixed64(p))
				}
			default:
				return wireError{"HistogramProto", num}
			}
			return nil
		default:
			return nil
		}
		if err := want("HistogramProto", num, typ, protowire.Fixed64Type); err != nil {
			return err
		}
		*dst = fixed64(v)
		return nil
	})
	return h, err
}
