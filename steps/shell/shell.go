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

	"github.com/batonhq/baton/internal/proc"
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
	// OnStart, when set, is called right after the program started (and,
	// on Windows, was put in its job object), before Run waits for it,
	// with its pid and its OS start time (proc.Start; "" where the
	// platform cannot tell). The program runs meanwhile. Step types pass
	// steps.Request.OnProcess here so the engine records the process.
	OnStart func(pid int, start string)
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

// Run starts c and waits for it. When ctx is done the program is killed
// with what it started (its process group on unix, its job object on
// Windows), and Run returns the output so far with an error wrapping the
// context's error. On Linux the program is also killed when baton dies;
// on Windows its whole job is (see kill_*.go). After a normal exit,
// processes the program left running are not killed. A non-zero exit
// status is not an error: it is reported in Result.ExitCode. A program
// that cannot be started gives an error that says what to do.
func Run(ctx context.Context, c Command) (Result, error) {
	if c.Path == "" {
		return Result{}, errors.New("no program to run: give the command's program (its first element)")
	}
	if err := ctx.Err(); err != nil {
		return Result{}, fmt.Errorf("%s not started: %w", c.Path, err)
	}
	cmd, stdout, stderr := command(ctx, c)
	t := containment(cmd)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return Result{}, startError(c, err)
	}
	if err := started(cmd, t, c); err != nil {
		return Result{}, err
	}
	waitErr := cmd.Wait()
	t.release(ctx.Err() != nil)
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

// containment ties a program's tree to baton: contain (kill_*.go), or a
// fake in tests of what Run does with it.
var containment = contain

// tree ties a program's process tree to baton (kill_*.go).
type tree interface {
	// attach runs right after the program started.
	attach() error
	// release runs after Wait; stopped says whether ctx stopped it.
	release(stopped bool)
}

// command builds the exec.Cmd for c with capped output buffers.
func command(ctx context.Context, c Command) (*exec.Cmd, *capped, *capped) {
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
	return cmd, stdout, stderr
}

// started ties the started program to baton and reports it to c.OnStart.
// A program that cannot be tied is killed at once: it must not outlive
// baton unseen.
func started(cmd *exec.Cmd, t tree, c Command) error {
	if err := t.attach(); err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		t.release(true)
		return fmt.Errorf("%s was stopped as soon as it started, since it could not be made to die with baton: %w", c.Path, err)
	}
	if c.OnStart != nil {
		pid := cmd.Process.Pid
		c.OnStart(pid, proc.Start(pid))
	}
	return nil
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
