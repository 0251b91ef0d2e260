package lab

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/parquet-go/parquet-go"
)

// MetricsFile is the name of a run's metrics file: every recorded number of
// every trial, once, as a Parquet table (zstd-compressed) that pandas,
// polars and DuckDB read directly, e.g. pandas.read_parquet("metrics.parquet").
const MetricsFile = "metrics.parquet"

// MetricRow is one row of the metrics file, in long format: a point of a
// series (Kind "series", Step its index from 0) or a scalar (Kind "scalar",
// Step −1). NaN and ±Inf values (diverged runs) are stored as such.
type MetricRow struct {
	Experiment string  `parquet:"experiment,dict"`
	Variant    string  `parquet:"variant,dict"` // the variant's key, e.g. "offset=4,bias=off"
	Seed       uint64  `parquet:"seed"`
	Kind       string  `parquet:"kind,dict"`   // "series" or "scalar"
	Metric     string  `parquet:"metric,dict"` // the series' or scalar's name
	Step       int32   `parquet:"step,delta"`
	Value      float64 `parquet:"value,split"` // stored byte-stream-split, which compresses floats best
}

// encodeMetrics encodes the metrics file of the trials of res: for each
// experiment, variant and seed (in the order of results.json), the series
// in name order, then the scalars in name order.
func encodeMetrics(res *Results) ([]byte, error) {
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[MetricRow](&buf, parquet.Compression(zstdCodec),
		parquet.CreatedBy("intercept", "", ""))
	rows := make([]MetricRow, 0, 4096)
	flush := func() error {
		if _, err := w.Write(rows); err != nil {
			return err
		}
		rows = rows[:0]
		return nil
	}
	for _, r := range res.Experiments {
		for _, v := range r.Variants {
			for _, t := range v.Trials {
				if t.Result == nil {
					continue
				}
				for _, name := range sortedKeys(t.Result.Series) {
					for step, x := range t.Result.Series[name] {
						rows = append(rows, MetricRow{r.Name, v.Key, t.Seed, "series", name, int32(step), x})
					}
				}
				for _, name := range sortedKeys(t.Result.Scalars) {
					rows = append(rows, MetricRow{r.Name, v.Key, t.Seed, "scalar", name, -1, t.Result.Scalars[name]})
				}
				if len(rows) >= 4096 {
					if err := flush(); err != nil {
						return nil, err
					}
				}
			}
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// seriesFile is the name of a trial's series file in a trial directory of a
// run written before trial format 3.
const seriesFile = "series.parquet"

// seriesRow is one point of a trial's series (a trial file, or an older
// run's series.parquet).
type seriesRow struct {
	Series string  `parquet:"series,dict"`
	Step   int32   `parquet:"step,delta"`
	Value  float64 `parquet:"value,split"`
}

// encodeSeries writes a trial's series as Parquet, in name order (the
// rows of a trial file, without its summary).
func encodeSeries(series map[string][]float64) ([]byte, error) { return encodeSeriesMeta(series, "") }

// decodeSeries reads what encodeSeries wrote, checking that each series'
// steps run 0, 1, 2, … in order.
func decodeSeries(path string, b []byte) (series map[string][]float64, err error) {
	defer func() {
		// the Parquet reader is not ours; whatever a damaged file makes it
		// do is an error naming the file, not a crash
		if r := recover(); r != nil {
			series, err = nil, fmt.Errorf("%s: not a series file: %v", path, r)
		}
	}()
	series = map[string][]float64{}
	var bad error // a row out of order
	err = readRows(b, func(r *seriesRow) error {
		s := series[r.Series]
		if int(r.Step) != len(s) {
			bad = fmt.Errorf("%s: series %s: step %d where %d was expected", path, r.Series, r.Step, len(s))
			return bad
		}
		series[r.Series] = append(s, r.Value)
		return nil
	})
	if bad != nil {
		return nil, bad
	}
	if err != nil {
		return nil, fmt.Errorf("%s: not a series file: %w", path, err)
	}
	return series, nil
}

// readRows calls fn with every row of the Parquet file b, reading them in
// chunks.
func readRows[T any](b []byte, fn func(*T) error) error {
	r := parquet.NewGenericReader[T](bytes.NewReader(b))
	defer r.Close()
	buf := make([]T, 1024)
	for {
		n, err := r.Read(buf)
		for i := range buf[:n] {
			if ferr := fn(&buf[i]); ferr != nil {
				return ferr
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// ReadMetrics reads a metrics file written by the lab (see MetricRow).
func ReadMetrics(path string) ([]MetricRow, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	rows, err := parquet.Read[MetricRow](f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("%s: not a metrics file: %w", path, err)
	}
	return rows, nil
}
