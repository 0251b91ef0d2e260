package tboard

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Writer appends events to one event file. Its methods are safe for
// concurrent use. After the first error (a full disk) every method returns
// that error.
type Writer struct {
	mu   sync.Mutex
	f    *os.File
	path string
	buf  []byte
	err  error
	// Now gives the events' wall time; nil means time.Now. Set it before
	// the first event to make files reproducible.
	now func() time.Time
}

// Option configures NewWriter.
type Option func(*Writer)

// WithClock makes the writer stamp events with now() instead of the
// current time (for reproducible files in tests).
func WithClock(now func() time.Time) Option { return func(w *Writer) { w.now = now } }

// NewWriter creates dir if need be and a new event file in it,
// events.out.tfevents.<unix seconds>.<host>, with ".1", ".2"... appended
// when that name exists, and writes the file_version event.
func NewWriter(dir string, opts ...Option) (*Writer, error) {
	w := &Writer{now: time.Now}
	for _, o := range opts {
		o(w)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("tboard: %w", err)
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "localhost"
	}
	host = strings.ReplaceAll(host, string(filepath.Separator), "_")
	now := w.now()
	base := filepath.Join(dir, fmt.Sprintf("events.out.tfevents.%010d.%s", now.Unix(), host))
	name := base
	for i := 1; ; i++ {
		w.f, err = os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o644)
		if !errors.Is(err, os.ErrExist) {
			break
		}
		name = fmt.Sprintf("%s.%d", base, i)
	}
	if err != nil {
		return nil, fmt.Errorf("tboard: %w", err)
	}
	w.path = name
	if err := w.write(fileVersionEvent(wallTime(now))); err != nil {
		w.f.Close()
		return nil, err
	}
	return w, nil
}

// Path returns the event file's path.
func (w *Writer) Path() string { return w.path }

func wallTime(t time.Time) float64 { return float64(t.Unix()) + float64(t.Nanosecond())/1e9 }

// write frames event as a record and writes it with one write call.
func (w *Writer) write(event []byte) error {
	if w.err != nil {
		return w.err
	}
	if w.f == nil {
		return errors.New("tboard: write to a closed Writer")
	}
	w.buf = AppendRecord(w.buf[:0], event)
	if _, err := w.f.Write(w.buf); err != nil {
		w.err = fmt.Errorf("tboard: %w", err)
	}
	return w.err
}

func (w *Writer) add(step int64, value []byte) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.write(summaryEvent(wallTime(w.now()), step, value))
}

// Scalar adds a scalar value (stored as float32, as TensorBoard's
// simple_value is).
func (w *Writer) Scalar(tag string, step int64, v float64) error {
	return w.add(step, scalarValue(tag, float32(v)))
}

// Histogram adds a histogram, made with NewHistogram.
func (w *Writer) Histogram(tag string, step int64, h *Histogram) error {
	return w.add(step, histogramValue(tag, h))
}

// Text adds a text, which TensorBoard renders as Markdown.
func (w *Writer) Text(tag string, step int64, text string) error {
	return w.add(step, textValue(tag, text))
}

// Flush commits the events written so far to stable storage (fsync).
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil || w.f == nil {
		return w.err
	}
	if err := w.f.Sync(); err != nil {
		w.err = fmt.Errorf("tboard: %w", err)
	}
	return w.err
}

// Close flushes and closes the file. Closing twice is a no-op.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return w.err
	}
	err := w.f.Sync()
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	w.f = nil
	if err != nil && w.err == nil {
		w.err = fmt.Errorf("tboard: %w", err)
	}
	return w.err
}

// HistogramValues adds the histogram of values (NewHistogram). With Scalar
// it makes a Writer a train.Logger.
func (w *Writer) HistogramValues(tag string, step int64, values []float64) error {
	return w.Histogram(tag, step, NewHistogram(values))
}
