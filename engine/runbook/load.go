package runbook

import (
	"fmt"
	"io/fs"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/batonhq/baton/internal/slashpath"
	"github.com/batonhq/baton/steps"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// Load reads the runbook at path: one .hcl file, or a directory whose *.hcl
// files (not recursive, sorted by name) together make one runbook. Files
// named by include are read relative to the including file. Every file is
// parsed once. Paths follow the rules of the operating system baton runs
// on: on Windows, drives, shares (\\server\share\...) and \\?\ paths.
//
// Load validates the whole runbook and returns every problem at once,
// sorted by file, line and column, each with a Subject. The Runbook is never
// nil; when the diagnostics hold errors it may be incomplete and must not
// be run. Load never panics: an internal failure becomes a diagnostic.
func Load(fsys FS, p string, reg *steps.Registry) (rb *Runbook, diags hcl.Diagnostics) {
	return load(fsys, p, reg, slashpath.Host())
}

// load is Load under the given path rules.
func load(fsys FS, p string, reg *steps.Registry, rules slashpath.Rules) (rb *Runbook, diags hcl.Diagnostics) {
	if reg == nil {
		reg = steps.NewRegistry()
	}
	l := &loader{
		fsys:  fsys,
		reg:   reg,
		rules: rules,
		rb: &Runbook{
			Sources:   map[string][]byte{},
			keys:      map[string]string{},
			HCLFiles:  map[string]*hcl.File{},
			stepIndex: map[string]*Step{},
		},
		state: map[string]int{},
	}
	p = rules.Clean(p)
	defer func() {
		if r := recover(); r != nil {
			rng := hcl.Range{Filename: p, Start: hcl.InitialPos, End: hcl.InitialPos}
			rb, diags = l.rb, append(l.diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Internal error",
				Detail:   fmt.Sprintf("baton failed while loading this runbook (%v). This is a bug in baton, not in the runbook: please report it with the runbook; with BATON_LOG=debug baton also logs where it happened.", r),
				Subject:  &rng,
				Extra:    internalError{stack: string(debug.Stack())},
			})
		}
	}()
	l.loadPath(p)
	l.declare(p)
	l.buildContext()
	l.decode()
	l.analyze()
	diags = l.finish()
	attachSnippets(diags, l.rb.Source)
	return l.rb, diags
}

// internalError carries the stack of a panic recovered by Load: for the
// log, never for the diagnostic text.
type internalError struct{ stack string }

// InternalErrorStack returns the stack of an "Internal error" diagnostic
// from Load, "" for any other.
func InternalErrorStack(d *hcl.Diagnostic) string {
	if ie, ok := hcl.DiagnosticExtra[internalError](d); ok {
		return ie.stack
	}
	return ""
}

// loader holds the state of one Load.
type loader struct {
	fsys  FS
	reg   *steps.Registry
	rules slashpath.Rules // the OS's path rules
	rb    *Runbook
	diags hcl.Diagnostics

	state map[string]int // file -> 1 loading, 2 loaded
	stack []string       // include stack, for cycles

	blocks []fileBlock // every top-level block, in declaration order

	runbookBlock *hcl.Block
	runbookBody  *hcl.BodyContent
	varSrc       map[*Variable]*hcl.BodyContent
	stepSrc      map[*Step]*stepSource
	localIndex   map[string]*Local
	varIndex     map[string]*Variable
	targetIndex  map[string]*Target

	ctx           *hcl.EvalContext // validation scope, see context.go
	localVals     map[string]cty.Value
	sensitiveLocs map[string]bool

	reported []hcl.Range // references already reported, see finish
}

type fileBlock struct {
	file     string
	included bool
	block    *hcl.Block
}

// stepSource is what the loader keeps of a step block between phases.
type stepSource struct {
	block         *hcl.Block
	content       *hcl.BodyContent
	remain        hcl.Body
	refs          []stepRef // step references, in source order
	args          cty.Value // decoded arguments (validation scope)
	argsSensitive bool      // args hold a sensitive value
	asserts       []*hcl.Block
	verify        *verifySource
}

type verifySource struct {
	content *hcl.BodyContent
	remain  hcl.Body
}

type stepRef struct {
	name   string
	rng    hcl.Range
	inArgs bool // in the step type's arguments (makes the output sensitive)
	undoes bool // backout's undoes: not a dependency
}

func (l *loader) errorf(rng hcl.Range, summary, format string, args ...any) {
	l.diag(hcl.DiagError, rng, summary, fmt.Sprintf(format, args...))
}

func (l *loader) warnf(rng hcl.Range, summary, format string, args ...any) {
	l.diag(hcl.DiagWarning, rng, summary, fmt.Sprintf(format, args...))
}

func (l *loader) diag(sev hcl.DiagnosticSeverity, rng hcl.Range, summary, detail string) {
	r := rng
	l.diags = append(l.diags, &hcl.Diagnostic{Severity: sev, Summary: summary, Detail: detail, Subject: &r})
}

// loadPath reads a file or a directory.
func (l *loader) loadPath(p string) {
	l.rb.Root = l.rules.Dir(p)
	if strings.HasSuffix(p, ".hcl") {
		l.loadFile(p, false, nil)
		return
	}
	dr, ok := l.fsys.(DirReader)
	if !ok {
		l.loadFile(p, false, nil)
		return
	}
	entries, err := dr.ReadDir(p)
	if err != nil {
		if _, ferr := l.fsys.ReadFile(p); ferr == nil {
			l.loadFile(p, false, nil)
			return
		}
		l.errorf(hcl.Range{Filename: p, Start: hcl.InitialPos, End: hcl.InitialPos},
			"Cannot read runbook", "Cannot read %s: %s.", p, cleanErr(err))
		return
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".hcl") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	if len(names) == 0 {
		l.errorf(hcl.Range{Filename: p, Start: hcl.InitialPos, End: hcl.InitialPos},
			"No runbook files", "The directory %s holds no .hcl files.", p)
		return
	}
	l.rb.Root = p
	for _, n := range names {
		l.loadFile(l.rules.Resolve(p, n), false, nil)
	}
}

func cleanErr(err error) string {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err.Error()
	}
	return err.Error()
}

// loadFile parses one file, collects its blocks, then loads its includes.
// from is the include expression's range when the file is included.
func (l *loader) loadFile(name string, included bool, from *hcl.Range) {
	switch l.state[name] {
	case 1:
		cycle := append([]string{}, l.stack[indexOf(l.stack, name):]...)
		l.errorf(*from, "Include cycle", "Files include each other in a cycle: %s -> %s.",
			strings.Join(cycle, " -> "), name)
		return
	case 2:
		return // already loaded (included twice, or also listed in the directory)
	}
	src, err := l.fsys.ReadFile(name)
	if err != nil {
		rng := hcl.Range{Filename: name, Start: hcl.InitialPos, End: hcl.InitialPos}
		summary := "Cannot read runbook"
		if from != nil {
			rng, summary = *from, "Included file not found"
		}
		l.errorf(rng, summary, "Cannot read %s: %s.", name, cleanErr(err))
		return
	}
	l.state[name] = 1
	l.stack = append(l.stack, name)
	defer func() {
		l.state[name] = 2
		l.stack = l.stack[:len(l.stack)-1]
	}()

	l.rb.Files = append(l.rb.Files, name)
	key := l.sourceKey(name)
	l.rb.keys[name] = key
	l.rb.Sources[key] = src
	f, diags := parseConfig(src, name)
	l.diags = append(l.diags, diags...)
	if f == nil {
		return
	}
	l.rb.HCLFiles[name] = f
	if diags.HasErrors() {
		// A file with syntax errors is not analysed further: its partial
		// body would only add confusing follow-up errors.
		return
	}
	content, diags := f.Body.Content(fileSchema)
	l.diags = append(l.diags, diags...)

	var includes []includeRef
	for _, b := range content.Blocks {
		l.blocks = append(l.blocks, fileBlock{file: name, included: included, block: b})
		if b.Type == "runbook" {
			if included {
				l.errorf(b.DefRange, "Runbook block in an included file",
					"%s is included by another file, so it is a library: it may declare variables, locals, targets and steps, but not a runbook block.", name)
				continue
			}
			if inc := b.Body.(*hclsyntax.Body).Attributes["include"]; inc != nil {
				includes = append(includes, l.includeList(name, inc.AsHCLAttribute())...)
			}
		}
	}
	if a := content.Attributes["include"]; a != nil {
		hasRunbook := false
		for _, b := range content.Blocks {
			hasRunbook = hasRunbook || b.Type == "runbook"
		}
		if hasRunbook {
			l.errorf(a.NameRange, "Misplaced include",
				"In a file with a runbook block, list includes in the runbook block: runbook \"...\" { include = [...] }.")
		} else {
			includes = append(includes, l.includeList(name, a)...)
		}
	}
	for _, inc := range includes {
		rng := inc.rng
		l.loadFile(inc.path, true, &rng)
	}
}

type includeRef struct {
	path string
	rng  hcl.Range
}

// includeList reads include = ["a.hcl", ...], resolved against the
// including file's directory.
func (l *loader) includeList(file string, a *hcl.Attribute) []includeRef {
	exprs, diags := hcl.ExprList(a.Expr)
	if diags.HasErrors() {
		l.errorf(a.Expr.Range(), "Invalid include", "include must be a list of file paths, like [\"lib/preflight.hcl\"].")
		return nil
	}
	var out []includeRef
	for _, e := range exprs {
		v, ok := l.literal(e, cty.String, "An include path")
		if !ok || v.IsNull() {
			continue
		}
		p := v.AsString()
		if p == "" {
			l.errorf(e.Range(), "Invalid include", "An include path must not be empty.")
			continue
		}
		out = append(out, includeRef{path: l.rules.Resolve(l.rules.Dir(file), p), rng: e.Range()})
	}
	return out
}

func indexOf(s []string, x string) int {
	for i, v := range s {
		if v == x {
			return i
		}
	}
	return 0
}

// finish drops follow-up diagnostics for references already reported,
// removes exact duplicates and sorts by file (in load order), line and
// column.
func (l *loader) finish() hcl.Diagnostics {
	fileOrder := map[string]int{}
	for i, f := range l.rb.Files {
		fileOrder[f] = i
	}
	type key struct {
		sev             hcl.DiagnosticSeverity
		summary, detail string
		file            string
		start           int
	}
	seen := map[key]bool{}
	out := make(hcl.Diagnostics, 0, len(l.diags))
	for _, d := range l.diags {
		if d.Subject != nil && l.coveredByReported(d) {
			continue
		}
		k := key{sev: d.Severity, summary: d.Summary, detail: d.Detail}
		if d.Subject != nil {
			k.file, k.start = d.Subject.Filename, d.Subject.Start.Byte
		}
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, d)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].Subject, out[j].Subject
		if a == nil || b == nil {
			return a == nil && b != nil
		}
		if a.Filename != b.Filename {
			oa, oka := fileOrder[a.Filename]
			ob, okb := fileOrder[b.Filename]
			if oka && okb {
				return oa < ob
			}
			return a.Filename < b.Filename
		}
		if a.Start.Line != b.Start.Line {
			return a.Start.Line < b.Start.Line
		}
		return a.Start.Column < b.Start.Column
	})
	return out
}

// coveredByReported reports whether d is hcl's own error about a reference
// the loader already reported with a better message.
func (l *loader) coveredByReported(d *hcl.Diagnostic) bool {
	if len(l.reported) == 0 || d.Severity != hcl.DiagError {
		return false
	}
	switch d.Summary {
	case "Unsupported attribute", "Unknown variable", "Variables not allowed", "Invalid index":
	default:
		return false
	}
	s := d.Subject
	for _, r := range l.reported {
		if r.Filename == s.Filename && s.Start.Byte >= r.Start.Byte && s.Start.Byte <= r.End.Byte {
			return true
		}
	}
	return false
}
