package runbook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/batonhq/baton/internal/inputfile"
	"github.com/batonhq/baton/steps"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"
)

// within runs f and fails when it takes 2 s or more, or allocates 100 MB
// or more.
func within(t *testing.T, f func()) {
	t.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	f()
	took := time.Since(start)
	runtime.ReadMemStats(&after)
	if took > 2*time.Second {
		t.Errorf("took %v", took)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 100<<20 {
		t.Errorf("allocated %d MB", n>>20)
	}
}

func randomBytes(n int, printable bool) []byte {
	r := rand.New(rand.NewSource(int64(n)))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Intn(256))
		if printable {
			b[i] = byte(32 + r.Intn(95))
			if r.Intn(40) == 0 {
				b[i] = '\n'
			}
		}
	}
	return b
}

// TestLoadHostileInput: what a hurried operator or a fuzzer gives as a
// runbook costs a clear error, in under 2 s and 100 MB, rendering included.
func TestLoadHostileInput(t *testing.T) {
	dir := t.TempDir()
	file := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return filepath.ToSlash(p)
	}
	sparse := file("huge.hcl", nil)
	if err := os.Truncate(sparse, 1<<30); err != nil {
		t.Fatal(err)
	}
	fifo, fifoDir := mkfifo(t, dir, "pipe.hcl"), "skip"
	if fifo != "skip" {
		fifoDir = filepath.ToSlash(filepath.Dir(mkfifo(t, filepath.Join(dir, "withpipe"), "a.hcl")))
	}
	tests := []struct {
		name, path string
		summary    string // of the first diagnostic
		detail     string // in it
	}{
		{"empty path", "", "No runbook given", "The runbook path is empty"},
		{"dev zero", "/dev/zero", "Cannot read runbook", "/dev/zero is a character device: not a regular file"},
		{"dev zero as .hcl", "/dev/zero/x.hcl", "Cannot read runbook", "not a directory"},
		{"fifo", fifo, "Cannot read runbook", "is a named pipe (FIFO): not a regular file"},
		{"fifo in a directory", fifoDir, "Cannot read runbook", "is a named pipe (FIFO)"},
		{"huge", sparse, "Cannot read runbook", "is 1024 MiB: file too large (a runbook file may hold at most 4 MiB)"},
		{"binary", file("a.out", append([]byte("\x7fELF"), randomBytes(1<<20, false)...)), "Cannot read runbook", "not a text file"},
		{"random bytes", file("random.hcl", randomBytes(200<<10, false)), "Cannot read runbook", "not a text file"},
		{"random text", file("text.hcl", randomBytes(200<<10, true)), "", ""},
		{"nested brackets", file("deep.hcl", []byte("a = "+strings.Repeat("[", 100000))), "Nesting too deep", "more than 256 deep"},
		{"nested blocks", file("blocks.hcl", []byte(strings.Repeat("b {\n", 100000))), "Nesting too deep", "more than 256 deep"},
		{"long expression", file("long.hcl", []byte("a = "+strings.Repeat("!", 1<<20)+"true\n")), "Expression too long", "more than 1000 operators"},
		{"include of dev zero", file("inc.hcl", []byte(includer(`"/dev/zero"`))), "Cannot read included file", "/dev/zero is a character device"},
		{"include of a fifo", file("incpipe.hcl", []byte(includer(`"pipe.hcl"`))), "Cannot read included file", "is a named pipe (FIFO)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.path == "skip" || strings.Contains(tt.path, "/dev/zero") && runtime.GOOS == "windows" {
				t.Skip("not on this system")
			}
			var diags hcl.Diagnostics
			var text bytes.Buffer
			within(t, func() {
				var rb *Runbook
				rb, diags = Load(DirFS(""), tt.path, testRegistry())
				if err := WriteDiagnostics(&text, rb, nil, diags, false); err != nil {
					t.Fatal(err)
				}
			})
			if !diags.HasErrors() {
				t.Fatal("no error")
			}
			if len(diags) > 2*MaxDiagnostics+1 {
				t.Errorf("%d diagnostics", len(diags))
			}
			if strings.Contains(text.String(), "goroutine") {
				t.Errorf("a stack trace:\n%s", text.String())
			}
			if tt.summary == "" {
				return
			}
			if d := diags[0]; d.Summary != tt.summary || !strings.Contains(d.Detail, tt.detail) {
				t.Fatalf("first diagnostic %q: %s\n%s", d.Summary, d.Detail, text.String())
			}
		})
	}
}

// TestLoadTotalLimit: included files count together against
// TotalSourceLimit.
func TestLoadTotalLimit(t *testing.T) {
	big := []byte("# " + strings.Repeat("x", inputfile.RunbookLimit-3) + "\n")
	fsys := fstest.MapFS{"main.hcl": {Data: []byte(includer(`"a.hcl", "b.hcl", "c.hcl"`))}, "a.hcl": {Data: big}, "b.hcl": {Data: big}, "c.hcl": {Data: big}}
	_, diags := Load(FromFS(fsys), "main.hcl", testRegistry())
	if len(diags) != 1 || diags[0].Summary != "Runbook too large" || diags[0].Subject.Start.Line != 2 {
		t.Fatalf("%v", diags)
	}
}

// TestLoadChecksAnyFS: bytes from any FS are checked as inputfile checks
// a file.
func TestLoadChecksAnyFS(t *testing.T) {
	_, diags := Load(pathFS{"r.hcl": "runbook \"x\" {}\x00"}, "r.hcl", testRegistry())
	if len(diags) != 1 || diags[0].Detail != "r.hcl: not a text file (a NUL byte at offset 14); give a runbook file in UTF-8." {
		t.Fatalf("%v", diags)
	}
}

// cancelFS cancels a context when a given file is read, as a Ctrl-C
// arriving while baton reads it would.
type cancelFS struct {
	FS
	name   string
	cancel context.CancelFunc
}

func (c cancelFS) ReadFile(name string) ([]byte, error) {
	if name == c.name {
		c.cancel()
	}
	return c.FS.ReadFile(name)
}

// TestLoadContextInterrupted: a done context stops loading at the next
// file or phase, with one clear error, also in parallel phases.
func TestLoadContextInterrupted(t *testing.T) {
	big := bigRunbook(3000)
	files := fstest.MapFS{
		"main.hcl": {Data: []byte(includer(`"a.hcl", "b.hcl"`))},
		"a.hcl":    {Data: []byte(libCheck)},
		"b.hcl":    {Data: []byte("check \"b\" {\n  uses = \"probe\"\n}\n")},
		"big.hcl":  {Data: big},
	}
	var many strings.Builder
	for i := range 2000 {
		fmt.Fprintf(&many, "check \"c%d\" {\n  uses = \"cancelling\"\n}\n", i)
	}
	files["many.hcl"] = &fstest.MapFile{Data: []byte(many.String())}
	tests := []struct {
		name, main, cancelAt string
		parallel             bool
	}{
		{"before loading", "main.hcl", "", false},
		{"between includes", "main.hcl", "a.hcl", false},
		{"before parsing a large file", "big.hcl", "big.hcl", true},
		{"in a phase", "many.hcl", "kind", false},
		{"in a parallel phase", "many.hcl", "kind", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.parallel {
				forceParallel(t, 64)
			}
			ctx, cancel := context.WithCancelCause(context.Background())
			var once sync.Once
			stop := func() { once.Do(func() { cancel(errors.New("interrupt")) }) }
			if tt.cancelAt == "" {
				stop()
			}
			reg := testRegistry()
			reg.Register(&cancellingKind{fakeKind{name: "cancelling", effect: steps.ReadOnly, out: cty.DynamicPseudoType}, stop})
			rb, diags := LoadContext(ctx, cancelFS{FromFS(files), tt.cancelAt, stop}, tt.main, reg)
			if rb == nil || len(diags) != 1 || diags[0].Summary != "Loading interrupted" || !strings.Contains(diags[0].Detail, "(interrupt)") {
				t.Fatalf("%v", diags)
			}
			if rb.Graph != nil {
				t.Error("an interrupted load has a graph")
			}
		})
	}
}

// cancellingKind cancels the load when its Spec is asked for: when the
// loader reads a step's arguments.
type cancellingKind struct {
	fakeKind
	cancel func()
}

func (k *cancellingKind) Spec() hcldec.Spec { k.cancel(); return nil }

// TestResolveInputsHostile: var files and -var values are bounded as
// runbook files are.
func TestResolveInputsHostile(t *testing.T) {
	rb := loadInputs(t)
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	fifo := mkfifo(t, dir, "vars.hcl")
	tests := []struct {
		name   string
		in     Inputs
		detail string // in the first diagnostic
	}{
		{"dev zero", Inputs{VarFiles: []string{"/dev/zero"}}, "/dev/zero is a character device: not a regular file; give the path of a variables file."},
		{"fifo", Inputs{VarFiles: []string{fifo}}, "is a named pipe (FIFO): not a regular file"},
		{"empty path", Inputs{VarFiles: []string{""}}, "the path of the variables file is empty"},
		{"too large", Inputs{VarFiles: []string{write("big.hcl", bytes.Repeat([]byte("# x\n"), inputfile.VarFileLimit/4+1))}}, "a variables file may hold at most 1 MiB"},
		{"binary", Inputs{VarFiles: []string{write("bin.hcl", []byte("a\x00"))}}, "not a text file"},
		{"deep HCL", Inputs{VarFiles: []string{write("deep.hcl", []byte("servers = "+strings.Repeat("[", 500000)))}}, "nest more than 256 deep"},
		{"deep JSON", Inputs{VarFiles: []string{write("deep.json", []byte(`{"servers": `+strings.Repeat("[", 500000)))}}, "nest more than 256 deep"},
		{"deep -var", Inputs{Vars: []string{"servers=" + strings.Repeat("[", 1<<20)}}, "it does not parse (nesting too deep)"},
		{"reader without limits", Inputs{VarFiles: []string{"v.hcl"}, ReadFile: func(string) ([]byte, error) { return make([]byte, 2<<20), nil }}, "a variables file may hold at most 1 MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if strings.Contains(strings.Join(tt.in.VarFiles, ""), "skip") || strings.Contains(strings.Join(tt.in.VarFiles, ""), "/dev/zero") && runtime.GOOS == "windows" {
				t.Skip("not on this system")
			}
			tt.in.Vars = append(tt.in.Vars, "required=x")
			var diags hcl.Diagnostics
			within(t, func() { _, diags = ResolveInputs(rb, tt.in) })
			if !diags.HasErrors() || !strings.Contains(diags[0].Detail, tt.detail) {
				t.Fatalf("%v", diags)
			}
		})
	}
}
