package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/batonhq/baton/engine/expect"
	"github.com/batonhq/baton/engine/rehearse"
	"github.com/batonhq/baton/engine/runbook"
	"github.com/batonhq/baton/fixtures"
	"github.com/batonhq/baton/internal/inputfile"
	"github.com/batonhq/baton/steps/configmgr/sim"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

func init() {
	register(&command{name: "test", synopsis: "rehearse the cases of expectation files (*.expect.hcl) and check that each did what it expects",
		usage: "DIR|FILE... [-run REGEXP] [-junit FILE] [-update] [-parallel N]", run: cmdTest})
}

// testFlags are baton test's options.
type testFlags struct {
	run      *regexp.Regexp
	junit    string
	update   bool
	parallel int
	timeout  time.Duration
}

func cmdTest(ctx context.Context, env *cliEnv, args []string) int {
	fs := newFlags(commands["test"], env)
	runRe := fs.String("run", "", "run only the cases whose name (FILE/CASE, as printed) matches this regular expression")
	var tf testFlags
	fs.StringVar(&tf.junit, "junit", "", "also write the results as JUnit XML to FILE (Azure DevOps PublishTestResults, GitHub test reporters)")
	fs.BoolVar(&tf.update, "update", false, "rewrite the expectation files from what happened and add the cases all_scenarios_of lacks; review the diff as you would a golden file's")
	fs.IntVar(&tf.parallel, "parallel", runtime.GOMAXPROCS(0), "rehearse up to N cases at once (the output keeps the files' order)")
	fs.DurationVar(&tf.timeout, "timeout", 2*time.Minute, "fail a case whose rehearsal takes longer than this in real time (rehearsals take milliseconds: longer is an engine hang)")
	pos, code := parseChecked(fs, args, atLeast(1))
	if code >= 0 {
		return code
	}
	re, err := regexp.Compile(*runRe)
	if err != nil {
		return fail(env, fmt.Errorf("-run %q is not a regular expression: %w", *runRe, err))
	}
	tf.run = re
	if tf.parallel < 1 {
		return fail(env, fmt.Errorf("-parallel %d: give 1 or more", tf.parallel))
	}
	files, ok := loadExpectations(env, pos)
	if !ok {
		return fail(env, errors.New("the expectation files have errors (above): nothing was rehearsed"))
	}
	return runTests(ctx, env, files, tf)
}

// testFile is an expectation file and its name in the output.
type testFile struct {
	suite string
	file  *expect.File
}

// loadExpectations finds and parses the expectation files of paths (a
// directory is searched for *.expect.hcl), printing every problem.
func loadExpectations(env *cliEnv, paths []string) ([]testFile, bool) {
	var out []testFile
	ok := true
	for _, p := range paths {
		found, err := findExpectations(p, len(paths) > 1)
		if err != nil {
			fail(env, err)
			ok = false
			continue
		}
		for _, tf := range found {
			src, err := inputfile.Read(tf.file.Path, expect.FileLimit, "expectation file")
			if err != nil {
				fail(env, fmt.Errorf("reading the expectation file: %w", err))
				ok = false
				continue
			}
			f, diags := expect.Parse(src, tf.file.Path)
			if len(diags) > 0 {
				files := map[string]*hcl.File{tf.file.Path: {Bytes: src}}
				_ = runbook.WriteDiagnostics(env.io.err, nil, files, diags, false)
			}
			if f == nil {
				ok = false
				continue
			}
			out = append(out, testFile{tf.suite, f})
		}
	}
	return out, ok
}

// findExpectations lists the expectation files at p: p itself, or the
// *.expect.hcl files below the directory p (hidden directories skipped),
// named by their path below it, or when several paths are tested
// (whole), by their path as found.
func findExpectations(p string, whole bool) ([]testFile, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("%w: give a directory of expectation files (*%s) or one of them", err, expect.Suffix)
	}
	if !st.IsDir() {
		name := filepath.Base(p)
		if whole {
			name = filepath.ToSlash(p)
		}
		return []testFile{{suite: strings.TrimSuffix(name, expect.Suffix), file: &expect.File{Path: p}}}, nil
	}
	var out []testFile
	err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && path != p && strings.HasPrefix(d.Name(), "."):
			return filepath.SkipDir
		case d.IsDir() || !strings.HasSuffix(d.Name(), expect.Suffix):
			return nil
		}
		rel, _ := filepath.Rel(p, path)
		if whole {
			rel = path
		}
		out = append(out, testFile{suite: strings.TrimSuffix(filepath.ToSlash(rel), expect.Suffix), file: &expect.File{Path: path}})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("searching %s for expectation files: %w", p, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no expectation files (*%s) under %s: write one (docs/testing.md describes them)", expect.Suffix, p)
	}
	return out, nil
}

// testJob is one case to rehearse, or a result known beforehand.
type testJob struct {
	suite string
	file  *expect.File
	c     *expect.Case
	fx    *sim.Fixture
	fxArg string
	err   error
}

// runTests rehearses the selected cases, prints a line per case and the
// summary, writes the JUnit file and, with -update, the expectation files.
func runTests(ctx context.Context, env *cliEnv, files []testFile, tf testFlags) int {
	jobs := planTests(files, tf.update)
	var sel []*testJob
	for _, j := range jobs {
		if tf.run.MatchString(j.suite + "/" + j.c.Name) {
			sel = append(sel, j)
		}
	}
	if len(sel) == 0 {
		return fail(env, fmt.Errorf("no case matches -run %q (names are FILE/CASE, as baton test prints them)", tf.run))
	}
	start := time.Now()
	results := runJobs(ctx, env, sel, tf, func(r *expect.Result) { writeTestResult(env.io.out, r, tf.update) })
	if tf.update {
		writeUpdateSummary(env.io.out, results, time.Since(start))
	} else {
		expect.WriteSummary(env.io.out, results, time.Since(start))
	}
	code := exitOK
	for _, r := range results {
		if !r.Passed() && (!tf.update || r.Err != nil) {
			code = exitError
		}
	}
	if tf.junit != "" {
		if err := writeJUnitFile(tf.junit, results); err != nil {
			return fail(env, err)
		}
	}
	if tf.update {
		if err := updateExpectations(env, files, results); err != nil {
			return fail(env, err)
		}
	}
	return code
}

func writeTestResult(w io.Writer, r *expect.Result, update bool) {
	switch {
	case update && r.Err == nil && r.Case.New:
		fmt.Fprintf(w, "new  %s (%.2fs)\n", r.Name(), r.Time.Seconds())
	case update && r.Err == nil && len(r.Mismatches) > 0:
		fmt.Fprintf(w, "upd  %s (%.2fs)\n", r.Name(), r.Time.Seconds())
		for _, l := range r.Detail() {
			fmt.Fprintf(w, "     was: %s\n", l)
		}
	default:
		r.WriteText(w)
	}
}

// writeUpdateSummary counts what -update does: cases added, changed, the
// same as before, and those that could not run (left as they were).
func writeUpdateSummary(w io.Writer, results []*expect.Result, total time.Duration) {
	var added, changed, same, broken int
	for _, r := range results {
		switch {
		case r.Err != nil:
			broken++
		case r.Case.New:
			added++
		case len(r.Mismatches) > 0:
			changed++
		default:
			same++
		}
	}
	fmt.Fprintf(w, "update: %d new, %d changed, %d as expected, %d could not run (%.2fs)\n", added, changed, same, broken, total.Seconds())
}

// planTests lists the cases of files, loading each fixture once, and for
// each scenario that all_scenarios_of lacks a case for: a failure, or
// with update a new case.
func planTests(files []testFile, update bool) []*testJob {
	loaded := map[string]*fixtureLoad{}
	var jobs []*testJob
	for _, tf := range files {
		f := tf.file
		for _, name := range f.AllScenariosOf {
			fl := fixtureFor(loaded, f, name)
			if fl.err != nil {
				jobs = append(jobs, &testJob{suite: tf.suite, file: f, c: &expect.Case{Name: name, Range: f.AllRange}, err: fl.err})
				continue
			}
			for _, sc := range f.Missing(name, fl.fx.Scenarios()) {
				if update {
					f.AddCase(name, sc)
					continue
				}
				c := &expect.Case{Name: name + "/" + sc, Range: f.AllRange}
				jobs = append(jobs, &testJob{suite: tf.suite, file: f, c: c,
					err: fmt.Errorf("no case rehearses scenario %s of fixture %s, which all_scenarios_of covers: write one, or run baton test -update to add it", sc, name)})
			}
		}
		for _, c := range f.Cases {
			fl := fixtureFor(loaded, f, c.Fixture)
			err := fl.err
			if err == nil {
				err = checkScenario(fl.fx, c)
			}
			jobs = append(jobs, &testJob{suite: tf.suite, file: f, c: c, fx: fl.fx, fxArg: fl.name, err: err})
		}
	}
	sort.SliceStable(jobs, func(i, k int) bool { return jobs[i].suite < jobs[k].suite })
	return jobs
}

// checkScenario says when the case's scenario is none of its fixture's,
// and which one it may mean.
func checkScenario(fx *sim.Fixture, c *expect.Case) error {
	if slices.Contains(fx.Scenarios(), c.Scenario) {
		return nil
	}
	return fmt.Errorf("fixture %s has no scenario %q%s; baton rehearse RUNBOOK --site %s --all-scenarios lists them", c.Fixture, c.Scenario, closest(c.Scenario, fx.Scenarios()), c.Fixture)
}

type fixtureLoad struct {
	fx   *sim.Fixture
	name string
	err  error
}

// fixtureFor loads a fixture a file names, once per command: the fixture
// file of that name relative to the expectation file when there is one,
// else the shipped fixture of that name.
func fixtureFor(cache map[string]*fixtureLoad, f *expect.File, name string) *fixtureLoad {
	arg := f.Rel(name)
	if st, err := os.Stat(arg); err != nil || st.IsDir() {
		arg = "shipped:" + name
	}
	if fl, ok := cache[arg]; ok {
		return fl
	}
	fl := &fixtureLoad{}
	if strings.HasPrefix(arg, "shipped:") {
		fl.fx, fl.err = sim.Load(fixtures.FS, name)
		fl.name = name
		if fl.err != nil {
			fl.err = fmt.Errorf("fixture %q is no file next to %s and no shipped fixture (%s): %w", name, f.Path, strings.Join(fixtures.Names(), ", "), fl.err)
		}
	} else {
		fl.fx, fl.name, fl.err = loadFixture(arg)
	}
	cache[arg] = fl
	return fl
}

// runJobs runs the jobs on up to tf.parallel workers and hands each result
// to emit in the jobs' order as soon as it and those before it are done.
func runJobs(ctx context.Context, env *cliEnv, jobs []*testJob, tf testFlags, emit func(*expect.Result)) []*expect.Result {
	results := make([]*expect.Result, len(jobs))
	done := make([]chan struct{}, len(jobs))
	for i := range done {
		done[i] = make(chan struct{})
	}
	next := make(chan int)
	go func() {
		defer close(next)
		for i := range jobs {
			next <- i
		}
	}()
	for range min(tf.parallel, len(jobs)) {
		go func() {
			for i := range next {
				results[i] = runJob(ctx, env, jobs[i], tf.timeout)
				close(done[i])
			}
		}()
	}
	for i := range jobs {
		<-done[i]
		emit(results[i])
	}
	return results
}

// runJob rehearses one case, as baton rehearse does, and compares.
func runJob(ctx context.Context, env *cliEnv, j *testJob, timeout time.Duration) *expect.Result {
	start := time.Now()
	r := &expect.Result{Suite: j.suite, File: j.file, Case: j.c, Err: j.err}
	if r.Err == nil {
		ctx, cancel := context.WithTimeout(ctx, timeout)
		rep, err := rehearseCase(ctx, env, j)
		cancel()
		switch {
		case err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded):
			r.Err = fmt.Errorf("the rehearsal did not finish within %s of real time (-timeout): the engine hung, which is a bug in baton", timeout)
		case err != nil:
			r.Err = err
		default:
			r.Got = expect.Observe(rep)
			r.Mismatches = expect.Compare(j.c.Want, r.Got)
		}
	}
	r.Time = time.Since(start)
	return r
}

// rehearseCase loads the case's runbook (its own copy: cases run at once),
// resolves its inputs and answers, and rehearses it in a temporary state.
func rehearseCase(ctx context.Context, env *cliEnv, j *testJob) (*rehearse.Report, error) {
	var diags bytes.Buffer
	cenv := &cliEnv{io: stdio{in: env.io.in, out: io.Discard, err: &diags}, log: env.log, ctx: ctx}
	path := testRunbook(j.file)
	rb := loadRunbook(cenv, path)
	if rb == nil {
		return nil, fmt.Errorf("runbook %s does not load:\n%s", path, strings.TrimRight(diags.String(), "\n"))
	}
	vars, err := caseInputs(rb, j)
	if err != nil {
		return nil, err
	}
	answers, err := caseAnswers(rb, j)
	if err != nil {
		return nil, err
	}
	rep, err := rehearseWith(ctx, cenv, rb, vars, j.fx, j.fxArg, j.c.Scenario, answers, io.Discard, path, "")
	if err != nil {
		return nil, fmt.Errorf("rehearsing %s against %s/%s: %w", path, j.c.Fixture, j.c.Scenario, stateErr(err))
	}
	return rep, nil
}

// caseInputs resolves the runbook's inputs: the fixture's for the
// scenario, then the case's vars (BATON_VAR_* do not apply: a case says
// all it rehearses).
func caseInputs(rb *runbook.Runbook, j *testJob) (map[string]cty.Value, error) {
	var given []string
	for _, k := range sortedNames(j.c.Vars) {
		if rb.Variable(k) == nil {
			return nil, fmt.Errorf("vars: %s is not a variable of runbook %s%s", k, rb.Name, closest(k, variableNames(rb)))
		}
		given = append(given, k+"="+j.c.Vars[k])
	}
	vars, diags := runbook.ResolveInputs(rb, runbook.Inputs{Vars: given, Defaults: j.fx.Inputs(j.c.Scenario),
		DefaultsSource: "the inputs of fixture " + j.c.Fixture + " scenario " + j.c.Scenario})
	if diags.HasErrors() {
		var b bytes.Buffer
		_ = runbook.WriteDiagnostics(&b, rb, rb.HCLFiles, diags, false)
		return nil, fmt.Errorf("the case's inputs do not fit runbook %s:\n%s", rb.Name, strings.TrimRight(b.String(), "\n"))
	}
	return vars, nil
}

// testRunbook is the runbook a file's cases rehearse: the file its
// runbook attribute names relative to it, or when there is none, a runbook
// shipped with baton of that name (as baton rehearse takes one).
func testRunbook(f *expect.File) string {
	p := f.RunbookPath()
	if _, err := os.Stat(p); err != nil && f.Runbook != "" {
		return f.Runbook
	}
	return p
}

// closest suggests the option a misspelt name means: " (did you mean
// X?)", or "".
func closest(name string, options []string) string {
	if best := runbook.Suggest(name, options); best != "" {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	for _, o := range options { // a part of the name: "healthy" for "health"
		if name != "" && (strings.Contains(o, name) || strings.Contains(name, o)) {
			return fmt.Sprintf(" (did you mean %q?)", o)
		}
	}
	return ""
}

func caseAnswers(rb *runbook.Runbook, j *testJob) (rehearse.Answers, error) {
	a := j.c.Answers
	if err := rehearse.CheckAnswers(a.Steps, rb); err != nil {
		return rehearse.Answers{}, err
	}
	var fromFile map[string][]rehearse.Answer
	if a.File != "" {
		p := j.file.Rel(a.File)
		b, err := inputfile.Read(p, inputfile.ApprovalsLimit, "approvals file")
		if err != nil {
			return rehearse.Answers{}, fmt.Errorf("reading the approvals file: %w", err)
		}
		if fromFile, err = rehearse.ParseAnswers(b, rb); err != nil {
			return rehearse.Answers{}, fmt.Errorf("%s: %w", p, err)
		}
	}
	return a.Rehearsal(fromFile)
}

func variableNames(rb *runbook.Runbook) []string {
	var out []string
	for _, v := range rb.Variables {
		out = append(out, v.Name)
	}
	return out
}

func sortedNames(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func writeJUnitFile(path string, results []*expect.Result) error {
	var b bytes.Buffer
	if err := expect.WriteJUnit(&b, results); err != nil {
		return fmt.Errorf("writing the JUnit XML: %w", err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("writing the JUnit XML (-junit): %w", err)
	}
	return nil
}

// updateExpectations rewrites each file with what its cases did (those
// that ran), and says which files changed.
func updateExpectations(env *cliEnv, files []testFile, results []*expect.Result) error {
	got := map[*expect.File]map[string]expect.Outcome{}
	for _, r := range results {
		if r.Err != nil {
			continue
		}
		if got[r.File] == nil {
			got[r.File] = map[string]expect.Outcome{}
		}
		got[r.File][r.Case.Name] = r.Got
	}
	for _, tf := range files {
		g := got[tf.file]
		if g == nil {
			continue
		}
		out, err := expect.Rewrite(tf.file, g)
		if err != nil {
			return err
		}
		old, _ := os.ReadFile(tf.file.Path)
		if bytes.Equal(old, out) {
			continue
		}
		if err := os.WriteFile(tf.file.Path, out, 0o644); err != nil {
			return fmt.Errorf("updating the expectation file: %w", err)
		}
		fmt.Fprintf(env.io.out, "updated %s: review the change (git diff) before you commit it\n", tf.file.Path)
	}
	return nil
}
