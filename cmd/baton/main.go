// Command baton validates, plans, reviews, runs and rehearses ConfigMgr
// runbooks. This package is wiring only: it parses flags, calls the engine
// and renders results; every decision lives in the engine packages.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/batonhq/baton/engine/gctune"
)

func main() { os.Exit(batonMain()) }

// batonMain runs the command line of this process: Ctrl-C and SIGTERM
// stop a run at its next safe point.
func batonMain() int {
	gctune.Apply()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return run(ctx, os.Args[1:], stdio{in: os.Stdin, out: os.Stdout, err: os.Stderr})
}
