// Package atomicfile replaces files atomically and durably, for the files
// the module writes: safetensors files (and so training checkpoints) and
// the lab's results.
package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
)

// Write replaces the file at path with what write writes: write fills a
// temporary file in the same directory, which is then synced to disk,
// renamed over path, and the directory synced, so that path holds either
// its old content or the complete new one, never a partial file, even
// after a crash. (A file system that cannot sync a directory leaves the
// rename to its own schedule; the file is in place either way.) A new file
// gets the permissions perm; an existing file keeps its own, and must be a
// regular file. On error the temporary file is removed and path is left
// as it was.
func Write(path string, perm os.FileMode, write func(w io.Writer) error) (err error) {
	if st, err := os.Stat(path); err == nil {
		if !st.Mode().IsRegular() {
			return errors.New("not a regular file")
		}
		perm = st.Mode().Perm()
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = write(tmp); err != nil {
		return err
	}
	// CreateTemp makes the file private (0600).
	if err = tmp.Chmod(perm); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	if d, derr := os.Open(dir); derr == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// WriteFile replaces the file at path with data, as Write does.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	return Write(path, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}
