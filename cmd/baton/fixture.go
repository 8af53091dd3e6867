package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/batonhq/baton/engine/lang"
	"github.com/batonhq/baton/engine/runbook"
	"github.com/batonhq/baton/engine/version"
	"github.com/batonhq/baton/fixtures/capture"
	"github.com/batonhq/baton/steps/configmgr"
)

func init() {
	register(&command{name: "fixture", synopsis: "make simulated-site fixtures: capture a live site's facts", usage: "capture RUNBOOK [-var ...] -o FILE [--pseudonymise] [--pseudonymise-site-code] [--force]", run: cmdFixture})
}

// fixtureNow is the capture clock; tests replace it.
var fixtureNow = time.Now

// fixtureCapture is the usage of baton fixture capture.
var fixtureCapture = &command{
	name:     "fixture capture",
	synopsis: "read a live site's facts through the read-only checks of the runbook's configmgr target (as plan --target live does) and write them as a fixture for baton rehearse --site FILE",
	usage:    "RUNBOOK [-var ...] [-var-file ...] [--target live] [--target-block NAME] -o FILE [--pseudonymise] [--pseudonymise-site-code] [--force]",
}

func cmdFixture(ctx context.Context, env *cliEnv, args []string) int {
	if len(args) > 0 && args[0] == "capture" {
		return cmdFixtureCapture(ctx, env, args[1:])
	}
	help := len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help")
	w := env.io.err
	if help {
		w = env.io.out
	}
	fmt.Fprintf(w, "Usage: baton fixture capture %s\n\n%s\n\nRun 'baton fixture capture --help' for its flags.\n", fixtureCapture.usage, fixtureCapture.synopsis)
	if help {
		return exitOK
	}
	if len(args) > 0 {
		fmt.Fprintf(env.io.err, "baton fixture: unknown subcommand %q; the one subcommand is capture\n", args[0])
	}
	return exitError
}

type captureFlags struct {
	in                   inputFlags
	target, block, out   string
	force, pseudo, codes bool
}

func (f *captureFlags) register(env *cliEnv) func([]string) ([]string, int) {
	fs := newFlags(fixtureCapture, env)
	f.in.register(fs)
	fs.StringVar(&f.target, "target", "live", `what to read: "live", the runbook's configmgr target (the only choice)`)
	fs.StringVar(&f.block, "target-block", "", "the runbook's configmgr target block to read, when it declares several")
	fs.StringVar(&f.out, "o", "", "write the fixture to FILE (required)")
	fs.BoolVar(&f.force, "force", false, "replace FILE if it exists")
	fs.BoolVar(&f.pseudo, "pseudonymise", false, "replace every host name by server<N>.example.test (the same host, the same name)")
	fs.BoolVar(&f.codes, "pseudonymise-site-code", false, "replace site codes (and site names) too")
	return func(args []string) ([]string, int) { return parseChecked(fs, args, exactly(1)) }
}

func cmdFixtureCapture(ctx context.Context, env *cliEnv, args []string) int {
	var f captureFlags
	pos, code := f.register(env)(args)
	if code >= 0 {
		return code
	}
	switch {
	case f.target != "live":
		return fail(env, fmt.Errorf("--target %q: baton fixture capture reads a live site (--target live); a simulated site is already a fixture", f.target))
	case f.out == "":
		return fail(env, errors.New("say where to write the fixture with -o FILE"))
	}
	if err := refuseExisting(f.out, f.force); err != nil {
		return fail(env, err)
	}
	rb := loadRunbook(env, pos[0])
	if rb == nil {
		return exitError
	}
	vars, ok := resolveInputs(env, rb, &f.in)
	if !ok {
		return exitError
	}
	site, origin, err := openCaptureTarget(ctx, env, rb, vars, f.block)
	if err != nil {
		return fail(env, err)
	}
	defer site.Close()
	res, err := capture.Capture(ctx, site, capture.Options{
		Now: fixtureNow().UTC(), Version: version.Version, Origin: origin,
		Pseudonymise: f.pseudo, PseudonymiseSiteCode: f.codes,
	})
	if err != nil {
		return fail(env, err)
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(env.io.err, "Warning: %s\n", w)
	}
	if err := writeFileAtomic(f.out, res.Fixture, f.force); err != nil {
		return fail(env, err)
	}
	fmt.Fprintf(env.io.err, "Captured site %s into %s (%d warnings). Rehearse against it with: baton rehearse %s --site %s --scenario %s\n",
		res.SiteCode, f.out, len(res.Warnings), pos[0], f.out, capture.Scenario)
	return exitOK
}

// captureSite is what a capture needs of the opened target.
type captureSite interface {
	capture.FactReader
	Close() error
}

// openCaptureTarget opens the runbook's configmgr target as plan --target
// live does: its block evaluated with the inputs, opened by the target
// type (the live backend).
func openCaptureTarget(ctx context.Context, env *cliEnv, rb *runbook.Runbook, vars map[string]cty.Value, name string) (captureSite, capture.Origin, error) {
	decl, err := captureTargetDecl(rb, name)
	if err != nil {
		return nil, capture.Origin{}, err
	}
	locals, diags := runbook.EvalLocals(rb, vars, nil)
	if diags.HasErrors() {
		return nil, capture.Origin{}, fmt.Errorf("evaluating the runbook's locals: %w", diags)
	}
	scope := &lang.Scope{Vars: vars, Locals: locals, Targets: runbook.TargetValues(rb)}
	args, diags := scope.DecodeBody(decl.Body, decl.Kind.Spec())
	if diags.HasErrors() {
		return nil, capture.Origin{}, fmt.Errorf("target %s: %w", decl.Name, diags)
	}
	if !args.IsWhollyKnown() {
		return nil, capture.Origin{}, fmt.Errorf("target %s: some arguments depend on steps; give them as -var values", decl.Name)
	}
	args, _ = args.UnmarkDeep()
	cfg, err := configmgr.DecodeTarget(args)
	if err != nil {
		return nil, capture.Origin{}, fmt.Errorf("target %s: %w", decl.Name, err)
	}
	t, err := decl.Kind.Open(ctx, args, env.log.Named("target."+decl.Name))
	if err != nil {
		return nil, capture.Origin{}, fmt.Errorf("opening target %s: %w", decl.Name, err)
	}
	site, ok := t.(captureSite)
	if !ok {
		_ = t.Close()
		return nil, capture.Origin{}, fmt.Errorf("target %s does not read ConfigMgr facts (a bug in baton)", decl.Name)
	}
	return site, capture.Origin{SQLServer: cfg.SQLServer, Database: cfg.Database}, nil
}

// captureTargetDecl picks the configmgr target block: name, or the only one.
func captureTargetDecl(rb *runbook.Runbook, name string) (*runbook.Target, error) {
	var found []*runbook.Target
	var names []string
	for _, t := range rb.Targets {
		if t.Type != configmgr.TargetType {
			continue
		}
		names = append(names, t.Name)
		if name == "" || t.Name == name {
			found = append(found, t)
		}
	}
	switch {
	case len(names) == 0:
		return nil, errors.New(`the runbook declares no target of type "configmgr"; capture reads the site a runbook's configmgr target names`)
	case len(found) == 0:
		return nil, fmt.Errorf("the runbook has no configmgr target %q; its configmgr targets: %s", name, strings.Join(names, ", "))
	case len(found) > 1:
		return nil, fmt.Errorf("the runbook declares several configmgr targets (%s); choose one with --target-block NAME", strings.Join(names, ", "))
	}
	return found[0], nil
}

// refuseExisting fails when path exists and force is off.
func refuseExisting(path string, force bool) error {
	if force {
		return nil
	}
	if _, err := os.Lstat(path); err == nil {
		return existsError(path)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("checking -o %s: %w", path, err)
	}
	return nil
}

func existsError(path string) error {
	return fmt.Errorf("%s exists: pass --force to replace it, or choose another -o FILE", path)
}

// writeFileAtomic writes data to a temporary file next to path and moves
// it into place, so that path is never left half written. Without force
// an existing path is never replaced.
func writeFileAtomic(path string, data []byte, force bool) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	name := tmp.Name()
	defer func() {
		if err != nil {
			_ = os.Remove(name)
		}
	}()
	if _, err = tmp.Write(data); err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(name, 0o644)
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if !force {
		// A hard link fails if path exists: no window in which another
		// file could be replaced. Where links are not supported, check.
		if lerr := os.Link(name, path); lerr == nil {
			_ = os.Remove(name)
			return nil
		} else if errors.Is(lerr, fs.ErrExist) {
			err = existsError(path)
			return err
		}
		if err = refuseExisting(path, false); err != nil {
			return err
		}
	}
	if err = os.Rename(name, path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
