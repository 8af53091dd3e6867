package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/batonhq/baton/engine/lang"
	"github.com/batonhq/baton/engine/rehearse"
	"github.com/batonhq/baton/state"
)

func cmdRehearse(ctx context.Context, env *cliEnv, args []string) int {
	fs := newFlags(commands["rehearse"], env)
	var in inputFlags
	in.register(fs)
	var sf siteFlags
	sf.register(fs)
	var stf stateFlag
	stf.register(fs)
	approveAll := fs.Bool("approve-all", false, "answer every approval and manual step (not in --approvals) with its listed approvers")
	approvalDelay := fs.String("approval-delay", "0s", "with --approve-all: how long each answer takes, in virtual time (\"15m\")")
	approvalsFile := fs.String("approvals", "", `JSON file answering approvals: {"step": [{"by": "alice", "decision": "approved", "after": "20m", "comment": "..."}]}`)
	asJSON := fs.Bool("json", false, "print the report as JSON")
	quiet := fs.Bool("quiet", false, "print only the report, not the live progress")
	pos, code := parse(fs, args)
	if code >= 0 {
		return code
	}
	if len(pos) != 1 || sf.site == "" {
		fs.Usage()
		return exitError
	}
	rb := loadRunbook(env, pos[0])
	if rb == nil {
		return exitError
	}
	vars, ok := sf.resolveInputs(env, rb, &in)
	if !ok {
		return exitError
	}
	fx, name, err := loadFixture(sf.site)
	if err != nil {
		return fail(env, err)
	}
	delay, err := lang.ParseDuration(*approvalDelay)
	if err != nil || delay < 0 {
		return fail(env, fmt.Errorf("--approval-delay %q: give a duration like \"15m\"", *approvalDelay))
	}
	answers := rehearse.Answers{All: *approveAll, Delay: delay}
	if *approvalsFile != "" {
		b, err := os.ReadFile(*approvalsFile)
		if err != nil {
			return fail(env, fmt.Errorf("reading the approvals file: %w", err))
		}
		if answers.Steps, err = rehearse.ParseAnswers(b, rb); err != nil {
			return fail(env, fmt.Errorf("%s: %w", *approvalsFile, err))
		}
	}
	var progress io.Writer = env.io.err
	if *quiet || *asJSON {
		progress = io.Discard
	}
	rep, err := rehearseWith(ctx, env, rb, vars, fx, name, sf.scenario, answers, progress, pos[0], stf.resolved())
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
		fmt.Fprintf(env.io.out, "\nJournal: baton journal %s --state %s\n", rep.RunID, stf.resolved())
	}
	switch {
	case rep.Succeeded():
		return exitOK
	case rep.Status == string(state.RunPaused):
		return exitPaused
	}
	return exitError
}
