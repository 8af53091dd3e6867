package azblob

import (
	"fmt"
	"time"

	"github.com/batonhq/baton/state"
)

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
