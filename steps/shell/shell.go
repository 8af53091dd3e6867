// Package shell runs external programs for step types: a bounded,
// cancellable process runner (Run) and the safe construction of PowerShell
// invocations (PowerShell, RenderPowerShell), where parameters travel as
// data on stdin and never as script text.
package shell

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// DefaultMaxOutput is the number of bytes kept per output stream when
// Command.MaxOutput is not set.
const DefaultMaxOutput = 64 << 10

// waitDelay bounds how long Run waits for output pipes after the process
// exited or was killed, e.g. when a background grandchild keeps them open.
const waitDelay = 500 * time.Millisecond

// Command is one program invocation.
type Command struct {
	// Path is the program: a name looked up in PATH, or a path.
	Path string
	// Args are the arguments after the program name; they are passed as
	// an argument vector, never through a shell.
	Args []string
	// Env holds KEY=value entries added to the runner's own environment;
	// a key given here overrides the inherited value.
	Env []string
	// Dir is the working directory; "" means the runner's.
	Dir string
	// Stdin is written to the program's standard input.
	Stdin string
	// MaxOutput is the number of bytes kept per stream (stdout, stderr);
	// the rest is read and discarded. 0 means DefaultMaxOutput.
	MaxOutput int
}

// Result is what a finished (or stopped) program produced.
type Result struct {
	// ExitCode is the process exit status; -1 when it was killed.
	ExitCode int
	// Stdout and Stderr hold the first MaxOutput bytes of each stream,
	// as valid UTF-8 (invalid bytes replaced by U+FFFD).
	Stdout, Stderr string
	// Truncated is true when either stream was longer than MaxOutput.
	Truncated bool
	// Duration is the wall time from start to exit.
	Duration time.Duration
}

// Run starts c and waits for it. When ctx is done the process is killed,
// together with its process group on unix, and Run returns the output so
// far with an error wrapping the context's error. A non-zero exit status
// is not an error: it is reported in Result.ExitCode. A program that cannot
// be started gives an error that says what to do.
func Run(ctx context.Context, c Command) (Result, error) {
	if c.Path == "" {
		return Result{}, errors.New("no program to run: give the command's program (its first element)")
	}
	if err := ctx.Err(); err != nil {
		return Result{}, fmt.Errorf("%s not started: %w", c.Path, err)
	}
	limit := c.MaxOutput
	if limit <= 0 {
		limit = DefaultMaxOutput
	}
	cmd := exec.CommandContext(ctx, c.Path, c.Args...)
	cmd.Dir = c.Dir
	if c.Env != nil {
		cmd.Env = append(os.Environ(), c.Env...)
	}
	if c.Stdin != "" {
		cmd.Stdin = strings.NewReader(c.Stdin)
	}
	stdout, stderr := &capped{limit: limit}, &capped{limit: limit}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.WaitDelay = waitDelay
	killGroup(cmd)

	start := time.Now()
	if err := cmd.Start(); err != nil {
		return Result{}, startError(c, err)
	}
	waitErr := cmd.Wait()
	res := Result{
		ExitCode:  cmd.ProcessState.ExitCode(),
		Stdout:    stdout.String(),
		Stderr:    stderr.String(),
		Truncated: stdout.truncated || stderr.truncated,
		Duration:  time.Since(start),
	}
	if err := ctx.Err(); err != nil {
		return res, fmt.Errorf("%s was stopped after %s: %w", c.Path, res.Duration.Round(time.Millisecond), context.Cause(ctx))
	}
	var exitErr *exec.ExitError
	switch {
	case waitErr == nil, errors.As(waitErr, &exitErr), errors.Is(waitErr, exec.ErrWaitDelay):
		// ErrWaitDelay: the program exited but something it started kept
		// its output open; the output read so far is kept.
		return res, nil
	default:
		return res, fmt.Errorf("waiting for %s: %w", c.Path, waitErr)
	}
}

func startError(c Command, err error) error {
	switch {
	case errors.Is(err, exec.ErrNotFound):
		return fmt.Errorf("program %q not found in PATH: install it on the runner or give its full path: %w", c.Path, err)
	case errors.Is(err, fs.ErrNotExist) && c.Dir != "":
		return fmt.Errorf("starting %s in %s: the program or the working directory does not exist; check both: %w", c.Path, c.Dir, err)
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("program %s does not exist: check the path: %w", c.Path, err)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("program %s is not executable by the runner's account: check its permissions: %w", c.Path, err)
	default:
		return fmt.Errorf("starting %s: %w", c.Path, err)
	}
}

// capped keeps the first limit bytes written to it and discards the rest,
// so that a chatty program never blocks on a full pipe.
type capped struct {
	mu        sync.Mutex
	limit     int
	buf       []byte
	truncated bool
}

func (w *capped) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	room := w.limit - len(w.buf)
	if room < len(p) {
		w.truncated = true
		if room > 0 {
			w.buf = append(w.buf, p[:room]...)
		}
		return len(p), nil
	}
	w.buf = append(w.buf, p...)
	return len(p), nil
}

func (w *capped) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.ToValidUTF8(string(w.buf), "\uFFFD")
}
