package state

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestCreateRun(t *testing.T) {
	tests := []struct {
		name    string
		run     Run
		steps   []StepRecord
		entry   JournalEntry
		want    error  // sentinel, or nil
		wantMsg string // when want is nil and an error is expected
	}{
		{name: "ok", run: testRun("r1"), steps: pending("b", "a"), entry: entry("run.created")},
		{name: "no steps", run: testRun("r2"), entry: entry("run.created")},
		{name: "duplicate id", run: testRun("dup"), entry: entry("run.created"), want: ErrExists},
		{name: "empty id", run: testRun(""), entry: entry("run.created"), wantMsg: "run id is empty"},
		{name: "long id", run: testRun(strings.Repeat("x", 300)), entry: entry("run.created"), wantMsg: "more than"},
		{name: "invalid UTF-8 id", run: testRun("r\xff"), entry: entry("run.created"), wantMsg: "not valid UTF-8"},
		{name: "long lock key", run: func() Run { r := testRun("r6"); r.LockKey = strings.Repeat("k", 2000); return r }(), entry: entry("run.created"), wantMsg: "lock key"},
		{name: "twice the same step", run: testRun("r3"), steps: pending("a", "a"), entry: entry("run.created"), wantMsg: "listed twice"},
		{name: "empty step name", run: testRun("r4"), steps: pending(""), entry: entry("run.created"), wantMsg: "step name is empty"},
		{name: "step already running", run: testRun("r7"), steps: []StepRecord{{Name: "a", Status: StepRunning}}, entry: entry("run.created"), wantMsg: "must start pending"},
		{name: "step without status", run: testRun("r8"), steps: []StepRecord{{Name: "a"}}, entry: entry("run.created"), wantMsg: "must start pending"},
		{name: "entry without type", run: testRun("r5"), entry: JournalEntry{At: t0}, wantMsg: "no type"},
	}
	s, _ := newStore(t)
	createRun(t, s, "dup")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			owner := Self("alice", t0)
			l, err := s.CreateRun(tt.run, tt.steps, tt.entry, CreateOptions{Owner: owner})
			switch {
			case tt.want != nil:
				wantErr(t, err, tt.want)
				return
			case tt.wantMsg != "":
				if err == nil || !strings.Contains(err.Error(), tt.wantMsg) {
					t.Fatalf("err = %v, want %q", err, tt.wantMsg)
				}
				if l != nil {
					t.Error("a refused CreateRun returned a lease")
				}
				if tt.run.ID != "" {
					_, err := s.Run(tt.run.ID)
					wantErr(t, err, ErrNotFound) // nothing half-written
				}
				return
			case err != nil:
				t.Fatal(err)
			}
			got, err := s.Run(tt.run.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.run, got, cmpopts.IgnoreFields(Run{}, "Owner")); diff != "" {
				t.Errorf("Run (-want +got):\n%s", diff)
			}
			want := Owner{Holder: owner, Token: l.Token(), Renewed: t0, TTL: DefaultLeaseTTL}
			if got.Owner == nil || !cmp.Equal(*got.Owner, want) {
				t.Errorf("Owner = %+v, want %+v", got.Owner, want)
			}
			steps, err := s.Steps(tt.run.ID)
			if err != nil || len(steps) != len(tt.steps) {
				t.Fatalf("Steps = %v, %v", steps, err)
			}
			j, err := s.Journal(tt.run.ID)
			if err != nil || len(j) != 1 || j[0].Type != "run.created" || j[0].Seq != 1 || j[0].RunRecord == "" {
				t.Fatalf("Journal = %+v, %v", j, err)
			}
		})
	}
}

func TestRunNotFound(t *testing.T) {
	s, _ := newStore(t)
	createRun(t, s, "r1", "a")
	nope := s.LeaseFor("nope", 1)
	for name, err := range map[string]error{
		"Run":           func() error { _, err := s.Run("nope"); return err }(),
		"Run empty":     func() error { _, err := s.Run(""); return err }(),
		"Steps":         func() error { _, err := s.Steps("nope"); return err }(),
		"Step":          func() error { _, err := s.Step("nope", "a"); return err }(),
		"Step unknown":  func() error { _, err := s.Step("r1", "zz"); return err }(),
		"Step empty":    func() error { _, err := s.Step("r1", ""); return err }(),
		"Journal":       func() error { _, err := s.Journal("nope"); return err }(),
		"JournalSince":  func() error { _, err := s.JournalSince("nope", 0); return err }(),
		"VerifyJournal": func() error { _, err := s.VerifyJournal("nope"); return err }(),
		"Logs":          func() error { _, err := s.Logs("nope", ""); return err }(),
		"PlanSpender":   func() error { _, err := s.PlanSpender(""); return err }(),
		"AcquireRun":    func() error { _, err := s.AcquireRun("nope", Self("bob", t0), t0); return err }(),
		"Supersede":     s.Supersede("nope", JournalEntry{Actor: "bob", Data: map[string]string{"reason": "x"}}, t0),
		"UpdateRun":     nope.UpdateRun(testRun("nope"), entry("x")),
		"PutSteps":      nope.PutSteps([]StepRecord{{Name: "a"}}, []JournalEntry{entry("x")}),
		"Append":        nope.Append(entry("x")),
		"AppendLog":     nope.AppendLog("a", []byte("x")),
		"Renew":         nope.Renew(t0),
		"Release":       nope.Release(),
		"Answer": func() error {
			_, err := s.Answer("r1", JournalEntry{At: t0, Step: "zz", Answer: &Answer{Kind: AnswerApprove, By: "bob"}})
			return err
		}(),
	} {
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("%s: err = %v, want ErrNotFound", name, err)
		}
	}
	if msg := func() string { _, err := s.Run("nope"); return err.Error() }(); !strings.Contains(msg, s.Path()) {
		t.Errorf("message %q does not name the state file", msg)
	}
}

func TestRunsNewestFirst(t *testing.T) {
	s, _ := newStore(t)
	for _, m := range []int{5, 1, 9, 3} {
		r := testRun(NewRunID(at(m), strings.NewReader("\x00\x00\x01")))
		r.CreatedAt = at(m)
		if _, err := s.CreateRun(r, nil, entry("run.created"), CreateOptions{Owner: Self("alice", at(m))}); err != nil {
			t.Fatal(err)
		}
	}
	runs, err := s.Runs()
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	for _, r := range runs {
		got = append(got, int(r.CreatedAt.Sub(t0).Minutes()))
	}
	if diff := cmp.Diff([]int{9, 5, 3, 1}, got); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
}

// TestUpdateRun: the owner replaces the run record, but not its lease or
// its supersession; a status other than running ends the lease, and an
// ended run frees its lock, in the same write.
func TestUpdateRun(t *testing.T) {
	for _, tt := range []struct {
		status    RunStatus
		owned     bool // the lease survives
		lockFreed bool
	}{
		{RunRunning, true, false},
		{RunPaused, false, false},
		{RunSucceeded, false, true},
		{RunFailed, false, true},
		{RunCancelled, false, true},
		{RunBackedOut, false, true},
	} {
		t.Run(string(tt.status), func(t *testing.T) {
			s, _ := newStore(t)
			r := testRun("r1")
			r.LockKey = "site:P01"
			l, err := s.CreateRun(r, pending("a"), entry("run.created"), CreateOptions{Owner: Self("alice", t0)})
			if err != nil {
				t.Fatal(err)
			}
			stored, _ := s.Run("r1")
			upd := r
			upd.Status, upd.Reason, upd.UpdatedAt = tt.status, "because", at(2)
			upd.CancelRequested, upd.CancelledBy = true, "bob"
			upd.Owner = &Owner{Holder: Holder{Host: "forged"}, Token: 1} // ignored
			upd.Superseded = &Supersession{By: "forged"}                 // ignored
			if err := l.UpdateRun(upd, JournalEntry{At: at(2), Type: "run." + string(tt.status)}); err != nil {
				t.Fatal(err)
			}
			got, err := s.Run("r1")
			if err != nil {
				t.Fatal(err)
			}
			want := upd
			want.Owner, want.Superseded = nil, nil
			if tt.owned {
				want.Owner = stored.Owner
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Run (-want +got):\n%s", diff)
			}
			if err := l.Append(entry("note")); tt.owned != (err == nil) {
				t.Errorf("Append after UpdateRun(%s): %v", tt.status, err)
			}
			_, err = s.Lock("site:P01")
			if tt.lockFreed != errors.Is(err, ErrNotFound) {
				t.Errorf("Lock after UpdateRun(%s): %v", tt.status, err)
			}
			if _, err := s.VerifyJournal("r1"); err != nil {
				t.Error(err)
			}
			if err := l.UpdateRun(testRun("r2"), entry("x")); err == nil {
				t.Error("UpdateRun of another run through this lease succeeded")
			}
		})
	}
}

// TestStateFileHasNoUnexpectedText stores a run whose sensitive input the
// engine reduced to a digest and checks the raw file for the secret.
func TestStateFileHasNoUnexpectedText(t *testing.T) {
	const canary = "hunter2-canary-5f1d"
	s, path := newStore(t)
	r := testRun("r1")
	r.InputsDigest = "sha256:0b5c"
	r.Inputs = map[string]string{"site": "P01", "sa_password": "(sensitive)"}
	l, err := s.CreateRun(r, pending("a"), entry("run.created"), CreateOptions{Owner: Self("alice", t0)})
	if err != nil {
		t.Fatal(err)
	}
	put(t, l, StepRecord{Name: "a", Status: StepSucceeded, Output: []byte(`{"rows":3}`)})
	s.Close()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte(canary)) {
		t.Error("the state file contains the secret")
	}
	if !bytes.Contains(raw, []byte(`"sa_password":"(sensitive)"`)) {
		t.Error("the state file lacks the display value: the search proves nothing")
	}
}
