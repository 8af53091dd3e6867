package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// cancelOnWrite is a terminal whose operator presses Ctrl-C as soon as
// the first bytes of a document appear.
type cancelOnWrite struct {
	bytes.Buffer
	cancel context.CancelFunc
}

func (w *cancelOnWrite) Write(p []byte) (int, error) {
	w.cancel()
	return w.Buffer.Write(p)
}

// TestRenderingStopsWhenInterrupted: a document being written stops at
// its next write after Ctrl-C, with a message, instead of being finished.
func TestRenderingStopsWhenInterrupted(t *testing.T) {
	t.Chdir("../..")
	// The whole plan, for its length.
	code, whole, stderr := runCLI(t, "plan", "runbooks/planned_promotion.hcl", "--site", "contoso")
	if code != exitOK && code != exitChanges {
		t.Fatalf("plan: exit %d: %s", code, stderr)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &cancelOnWrite{cancel: cancel}
	var errb bytes.Buffer
	code = run(ctx, []string{"plan", "runbooks/planned_promotion.hcl", "--site", "contoso"}, stdio{in: strings.NewReader(""), out: out, err: &errb})
	if code == exitOK || code == exitChanges {
		t.Fatalf("interrupted plan exited %d", code)
	}
	if out.Len() >= len(whole) {
		t.Errorf("wrote %d of %d bytes: the document was finished after Ctrl-C", out.Len(), len(whole))
	}
	if !strings.Contains(errb.String(), "output stopped") {
		t.Errorf("stderr %q does not say the output stopped", errb.String())
	}
}
