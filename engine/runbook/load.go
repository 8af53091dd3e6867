package runbook

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"runtime/debug"
	"slices"
	"sort"
	"strings"

	"github.com/batonhq/baton/internal/inputfile"
	"github.com/batonhq/baton/internal/slashpath"
	"github.com/batonhq/baton/steps"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// Load is LoadContext with a context that is never done.
func Load(fsys FS, p string, reg *steps.Registry) (rb *Runbook, diags hcl.Diagnostics) {
	return LoadContext(context.Background(), fsys, p, reg)
}

// LoadContext reads the runbook at path: one .hcl file, or a directory
// whose *.hcl files (not recursive, sorted by name) together make one
// runbook. Files named by include are read relative to the including file.
// Every file is parsed once. Paths follow the rules of the operating system
// baton runs on: on Windows, drives, shares (\\server\share\...) and \\?\
// paths. An empty path is an error, never the current directory.
//
// Input is bounded before it is parsed: each file is a regular file of text
// of at most inputfile.RunbookLimit bytes, all of them together at most
// TotalSourceLimit, and lang.CheckConfig limits nesting and expression size.
//
// LoadContext validates the whole runbook and returns every problem at
// once, sorted by file, line and column, each with a Subject (but for an
// empty path); at most MaxDiagnostics errors and as many warnings, then one
// that counts the rest. The Runbook is never nil; when the diagnostics hold
// errors it may be incomplete and must not be run. LoadContext never
// panics: an internal failure becomes a diagnostic. When ctx is done it
// stops at the next file, phase or batch of steps, and returns the one
// error "Loading interrupted".
func LoadContext(ctx context.Context, fsys FS, p string, reg *steps.Registry) (rb *Runbook, diags hcl.Diagnostics) {
	return load(ctx, fsys, p, reg, slashpath.Host())
}

// TotalSourceLimit bounds the bytes of all of a runbook's files together.
const TotalSourceLimit = 2 * inputfile.RunbookLimit

// load is LoadContext under the given path rules.
func load(ctx context.Context, fsys FS, p string, reg *steps.Registry, rules slashpath.Rules) (rb *Runbook, diags hcl.Diagnostics) {
	if reg == nil {
		reg = steps.NewRegistry()
	}
	if ctx == nil {
		ctx = context.Background()
	}
	l := &loader{
		cx:    ctx,
		fsys:  fsys,
		reg:   reg,
		rules: rules,
		rb: &Runbook{
			Sources:   map[string][]byte{},
			keys:      map[string]string{},
			HCLFiles:  map[string]*hcl.File{},
			stepIndex: map[string]*Step{},
		},
		loaded: map[string]bool{},
	}
	if p == "" {
		return l.rb, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "No runbook given",
			Detail: "The runbook path is empty (an unset variable?); name a runbook file or directory."}}
	}
	p = rules.Clean(p)
	defer func() {
		if r := recover(); r != nil {
			rb, diags = l.rb, l.recovered(p, r)
		}
	}()
	l.loadPath(p)
	for _, phase := range []func(){func() { l.declare(p) }, l.buildContext, l.decode, l.analyze} {
		l.checkpoint()
		phase()
	}
	diags = LimitDiagnostics(l.finish())
	attachSnippets(diags, l.rb.Source)
	return l.rb, diags
}

// interrupted is the panic with which the loader unwinds when its context
// is done.
type interrupted struct{}

// checkpoint stops the load when its context is done.
func (l *loader) checkpoint() {
	if l.cx.Err() != nil {
		panic(interrupted{})
	}
}

// recovered turns a panic of the load into its diagnostics: an
// interruption replaces them all, an internal error joins them.
func (l *loader) recovered(p string, r any) hcl.Diagnostics {
	rng := fileStart(p, nil)
	if _, ok := r.(interrupted); ok {
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Loading interrupted",
			Detail:  fmt.Sprintf("baton stopped loading %s when asked to (%v); nothing was checked or run.", p, context.Cause(l.cx)),
			Subject: &rng}}
	}
	return append(l.diags, &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Internal error",
		Detail:   fmt.Sprintf("baton failed while loading this runbook (%v). This is a bug in baton, not in the runbook: please report it with the runbook; with BATON_LOG=debug baton also logs where it happened.", r),
		Subject:  &rng,
		Extra:    internalError{stack: string(debug.Stack())},
	})
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
	cx    context.Context
	fsys  FS
	reg   *steps.Registry
	rules slashpath.Rules // the OS's path rules
	rb    *Runbook
	diags hcl.Diagnostics

	loaded map[string]bool // files loaded or being loaded
	stack  []string        // files being loaded, for include cycles
	total  int             // bytes read, see TotalSourceLimit

	blocks []*hcl.Block // the top-level blocks (but included files' runbook blocks), in order

	runbookBlock *hcl.Block
	varSrc       map[*Variable]*hcl.BodyContent
	stepSrc      map[*Step]*stepSource
	localIndex   map[string]*Local
	varIndex     map[string]*Variable
	targetIndex  map[string]*Target

	ctx           *hcl.EvalContext // validation scope, see context.go
	vars          map[string]cty.Value
	localVals     map[string]cty.Value
	sensitiveLocs map[string]bool

	reported []hcl.Range // references already reported, see finish
}

// stepSource is what the loader keeps of a step block between phases.
type stepSource struct {
	block         *hcl.Block
	content       *hcl.BodyContent // the class's attributes and blocks; the rest is Step.Body
	refs          []stepRef        // step references, in source order
	argsSensitive bool             // the decoded arguments hold a sensitive value
}

type stepRef struct {
	name   string
	rng    hcl.Range
	inArgs bool // in the step type's arguments (makes the output sensitive)
}

// content is body's content under schema; its problems are reported.
func (l *loader) content(body hcl.Body, schema *hcl.BodySchema) *hcl.BodyContent {
	c, diags := body.Content(schema)
	l.diags = append(l.diags, diags...)
	return c
}

func (l *loader) errorf(rng hcl.Range, summary, format string, args ...any) {
	l.diags = append(l.diags, diagf(hcl.DiagError, &rng, summary, format, args...))
}

func (l *loader) warnf(rng hcl.Range, summary, format string, args ...any) {
	l.diags = append(l.diags, diagf(hcl.DiagWarning, &rng, summary, format, args...))
}

// refError reports a problem with the reference at rng, so that finish
// drops hcl's own error about it.
func (l *loader) refError(rng hcl.Range, summary, format string, args ...any) {
	l.errorf(rng, summary, format, args...)
	l.reported = append(l.reported, rng)
}

// diagf is a diagnostic about a copy of subject (nil: about no place).
func diagf(sev hcl.DiagnosticSeverity, subject *hcl.Range, summary, format string, args ...any) *hcl.Diagnostic {
	d := &hcl.Diagnostic{Severity: sev, Summary: summary, Detail: fmt.Sprintf(format, args...)}
	if subject != nil {
		rng := *subject
		d.Subject = &rng
	}
	return d
}

// loadPath reads a file or a directory.
func (l *loader) loadPath(p string) {
	l.rb.Root = l.rules.Dir(p)
	dr, ok := l.fsys.(DirReader)
	if strings.HasSuffix(p, ".hcl") || !ok {
		l.loadFile(p, nil)
		return
	}
	entries, err := dr.ReadDir(p)
	if err != nil {
		l.loadNonDir(p, err)
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
		l.errorf(fileStart(p, nil), "No runbook files", "The directory %s holds no .hcl files.", p)
		return
	}
	l.rb.Root = p
	for _, n := range names {
		l.loadFile(l.rules.Resolve(p, n), nil)
	}
}

// loadNonDir loads p, which could not be listed as a directory (dirErr),
// as a file; when that fails too it reports the more telling error: the
// file's ("is a named pipe"), unless p is missing or is a directory.
func (l *loader) loadNonDir(p string, dirErr error) {
	src, err := l.fsys.ReadFile(p)
	if err == nil {
		l.loadSource(p, src, nil)
		return
	}
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, inputfile.ErrIsDir) {
		err = dirErr
	}
	l.readError(p, nil, err)
}

// readError reports that the file name, included from from (nil for a
// file named on the command line), cannot be read.
func (l *loader) readError(name string, from *hcl.Range, err error) {
	summary := "Cannot read runbook"
	if from != nil {
		summary = "Included file not found"
		if !errors.Is(err, fs.ErrNotExist) {
			summary = "Cannot read included file"
		}
	}
	l.errorf(fileStart(name, from), summary, "%s", readFailure(name, err))
}

// fileStart is from, the include expression that names a file, or for a
// file named on the command line (from nil) the file's start.
func fileStart(name string, from *hcl.Range) hcl.Range {
	if from != nil {
		return *from
	}
	return hcl.Range{Filename: name, Start: hcl.InitialPos, End: hcl.InitialPos}
}

// readFailure is the detail of a diagnostic about a file that cannot be
// read: inputfile's refusals name the file themselves.
func readFailure(name string, err error) string {
	if inputfile.Refused(err) {
		return err.Error() + "."
	}
	return fmt.Sprintf("Cannot read %s: %s.", name, cleanErr(err))
}

// cleanErr is err's text without the path a *fs.PathError repeats.
func cleanErr(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// loadFile reads and loads one file. from is the include expression's
// range when the file is included.
func (l *loader) loadFile(name string, from *hcl.Range) {
	if !l.enter(name, from) {
		return
	}
	l.checkpoint()
	src, err := l.fsys.ReadFile(name)
	if err != nil {
		l.readError(name, from, err)
		return
	}
	l.loadSource(name, src, from)
}

// enter reports whether name is still to be loaded; a file being loaded
// (an include cycle) is reported.
func (l *loader) enter(name string, from *hcl.Range) bool {
	if i := slices.Index(l.stack, name); i >= 0 {
		l.errorf(*from, "Include cycle", "Files include each other in a cycle: %s -> %s.",
			strings.Join(l.stack[i:], " -> "), name)
		return false
	}
	return !l.loaded[name] // else included twice, or also listed in the directory
}

// loadSource parses one file's source, collects its blocks, then loads
// its includes.
func (l *loader) loadSource(name string, src []byte, from *hcl.Range) {
	if !l.admit(name, src, from) {
		return
	}
	l.loaded[name] = true
	l.stack = append(l.stack, name)
	defer func() { l.stack = l.stack[:len(l.stack)-1] }()

	l.rb.Files = append(l.rb.Files, name)
	key := l.sourceKey(name)
	l.rb.keys[name] = key
	l.rb.Sources[key] = src
	f, diags := parseConfig(src, name, l.cx.Done())
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
	l.collect(name, f, from != nil)
}

// admit checks a file's bytes (whatever FS read them) against the limits
// of a runbook file and of all files together.
func (l *loader) admit(name string, src []byte, from *hcl.Range) bool {
	l.checkpoint()
	if err := inputfile.Check(src, inputfile.RunbookLimit, name, "runbook file"); err != nil {
		l.readError(name, from, err)
		return false
	}
	if l.total > TotalSourceLimit {
		return false // reported with the file that went over
	}
	if l.total += len(src); l.total > TotalSourceLimit {
		l.errorf(fileStart(name, from), "Runbook too large", "With %s the runbook's files hold more than %d MiB together, more than baton reads. Split it into smaller runbooks.",
			name, TotalSourceLimit>>20)
		return false
	}
	return true
}

// collect gathers a parsed file's blocks, then loads its includes.
func (l *loader) collect(name string, f *hcl.File, included bool) {
	content := l.content(f.Body, fileSchema)

	var includes []includeRef
	hasRunbook := false
	for _, b := range content.Blocks {
		if b.Type == "runbook" {
			hasRunbook = true
			if included { // and left out of the runbook
				l.errorf(b.DefRange, "Runbook block in an included file",
					"%s is included by another file, so it is a library: it may declare variables, locals, targets and steps, but not a runbook block.", name)
				continue
			}
			if inc := b.Body.(*hclsyntax.Body).Attributes["include"]; inc != nil {
				includes = append(includes, l.includeList(name, inc.AsHCLAttribute())...)
			}
		}
		l.blocks = append(l.blocks, b)
	}
	if a := content.Attributes["include"]; a != nil {
		if hasRunbook {
			l.errorf(a.NameRange, "Misplaced include",
				"In a file with a runbook block, list includes in the runbook block: runbook \"...\" { include = [...] }.")
		} else {
			includes = append(includes, l.includeList(name, a)...)
		}
	}
	for _, inc := range includes {
		l.loadFile(inc.path, &inc.rng)
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

// finish drops follow-up diagnostics for references already reported,
// removes exact duplicates and sorts by file (in load order, files not
// loaded after them by name), line and column.
func (l *loader) finish() hcl.Diagnostics {
	fileOrder := map[string]int{}
	for i, f := range l.rb.Files {
		fileOrder[f] = i
	}
	rank := func(file string) int {
		if i, ok := fileOrder[file]; ok {
			return i
		}
		return len(fileOrder)
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
		if a.Filename != b.Filename { // loaded files in load order, then others by name
			return cmp.Or(cmp.Compare(rank(a.Filename), rank(b.Filename)), strings.Compare(a.Filename, b.Filename)) < 0
		}
		return cmp.Or(cmp.Compare(a.Start.Line, b.Start.Line), cmp.Compare(a.Start.Column, b.Start.Column)) < 0
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
	return slices.ContainsFunc(l.reported, func(r hcl.Range) bool {
		return r.Filename == s.Filename && s.Start.Byte >= r.Start.Byte && s.Start.Byte <= r.End.Byte
	})
}
