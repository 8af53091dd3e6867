package inputfile

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// measure runs f and fails when it takes 2 s or allocates 8 MiB or more.
func measure(t *testing.T, f func()) {
	t.Helper()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	f()
	took := time.Since(start)
	runtime.ReadMemStats(&after)
	if took > 2*time.Second {
		t.Errorf("took %v", took)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 8<<20 {
		t.Errorf("allocated %d bytes", n)
	}
}

func write(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRead(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.hcl")
	if err := os.WriteFile(big, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(big, 3<<30); err != nil { // sparse: 3 GiB, nothing written
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		path    string
		want    error  // nil: success
		message string // in the error
	}{
		{"runbook", write(t, dir, "ok.hcl", []byte("runbook \"x\" {}\n# café\n")), nil, ""},
		{"empty file", write(t, dir, "empty.hcl", nil), nil, ""},
		{"a few stray bytes", write(t, dir, "latin1.hcl", append([]byte(strings.Repeat("a = 1\n", 100)), 0xe9)), nil, ""},
		{"empty path", "", ErrNoPath, "the path of the runbook file is empty"},
		{"directory", dir, ErrIsDir, "is a directory: not a regular file"},
		{"dev zero", "/dev/zero", ErrNotRegular, "/dev/zero is a character device"},
		{"fifo", mkfifo(t, dir), ErrNotRegular, "is a named pipe (FIFO)"},
		{"oversized", big, ErrTooLarge, "is 3072 MiB: file too large (a runbook file may hold at most 4 MiB)"},
		{"binary", write(t, dir, "a.out", []byte("\x7fELF\x02\x01\x01\x00\x00")), ErrNotText, "a NUL byte at offset 7"},
		{"utf-16", write(t, dir, "u16.hcl", []byte("\xff\xfea\x00=\x00")), ErrNotText, "it looks like UTF-16"},
		{"invalid utf-8", write(t, dir, "rand.bin", bytes.Repeat([]byte{0xc3, 0x28, 0xff, 'a'}, 100)), ErrNotText, "200 bytes that are not UTF-8, the first at offset 0"},
		{"missing", filepath.Join(dir, "nope.hcl"), fs.ErrNotExist, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.path == "skip" || tt.path == "/dev/zero" && runtime.GOOS == "windows" {
				t.Skip("not on this system")
			}
			var b []byte
			var err error
			measure(t, func() { b, err = Read(tt.path, RunbookLimit, "runbook file") })
			if tt.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				if want, _ := os.ReadFile(tt.path); !bytes.Equal(b, want) {
					t.Fatalf("read %q", b)
				}
				return
			}
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.message) {
				t.Fatalf("error %v; want %v with %q", err, tt.want, tt.message)
			}
		})
	}
}

// TestReadOpenRechecks: a path that is a FIFO by the time it is opened
// is opened without blocking and refused by the check of the open file.
func TestReadOpenRechecks(t *testing.T) {
	p := mkfifo(t, t.TempDir())
	if p == "skip" {
		t.Skip("no FIFOs on this system")
	}
	measure(t, func() {
		f, err := openNoBlock(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := readOpen(f, p, RunbookLimit, "runbook file"); !errors.Is(err, ErrNotRegular) {
			t.Fatalf("error %v", err)
		}
	})
}

// endless is a file that says it is small and never ends.
type endless struct{}

func (endless) Stat() (fs.FileInfo, error) { return endlessInfo{}, nil }
func (endless) Read(p []byte) (int, error) { clear(p); return len(p), nil }
func (endless) Close() error               { return nil }

type endlessInfo struct{ fs.FileInfo }

func (endlessInfo) Mode() fs.FileMode { return 0 }
func (endlessInfo) Size() int64       { return 10 }

type endlessFS struct{}

func (endlessFS) Open(string) (fs.File, error) { return endless{}, nil }

func TestReadFS(t *testing.T) {
	fsys := fstest.MapFS{
		"ok.hcl":      {Data: []byte("a = 1\n")},
		"big.hcl":     {Data: bytes.Repeat([]byte("a\n"), VarFileLimit/2+1)},
		"bin.hcl":     {Data: []byte{1, 0, 2}},
		"dir/x.hcl":   {Data: []byte("x")},
		"pipe":        {Mode: fs.ModeNamedPipe},
		"dev":         {Mode: fs.ModeDevice | fs.ModeCharDevice},
		"sock":        {Mode: fs.ModeSocket},
		"irregular":   {Mode: fs.ModeIrregular},
		"limit.hcl":   {Data: bytes.Repeat([]byte("a"), VarFileLimit)},
		"missing.hcl": nil,
	}
	delete(fsys, "missing.hcl")
	tests := []struct {
		fsys    fs.FS
		name    string
		want    error
		message string
	}{
		{fsys, "ok.hcl", nil, ""},
		{fsys, "limit.hcl", nil, ""},
		{fsys, "", ErrNoPath, "the path of the variables file is empty"},
		{fsys, "big.hcl", ErrTooLarge, "big.hcl is 1048578 bytes: file too large (a variables file may hold at most 1 MiB)"},
		{fsys, "bin.hcl", ErrNotText, "bin.hcl: not a text file (a NUL byte at offset 1)"},
		{fsys, "dir", ErrNotRegular, "dir is a directory: not a regular file; give the path of a variables file"},
		{fsys, "pipe", ErrNotRegular, "a named pipe (FIFO)"},
		{fsys, "dev", ErrNotRegular, "a character device"},
		{fsys, "sock", ErrNotRegular, "a socket"},
		{fsys, "irregular", ErrNotRegular, "an irregular file"},
		{fsys, "missing.hcl", fs.ErrNotExist, "not exist"},
		{endlessFS{}, "zero", ErrTooLarge, "zero is more than 1 MiB: file too large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b []byte
			var err error
			measure(t, func() { b, err = ReadFS(tt.fsys, tt.name, VarFileLimit, "variables file") })
			if tt.want == nil {
				if err != nil || !bytes.Equal(b, fsys[tt.name].Data) {
					t.Fatalf("read %d bytes, %v", len(b), err)
				}
				return
			}
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.message) {
				t.Fatalf("error %v; want %v with %q", err, tt.want, tt.message)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"text", []byte("a = \"é\"\n"), nil},
		{"nothing", nil, nil},
		{"at the limit", bytes.Repeat([]byte("a"), 64), nil},
		{"over the limit", bytes.Repeat([]byte("a"), 65), ErrTooLarge},
		{"nul", []byte("a\x00"), ErrNotText},
		{"four bad bytes", []byte("\xff\xff\xff\xff"), nil},
		{"five bad bytes", []byte("\xff\xff\xff\xff\xff"), ErrNotText},
		{"a bad byte in 64", append(bytes.Repeat([]byte("a"), 59), "\xff\xff\xff\xff\xff"...), ErrNotText},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Check(tt.data, 64, "f", "runbook file")
			if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("error %v, want %v", err, tt.want)
			}
		})
	}
}

var _ io.Reader = endless{}

func TestPeek(t *testing.T) {
	dir := t.TempDir()
	plan := write(t, dir, "plan.json", []byte(`{"format": "baton-plan", "steps": []}`))
	tests := []struct {
		name, path string
		n          int
		want       string
		err        error
	}{
		{"head", plan, 10, `{"format":`, nil},
		{"short file", plan, 1000, `{"format": "baton-plan", "steps": []}`, nil},
		{"dev zero", "/dev/zero", 10, "", ErrNotRegular},
		{"fifo", mkfifo(t, dir), 10, "", ErrNotRegular},
		{"directory", dir, 10, "", ErrIsDir},
		{"empty path", "", 10, "", ErrNoPath},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.path == "skip" || tt.path == "/dev/zero" && runtime.GOOS == "windows" {
				t.Skip("not on this system")
			}
			var b []byte
			var err error
			measure(t, func() { b, err = Peek(tt.path, tt.n, "plan file") })
			if tt.err != nil && !errors.Is(err, tt.err) || tt.err == nil && (err != nil || string(b) != tt.want) {
				t.Fatalf("got %q, %v", b, err)
			}
		})
	}
}
