package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"github.com/batonhq/baton/internal/inputfile"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/batonhq/baton/engine/clock"
	"github.com/batonhq/baton/engine/executor"
	"github.com/batonhq/baton/engine/plan"
	"github.com/batonhq/baton/engine/runbook"
	"github.com/batonhq/baton/engine/version"
	"github.com/batonhq/baton/internal/proc"
	"github.com/batonhq/baton/internal/signing"
	"github.com/batonhq/baton/state"
	"github.com/zclconf/go-cty/cty"
)

func init() {
	register(&command{name: "apply", synopsis: "start a run of a runbook against the live site", usage: "RUNBOOK|PLANFILE [-var name=value] [-var-file FILE] [-json] [-parallelism N] [--wait-approvals]", run: cmdApply})
	register(&command{name: "resume", synopsis: "continue a paused or interrupted run", usage: "RUN RUNBOOK [-var ...] [--accept-changes] [--override-window --by NAME --reason TEXT] [--sign|--key FILE]", run: cmdResume})
	register(&command{name: "status", synopsis: "show a run and the state of each step", usage: "RUN [-json]", run: cmdStatus})
	register(&command{name: "runs", synopsis: "list runs", usage: "[-json]", run: cmdRuns})
	register(&command{name: "logs", synopsis: "print the captured output of a run's steps", usage: "RUN [STEP]", run: cmdLogs})
	register(&command{name: "approve", synopsis: "approve an approval or confirm a manual step", usage: "RUN STEP --by NAME [--comment TEXT]", run: func(ctx context.Context, env *cliEnv, a []string) int { return cmdAnswer(ctx, env, a, "approved") }})
	register(&command{name: "reject", synopsis: "reject an approval (the step fails)", usage: "RUN STEP --by NAME [--comment TEXT]", run: func(ctx context.Context, env *cliEnv, a []string) int { return cmdAnswer(ctx, env, a, "rejected") }})
	register(&command{name: "resolve", synopsis: "decide the outcome of an in-doubt step", usage: "RUN STEP --succeeded|--failed|--retry --by NAME --reason TEXT", run: cmdResolve})
	register(&command{name: "cancel", synopsis: "stop a run at the next safe point", usage: "RUN [--by NAME]", run: cmdCancel})
	register(&command{name: "unlock", synopsis: "end the run holding a lock for good, releasing the lock (journaled)", usage: "KEY --supersede --by NAME --reason TEXT", run: cmdUnlock})
	register(&command{name: "locks", synopsis: "list the held locks with their runs", usage: "[-json]", run: cmdLocks})
	register(&command{name: "journal", synopsis: "print or verify a run's hash-chained journal", usage: "RUN [-json] | verify RUN", run: cmdJournal})
}

// runFlags are shared by apply and resume.
type runFlags struct {
	inputs      inputFlags
	st          stateFlag
	json        bool
	parallelism int
	wait        bool
	force       bool
	reason      string
	respend     string
	signers     signersFlag
	sign        signFlags // apply: sign the run's start
}

func (f *runFlags) register(fs *flag.FlagSet) {
	f.inputs.register(fs)
	f.st.register(fs)
	fs.BoolVar(&f.json, "json", false, "stream progress as JSON Lines on stdout")
	fs.IntVar(&f.parallelism, "parallelism", 4, "maximum steps running at once")
	fs.BoolVar(&f.wait, "wait-approvals", false, "keep waiting while only approvals are pending (default: pause and exit 4)")
	f.signers.register(fs)
}

// registerApply adds the flags only apply has.
func (f *runFlags) registerApply(fs *flag.FlagSet) {
	fs.BoolVar(&f.force, "force", false, "supersede the run holding the lock when no live process executes it (paused, or crashed); journaled in both runs")
	fs.StringVar(&f.reason, "reason", "", "why (with --force; journaled)")
	fs.StringVar(&f.respend, "respend", "", "apply a saved plan again: the run it started before (which must have ended before any point of no return)")
	f.sign.register(fs, "the start of the run (the requester becomes a key, not only a name)")
}

// options are the executor's options for apply (run nil) or resume.
func (f *runFlags) options(env *cliEnv, st state.Backend, run *state.Run, rb *runbook.Runbook) (executor.Options, error) {
	var obs executor.Observer = &humanProgress{w: env.io.out}
	if f.json {
		obs = newJSONProgress(env.io.out)
	}
	var as *signing.AllowedSigners
	if f.signers.path != "" || rb.AllowedSigners == nil {
		// A runbook's own allowed_signers comes with the runbook.
		var err error
		if as, err = f.signers.load(run); err != nil {
			return executor.Options{}, err
		}
	}
	var starter signing.Signer
	if run == nil {
		var err error
		if starter, err = f.sign.signer(); err != nil {
			return executor.Options{}, err
		}
	}
	return executor.Options{
		Store: st, Clock: clock.Wall{}, Log: env.log, Redactor: env.red, Observer: obs, Parallelism: f.parallelism,
		Requester: currentUser(), EngineVersion: version.Version, WaitForApprovals: f.wait, ForceLock: f.force,
		ForceReason: f.reason, Respend: f.respend, AllowedSigners: as, StartSigner: starter,
	}, nil
}

func resultCode(res executor.Result) int {
	switch res.Status {
	case state.RunSucceeded:
		return exitOK
	case state.RunPaused:
		return exitPaused
	}
	return exitError
}

func cmdApply(ctx context.Context, env *cliEnv, args []string) int {
	c := commands["apply"]
	fs := newFlags(c, env)
	var f runFlags
	f.register(fs)
	f.registerApply(fs)
	pos, code := parseChecked(fs, args, exactly(1))
	if code >= 0 {
		return code
	}
	if f.force && f.reason == "" {
		return fail(env, errors.New("--force supersedes the run holding the lock: say why with --reason TEXT (journaled in both runs)"))
	}
	rbPath, planDigest := pos[0], ""
	var saved *plan.Plan
	if isPlanFile(pos[0]) {
		var err error
		if saved, err = plan.LoadFile(pos[0]); err != nil {
			return fail(env, err)
		}
		rbPath, planDigest = saved.Runbook.Path, saved.PlanDigest
	}
	rb := loadRunbook(env, rbPath)
	if rb == nil {
		return exitError
	}
	vars, ok := resolveInputs(env, rb, &f.inputs)
	if !ok {
		return exitError
	}
	st, err := openStateFor(env, &f.st, false)
	if err != nil {
		return fail(env, err)
	}
	defer st.Close()
	opts, err := f.options(env, st, nil, rb)
	if err != nil {
		return fail(env, err)
	}
	meta := executor.Meta{RunbookPath: rbPath, PlanDigest: planDigest, Target: "live", Inputs: displayInputs(vars)}
	var res executor.Result
	if saved == nil {
		res, err = executor.Start(ctx, rb, vars, opts, meta)
	} else {
		res, err = applySaved(ctx, env, rb, vars, saved, rbPath, opts, meta)
	}
	if err != nil {
		return fail(env, stateErr(err))
	}
	return resultCode(res)
}

// applySaved applies a saved plan, its checks observed as it was made
// (the live site when it was refreshed).
func applySaved(ctx context.Context, env *cliEnv, rb *runbook.Runbook, vars map[string]cty.Value, saved *plan.Plan, rbPath string, opts executor.Options, meta executor.Meta) (executor.Result, error) {
	sf := siteFlags{}
	if saved.Refreshed {
		sf.target = "live"
	}
	popts, done, err := planOptions(env, rb, vars, &sf, saved.Refreshed, rbPath)
	if err != nil {
		return executor.Result{}, err
	}
	defer done()
	return executor.Apply(ctx, rb, vars, saved, popts, opts, meta)
}

func cmdResume(ctx context.Context, env *cliEnv, args []string) int {
	c := commands["resume"]
	fs := newFlags(c, env)
	var f runFlags
	f.register(fs)
	var ro executor.ResumeOptions
	fs.BoolVar(&ro.AcceptChanges, "accept-changes", false, "resume although the runbook files changed since the run started")
	fs.BoolVar(&ro.OverrideWindow, "override-window", false, "let a point of no return start although the change window is too short")
	fs.StringVar(&ro.By, "by", "", "who decides (with --accept-changes or --override-window)")
	fs.StringVar(&ro.Reason, "reason", "", "why (with --override-window)")
	var sign signFlags
	sign.register(fs, "the resume's decisions (--override-window, --accept-changes)")
	pos, code := parseChecked(fs, args, func(pos []string) bool { return len(pos) == 1 || len(pos) == 2 })
	if code >= 0 {
		return code
	}
	if ro.OverrideWindow && (ro.By == "" || ro.Reason == "") {
		return fail(env, errors.New("--override-window needs --by NAME and --reason TEXT: the decision is journaled"))
	}
	signer, err := sign.signer()
	if err != nil {
		return fail(env, err)
	}
	ro.Signer = signer
	if ro.By == "" {
		ro.By = currentUser()
	}
	st, err := openStateFor(env, &f.st, false)
	if err != nil {
		return fail(env, err)
	}
	defer st.Close()
	run, err := st.Run(pos[0])
	if err != nil {
		return fail(env, fmt.Errorf("run %s: %w (list runs with baton runs)", pos[0], err))
	}
	path := run.RunbookPath
	if len(pos) == 2 {
		path = pos[1]
	}
	rb := loadRunbook(env, path)
	if rb == nil {
		return exitError
	}
	vars, ok := resolveInputs(env, rb, &f.inputs)
	if !ok {
		return exitError
	}
	opts, err := f.options(env, st, &run, rb)
	if err != nil {
		return fail(env, err)
	}
	res, err := executor.Resume(ctx, rb, vars, pos[0], opts, ro)
	if err != nil {
		var sc *executor.SourcesChangedError
		if errors.As(err, &sc) {
			fmt.Fprintf(env.io.err, "The runbook changed since run %s started:\n", pos[0])
			for _, x := range sc.Changed {
				fmt.Fprintf(env.io.err, "  ~ %s\n", x)
			}
			for _, x := range sc.Added {
				fmt.Fprintf(env.io.err, "  + %s\n", x)
			}
			for _, x := range sc.Removed {
				fmt.Fprintf(env.io.err, "  - %s\n", x)
			}
		}
		return fail(env, stateErr(err))
	}
	return resultCode(res)
}

func cmdStatus(_ context.Context, env *cliEnv, args []string) int {
	var asJSON *bool
	return stateCommand(env, "status", args, true, func(fs *flag.FlagSet) func([]string) bool {
		asJSON = fs.Bool("json", false, "print JSON")
		return func(pos []string) bool { return len(pos) == 1 }
	}, func(st state.Backend, pos []string) int {
		run, err := st.Run(pos[0])
		if err != nil {
			return fail(env, fmt.Errorf("run %s: %w (list runs with baton runs)", pos[0], err))
		}
		recs, err := st.Steps(pos[0])
		if err != nil {
			return fail(env, err)
		}
		if *asJSON {
			for i := range recs {
				recs[i].Output = nil
			}
			return printJSON(env, map[string]any{"run": run, "steps": recs})
		}
		w := env.io.out
		fmt.Fprintf(w, "Run %s: %s", run.ID, run.Status)
		if run.Reason != "" {
			fmt.Fprintf(w, " (%s)", run.Reason)
		}
		fmt.Fprintf(w, "\n  runbook   %s %s (%s)\n  started   %s by %s on %s\n", run.Runbook, run.Version, run.RunbookPath, run.CreatedAt.UTC().Format(time.RFC3339), run.Requester, run.Host)
		if run.RequesterKey != "" {
			fmt.Fprintf(w, "  signed    by key %s\n", run.RequesterKey)
		}
		if run.LockKey != "" {
			fmt.Fprintf(w, "  lock      %s\n", run.LockKey)
		}
		if run.PlanDigest != "" {
			fmt.Fprintf(w, "  plan      %s\n", run.PlanDigest)
		}
		writeOwner(w, run)
		fmt.Fprintln(w)
		sort.SliceStable(recs, func(i, j int) bool { return stepSortKey(recs[i]) < stepSortKey(recs[j]) })
		tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
		fmt.Fprintln(tw, "STEP\tSTATE\tATTEMPT\tDETAIL")
		for _, r := range recs {
			detail := firstOf(r.Error, r.Reason)
			if r.Status == state.StepAwaitingApproval {
				detail = fmt.Sprintf("%d approval(s) so far; baton approve %s %s --by NAME", len(r.Approvals), run.ID, runbook.CommandWord(r.Name))
				if !r.Deadline.IsZero() {
					detail += "; expires " + r.Deadline.UTC().Format(time.RFC3339)
				}
			}
			if r.Status == state.StepWaiting && !r.Deadline.IsZero() {
				detail = "deadline " + r.Deadline.UTC().Format(time.RFC3339)
			}
			if r.Status == state.StepInDoubt {
				detail += fmt.Sprintf("; baton resolve %s %s --succeeded|--failed|--retry --by NAME --reason TEXT", run.ID, runbook.CommandWord(r.Name))
			}
			if p := r.Process; p != nil && (run.Owner == nil || run.Owner.Gone(time.Now())) && p.Host == hostName() && proc.TreeAlive(p.PID, p.Start) {
				detail = fmt.Sprintf("its process (pid %d on %s, started %s) is still running with no baton attached; baton resume waits for it before verifying; ", p.PID, p.Host, p.Since.UTC().Format(time.RFC3339)) + detail
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", r.Name, r.Status, r.Attempt, oneLine(detail, 110))
		}
		tw.Flush()
		return exitOK
	})
}

func hostName() string {
	h, _ := state.HostID()
	return h
}

// writeOwner says who executes the run, or who superseded it.
func writeOwner(w io.Writer, run state.Run) {
	switch {
	case run.Superseded != nil:
		sup := run.Superseded
		fmt.Fprintf(w, "  superseded by %s at %s: %s", sup.By, sup.At.UTC().Format(time.RFC3339), sup.Reason)
		if sup.ByRun != "" {
			fmt.Fprintf(w, " (run %s took over)", sup.ByRun)
		}
		fmt.Fprintln(w)
	case run.Owner != nil:
		o := run.Owner
		alive := "alive"
		if o.Gone(time.Now()) {
			alive = "gone: baton resume takes it over"
		}
		fmt.Fprintf(w, "  owner     pid %d on %s (%s, since %s, heartbeat %s; %s)\n", o.PID, o.Host, o.User,
			o.Since.UTC().Format(time.RFC3339), o.Renewed.UTC().Format(time.RFC3339), alive)
	case !run.Status.Done():
		fmt.Fprintln(w, "  owner     none: no process executes this run; baton resume RUN continues it")
	}
}

// stepSortKey orders steps by when they started, pending ones last.
func stepSortKey(r state.StepRecord) string {
	if r.StartedAt.IsZero() {
		if r.FinishedAt.IsZero() {
			return "9" + r.Name
		}
		return "1" + r.FinishedAt.UTC().Format(time.RFC3339Nano)
	}
	return "1" + r.StartedAt.UTC().Format(time.RFC3339Nano)
}

func cmdRuns(_ context.Context, env *cliEnv, args []string) int {
	var asJSON *bool
	return stateCommand(env, "runs", args, true, func(fs *flag.FlagSet) func([]string) bool {
		asJSON = fs.Bool("json", false, "print JSON")
		return func(pos []string) bool { return len(pos) == 0 }
	}, func(st state.Backend, _ []string) int {
		runs, err := st.Runs()
		if err != nil {
			return fail(env, err)
		}
		if *asJSON {
			return printJSON(env, runs)
		}
		tw := tabwriter.NewWriter(env.doc(), 0, 2, 2, ' ', 0)
		fmt.Fprintln(tw, "RUN\tRUNBOOK\tSTATUS\tSTARTED\tBY\tTARGET")
		for _, r := range runs {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Runbook, r.Status, r.CreatedAt.UTC().Format(time.RFC3339), r.Requester, r.Target)
		}
		tw.Flush()
		return exitOK
	})
}

func cmdLogs(_ context.Context, env *cliEnv, args []string) int {
	return stateCommand(env, "logs", args, true, func(fs *flag.FlagSet) func([]string) bool {
		return func(pos []string) bool { return len(pos) == 1 || len(pos) == 2 }
	}, func(st state.Backend, pos []string) int {
		step := ""
		if len(pos) == 2 {
			step = pos[1]
		}
		b, err := st.Logs(pos[0], step)
		if err != nil {
			return fail(env, err)
		}
		_, _ = env.doc().Write(b)
		return exitOK
	})
}

func cmdAnswer(ctx context.Context, env *cliEnv, args []string, decision string) int {
	name := "approve"
	if decision == "rejected" {
		name = "reject"
	}
	if len(args) > 0 && (hasFlag(args, "sign-only") || hasFlag(args, "import")) {
		return offlineAnswer(env, name, decision, args)
	}
	var by, comment *string
	var sign signFlags
	var signers signersFlag
	return stateCommand(env, name, args, false, func(fs *flag.FlagSet) func([]string) bool {
		by = fs.String("by", "", "who answers (required; with a signature, a principal of the allowed-signers file)")
		comment = fs.String("comment", "", "a comment for the record")
		sign.register(fs, "the decision")
		signers.register(fs)
		fs.Bool("sign-only", false, "sign the decision into -o FILE without touching any state (on the approver's own machine; needs --plan)")
		fs.String("import", "", "record the signed decision in FILE (made with --sign-only)")
		return func(pos []string) bool { return len(pos) == 2 && *by != "" }
	}, func(st state.Backend, pos []string) int {
		d, err := decisionFor(st, pos[0], pos[1], name, decision, *by, *comment, &sign, &signers)
		if err != nil {
			return fail(env, stateErr(err))
		}
		return recordAnswer(env, st, pos[0], pos[1], d)
	})
}

// recordAnswer records a decision and says so.
func recordAnswer(env *cliEnv, st state.Backend, runID, step string, d executor.Decision) int {
	if err := executor.AnswerWith(st, runID, step, d, time.Now()); err != nil {
		return fail(env, stateErr(err))
	}
	how := "unsigned"
	if d.Signed != nil {
		how = "signed"
	}
	fmt.Fprintf(env.io.out, "%s %s of run %s as %s (%s)\n", strings.ToUpper(d.Decision[:1])+d.Decision[1:], step, runID, d.By, how)
	return exitOK
}

func hasFlag(args []string, name string) bool {
	for _, a := range args {
		if a == "-"+name || a == "--"+name || strings.HasPrefix(a, "-"+name+"=") || strings.HasPrefix(a, "--"+name+"=") {
			return true
		}
	}
	return false
}

// offlineAnswer is approve --sign-only (sign on a machine without the
// run's state) and approve --import (record such a decision).
func offlineAnswer(env *cliEnv, name, decision string, args []string) int {
	fs := newFlags(commands[name], env)
	by := fs.String("by", "", "who answers: a principal of the allowed-signers file")
	comment := fs.String("comment", "", "a comment for the record")
	signOnly := fs.Bool("sign-only", false, "sign the decision into -o FILE without touching any state")
	out := fs.String("o", "", "the signed decision file (with --sign-only)")
	planFile := fs.String("plan", "", "the plan file the change board reviewed (with --sign-only)")
	importFile := fs.String("import", "", "record the signed decision in FILE")
	var sign signFlags
	sign.register(fs, "the decision")
	var signers signersFlag
	signers.register(fs)
	var sf stateFlag
	sf.register(fs)
	pos, code := parseChecked(fs, args, func(pos []string) bool {
		if *signOnly {
			return len(pos) == 2 && *by != "" && *out != "" && *planFile != ""
		}
		return len(pos) == 0 && *importFile != ""
	})
	if code >= 0 {
		return code
	}
	if *signOnly {
		return signOffline(env, name, *by, *comment, pos, *planFile, *out, &sign)
	}
	b, err := inputfile.Read(*importFile, inputfile.DecisionLimit, "signed decision")
	if err != nil {
		return fail(env, fmt.Errorf("reading the signed decision: %w", err))
	}
	runID, step, d, err := executor.ImportDecision(b)
	if err != nil {
		return fail(env, err)
	}
	st, err := openState(&sf, false)
	if err != nil {
		return fail(env, err)
	}
	defer st.Close()
	run, err := st.Run(runID)
	if err != nil {
		return fail(env, fmt.Errorf("run %s: %w", runID, err))
	}
	if d.AllowedSigners, err = signers.load(&run); err != nil {
		return fail(env, err)
	}
	return recordAnswer(env, st, runID, step, d)
}

func signOffline(env *cliEnv, kind, by, comment string, pos []string, planFile, out string, sign *signFlags) int {
	p, err := plan.LoadFile(planFile)
	if err != nil {
		return fail(env, err)
	}
	sg, err := sign.signer()
	if err == nil && sg == nil {
		err = errors.New("--sign-only needs a key: --sign (the ssh-agent) or --key FILE")
	}
	if err != nil {
		return fail(env, err)
	}
	b, err := executor.SignOffline(sg, pos[0], pos[1], kind, by, comment, p.PlanDigest, p.Runbook.SourceDigest, time.Now())
	if err != nil {
		return fail(env, err)
	}
	if err := os.WriteFile(out, b, 0o644); err != nil {
		return fail(env, err)
	}
	fmt.Fprintf(env.io.out, "Signed %s of %s in run %s as %s into %s; on the machine running the change: baton %s --import %s\n", kind, pos[1], pos[0], by, out, kind, filepath.Base(out))
	return exitOK
}

// decisionFor builds a decision (an approval, a rejection, or with kind
// "resolve" a resolution), signed when asked, with the allowed signers the
// run pinned.
func decisionFor(st state.Backend, runID, step, kind, decision, by, comment string, sign *signFlags, signers *signersFlag) (executor.Decision, error) {
	d := executor.Decision{By: by, Comment: comment, Decision: decision}
	run, err := st.Run(runID)
	if err != nil {
		return d, fmt.Errorf("run %s: %w (list runs with baton runs)", runID, err)
	}
	if d.AllowedSigners, err = signers.load(&run); err != nil {
		return d, err
	}
	sg, err := sign.signer()
	if err != nil || sg == nil {
		return d, err
	}
	resolution := ""
	if kind == "resolve" {
		resolution = decision
	}
	d.Signed, err = executor.SignDecision(st, sg, runID, step, kind, resolution, by, comment, time.Now())
	return d, err
}

func cmdResolve(_ context.Context, env *cliEnv, args []string) int {
	var succeeded, failed, retry *bool
	var by, reason *string
	var sign signFlags
	var signers signersFlag
	decision := ""
	return stateCommand(env, "resolve", args, false, func(fs *flag.FlagSet) func([]string) bool {
		sign.register(fs, "the decision")
		signers.register(fs)
		succeeded = fs.Bool("succeeded", false, "the action took effect")
		failed = fs.Bool("failed", false, "the action did not take effect and must not be retried")
		retry = fs.Bool("retry", false, "run the action again")
		by = fs.String("by", "", "who decides (required)")
		reason = fs.String("reason", "", "why (required)")
		return func(pos []string) bool {
			n := 0
			for d, set := range map[string]bool{"succeeded": *succeeded, "failed": *failed, "retry": *retry} {
				if set {
					n++
					decision = d
				}
			}
			return len(pos) == 2 && n == 1 && *by != "" && *reason != ""
		}
	}, func(st state.Backend, pos []string) int {
		d, err := decisionFor(st, pos[0], pos[1], "resolve", decision, *by, *reason, &sign, &signers)
		if err != nil {
			return fail(env, stateErr(err))
		}
		if err := executor.ResolveWith(st, pos[0], pos[1], d, time.Now()); err != nil {
			return fail(env, stateErr(err))
		}
		fmt.Fprintf(env.io.out, "Recorded: %s of run %s resolved as %s by %s. Continue with: baton resume %s\n", pos[1], pos[0], decision, *by, pos[0])
		return exitOK
	})
}

func cmdCancel(_ context.Context, env *cliEnv, args []string) int {
	var by *string
	return stateCommand(env, "cancel", args, false, func(fs *flag.FlagSet) func([]string) bool {
		by = fs.String("by", currentUser(), "who cancels")
		return func(pos []string) bool { return len(pos) == 1 }
	}, func(st state.Backend, pos []string) int {
		msg, err := executor.Cancel(st, pos[0], *by, time.Now())
		if err != nil {
			return fail(env, stateErr(err))
		}
		fmt.Fprintln(env.io.out, msg)
		return exitOK
	})
}

func cmdUnlock(_ context.Context, env *cliEnv, args []string) int {
	var by, reason *string
	var supersede *bool
	return stateCommand(env, "unlock", args, false, func(fs *flag.FlagSet) func([]string) bool {
		supersede = fs.Bool("supersede", false, "required: the holding run ends for good and can never resume")
		by = fs.String("by", "", "who supersedes the run (required; journaled)")
		reason = fs.String("reason", "", "why (required; journaled)")
		return func(pos []string) bool { return len(pos) == 1 && *supersede && *by != "" && *reason != "" }
	}, func(st state.Backend, pos []string) int {
		runID, err := executor.Supersede(st, pos[0], *by, *reason, time.Now())
		if err != nil {
			return fail(env, stateErr(err))
		}
		fmt.Fprintf(env.io.out, "Run %s is superseded (recorded in its journal) and lock %s is free.\n", runID, pos[0])
		return exitOK
	})
}

func cmdLocks(_ context.Context, env *cliEnv, args []string) int {
	var asJSON *bool
	return stateCommand(env, "locks", args, true, func(fs *flag.FlagSet) func([]string) bool {
		asJSON = fs.Bool("json", false, "print JSON")
		return func(pos []string) bool { return len(pos) == 0 }
	}, func(st state.Backend, _ []string) int {
		locks, err := st.Locks()
		if err != nil {
			return fail(env, err)
		}
		type row struct {
			state.LockHolder
			RunStatus state.RunStatus `json:"run_status"`
			Reason    string          `json:"reason,omitempty"`
			Owner     *state.Owner    `json:"owner,omitempty"`
		}
		rows := make([]row, 0, len(locks))
		for _, l := range locks {
			r := row{LockHolder: l}
			if run, err := st.Run(l.RunID); err == nil {
				r.RunStatus, r.Reason, r.Owner = run.Status, run.Reason, run.Owner
			}
			rows = append(rows, r)
		}
		if *asJSON {
			return printJSON(env, rows)
		}
		tw := tabwriter.NewWriter(env.doc(), 0, 2, 2, ' ', 0)
		fmt.Fprintln(tw, "LOCK\tRUN\tSTATE\tSINCE\tBY\tHOLDER")
		for _, r := range rows {
			holder := "no process (resume it, or supersede it)"
			if r.Owner != nil {
				holder = fmt.Sprintf("pid %d on %s", r.Owner.PID, r.Owner.Host)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Key, r.RunID, r.RunStatus, r.Since.UTC().Format(time.RFC3339), r.User, holder)
		}
		tw.Flush()
		return exitOK
	})
}

func cmdJournal(_ context.Context, env *cliEnv, args []string) int {
	var asJSON *bool
	var signers signersFlag
	var anchor *string
	return stateCommand(env, "journal", args, true, func(fs *flag.FlagSet) func([]string) bool {
		asJSON = fs.Bool("json", false, "print JSON Lines")
		anchor = fs.String("head", "", "with verify: a head hash recorded elsewhere (the change ticket, a colleague's copy); the journal must still contain it")
		signers.register(fs)
		return func(pos []string) bool { return len(pos) == 1 || len(pos) == 2 && pos[0] == "verify" }
	}, func(st state.Backend, pos []string) int {
		if len(pos) == 2 { // verify RUN
			head, err := st.VerifyJournal(pos[1])
			if err != nil {
				return fail(env, err)
			}
			if *anchor != "" && !strings.EqualFold(*anchor, head) && !headFollows(st, pos[1], *anchor) {
				return fail(env, fmt.Errorf("%w: run %s: the head recorded elsewhere (%s) is not an entry of this journal: the journal was rewritten from some point on; keep a copy of the state file as evidence", state.ErrTampered, pos[1], *anchor))
			}
			fmt.Fprintf(env.io.out, "Journal of run %s verifies; head %s\n", pos[1], head)
			return verifySignatures(env, st, pos[1], &signers)
		}
		entries, err := st.Journal(pos[0])
		if err != nil {
			return fail(env, err)
		}
		if *asJSON {
			enc := json.NewEncoder(env.doc())
			for _, e := range entries {
				_ = enc.Encode(e)
			}
			return exitOK
		}
		for _, e := range entries {
			keys := make([]string, 0, len(e.Data))
			for k := range e.Data {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			var kv []string
			for _, k := range keys {
				kv = append(kv, k+"="+e.Data[k])
			}
			step := ""
			if e.Step != "" {
				step = " " + e.Step
			}
			who := e.Actor
			if e.Identity != "" {
				who += " [" + e.Identity + "]"
			}
			fmt.Fprintf(env.doc(), "%4d %s %-24s%s by %s %s\n", e.Seq, e.At.UTC().Format(time.RFC3339), e.Type, step, who, oneLine(strings.Join(kv, " "), 140))
		}
		return exitOK
	})
}

// headFollows reports whether head is the hash of an entry of the run's
// journal: a head recorded earlier stays in a journal only appended to.
func headFollows(st state.Backend, runID, head string) bool {
	entries, err := st.Journal(runID)
	if err != nil {
		return false
	}
	for _, e := range entries {
		if strings.EqualFold(e.Hash, head) {
			return true
		}
	}
	return false
}

// verifySignatures re-verifies the signed decisions of a run that pinned
// an allowed-signers file.
func verifySignatures(env *cliEnv, st state.Backend, runID string, signers *signersFlag) int {
	run, err := st.Run(runID)
	if err != nil || run.AllowedSignersDigest == "" {
		return exitOK
	}
	as, err := signers.load(&run)
	if err != nil {
		return fail(env, err)
	}
	ok, unsigned, err := executor.VerifyDecisions(st, runID, as)
	if err != nil {
		return fail(env, err)
	}
	fmt.Fprintf(env.io.out, "%d signed decisions verify against %s; %d unsigned answers (never counted)\n", ok, as.Name(), unsigned)
	return exitOK
}

func printJSON(env *cliEnv, v any) int {
	enc := json.NewEncoder(env.doc())
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fail(env, err)
	}
	return exitOK
}

func firstOf(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		return s[:n-1] + "…"
	}
	return s
}

var _ = os.Stdout

// stateCommand is the frame of the commands that work on the state file:
// it registers --state and the command's own flags (define, which returns
// the check of the positional arguments), parses, opens the store
// (read-only when readOnly) and runs body with it.
func stateCommand(env *cliEnv, name string, args []string, readOnly bool, define func(*flag.FlagSet) func([]string) bool, body func(state.Backend, []string) int) int {
	fs := newFlags(commands[name], env)
	var sf stateFlag
	sf.register(fs)
	argsOK := define(fs)
	pos, code := parseChecked(fs, args, argsOK)
	if code >= 0 {
		return code
	}
	st, err := openState(&sf, readOnly)
	if err != nil {
		return fail(env, err)
	}
	defer st.Close()
	return body(st, pos)
}
