package served

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/batonhq/baton/state"
)

// sameError fails t unless got answers errors.Is for every sentinel and
// errors.As for every typed error of package state as want does, with the
// same text and the same fields.
func sameError(t *testing.T, got, want error) {
	t.Helper()
	if (got == nil) != (want == nil) {
		t.Fatalf("error = %v, want %v", got, want)
	}
	if want == nil {
		return
	}
	if got.Error() != want.Error() {
		t.Errorf("message differs:\n got: %s\nwant: %s", got, want)
	}
	for _, s := range sentinels {
		if g, w := errors.Is(got, s.err), errors.Is(want, s.err); g != w {
			t.Errorf("errors.Is(err, %v) = %v, want %v", s.err, g, w)
		}
	}
	sameAs[*state.LockedError](t, got, want)
	sameAs[*state.OwnedError](t, got, want)
	sameAs[*state.PlanSpentError](t, got, want)
	sameAs[*state.TamperedError](t, got, want)
}

func sameAs[E error](t *testing.T, got, want error) {
	t.Helper()
	var g, w E
	okG, okW := errors.As(got, &g), errors.As(want, &w)
	if okG != okW {
		t.Errorf("errors.As(err, %T) = %v, want %v", w, okG, okW)
		return
	}
	if okW {
		if d := cmp.Diff(w, g); d != "" {
			t.Errorf("%T differs (-want +got):\n%s", w, d)
		}
	}
}

// roundTrip sends err through the wire form, JSON included.
func roundTrip(t *testing.T, err error) error {
	t.Helper()
	b, jerr := json.Marshal(encodeError(err))
	if jerr != nil {
		t.Fatal(jerr)
	}
	var w wireError
	if jerr := json.Unmarshal(b, &w); jerr != nil {
		t.Fatal(jerr)
	}
	return w.err()
}

// TestWireErrors sends every sentinel and typed error of package state
// through the wire form.
func TestWireErrors(t *testing.T) {
	owner := state.Owner{Holder: state.Holder{Host: "ops1", PID: 42, User: "alice", Since: t0, ProcStart: "123"},
		Token: 7, Renewed: t0.Add(time.Second), TTL: state.DefaultLeaseTTL}
	run := testRun("run-l")
	run.Owner = &owner
	tests := []struct {
		name string
		err  error
	}{
		{"plain", errors.New("something else failed")},
		{"joined", errors.Join(fmt.Errorf("a: %w", state.ErrBusy), fmt.Errorf("b: %w", state.ErrCorrupt))},
		{"locked", fmt.Errorf("create: %w", &state.LockedError{
			Holder: state.LockHolder{Key: "site", RunID: "run-l", Host: "ops1", PID: 42, User: "alice", Since: t0}, Run: run})},
		{"owned", fmt.Errorf("supersede run x: %w", &state.OwnedError{RunID: "run-o", Owner: owner})},
		{"plan spent", &state.PlanSpentError{PlanDigest: "sha256:0123456789abcdef0123", RunID: "run-p"}},
		{"tampered", fmt.Errorf("answers are refused: %w", &state.TamperedError{RunID: "run-t", Seq: 3, Reason: "edited"})},
	}
	for _, s := range sentinels {
		tests = append(tests, struct {
			name string
			err  error
		}{s.name, fmt.Errorf("run %q: %w; do something", "r", s.err)})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sameError(t, roundTrip(t, tt.err), tt.err)
		})
	}
	if encodeError(nil) != nil {
		t.Error("encodeError(nil) is not nil")
	}
}

// TestServedErrors provokes each error the state contract can return and
// compares the client's with the Store's own. Failed writes change
// nothing, so each is tried on both.
func TestServedErrors(t *testing.T) {
	f := newFleet(t, ServeOptions{IdleTimeout: time.Minute})
	ts := f.start()
	cl := f.connect()
	for _, tt := range errorCases(errorFixture(t, cl)) {
		t.Run(tt.name, func(t *testing.T) {
			want := tt.op(ts.st)
			if want == nil || tt.want != nil && !errors.Is(want, tt.want) {
				t.Fatalf("the Store answered %v, want an error wrapping %v", want, tt.want)
			}
			sameError(t, tt.op(cl), want)
		})
	}
}

// errorFixture stores run-e (live owner, lock site-e, plan sha256:plan-e)
// and run-s (superseded); it returns their tokens.
func errorFixture(t *testing.T, cl state.Backend) (live, superseded uint64) {
	t.Helper()
	run := testRun("run-e")
	run.LockKey, run.PlanDigest = "site-e", "sha256:plan-e"
	l := create(t, cl, run, "a")
	ls, err := cl.CreateRun(testRun("run-s"), pending("a"), entry("run.created"), state.CreateOptions{Owner: gone()})
	if err != nil {
		t.Fatal(err)
	}
	if err := cl.Supersede("run-s", supersession, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	return l.Token(), ls.Token()
}

var supersession = state.JournalEntry{Actor: "dave", Data: map[string]string{"reason": "gone"}}

type errorCase struct {
	name string
	want error // the sentinel the error wraps
	op   func(b state.Backend) error
}

func errorCases(live, superseded uint64) []errorCase {
	other := testRun("run-f")
	other.LockKey = "site-e"
	spent := testRun("run-g")
	spent.PlanDigest = "sha256:plan-e"
	approve := state.JournalEntry{At: t0, Step: "a", Answer: &state.Answer{Kind: state.AnswerApprove, By: "carol"}}
	createAs := func(run state.Run) func(b state.Backend) error {
		return func(b state.Backend) error {
			_, err := b.CreateRun(run, nil, entry("run.created"), state.CreateOptions{Owner: state.Self("bob", t0)})
			return err
		}
	}
	return []errorCase{
		{"run not found", state.ErrNotFound, func(b state.Backend) error { _, err := b.Run("missing"); return err }},
		{"step not found", state.ErrNotFound, func(b state.Backend) error { _, err := b.Step("run-e", "zz"); return err }},
		{"lock not found", state.ErrNotFound, func(b state.Backend) error { _, err := b.Lock("nope"); return err }},
		{"plan not spent", state.ErrNotFound, func(b state.Backend) error { _, err := b.PlanSpender("sha256:x"); return err }},
		{"run exists", state.ErrExists, createAs(testRun("run-e"))},
		{"locked", state.ErrLocked, createAs(other)},
		{"plan spent", state.ErrPlanSpent, createAs(spent)},
		{"owned", state.ErrOwned, func(b state.Backend) error {
			_, err := b.AcquireRun("run-e", state.Self("bob", t0), t0.Add(time.Second))
			return err
		}},
		{"supersede owned", state.ErrOwned, func(b state.Backend) error {
			return b.Supersede("run-e", supersession, t0.Add(time.Second))
		}},
		{"superseded", state.ErrSuperseded, func(b state.Backend) error {
			_, err := b.AcquireRun("run-s", state.Self("bob", t0), t0.Add(2*time.Hour))
			return err
		}},
		{"lease lost", state.ErrLeaseLost, func(b state.Backend) error {
			return leaseOf(b, "run-s", superseded).Append(entry("note"))
		}},
		{"wrong token", state.ErrLeaseLost, func(b state.Backend) error {
			return leaseOf(b, "run-e", live+100).PutSteps(pending("a"), []state.JournalEntry{entry("x")})
		}},
		{"conflict", state.ErrConflict, func(b state.Backend) error { _, err := b.Answer("run-e", approve); return err }},
		{"tampered", state.ErrTampered, func(b state.Backend) error { _, err := b.JournalSince("run-e", 99); return err }},
		{"no such kind", nil, func(b state.Backend) error {
			e := approve
			e.Answer = &state.Answer{Kind: "maybe", By: "carol"}
			_, err := b.Answer("run-e", e)
			return err
		}},
	}
}
