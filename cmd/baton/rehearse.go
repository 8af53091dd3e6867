package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"github.com/batonhq/baton/internal/inputfile"
	"io"

	"github.com/batonhq/baton/engine/lang"
	"github.com/batonhq/baton/engine/rehearse"
	"github.com/batonhq/baton/engine/runbook"
	"github.com/batonhq/baton/state"
)

func cmdRehearse(ctx context.Context, env *cliEnv, args []string) int {
	fs := newFlags(commands["rehearse"], env)
	var in inputFlags
	in.register(fs)
	var sf siteFlags
	sf.register(fs)
	statePath := fs.String("state", "", "keep the rehearsal's state in FILE (default: a temporary file, removed afterwards; never the live state)")
	var af answerFlags
	af.register(fs, false)
	all := fs.Bool("all-scenarios", false, "rehearse against every scenario of the fixture and print one line each (--scenario is ignored)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	verbose := fs.Bool("v", false, "also stream the live progress to stderr while the rehearsal runs (the report alone by default)")
	quiet := fs.Bool("quiet", false, "print only the report (the default; kept for scripts)")
	pos, code := parseChecked(fs, args, func(pos []string) bool { return len(pos) == 1 && sf.site != "" })
	if code >= 0 {
		return code
	}
	rb := loadRunbook(env, pos[0])
	if rb == nil {
		return exitError
	}
	answers, err := af.answers(rb)
	if err != nil {
		return fail(env, err)
	}
	if *all {
		return rehearseAll(ctx, env, rb, &in, &sf, answers, pos[0], *statePath, *asJSON)
	}
	vars, ok := sf.resolveInputs(env, rb, &in)
	if !ok {
		return exitError
	}
	fx, name, err := sf.fixture()
	if err != nil {
		return fail(env, err)
	}
	if *verbose && *quiet {
		return fail(env, errors.New("-v streams the live progress and --quiet asks for none: give one"))
	}
	progress := io.Discard
	if *verbose {
		progress = env.io.err
	}
	rep, err := rehearseWith(ctx, env, rb, vars, fx, name, sf.scenario, answers, progress, pos[0], *statePath)
	if err != nil {
		return fail(env, stateErr(err))
	}
	if *asJSON {
		if c := printJSON(env, rep); c != exitOK {
			return c
		}
	} else {
		if progress != io.Discard {
			fmt.Fprintln(env.io.err)
		}
		_ = rep.WriteText(env.io.out)
		if *statePath != "" {
			fmt.Fprintf(env.io.out, "\nJournal: baton journal %s --state %s\n", rep.RunID, *statePath)
		}
	}
	switch {
	case rep.Succeeded():
		return exitOK
	case rep.Status == string(state.RunPaused):
		return exitPaused
	}
	return exitError
}

// rehearseAll rehearses rb against every scenario of the fixture, each with
// the scenario's inputs, and prints a line per scenario (or the reports as
// JSON). Outcomes are the output: it fails only when a rehearsal cannot run.
func rehearseAll(ctx context.Context, env *cliEnv, rb *runbook.Runbook, in *inputFlags, sf *siteFlags, answers rehearse.Answers, path, statePath string, asJSON bool) int {
	fx, name, err := sf.fixture()
	if err != nil {
		return fail(env, err)
	}
	var reps []*rehearse.Report
	for _, sc := range fx.Scenarios() {
		vars, ok := resolveInputsOver(env, rb, in, fx.Inputs(sc), "the inputs of fixture "+name+" scenario "+sc)
		if !ok {
			return exitError
		}
		rep, err := rehearseWith(ctx, env, rb, vars, fx, name, sc, answers, io.Discard, path, statePath)
		if err != nil {
			return fail(env, fmt.Errorf("scenario %s: %w", sc, stateErr(err)))
		}
		reps = append(reps, rep)
	}
	if asJSON {
		return printJSON(env, reps)
	}
	fmt.Fprintf(env.io.out, "Rehearsals of %s against every scenario of %s:\n\n", rb.Name, name)
	_ = rehearse.WriteSummaries(env.io.out, reps)
	fmt.Fprintf(env.io.out, "\nDetails of one: baton rehearse %s --site %s --scenario NAME\n", path, sf.site)
	return exitOK
}

// answerFlags are how a rehearsal answers approvals and manual steps.
type answerFlags struct {
	all   bool
	delay string
	file  string
}

// register adds --approvals, --approval-delay and --approve-all. By
// default --approve-all is off, and on where the rehearsal is evidence
// that must run to its end (review --rehearsal).
func (a *answerFlags) register(fs *flag.FlagSet, approveAllByDefault bool) {
	fs.BoolVar(&a.all, "approve-all", approveAllByDefault, "answer every approval and manual step (not in --approvals) with its listed approvers")
	fs.StringVar(&a.delay, "approval-delay", "0s", "how long each --approve-all answer takes, in virtual time (\"15m\")")
	fs.StringVar(&a.file, "approvals", "", `JSON file answering approvals: {"step": [{"by": "alice", "decision": "approved", "after": "20m", "comment": "..."}]}`)
}

func (a *answerFlags) answers(rb *runbook.Runbook) (rehearse.Answers, error) {
	delay, err := lang.ParseDuration(a.delay)
	if err != nil || delay < 0 {
		return rehearse.Answers{}, fmt.Errorf("--approval-delay %q: give a duration like \"15m\"", a.delay)
	}
	if delay > 0 && !a.all {
		return rehearse.Answers{}, fmt.Errorf("--approval-delay applies to the answers of --approve-all: add --approve-all, or give each answer an \"after\" in the --approvals file")
	}
	out := rehearse.Answers{All: a.all, Delay: delay}
	if a.file != "" {
		b, err := inputfile.Read(a.file, inputfile.ApprovalsLimit, "approvals file")
		if err != nil {
			return out, fmt.Errorf("reading the approvals file: %w", err)
		}
		if out.Steps, err = rehearse.ParseAnswers(b, rb); err != nil {
			return out, fmt.Errorf("%s: %w", a.file, err)
		}
	}
	return out, nil
}
