package runbook

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// hostileSeeds are inputs at and over the limits of lang.CheckConfig.
var hostileSeeds = []string{
	"a = " + strings.Repeat("[", 300),
	"a = " + strings.Repeat("[", 256) + strings.Repeat("]", 256) + "\n",
	strings.Repeat("b {\n", 300),
	"a = \"" + strings.Repeat("${\"", 200),
	"a = \"" + strings.Repeat("%{if x}", 300),
	"a = " + strings.Repeat("1 + ", 1100) + "1\n",
	"a = (" + strings.Repeat("!\n", 1100) + "true)\n",
	"a = x" + strings.Repeat("[0]", 1100) + "\n",
	"a = 1 /* " + strings.Repeat("[", 300),
	"a = <<EOT\n" + strings.Repeat("{", 1000) + "\nEOT\nb = " + strings.Repeat("(", 300),
	"a = <<ÉOT\nx\nÉOT\n",
	"a = \"\xff\"\n",
}

func seedCorpus(f *testing.F) {
	for _, s := range hostileSeeds {
		f.Add([]byte(s))
	}
	for _, pattern := range []string{"testdata/invalid/*.hcl", "testdata/valid/*/*.hcl", "testdata/valid/*/lib/*.hcl"} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			src, err := os.ReadFile(file)
			if err == nil {
				f.Add(src)
			}
		}
	}
}

// FuzzLoad: any bytes as a runbook file load without panicking, and every
// diagnostic names a file.
func FuzzLoad(f *testing.F) {
	seedCorpus(f)
	reg := testRegistry()
	f.Fuzz(func(t *testing.T, src []byte) {
		fsys := FromFS(fstest.MapFS{"rb.hcl": {Data: src}, "lib/a.hcl": {Data: []byte("check \"lib\" {\n  uses = \"probe\"\n  host = \"x\"\n}\n")}})
		done := make(chan struct{})
		go func() {
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				buf := make([]byte, 1<<20)
				n := runtime.Stack(buf, true)
				panic("Load hung:\n" + string(buf[:n]))
			}
		}()
		rb, diags := Load(fsys, "rb.hcl", reg)
		close(done)
		if rb == nil {
			t.Fatal("nil runbook")
		}
		for _, d := range diags {
			if d.Subject == nil || d.Subject.Filename == "" {
				t.Fatalf("diagnostic without a file: %s: %s", d.Summary, d.Detail)
			}
			if d.Summary == "Internal error" {
				t.Fatalf("internal error: %s", d.Detail)
			}
		}
		if !diags.HasErrors() && rb.Graph == nil && len(rb.Steps) > 0 {
			t.Fatal("valid runbook without a graph")
		}
		_, _ = DiagnosticsJSON(diags)
		var sb strings.Builder
		_ = WriteDiagnostics(&sb, rb, nil, diags, false)
	})
}

// FuzzFormat: Format never panics, and formatting is idempotent.
func FuzzFormat(f *testing.F) {
	seedCorpus(f)
	files, _ := filepath.Glob("testdata/fmt/*.input")
	for _, file := range files {
		if src, err := os.ReadFile(file); err == nil {
			f.Add(src)
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		out, diags := Format(src, "f.hcl")
		if diags.HasErrors() {
			if out != nil {
				t.Fatal("output despite errors")
			}
			return
		}
		again, diags := Format(out, "f.hcl")
		if diags.HasErrors() {
			t.Fatalf("formatted output does not parse: %s", diags.Error())
		}
		if string(again) != string(out) {
			t.Fatalf("not idempotent:\n%s\n---\n%s", out, again)
		}
	})
}
