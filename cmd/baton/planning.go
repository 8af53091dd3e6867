package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"github.com/batonhq/baton/internal/inputfile"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/batonhq/baton/engine/clock"
	"github.com/batonhq/baton/engine/executor"
	"github.com/batonhq/baton/engine/plan"
	"github.com/batonhq/baton/engine/rehearse"
	"github.com/batonhq/baton/engine/rehearse/simsite"
	"github.com/batonhq/baton/engine/review"
	"github.com/batonhq/baton/engine/runbook"
	"github.com/batonhq/baton/engine/version"
	"github.com/batonhq/baton/fixtures"
	"github.com/batonhq/baton/state"
	"github.com/batonhq/baton/steps/configmgr/sim"
	"github.com/zclconf/go-cty/cty"
)

func init() {
	register(&command{name: "plan", synopsis: "show what a run would do (a dry run that says will/may/will not run)", usage: "RUNBOOK [-var ...] [--target live | --site FIXTURE --scenario NAME] [-refresh=false] [-out FILE] [-json] [-detailed-exitcode]", run: cmdPlan})
	register(&command{name: "show", synopsis: "print a saved plan", usage: "PLANFILE [-json]", run: cmdShow})
	register(&command{name: "review", synopsis: "write the change-advisory record of a plan, or the post-implementation report of a run", usage: "RUNBOOK|PLANFILE|RUN [-format markdown|html|servicenow|jira] [-ticket-config FILE] [-jira-project KEY] [-o FILE] [--rehearsal]", run: cmdReview})
	register(&command{name: "rehearse", synopsis: "run a runbook end to end against a simulated site on a virtual clock", usage: "RUNBOOK --site FIXTURE [--scenario NAME] [--approve-all | --approvals FILE] [-json]", run: cmdRehearse})
}

// siteFlags choose what a plan refreshes against.
type siteFlags struct {
	target   string
	site     string
	scenario string

	fx     *sim.Fixture // loaded once, by fixture
	fxName string
	fxErr  error
}

func (s *siteFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&s.target, "target", "", `"live": run the read-only checks against the runbook's targets`)
	fs.StringVar(&s.site, "site", "", "a simulated site (fixture name such as contoso, or a fixture file)")
	fs.StringVar(&s.scenario, "scenario", "", `the fixture's scenario (default "healthy", or the fixture's only scenario, such as a captured one's)`)
}

// resolveInputs resolves a runbook's inputs; against a simulated site, the
// fixture's inputs replace the runbook's defaults.
func (s *siteFlags) resolveInputs(env *cliEnv, rb *runbook.Runbook, in *inputFlags) (map[string]cty.Value, bool) {
	if s.site == "" {
		return resolveInputs(env, rb, in)
	}
	fx, name, err := s.fixture()
	if err != nil {
		fail(env, err)
		return nil, false
	}
	return resolveInputsOver(env, rb, in, fx.Inputs(s.scenario), "the inputs of fixture "+name)
}

// fixture loads --site once for the command.
func (s *siteFlags) fixture() (*sim.Fixture, string, error) {
	if s.fx == nil && s.fxErr == nil {
		s.fx, s.fxName, s.fxErr = loadFixture(s.site)
		if s.fxErr == nil && s.scenario == "" {
			s.scenario = "healthy"
			if sc := s.fx.Scenarios(); len(sc) == 1 {
				s.scenario = sc[0]
			}
		}
	}
	return s.fx, s.fxName, s.fxErr
}

func loadFixture(name string) (*sim.Fixture, string, error) {
	if st, err := os.Stat(name); err == nil && !st.IsDir() {
		f, err := sim.Load(os.DirFS(filepath.Dir(name)), filepath.Base(name))
		return f, strings.TrimSuffix(filepath.Base(name), ".hcl"), err
	}
	f, err := sim.Load(fixtures.FS, name)
	if err != nil {
		return nil, "", fmt.Errorf("fixture %q: %w (shipped fixtures: %s)", name, err, strings.Join(fixtures.Names(), ", "))
	}
	return f, name, nil
}

// refresher wires plan refresh to the live targets or a simulated site.
func (s *siteFlags) refresher(env *cliEnv, rb *runbook.Runbook, vars map[string]cty.Value) (*executor.Refresher, string, error) {
	switch {
	case s.site != "":
		fx, name, err := s.fixture()
		if err != nil {
			return nil, "", err
		}
		r, err := rehearse.Refresher(rb, vars, simsite.Factory(fx), s.scenario, env.log, env.red)
		return r, "fixture:" + name + "/" + s.scenario, err
	case s.target == "live":
		r, err := executor.NewRefresher(rb, vars, executor.Options{Clock: clock.Wall{}, Log: env.log, Redactor: env.red})
		return r, "live", err
	case s.target != "":
		return nil, "", fmt.Errorf("unknown --target %q: use live, or --site FIXTURE for a simulated site", s.target)
	}
	return nil, "", nil
}

// planOptions wires the planner: inputs, engine version, the redactor and,
// when refresh, the read-only checks against --site or --target; done
// closes what it opened.
func planOptions(env *cliEnv, rb *runbook.Runbook, vars map[string]cty.Value, sf *siteFlags, refresh bool, path string) (plan.Options, func(), error) {
	opts := plan.Options{Vars: vars, Now: time.Now, EngineVersion: version.Version, RunbookPath: path, Redactor: env.red}
	done := func() {}
	if !refresh {
		return opts, done, nil
	}
	r, target, err := sf.refresher(env, rb, vars)
	if err != nil || r == nil {
		return opts, done, err
	}
	opts.Refresh, opts.Target = r.Refresh, target
	return opts, r.Close, nil
}

func buildPlan(ctx context.Context, env *cliEnv, rb *runbook.Runbook, vars map[string]cty.Value, sf *siteFlags, refresh bool, path string) (*plan.Plan, error) {
	opts, done, err := planOptions(env, rb, vars, sf, refresh, path)
	if err != nil {
		return nil, err
	}
	defer done()
	p, diags := plan.Build(ctx, rb, opts)
	if p != nil {
		env.log.Debug("plan built", "steps", len(p.Steps), "post", len(p.Post), "refreshed", p.Refreshed, "target", p.Target, "digest", p.PlanDigest)
	}
	if len(diags) > 0 {
		_ = runbook.WriteDiagnostics(env.io.err, rb, rb.HCLFiles, diags, false)
	}
	if diags.HasErrors() {
		return nil, errors.New("the plan could not be made")
	}
	return p, nil
}

func cmdPlan(ctx context.Context, env *cliEnv, args []string) int {
	fs := newFlags(commands["plan"], env)
	var in inputFlags
	in.register(fs)
	var sf siteFlags
	sf.register(fs)
	refresh := fs.Bool("refresh", true, "run the read-only checks against the target while planning")
	out := fs.String("out", "", "save the plan to FILE (apply it with baton apply FILE)")
	asJSON := fs.Bool("json", false, "print the plan as one JSON document")
	detailed := fs.Bool("detailed-exitcode", false, "exit 0 when nothing would change, 2 when the plan has changes, 6 when a preflight check failed")
	pos, code := parseChecked(fs, args, exactly(1))
	if code >= 0 {
		return code
	}
	rb := loadRunbook(env, pos[0])
	if rb == nil {
		return exitError
	}
	vars, ok := sf.resolveInputs(env, rb, &in)
	if !ok {
		return exitError
	}
	p, err := buildPlan(ctx, env, rb, vars, &sf, *refresh, pos[0])
	if err != nil {
		return fail(env, err)
	}
	if *out != "" {
		if err := p.Save(*out); err != nil {
			return fail(env, err)
		}
		fmt.Fprintf(env.io.err, "Saved the plan to %s (digest %s). Apply it with: baton apply %s\n", *out, p.PlanDigest, *out)
	}
	if *asJSON {
		b, err := p.JSON()
		if err != nil {
			return fail(env, err)
		}
		_, _ = env.doc().Write(append(b, '\n'))
	} else if err := p.WriteHuman(env.doc()); err != nil {
		return fail(env, err)
	}
	if p.PreflightFailed() {
		return exitPreflight
	}
	return p.ExitCode(*detailed)
}

func cmdShow(_ context.Context, env *cliEnv, args []string) int {
	fs := newFlags(commands["show"], env)
	asJSON := fs.Bool("json", false, "print JSON")
	pos, code := parseChecked(fs, args, exactly(1))
	if code >= 0 {
		return code
	}
	p, err := plan.LoadFile(pos[0])
	if err != nil {
		return fail(env, err)
	}
	if *asJSON {
		b, err := p.JSON()
		if err != nil {
			return fail(env, err)
		}
		_, _ = env.io.out.Write(append(b, '\n'))
		return exitOK
	}
	if err := p.WriteHuman(env.doc()); err != nil {
		return fail(env, err)
	}
	return exitOK
}

// isPlanFile reports whether path holds a saved plan.
func isPlanFile(path string) bool {
	b, err := inputfile.Peek(path, 200, "plan file")
	return err == nil && strings.Contains(string(b), `"baton-plan"`)
}

func cmdReview(ctx context.Context, env *cliEnv, args []string) int {
	fs := newFlags(commands["review"], env)
	var in inputFlags
	in.register(fs)
	var sf siteFlags
	sf.register(fs)
	var stf stateFlag
	stf.register(fs)
	format := fs.String("format", "markdown", "markdown, html (plans only), servicenow or jira")
	ticketPath := fs.String("ticket-config", "", "JSON file with the ServiceNow category and the Jira project, fields and transition (docs/review.md)")
	jiraProject := fs.String("jira-project", "", "the Jira project key (overrides -ticket-config)")
	outPath := fs.String("o", "", "write to FILE instead of stdout")
	withRehearsal := fs.Bool("rehearsal", false, "rehearse against --site/--scenario and attach the report as test evidence")
	var af answerFlags
	af.register(fs, true)
	pos, code := parseChecked(fs, args, exactly(1))
	if code >= 0 {
		return code
	}
	form, tc, err := reviewFormat(*format, *ticketPath, *jiraProject)
	if err != nil {
		return fail(env, err)
	}
	w := env.doc()
	if *outPath != "" {
		f, err := os.OpenFile(*outPath, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
		if err != nil {
			return fail(env, err)
		}
		defer f.Close()
		w = env.red.Writer(f)
	}
	arg := pos[0]
	// A run id: the post-implementation report from its journal.
	if _, err := os.Stat(arg); err != nil && !looksLikeRunbook(arg) {
		st, err := openState(&stf, true)
		if err != nil {
			return fail(env, err)
		}
		defer st.Close()
		run, err := st.Run(arg)
		if err != nil {
			return fail(env, fmt.Errorf("%s is neither a runbook, a plan file nor a run: %w", arg, err))
		}
		recs, err := st.Steps(arg)
		if err != nil {
			return fail(env, err)
		}
		j, err := st.Journal(arg)
		if err != nil {
			return fail(env, err)
		}
		head, err := st.VerifyJournal(arg)
		if err != nil {
			return fail(env, err)
		}
		if err := form.WriteRun(w, run, recs, j, head, tc); err != nil {
			if errors.Is(err, review.ErrNoRunHTML) {
				err = fmt.Errorf("%w: use -format markdown, servicenow or jira for a run", err)
			}
			return fail(env, err)
		}
		return exitOK
	}
	if form == review.FormatJira && tc.Jira.Project == "" {
		return fail(env, fmt.Errorf("%w: give -jira-project KEY, or \"project\" in the jira section of the -ticket-config file", review.ErrNoJiraProject))
	}
	var p *plan.Plan
	rbPath := arg
	if isPlanFile(arg) {
		var err error
		if p, err = plan.LoadFile(arg); err != nil {
			return fail(env, err)
		}
		rbPath = p.Runbook.Path
	}
	rb := loadRunbook(env, rbPath)
	if rb == nil {
		return exitError
	}
	vars, ok := sf.resolveInputs(env, rb, &in)
	if !ok {
		return exitError
	}
	if p == nil {
		var err error
		if p, err = buildPlan(ctx, env, rb, vars, &sf, true, rbPath); err != nil {
			return fail(env, err)
		}
	}
	ev := review.Evidence{GitCommit: gitCommit(rbPath)}
	if *withRehearsal {
		if sf.site == "" {
			return fail(env, errors.New("--rehearsal needs --site FIXTURE (and --scenario)"))
		}
		answers, err := af.answers(rb)
		if err != nil {
			return fail(env, err)
		}
		rep, err := runRehearsal(ctx, env, rb, vars, &sf, answers, io.Discard, rbPath)
		if err != nil {
			return fail(env, err)
		}
		ev.Rehearsal = reviewEvidence(rep, p.PlanDigest)
	}
	if err := form.WritePlan(w, p, rb, ev, tc); err != nil {
		return fail(env, err)
	}
	return exitOK
}

// reviewFormat parses -format and reads the ticket configuration a
// ServiceNow or Jira document takes (-jira-project overriding the file's).
func reviewFormat(format, ticketPath, jiraProject string) (review.Format, review.TicketConfig, error) {
	var tc review.TicketConfig
	f, err := review.ParseFormat(format)
	if err != nil {
		return f, tc, fmt.Errorf("-format: %w", err)
	}
	if ticketPath != "" {
		if tc, err = review.LoadTicketConfig(ticketPath); err != nil {
			return f, tc, fmt.Errorf("-ticket-config: %w", err)
		}
	}
	if jiraProject != "" {
		tc.Jira.Project = jiraProject
	}
	if err := tc.Jira.Check(true); err != nil {
		return f, tc, fmt.Errorf("-jira-project: %w", err)
	}
	return f, tc, nil
}

func looksLikeRunbook(arg string) bool {
	fsys, name, embedded := source(arg)
	_ = fsys
	return embedded || strings.HasSuffix(name, ".hcl")
}

// gitCommit returns the commit of the repository holding path, "" when
// none (git missing or not a repository).
func gitCommit(path string) string {
	dir := path
	if st, err := os.Stat(path); err == nil && !st.IsDir() {
		dir = filepath.Dir(path)
	}
	out, err := exec.Command("git", "-C", dir, "rev-parse", "HEAD").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

func reviewEvidence(rep *rehearse.Report, planDigest string) *review.Rehearsal {
	r := &review.Rehearsal{RunID: rep.RunID, Runbook: rep.Runbook, Fixture: rep.Fixture, Scenario: rep.Scenario,
		Outcome: rep.Status, PlanDigest: planDigest, VirtualDuration: rep.Duration, JournalHead: rep.JournalHead}
	for _, l := range rep.Timeline {
		if l.Event == "step_finished" || l.Event == "step_skipped" {
			ev := l.Status
			if l.Message != "" {
				ev += ": " + l.Message
			}
			r.Timeline = append(r.Timeline, review.TimelineEntry{Offset: l.At, Step: l.Step, Event: ev})
		}
	}
	for _, b := range rep.Branches {
		r.Branches = append(r.Branches, review.Branch{Decision: b.Decision, Value: fmt.Sprint(b.Taken)})
	}
	for _, b := range rep.Blocked {
		r.Blocked = append(r.Blocked, review.Blocked{Step: b.Step, Message: b.Message})
	}
	return r
}

func runRehearsal(ctx context.Context, env *cliEnv, rb *runbook.Runbook, vars map[string]cty.Value, sf *siteFlags, answers rehearse.Answers, progress io.Writer, path string) (*rehearse.Report, error) {
	fx, name, err := sf.fixture()
	if err != nil {
		return nil, err
	}
	return rehearseWith(ctx, env, rb, vars, fx, name, sf.scenario, answers, progress, path, "")
}

// rehearseWith rehearses rb in a state of its own: statePath when given
// (to keep it), else a temporary file removed afterwards. A rehearsal never
// touches the live state file.
func rehearseWith(ctx context.Context, env *cliEnv, rb *runbook.Runbook, vars map[string]cty.Value, fx *sim.Fixture, name, scenario string, answers rehearse.Answers, progress io.Writer, path, statePath string) (*rehearse.Report, error) {
	if err := checkScheme(statePath); err != nil {
		return nil, err
	}
	if strings.Contains(statePath, "://") {
		return nil, fmt.Errorf("a rehearsal keeps its state in a local file of its own, never in a shared store: give --state FILE, or none")
	}
	if statePath == "" {
		dir, err := os.MkdirTemp("", "baton-rehearsal-")
		if err != nil {
			return nil, fmt.Errorf("creating the rehearsal's temporary state: %w", err)
		}
		defer os.RemoveAll(dir)
		statePath = filepath.Join(dir, "state.db")
	}
	st, err := state.Open(statePath, state.Options{})
	if err != nil {
		return nil, stateErr(err)
	}
	defer st.Close()
	var obs executor.Observer
	if progress != io.Discard {
		obs = &humanProgress{w: progress, virtual: true}
	}
	return rehearse.Run(ctx, rb, vars, rehearse.Options{
		Site: simsite.Factory(fx), FixtureName: name, Scenario: scenario, Store: st, Log: env.log, Redactor: env.red, Observer: obs,
		Answers: answers, Requester: currentUser(), EngineVersion: version.Version,
		RunbookPath: path, Inputs: displayInputs(vars),
	})
}
