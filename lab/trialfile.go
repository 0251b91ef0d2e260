package lab

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"
)

// A finished trial is one file, trials/<exp>/<config hash>/<variant>/seed-<n>.parquet
// (format version 3): its series as Parquet rows (series, step, value; in
// name, then step order), with the trial's summary (scalars, divergence, the
// series' names and lengths and a CRC-32 of their values) as JSON in the
// file's key-value metadata under trialMetaKey. A failed trial leaves
// seed-<n>.error.txt instead. Run directories written before format 3 hold
// a directory seed-<n>/ with summary.json (versions 1 and 2), series.parquet
// and error.txt; they are still read (loadTrial, readTrialError, MergeTrials).
const (
	trialExt     = ".parquet"
	trialErrExt  = ".error.txt"
	trialMetaKey = "intercept.trial"
	// trialFormat is the version of the trial files written now.
	trialFormat = 3
)

// trialPath is the file of the finished trial whose directory (TrialDir,
// under the run directory) is stem.
func trialPath(stem string) string { return stem + trialExt }

// seriesCRC is the CRC-32 (IEEE) of the series' values, as little-endian
// float64 bits, in name then step order.
func seriesCRC(series map[string][]float64) uint32 {
	h := crc32.NewIEEE()
	var b [8]byte
	for _, name := range sortedKeys(series) {
		for _, x := range series[name] {
			binary.LittleEndian.PutUint64(b[:], math.Float64bits(x))
			h.Write(b[:])
		}
	}
	return h.Sum32()
}

// encodeTrial is the content of a trial file (format 3) for res.
func encodeTrial(res *TrialResult) ([]byte, error) {
	crc := seriesCRC(res.Series)
	tf := trialFile{Version: trialFormat, SeriesLength: map[string]int{}, SeriesCRC: &crc}
	for name, s := range res.Series {
		tf.SeriesLength[name] = len(s)
	}
	lean := *res
	lean.Series = nil
	tf.Result = &lean
	meta, err := json.Marshal(tf)
	if err != nil {
		return nil, err
	}
	return encodeSeriesMeta(res.Series, string(meta))
}

// decodeTrialParquet decodes a trial file (format 3) strictly: its summary,
// and its series checked against the summary's lengths and CRC.
func decodeTrialParquet(path string, b []byte) (res *TrialResult, err error) {
	defer func() {
		// the Parquet reader is not ours; whatever a damaged file makes it
		// do is an error naming the file, not a crash
		if r := recover(); r != nil {
			res, err = nil, fmt.Errorf("%s: not a trial file: %v", path, r)
		}
	}()
	f, err := parquet.OpenFile(bytes.NewReader(b), int64(len(b)), parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return nil, fmt.Errorf("%s: not a trial file: %w", path, err)
	}
	meta, ok := f.Lookup(trialMetaKey)
	if !ok {
		return nil, fmt.Errorf("%s: not a trial file: no %s metadata", path, trialMetaKey)
	}
	tf, err := decodeTrialFile(path, []byte(meta))
	if err != nil {
		return nil, err
	}
	if tf.Version != trialFormat {
		return nil, fmt.Errorf("%s: trial format version %d in a trial file, want %d", path, tf.Version, trialFormat)
	}
	series, err := decodeSeries(path, b)
	if err != nil {
		return nil, err
	}
	if err := checkSeries(path, series, tf.SeriesLength); err != nil {
		return nil, err
	}
	if got := seriesCRC(series); got != *tf.SeriesCRC {
		return nil, fmt.Errorf("%s: the series' CRC-32 is %08x, the summary says %08x (a damaged file)", path, got, *tf.SeriesCRC)
	}
	res = tf.Result
	res.Series = series
	return res, nil
}

// checkSeries checks that series has the lengths the trial's summary
// lists, and no other series: a series the summary lists as empty has no
// row, so it is absent.
func checkSeries(path string, series map[string][]float64, lengths map[string]int) error {
	stored := 0 // the series with points: an empty one has no row
	for name, n := range lengths {
		if len(series[name]) != n {
			return fmt.Errorf("%s: series %s has %d points, the summary says %d", path, name, len(series[name]), n)
		}
		if n > 0 {
			stored++
		}
	}
	if len(series) != stored {
		return fmt.Errorf("%s: %d series, the summary lists %d with points", path, len(series), stored)
	}
	return nil
}

// writeTrial stores a finished trial as its trial file (stem.parquet,
// stem being the trial's directory TrialDir under the run directory),
// written to a temporary file and renamed, and removes the error an earlier
// attempt recorded. The file is not synced to disk: what --resume reads is
// checked whole (the Parquet footer, the summary, the series' lengths and
// CRC), so a file that a system crash damaged only makes the trial run
// again. It returns the file's bytes.
func writeTrial(stem string, res *TrialResult) ([]byte, error) {
	b, err := encodeTrial(res)
	if err != nil {
		return nil, fmt.Errorf("encoding %s: %w", trialPath(stem), err)
	}
	if err := os.MkdirAll(filepath.Dir(stem), 0o755); err != nil {
		return nil, err
	}
	if err := writeFileRenamed(trialPath(stem), b); err != nil {
		return nil, err
	}
	os.Remove(stem + trialErrExt)               // an earlier attempt's
	os.Remove(filepath.Join(stem, "error.txt")) // an earlier attempt's, before format 3
	return b, nil
}

// writeTrialError records why a trial failed (stem.error.txt) for
// `intercept status`; a failed trial is not finished, so a resumed run
// tries it again. The record is best effort: the error is in results.json
// either way.
func writeTrialError(stem string, err error) {
	if os.MkdirAll(filepath.Dir(stem), 0o755) == nil {
		writeFileRenamed(stem+trialErrExt, []byte(err.Error()+"\n"))
	}
}

// readTrialError returns the error recorded for the trial whose directory
// is stem (format 3's stem.error.txt, or an older run's stem/error.txt).
func readTrialError(stem string) (string, bool) {
	b, err := os.ReadFile(stem + trialErrExt)
	if err != nil {
		if b, err = os.ReadFile(filepath.Join(stem, "error.txt")); err != nil {
			return "", false
		}
	}
	return strings.TrimSpace(string(b)), true
}

// loadTrial reads the finished trial whose directory is stem: its trial
// file (format 3), or in a run directory written before format 3, its
// summary.json and series.parquet, or else its entry in its experiment's
// trial pack (Compact). Any error means "not finished".
func loadTrial(stem string) (*TrialResult, error) {
	path := trialPath(stem)
	b, err := os.ReadFile(path)
	if err == nil {
		return decodeTrialParquet(path, b)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	res, err := loadTrialDir(stem)
	if errors.Is(err, fs.ErrNotExist) {
		if pres, perr := loadFromPack(stem); !errors.Is(perr, fs.ErrNotExist) {
			return pres, perr
		}
	}
	return res, err
}

// loadTrialDir reads a trial stored before format 3: dir/summary.json
// (version 1 with the series inline, version 2 with their lengths) and
// dir/series.parquet.
func loadTrialDir(dir string) (*TrialResult, error) {
	path := filepath.Join(dir, "summary.json")
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	tf, err := decodeTrialFile(path, b)
	if err != nil {
		return nil, err
	}
	switch tf.Version {
	case 1:
		return tf.Result, nil
	case 2:
	default:
		return nil, fmt.Errorf("%s: trial format version %d in a summary.json, want 1 or 2", path, tf.Version)
	}
	res := tf.Result
	res.Series = map[string][]float64{}
	if len(tf.SeriesLength) == 0 {
		return res, nil
	}
	sp := filepath.Join(dir, seriesFile)
	sb, err := os.ReadFile(sp)
	if err != nil {
		return nil, err
	}
	series, err := decodeSeries(sp, sb)
	if err != nil {
		return nil, err
	}
	if err := checkSeries(sp, series, tf.SeriesLength); err != nil {
		return nil, err
	}
	res.Series = series
	return res, nil
}

// writeFileRenamed writes data to path through a temporary file in the
// same directory (".NAME.tmp-*", which CleanTemp removes), renamed over
// path: readers never see a partial file. Unlike WriteFileAtomic it does
// not sync, for files that are checked when read or can be written again.
func writeFileRenamed(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Chmod(0o644)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// zstdCodec compresses the lab's Parquet files. It is shared: it keeps its
// encoders (whose tables are costly to set up) for reuse.
var zstdCodec = &zstd.Codec{Level: zstd.SpeedFastest, Concurrency: 1}

// encodeSeriesMeta writes series as Parquet rows (series, step, value) in
// name order, with meta (if not empty) as the file's trialMetaKey metadata.
func encodeSeriesMeta(series map[string][]float64, meta string) ([]byte, error) {
	var buf bytes.Buffer
	opts := []parquet.WriterOption{parquet.Compression(zstdCodec),
		parquet.CreatedBy("intercept", "", ""), parquet.PageBufferSize(64 << 10)}
	if meta != "" {
		opts = append(opts, parquet.KeyValueMetadata(trialMetaKey, meta))
	}
	w := parquet.NewGenericWriter[seriesRow](&buf, opts...)
	n := 0
	for _, s := range series {
		n += len(s)
	}
	rows := make([]seriesRow, 0, min(n, 4096))
	for _, name := range sortedKeys(series) {
		for step, x := range series[name] {
			rows = append(rows, seriesRow{name, int32(step), x})
			if len(rows) == cap(rows) {
				if _, err := w.Write(rows); err != nil {
					return nil, err
				}
				rows = rows[:0]
			}
		}
	}
	if _, err := w.Write(rows); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// trialSource names the file that holds the trial whose directory is stem:
// its trial file, or an older run's summary.json.
func trialSource(stem string) string {
	if _, err := os.Stat(trialPath(stem)); err != nil {
		if _, err := os.Stat(filepath.Join(stem, "summary.json")); err == nil {
			return filepath.Join(stem, "summary.json")
		}
		if pack, name := packOf(stem); fileExists(pack) {
			return pack + " (trial " + name + ")"
		}
	}
	return trialPath(stem)
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
