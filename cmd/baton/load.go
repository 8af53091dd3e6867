package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"time"

	"github.com/batonhq/baton/engine/runbook"
	"github.com/batonhq/baton/runbooks"
	"github.com/batonhq/baton/state"
	"github.com/batonhq/baton/state/azblob"
	"github.com/batonhq/baton/state/served"
	"github.com/batonhq/baton/steps"
	"github.com/batonhq/baton/steps/all"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// registry is every step and target type this build knows. The package's
// tests add the test-only types (steps/steptest) to it.
var registry = func() *steps.Registry { return all.Registry() }

// source says where a runbook path is read from: the disk, or the
// runbooks embedded in the binary when the path does not exist on disk.
func source(path string) (runbook.FS, string, bool) {
	if _, err := os.Stat(path); err == nil {
		return runbook.DirFS(""), filepath.ToSlash(path), false
	}
	name := strings.TrimPrefix(filepath.ToSlash(path), "runbooks/")
	if _, err := fs.Stat(runbooks.FS, name); err == nil {
		return runbook.FromFS(runbooks.FS), name, true
	}
	if _, err := fs.Stat(runbooks.FS, name+".hcl"); err == nil {
		return runbook.FromFS(runbooks.FS), name + ".hcl", true
	}
	return runbook.DirFS(""), filepath.ToSlash(path), false
}

// loadRunbook loads and validates a runbook, printing diagnostics to
// stderr. It returns nil when there are errors.
func loadRunbook(env *cliEnv, path string) *runbook.Runbook {
	fsys, p, _ := source(path)
	rb, diags := runbook.LoadContext(env.ctx, fsys, p, registry())
	logInternalErrors(env, diags)
	if rb != nil {
		env.log.Debug("runbook loaded", "path", path, "files", len(rb.Files), "steps", len(rb.Steps), "diagnostics", len(diags), "errors", diags.HasErrors())
	}
	if len(diags) > 0 {
		var files map[string]*hcl.File
		if rb != nil {
			files = rb.HCLFiles
		}
		_ = runbook.WriteDiagnostics(env.io.err, rb, files, diags, false)
	}
	if diags.HasErrors() {
		return nil
	}
	return rb
}

// inputFlags are the -var, -var-file flags shared by plan, apply, resume
// and rehearse.
type inputFlags struct {
	vars     listFlag
	varFiles listFlag
}

func (f *inputFlags) register(fs *flag.FlagSet) {
	fs.Var(&f.vars, "var", "set an input variable: -var name=value (repeatable)")
	fs.Var(&f.varFiles, "var-file", "read input variables from a file (repeatable)")
}

// resolveInputs resolves the runbook's inputs from flags and BATON_VAR_*.
func resolveInputs(env *cliEnv, rb *runbook.Runbook, f *inputFlags) (map[string]cty.Value, bool) {
	return resolveInputsOver(env, rb, f, nil, "")
}

// resolveInputsOver is resolveInputs with defaults that replace the
// runbook's own (a fixture's inputs), named by source in messages.
func resolveInputsOver(env *cliEnv, rb *runbook.Runbook, f *inputFlags, defaults map[string]string, source string) (map[string]cty.Value, bool) {
	vars, diags := runbook.ResolveInputs(rb, runbook.Inputs{
		Vars: f.vars, VarFiles: f.varFiles, Environ: os.Environ(), ReadFile: nil, // the loader's bounded reader: never /dev/zero whole
		Defaults: defaults, DefaultsSource: source,
	})
	env.red.AddValues(vars)
	if len(diags) > 0 {
		_ = runbook.WriteDiagnostics(env.io.err, rb, rb.HCLFiles, diags, false)
	}
	env.log.Debug("inputs resolved", "inputs", len(vars), "errors", diags.HasErrors())
	return vars, !diags.HasErrors()
}

// displayInputs renders inputs for the run record: sensitive ones hidden.
func displayInputs(vars map[string]cty.Value) map[string]string {
	out := make(map[string]string, len(vars))
	for k, v := range vars {
		out[k] = steps.Show(v)
	}
	return out
}

// currentUser names the person running baton: BATON_USER, else the OS user.
func currentUser() string {
	if u := os.Getenv("BATON_USER"); u != "" {
		return u
	}
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return "unknown"
}

// stateFlag is the --state flag shared by every command that reads runs.
type stateFlag struct{ path string }

func (s *stateFlag) register(fs *flag.FlagSet) {
	fs.StringVar(&s.path, "state", "", "state file (default $BATON_STATE or "+state.DefaultPath()+")")
}

func (s *stateFlag) resolved() string {
	if s.path != "" {
		return s.path
	}
	return state.DefaultPath()
}

// openState opens the state store and maps its errors to exit codes.
// Every command reaches the file through the state server that holds it
// (started on demand), so that no command ever blocks a live run.
func openState(s *stateFlag, readOnly bool) (state.Backend, error) {
	return openStateFor(nil, s, readOnly)
}

// openStateFor is openState for a command that executes a run (apply,
// resume): a team store then logs to env's log (an outage of the service
// is reported there) and stops waiting out an outage at Ctrl-C.
func openStateFor(env *cliEnv, s *stateFlag, readOnly bool) (state.Backend, error) {
	path := s.resolved()
	if err := checkScheme(path); err != nil {
		return nil, err
	}
	if strings.HasPrefix(path, "azblob://") {
		return openTeamState(env, path)
	}
	if err := state.CheckLocal(path); err != nil {
		return nil, err // before a state server is started for it
	}
	if readOnly {
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("state file %s does not exist yet (no run has used it): %w: %w", path, state.ErrNotFound, err)
		}
	}
	st, err := served.Connect(path, served.ConnectOptions{Spawn: spawnServer})
	if err != nil {
		return nil, stateErr(err)
	}
	return st, nil
}

func stateErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, state.ErrBusy), errors.Is(err, state.ErrLocked), errors.Is(err, state.ErrOwned):
		return withCode(exitLocked, err)
	}
	return err
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// logInternalErrors logs, at debug level, where a recovered internal error
// happened; the diagnostic shown to the user carries no stack.
func logInternalErrors(env *cliEnv, diags hcl.Diagnostics) {
	for _, d := range diags {
		if st := runbook.InternalErrorStack(d); st != "" {
			env.log.Debug("internal error while loading", "summary", d.Detail, "stack", st)
		}
	}
}

// knownSchemes are the state locations baton knows besides a file path.
var knownSchemes = []string{"azblob"}

// openTeamState opens the team store on Azure Blob Storage: credentials
// from AZURE_STORAGE_CONNECTION_STRING when set (Azurite's development
// string works), else azidentity's DefaultAzureCredential.
//
// An owner write the service does not answer waits in the spool
// (azblob.DefaultSpoolPath, $BATON_SPOOL). $BATON_AZBLOB_LEASE ("15s" to
// "60s") sets the owner's blob lease, for tests and for teams that want
// a takeover sooner than the default 30 s.
func openTeamState(env *cliEnv, loc string) (state.Backend, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	opts := azblob.Options{ConnectionString: os.Getenv("AZURE_STORAGE_CONNECTION_STRING")}
	if v := os.Getenv("BATON_AZBLOB_LEASE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return nil, fmt.Errorf("BATON_AZBLOB_LEASE=%q: %w; write a duration from 15s to 60s", v, err)
		}
		opts.LeaseDuration = d
	}
	if env != nil {
		opts.Log, opts.Context = env.log, env.ctx
	}
	st, err := azblob.Open(ctx, loc, opts)
	if err != nil {
		return nil, stateErr(err)
	}
	return st, nil
}

// checkScheme refuses a state location of a scheme baton does not know
// ("s3://...") instead of creating a local file named after it.
func checkScheme(loc string) error {
	i := strings.Index(loc, "://")
	if i <= 0 {
		return nil
	}
	scheme := loc[:i]
	for _, k := range knownSchemes {
		if k == scheme {
			return nil
		}
	}
	known := "a file path"
	if len(knownSchemes) > 0 {
		known += " or " + strings.Join(knownSchemes, "://..., ") + "://..."
	}
	return fmt.Errorf("state location %q: baton does not know the scheme %q; give %s", loc, scheme, known)
}
