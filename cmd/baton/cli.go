package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sort"
	"strings"
	"time"

	"github.com/batonhq/baton/engine/version"
	"github.com/batonhq/baton/internal/redact"
	"github.com/hashicorp/go-hclog"
)

// Exit codes, documented in README.md.
const (
	exitOK        = 0 // success; plan -detailed-exitcode: nothing to change
	exitError     = 1 // any error, including usage errors
	exitChanges   = 2 // plan -detailed-exitcode: the plan has steps to run
	exitFormat    = 3 // fmt -check: files need formatting
	exitPaused    = 4 // the run paused: approval, in-doubt step, change window
	exitLocked    = 5 // the state file or the runbook's lock is held by another run
	exitPreflight = 6 // plan: a preflight check failed (the run would stop)
)

type stdio struct {
	in       io.Reader
	out, err io.Writer
}

// command is one subcommand.
type command struct {
	name     string
	synopsis string
	usage    string // after "baton NAME "
	run      func(ctx context.Context, env *cliEnv, args []string) int
}

// cliEnv carries what every command needs.
type cliEnv struct {
	io  stdio
	log hclog.Logger
	// red hides every secret baton learns (the inputs, then what the
	// engine derives from them) in stdout, stderr and the log; the engine
	// shares it (executor.Options.Redactor, plan.Options.Redactor).
	red *redact.Redactor
	// ctx ends with Ctrl-C or SIGTERM: loading and planning stop too.
	ctx context.Context
}

// doc is where a command writes a document (a plan, a review, a journal):
// stdout, until Ctrl-C or SIGTERM, after which every write fails, so
// rendering stops at its next line instead of finishing a long document.
func (env *cliEnv) doc() io.Writer { return &interruptibleWriter{ctx: env.ctx, w: env.io.out} }

// interruptibleWriter fails every write once its context is done.
type interruptibleWriter struct {
	ctx context.Context
	w   io.Writer
}

func (w *interruptibleWriter) Write(p []byte) (int, error) {
	if w.ctx != nil && w.ctx.Err() != nil {
		return 0, fmt.Errorf("output stopped: %w", context.Cause(w.ctx))
	}
	return w.w.Write(p)
}

var commands = map[string]*command{}

func register(c *command) { commands[c.name] = c }

// codeError carries an exit code with an error.
type codeError struct {
	code int
	err  error
}

func (e *codeError) Error() string { return e.err.Error() }
func (e *codeError) Unwrap() error { return e.err }

func withCode(code int, err error) error { return &codeError{code: code, err: err} }

func run(ctx context.Context, args []string, io stdio) (code int) {
	red := redact.New()
	io.out, io.err = red.Writer(io.out), red.Writer(io.err)
	env := &cliEnv{io: io, log: newLogger(io.err, red), red: red, ctx: ctx}
	start := time.Now()
	env.log.Debug("command started", "args", logArgs(args), "pid", os.Getpid())
	defer func() {
		env.log.Debug("command finished", "args", logArgs(args), "exit_code", code, "elapsed", time.Since(start).String())
	}()
	defer func() {
		// The last safety net: a bug anywhere below ends with a message
		// and exit 1, not a Go stack trace. Durable state is consistent at
		// every commit, so `baton resume` picks a run up.
		if p := recover(); p != nil {
			env.log.Debug("internal error", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			fmt.Fprintf(io.err, "Error: baton failed unexpectedly (%v). This is a bug in baton, please report it; BATON_LOG=debug shows where it happened. A run that was in progress can be continued with `baton resume RUN`.\n", p)
			code = exitError
		}
	}()
	if len(args) == 0 {
		usage(io.err)
		return exitError
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		if len(args) > 1 {
			if c, ok := commands[args[1]]; ok {
				_ = c.run(ctx, env, []string{"-help"})
				return exitOK
			}
		}
		usage(io.out)
		return exitOK
	case "-version", "--version", "version":
		fmt.Fprintf(io.out, "baton %s\n", version.Version)
		return exitOK
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(io.err, "baton: unknown command %q%s\nRun 'baton --help' for the list of commands.\n", args[0], suggest(args[0]))
		return exitError
	}
	return c.run(ctx, env, args[1:])
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "baton %s: declarative runbooks for ConfigMgr site server high availability\n\nUsage: baton COMMAND [flags] [args]\n\nCommands:\n", version.Version)
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].synopsis)
	}
	fmt.Fprintf(w, "\nRun 'baton COMMAND --help' for a command's flags. Logs: BATON_LOG=debug|info|warn|json (stderr).\n")
}

func suggest(name string) string {
	best, bestD := "", 3
	for n := range commands {
		if d := editDistance(name, n); d < bestD {
			best, bestD = n, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// newFlags returns a flag set whose -help prints the command's usage to
// stdout and whose errors are reported, not fatal.
func newFlags(c *command, env *cliEnv) *flag.FlagSet {
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	fs.SetOutput(env.io.err)
	fs.Usage = func() {
		fmt.Fprintf(env.io.out, "Usage: baton %s %s\n\n%s\n\nFlags:\n", c.name, c.usage, c.synopsis)
		fs.SetOutput(env.io.out)
		fs.PrintDefaults()
		fs.SetOutput(env.io.err)
	}
	return fs
}

// parse parses flags, allowing flags after positional arguments
// ("baton plan rb.hcl -json"). It returns the positional arguments and an
// exit code (-1 to go on).
func parse(fs *flag.FlagSet, args []string) ([]string, int) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, exitOK
			}
			return nil, exitError
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, -1
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// parseChecked is parse followed by ok on the positional arguments; when
// they do not fit it prints the usage and returns exitError.
func parseChecked(fs *flag.FlagSet, args []string, ok func(pos []string) bool) ([]string, int) {
	pos, code := parse(fs, args)
	if code >= 0 {
		return nil, code
	}
	if !ok(pos) {
		fs.Usage()
		return nil, exitError
	}
	return pos, -1
}

// exactly accepts n positional arguments; atLeast, n or more.
func exactly(n int) func([]string) bool { return func(pos []string) bool { return len(pos) == n } }
func atLeast(n int) func([]string) bool { return func(pos []string) bool { return len(pos) >= n } }

// fail prints err and returns its exit code.
func fail(env *cliEnv, err error) int {
	fmt.Fprintf(env.io.err, "Error: %s\n", err)
	var ce *codeError
	if errors.As(err, &ce) {
		return ce.code
	}
	return exitError
}

// newLogger is the logger of BATON_LOG (a level, or json: debug as JSON
// lines) writing to w, or to the file BATON_LOG_PATH (appended), always
// through red.
func newLogger(w io.Writer, red *redact.Redactor) hclog.Logger {
	spec := strings.ToLower(os.Getenv("BATON_LOG"))
	opts := &hclog.LoggerOptions{Name: "baton", Output: w, Level: hclog.Warn, Color: hclog.ColorOff}
	switch spec {
	case "":
	case "json":
		opts.JSONFormat = true
		opts.Level = hclog.Debug
	default:
		if lvl := hclog.LevelFromString(spec); lvl != hclog.NoLevel {
			opts.Level = lvl
		} else {
			fmt.Fprintf(w, "baton: BATON_LOG=%q is not a level (trace, debug, info, warn, error, json); using warn\n", spec)
		}
	}
	if p := os.Getenv("BATON_LOG_PATH"); p != "" {
		f, err := os.OpenFile(p, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			fmt.Fprintf(w, "baton: BATON_LOG_PATH: %v; logging to stderr\n", err)
		} else {
			opts.Output = red.Writer(f) // w is redacted already
		}
	}
	if spec == "" && os.Getenv("BATON_LOG_PATH") != "" {
		opts.Level = hclog.Debug // a log file asked for is a debug log
	}
	return hclog.New(opts)
}

// logArgs is a command line fit for the log: the values of -var options
// are hidden (they may be secrets the redactor has not learned yet).
func logArgs(args []string) []string {
	out := make([]string, len(args))
	hideNext := false
	for i, a := range args {
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		isVar := strings.HasPrefix(a, "-") && name == "var"
		switch {
		case hideNext:
			out[i] = hideValue(a)
			hideNext = false
		case isVar && hasVal:
			out[i] = a[:len(a)-len(val)] + hideValue(val)
		case isVar:
			out[i] = a
			hideNext = true
		default:
			out[i] = a
		}
	}
	return out
}

// hideValue keeps the name of a name=value option.
func hideValue(opt string) string {
	name, _, _ := strings.Cut(opt, "=")
	return name + "=(hidden)"
}

// listFlag collects repeated string flags (-var a=1 -var b=2).
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }
