package runbook

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/batonhq/baton/internal/inputfile"
)

// FS is where runbook files are read from. Names are slash-separated.
// Whatever an FS returns, Load refuses more than inputfile.RunbookLimit
// bytes and what is not text; DirFS and FromFS also refuse, without
// reading them, what is not a regular file (a device, a FIFO).
type FS interface {
	ReadFile(name string) ([]byte, error)
}

// DirReader is implemented by file systems that can list a directory, so
// that Load can read every *.hcl file of a runbook directory. DirFS and
// FromFS implement it.
type DirReader interface {
	ReadDir(name string) ([]fs.DirEntry, error)
}

// DirFS reads the operating system's files. Names are slash-separated,
// converted with filepath.FromSlash; absolute names (and, on Windows, names
// with a drive, like C:x.hcl) are used as they are, a rooted name (\x.hcl)
// is on the root's volume, other names are joined to the DirFS root ("" or
// "." for the working directory).
type DirFS string

func (d DirFS) path(name string) string {
	p := filepath.FromSlash(name)
	switch {
	case d == "" || filepath.IsAbs(p) || filepath.VolumeName(p) != "":
		return p
	case p != "" && os.IsPathSeparator(p[0]):
		return filepath.VolumeName(string(d)) + p
	}
	return filepath.Join(string(d), p)
}

// Abs returns the absolute, slash-separated form of a name.
func (d DirFS) Abs(name string) (string, error) {
	p, err := filepath.Abs(d.path(name))
	return filepath.ToSlash(p), err
}

// ReadFile reads the named file with inputfile.Read: a regular file of
// text, of at most inputfile.RunbookLimit bytes.
func (d DirFS) ReadFile(name string) ([]byte, error) {
	return inputfile.Read(d.path(name), inputfile.RunbookLimit, "runbook file")
}

// ReadDir lists the named directory. What is not a directory is not opened
// (opening a FIFO blocks).
func (d DirFS) ReadDir(name string) ([]fs.DirEntry, error) {
	p := d.path(name)
	st, err := os.Stat(p)
	if err = dirOnly(p, st, err); err != nil {
		return nil, err
	}
	return os.ReadDir(p)
}

var errNotDir = errors.New("not a directory")

// dirOnly is the error of a stat of p that found something other than a
// directory, or err.
func dirOnly(p string, st fs.FileInfo, err error) error {
	if err == nil && !st.IsDir() {
		return &fs.PathError{Op: "readdir", Path: p, Err: errNotDir}
	}
	return err
}

// FromFS adapts an fs.FS (an embed.FS, a fstest.MapFS) to FS. Names are
// cleaned and a leading "/" or "./" is removed, as fs.FS requires.
func FromFS(fsys fs.FS) FS { return ioFS{fsys} }

type ioFS struct{ fsys fs.FS }

// ioName is name as fs.FS names it: "." for the root.
func ioName(name string) string {
	if n := strings.TrimPrefix(path.Clean("/"+name), "/"); n != "" {
		return n
	}
	return "."
}

func (f ioFS) ReadFile(name string) ([]byte, error) {
	return inputfile.ReadFS(f.fsys, ioName(name), inputfile.RunbookLimit, "runbook file")
}

func (f ioFS) ReadDir(name string) ([]fs.DirEntry, error) {
	n := ioName(name)
	st, err := fs.Stat(f.fsys, n)
	if err = dirOnly(n, st, err); err != nil {
		return nil, err
	}
	return fs.ReadDir(f.fsys, n)
}
