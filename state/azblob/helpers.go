package azblob

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/batonhq/baton/state"
)

// Limits on names, as the bbolt store has them.
const (
	maxIDLen   = 256
	maxNameLen = 1024
)

// checkName validates a run id, step name or lock key.
func checkName(what, name string, max int) error {
	switch {
	case name == "":
		return fmt.Errorf("%s is empty", what)
	case len(name) > max:
		return fmt.Errorf("%s is %d bytes long, more than %d", what, len(name), max)
	case !utf8.ValidString(name):
		return fmt.Errorf("%s %q is not valid UTF-8", what, name)
	}
	return nil
}

// pristine reports whether rec is a new step's record: pending, nothing
// else recorded.
func pristine(rec state.StepRecord) bool {
	a, _ := json.Marshal(rec)
	b, _ := json.Marshal(state.StepRecord{Name: rec.Name, Status: state.StepPending})
	return bytes.Equal(a, b)
}

// endedError says why a run that ended cannot be owned or answered.
func endedError(run state.Run) error {
	if sup := run.Superseded; sup != nil {
		by := ""
		if sup.ByRun != "" {
			by = " for run " + sup.ByRun
		}
		return fmt.Errorf("run %s: %w by %s at %s%s (%s); it can never resume or act again", run.ID, state.ErrSuperseded, sup.By, sup.At.UTC().Format(time.RFC3339), by, sup.Reason)
	}
	if run.Status.Done() {
		return fmt.Errorf("run %s: %w: it already ended (%s)", run.ID, state.ErrConflict, run.Status)
	}
	return nil
}

// lostError says who owns the run now that a lease lost it.
func lostError(run state.Run) error {
	switch {
	case run.Superseded != nil:
		return fmt.Errorf("%w: run %s was superseded by %s (%s)", state.ErrLeaseLost, run.ID, run.Superseded.By, run.Superseded.Reason)
	case run.Owner != nil:
		o := run.Owner
		return fmt.Errorf("%w: run %s is now owned by pid %d on %s (user %s, since %s); this process stopped acting on it", state.ErrLeaseLost, run.ID, o.PID, o.Host, o.User, o.Since.UTC().Format(time.RFC3339))
	}
	return fmt.Errorf("%w: run %s has no owner now (%s)", state.ErrLeaseLost, run.ID, run.Status)
}

func holderMap(h state.Holder) map[string]string {
	return map[string]string{
		"host": h.Host, "pid": fmt.Sprint(h.PID), "user": h.User,
		"since": h.Since.UTC().Format(time.RFC3339Nano),
	}
}
