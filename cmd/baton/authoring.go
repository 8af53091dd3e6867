package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/batonhq/baton/internal/inputfile"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/batonhq/baton/engine/draw"
	"github.com/batonhq/baton/engine/runbook"
	"github.com/hashicorp/hcl/v2"
)

func init() {
	register(&command{name: "validate", synopsis: "check runbooks: every problem at once, with file:line:col", usage: "PATH... [-json]", run: cmdValidate})
	register(&command{name: "fmt", synopsis: "rewrite runbooks in canonical format", usage: "[-check] [-diff] PATH...", run: cmdFmt})
	register(&command{name: "graph", synopsis: "draw a runbook's step graph", usage: "PATH [-format dot|mermaid]", run: cmdGraph})
}

func cmdValidate(_ context.Context, env *cliEnv, args []string) int {
	fs := newFlags(commands["validate"], env)
	asJSON := fs.Bool("json", false, "print diagnostics as JSON on stdout")
	pos, code := parseChecked(fs, args, atLeast(1))
	if code >= 0 {
		return code
	}
	paths := expandRunbooks(pos)
	result := exitOK
	var all []validateResult
	for _, p := range paths {
		fsys, name, _ := source(p)
		rb, diags := runbook.LoadContext(env.ctx, fsys, name, registry())
		logInternalErrors(env, diags)
		if diags.HasErrors() {
			result = exitError
		}
		if *asJSON {
			b, err := runbook.DiagnosticsJSON(diags)
			if err != nil {
				return fail(env, err)
			}
			all = append(all, validateResult{Path: p, Valid: !diags.HasErrors(), Diagnostics: b})
			continue
		}
		if len(diags) > 0 {
			var files map[string]*hcl.File
			if rb != nil {
				files = rb.HCLFiles
			}
			_ = runbook.WriteDiagnostics(env.io.err, rb, files, diags, false)
		}
		if !diags.HasErrors() {
			fmt.Fprintf(env.io.out, "%s: valid (%s)\n", p, plural(len(rb.Steps), "step", "steps"))
		}
	}
	if *asJSON {
		return printJSON(env, all)
	}
	return result
}

// expandRunbooks turns directories holding several runbooks into their
// top-level files (a library directory "lib" is not a runbook).
func expandRunbooks(paths []string) []string {
	var out []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil || !st.IsDir() {
			out = append(out, p)
			continue
		}
		m, _ := filepath.Glob(filepath.Join(p, "*.hcl"))
		sort.Strings(m)
		var top []string
		for _, f := range m {
			b, _ := inputfile.Read(f, inputfile.RunbookLimit, "runbook file")
			if bytes.Contains(b, []byte("runbook \"")) {
				top = append(top, f)
			}
		}
		if len(top) > 1 {
			out = append(out, top...)
		} else {
			out = append(out, p)
		}
	}
	return out
}

func cmdFmt(_ context.Context, env *cliEnv, args []string) int {
	fs := newFlags(commands["fmt"], env)
	check := fs.Bool("check", false, "do not write; exit 3 when a file would change")
	diff := fs.Bool("diff", false, "print the files that would change and their new text")
	pos, code := parseChecked(fs, args, atLeast(1))
	if code >= 0 {
		return code
	}
	var files []string
	for _, p := range pos {
		st, err := os.Stat(p)
		if err != nil {
			return fail(env, err)
		}
		if !st.IsDir() {
			files = append(files, p)
			continue
		}
		_ = filepath.WalkDir(p, func(path string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(path, ".hcl") {
				files = append(files, path)
			}
			return nil
		})
	}
	result := exitOK
	for _, f := range files {
		src, err := inputfile.Read(f, inputfile.RunbookLimit, "runbook file")
		if err != nil {
			return fail(env, err)
		}
		out, diags := runbook.Format(src, f)
		if diags.HasErrors() {
			_ = runbook.WriteDiagnostics(env.io.err, nil, nil, diags, false)
			result = exitError
			continue
		}
		if bytes.Equal(src, out) {
			continue
		}
		fmt.Fprintln(env.doc(), f)
		if *diff {
			fmt.Fprintf(env.doc(), "--- %s (formatted)\n%s\n", f, out)
		}
		if *check {
			if result == exitOK {
				result = exitFormat
			}
			continue
		}
		if err := os.WriteFile(f, out, 0o644); err != nil {
			return fail(env, err)
		}
	}
	return result
}

func cmdGraph(_ context.Context, env *cliEnv, args []string) int {
	fs := newFlags(commands["graph"], env)
	format := fs.String("format", "mermaid", "dot or mermaid")
	pos, code := parseChecked(fs, args, exactly(1))
	if code >= 0 {
		return code
	}
	rb := loadRunbook(env, pos[0])
	if rb == nil {
		return exitError
	}
	switch *format {
	case "dot":
		fmt.Fprint(env.doc(), draw.Dot(rb))
	case "mermaid":
		fmt.Fprint(env.doc(), draw.Mermaid(rb))
	default:
		return fail(env, fmt.Errorf("unknown -format %q: use dot or mermaid", *format))
	}
	return exitOK
}

type validateResult struct {
	Path        string          `json:"path"`
	Valid       bool            `json:"valid"`
	Diagnostics json.RawMessage `json:"diagnostics"`
}
