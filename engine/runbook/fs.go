package runbook

import (
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// FS is where runbook files are read from. Names are slash-separated.
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
// converted with filepath.FromSlash; absolute names are used as they are,
// relative ones are joined to the DirFS root ("" or "." for the working
// directory).
type DirFS string

func (d DirFS) path(name string) string {
	p := filepath.FromSlash(name)
	if filepath.IsAbs(p) || d == "" {
		return p
	}
	return filepath.Join(string(d), p)
}

// ReadFile reads the named file.
func (d DirFS) ReadFile(name string) ([]byte, error) { return os.ReadFile(d.path(name)) }

// ReadDir lists the named directory.
func (d DirFS) ReadDir(name string) ([]fs.DirEntry, error) { return os.ReadDir(d.path(name)) }

// FromFS adapts an fs.FS (an embed.FS, a fstest.MapFS) to FS. Names are
// cleaned and a leading "/" or "./" is removed, as fs.FS requires.
func FromFS(fsys fs.FS) FS { return ioFS{fsys} }

type ioFS struct{ fsys fs.FS }

func ioName(name string) string {
	return strings.TrimPrefix(path.Clean("/"+name), "/")
}

func (f ioFS) ReadFile(name string) ([]byte, error) {
	n := ioName(name)
	if n == "" {
		n = "."
	}
	return fs.ReadFile(f.fsys, n)
}

func (f ioFS) ReadDir(name string) ([]fs.DirEntry, error) {
	n := ioName(name)
	if n == "" {
		n = "."
	}
	return fs.ReadDir(f.fsys, n)
}
