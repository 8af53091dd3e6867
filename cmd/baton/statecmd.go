package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/batonhq/baton/state"
	"github.com/batonhq/baton/state/served"
)

func init() {
	register(&command{name: "state", synopsis: "the state store: check a file's consistency, serve it to other baton processes, or copy ended runs between stores", usage: "check | serve [--state FILE] | copy FROM TO [RUN...]", run: cmdState})
}

func cmdState(ctx context.Context, env *cliEnv, args []string) int {
	fs := newFlags(commands["state"], env)
	var sf stateFlag
	sf.register(fs)
	pos, code := parseChecked(fs, args, func(pos []string) bool {
		return len(pos) == 1 && (pos[0] == "check" || pos[0] == "serve") || len(pos) >= 3 && pos[0] == "copy"
	})
	if code >= 0 {
		return code
	}
	if pos[0] == "copy" {
		return copyState(env, pos[1], pos[2], pos[3:])
	}
	if err := checkScheme(sf.resolved()); err != nil {
		return fail(env, err)
	}
	if strings.Contains(sf.resolved(), "://") {
		return fail(env, fmt.Errorf("baton state %s works on a local state file; a team store needs no server, and its service checks its own consistency", pos[0]))
	}
	if pos[0] == "serve" {
		return serveState(ctx, env, sf.resolved())
	}
	return checkState(env, sf.resolved())
}

// serveState holds the state file and serves it until no client is left.
// Started by any baton command that finds no server (see openState); a
// second server finds the file held and leaves quietly.
func serveState(ctx context.Context, env *cliEnv, path string) int {
	st, err := state.Open(path, state.Options{Timeout: 2 * time.Second})
	if errors.Is(err, state.ErrBusy) {
		env.log.Debug("another process holds the state file; not serving it", "path", path)
		return exitOK
	}
	if err != nil {
		return fail(env, err)
	}
	defer st.Close()
	if err := served.Serve(ctx, st, served.ServeOptions{Log: env.log}); err != nil {
		return fail(env, err)
	}
	return exitOK
}

// checkState runs bbolt's consistency check over the whole file.
func checkState(env *cliEnv, path string) int {
	st, err := state.Open(path, state.Options{ReadOnly: true})
	if errors.Is(err, state.ErrBusy) {
		return fail(env, fmt.Errorf("%w; baton state check reads the file itself: run it when no run is live (baton runs lists them)", err))
	}
	if err != nil {
		return fail(env, err)
	}
	defer st.Close()
	if err := st.Check(); err != nil {
		return fail(env, err)
	}
	fmt.Fprintf(env.io.out, "State file %s is consistent.\n", path)
	return exitOK
}

// spawnServer starts `baton state serve` for path, detached.
func spawnServer(path string) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("finding the baton executable to start a state server: %w", err)
	}
	return served.Spawn(exe, []string{"state", "serve", "--state", path}, nil)
}

// copyState copies the ended runs of one store into another (a file into
// a team container, to adopt it without losing history).
func copyState(env *cliEnv, from, to string, runs []string) int {
	src, err := openState(&stateFlag{path: from}, true)
	if err != nil {
		return fail(env, fmt.Errorf("the store to copy from: %w", err))
	}
	defer src.Close()
	dst, err := openState(&stateFlag{path: to}, false)
	if err != nil {
		return fail(env, fmt.Errorf("the store to copy into: %w", err))
	}
	defer dst.Close()
	rep, err := state.Copy(src, dst, runs)
	for _, id := range rep.Copied {
		fmt.Fprintf(env.io.out, "copied %s (journal verifies)\n", id)
	}
	for _, id := range rep.Already {
		fmt.Fprintf(env.io.out, "%s is already in %s with the same journal\n", id, to)
	}
	for _, id := range rep.Unfinished {
		fmt.Fprintf(env.io.out, "not copied: %s has not ended; finish or cancel it where it runs, then copy it\n", id)
	}
	if err != nil {
		return fail(env, err)
	}
	if len(rep.Unfinished) > 0 {
		return exitError
	}
	return exitOK
}
