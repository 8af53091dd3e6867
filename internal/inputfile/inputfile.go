// Package inputfile reads the files a user names to baton (runbooks,
// variable files, approvals, fixtures, plans) so that a mistaken or hostile
// path costs a clear error, never the machine: only regular files are read
// (a device, FIFO, socket or directory is refused by name, and a FIFO is
// never opened for reading), at most a documented number of bytes, and only
// text (UTF-8 without NUL bytes).
package inputfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"unicode/utf8"
)

// Size limits, by kind of file. They are far above any real file of the
// kind and low enough that reading and parsing a file at the limit cannot
// exhaust a shared host.
const (
	// RunbookLimit bounds a runbook file and each file it includes: the
	// largest runbook baton ships is 33 KB, a generated 10,000-step one
	// 1.8 MiB. Loading a file near the limit takes about a second and
	// allocates 0.6 GB (1.2 GB when a syntax error has it parsed in one go).
	RunbookLimit = 4 << 20
	// VarFileLimit bounds a -var-file (HCL or JSON).
	VarFileLimit = 1 << 20
	// ApprovalsLimit bounds a rehearsal's --approvals answers file (JSON).
	ApprovalsLimit = 1 << 20
	// FixtureLimit bounds a rehearsal fixture file (the simulator's own
	// limit, steps/configmgr/sim maxFixtureSize).
	FixtureLimit = 1 << 20
	// PlanLimit bounds a saved plan file (JSON): a plan is about the size
	// of its runbook, plus the approvals recorded on it.
	PlanLimit = 64 << 20
	// DecisionLimit bounds a signed decision (approve --import) and an
	// allowed-signers file.
	DecisionLimit = 1 << 20
)

// Errors that Read, ReadFS and Check wrap; test them with errors.Is.
var (
	ErrNoPath     = errors.New("no file given")
	ErrNotRegular = errors.New("not a regular file")
	// ErrIsDir is the ErrNotRegular of a directory.
	ErrIsDir    = fmt.Errorf("%w", ErrNotRegular)
	ErrTooLarge = errors.New("file too large")
	ErrNotText  = errors.New("not a text file")
)

// Refused reports whether err is one of this package's refusals (no path,
// not a regular file, too large, not text), whose text names the file.
func Refused(err error) bool {
	return errors.Is(err, ErrNoPath) || errors.Is(err, ErrNotRegular) || errors.Is(err, ErrTooLarge) || errors.Is(err, ErrNotText)
}

// Read reads the file at path, a what ("runbook file", "variables file"),
// refusing an empty path, anything but a regular file, more than limit
// bytes, and a file that is not text. Errors from the operating system
// (a missing file, a denied permission) are returned as they are, as
// *fs.PathError.
func Read(path string, limit int64, what string) ([]byte, error) {
	if path == "" {
		return nil, noPath(what)
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if err := checkInfo(path, st, limit, what); err != nil {
		return nil, err
	}
	f, err := openNoBlock(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readOpen(f, path, limit, what)
}

// Peek reads the first n bytes (fewer if the file is shorter) of the
// regular file at path, to tell what kind of file it is; what is not a
// regular file is refused as Read refuses it, unopened.
func Peek(path string, n int, what string) ([]byte, error) {
	if path == "" {
		return nil, noPath(what)
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if err := checkInfo(path, st, st.Size(), what); err != nil {
		return nil, err
	}
	f, err := openNoBlock(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err = f.Stat(); err != nil {
		return nil, err
	}
	if err := checkInfo(path, st, st.Size(), what); err != nil {
		return nil, err
	}
	return readUpTo(f, int64(n), int64(n))
}

// ReadFS is Read from a file system (an embed.FS, os.DirFS, fstest.MapFS).
// The file is stat'ed before it is opened, so that a FIFO is refused
// without being opened; fs.FS has no non-blocking open, so a file swapped
// for a FIFO between the two could still block.
func ReadFS(fsys fs.FS, name string, limit int64, what string) ([]byte, error) {
	if name == "" {
		return nil, noPath(what)
	}
	st, err := fs.Stat(fsys, name)
	if err != nil {
		return nil, err
	}
	if err := checkInfo(name, st, limit, what); err != nil {
		return nil, err
	}
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readOpen(f, name, limit, what)
}

// readOpen re-checks an opened file (it may have been swapped since it was
// stat'ed) and reads at most limit+1 bytes of it.
func readOpen(f fs.File, name string, limit int64, what string) ([]byte, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if err := checkInfo(name, st, limit, what); err != nil {
		return nil, err
	}
	b, err := readUpTo(f, limit+1, st.Size()+1) // +1: a file that grew shows as too large
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	if err := Check(b, limit, name, what); err != nil {
		return nil, err
	}
	return b, nil
}

// readUpTo reads r to its end or to n bytes, whichever comes first,
// starting with a buffer of hint bytes (the size the file says it has).
func readUpTo(r io.Reader, n, hint int64) ([]byte, error) {
	b := make([]byte, 0, min(max(hint, 512), n))
	for int64(len(b)) < n {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)] // let append grow it
			b = b[:len(b):min(int64(cap(b)), n)]
		}
		m, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+m]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	return b, nil
}

func noPath(what string) error {
	return fmt.Errorf("%w: the path of the %s is empty (an unset variable?); name the file", ErrNoPath, what)
}

// checkInfo refuses what is not a regular file, or is over the limit.
func checkInfo(name string, st fs.FileInfo, limit int64, what string) error {
	if kind := fileKind(st.Mode()); kind != "" {
		sentinel := ErrNotRegular
		if st.IsDir() {
			sentinel = ErrIsDir
		}
		return fmt.Errorf("%s is %s: %w; give the path of a %s", name, kind, sentinel, what)
	}
	if st.Size() > limit {
		return tooLarge(name, st.Size(), limit, what)
	}
	return nil
}

// fileKind names what a non-regular file is; "" for a regular file.
func fileKind(m fs.FileMode) string {
	switch {
	case m.IsRegular():
		return ""
	case m&fs.ModeDir != 0:
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	}
	return "an irregular file (mode " + m.String() + ")"
}

func tooLarge(name string, size, limit int64, what string) error {
	return fmt.Errorf("%s is %s: %w (a %s may hold at most %s)", name, sizeString(size, limit), ErrTooLarge, what, sizeString(limit, 0))
}

// sizeString renders a size: whole KiB or MiB as such, other sizes in
// bytes below 10 MiB (so that 1 MiB + 2 bytes does not read "1.0 MiB"),
// in MiB above. A size of limit+1 (a file read up to limit+1 bytes) is
// "more than" the limit.
func sizeString(n, limit int64) string {
	switch {
	case limit > 0 && n == limit+1:
		return "more than " + sizeString(limit, 0)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 10<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// Check refuses data read from name that is over limit bytes or is not
// text: a NUL byte anywhere, or invalid UTF-8 in more than 1% of it (a few
// stray bytes are left for the parser to point at).
func Check(data []byte, limit int64, name, what string) error {
	if int64(len(data)) > limit {
		return tooLarge(name, int64(len(data)), limit, what)
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return fmt.Errorf("%s: %w (a NUL byte at offset %d%s); give a %s in UTF-8", name, ErrNotText, i, utf16Hint(data), what)
	}
	if utf8.Valid(data) {
		return nil
	}
	bad, first := invalidUTF8(data)
	if bad > 4 && bad*100 > len(data) {
		return fmt.Errorf("%s: %w (%d bytes that are not UTF-8, the first at offset %d); give a %s in UTF-8", name, ErrNotText, bad, first, what)
	}
	return nil
}

// utf16Hint recognises text saved as UTF-16, a common mistake on Windows.
func utf16Hint(data []byte) string {
	if bytes.HasPrefix(data, []byte{0xff, 0xfe}) || bytes.HasPrefix(data, []byte{0xfe, 0xff}) {
		return "; it looks like UTF-16: save it as UTF-8"
	}
	return ""
}

// invalidUTF8 counts the bytes of data that are not part of a valid UTF-8
// sequence, and returns the offset of the first.
func invalidUTF8(data []byte) (bad, first int) {
	first = -1
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n == 1 {
			if first < 0 {
				first = i
			}
			bad++
		}
		i += n
	}
	return bad, first
}
