package state

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
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
		{name: "ok", run: testRun("r1"), steps: []StepRecord{{Name: "b"}, {Name: "a"}}, entry: entry("run.created")},
		{name: "no steps", run: testRun("r2"), entry: entry("run.created")},
		{name: "duplicate id", run: testRun("dup"), entry: entry("run.created"), want: ErrExists},
		{name: "empty id", run: testRun(""), entry: entry("run.created"), wantMsg: "run id is empty"},
		{name: "long id", run: testRun(strings.Repeat("x", 300)), entry: entry("run.created"), wantMsg: "more than"},
		{name: "twice the same step", run: testRun("r3"), steps: []StepRecord{{Name: "a"}, {Name: "a"}}, entry: entry("run.created"), wantMsg: "listed twice"},
		{name: "empty step name", run: testRun("r4"), steps: []StepRecord{{Name: ""}}, entry: entry("run.created"), wantMsg: "step name is empty"},
		{name: "entry without type", run: testRun("r5"), entry: JournalEntry{At: t0}, wantMsg: "no type"},
	}
	s, _ := newStore(t)
	createRun(t, s, "dup")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.CreateRun(tt.run, tt.steps, tt.entry)
			switch {
			case tt.want != nil:
				wantErr(t, err, tt.want)
				return
			case tt.wantMsg != "":
				if err == nil || !strings.Contains(err.Error(), tt.wantMsg) {
					t.Fatalf("err = %v, want %q", err, tt.wantMsg)
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
			if diff := cmp.Diff(tt.run, got); diff != "" {
				t.Errorf("Run (-want +got):\n%s", diff)
			}
			steps, err := s.Steps(tt.run.ID)
			if err != nil || len(steps) != len(tt.steps) {
				t.Fatalf("Steps = %v, %v", steps, err)
			}
			j, err := s.Journal(tt.run.ID)
			if err != nil || len(j) != 1 || j[0].Type != "run.created" || j[0].Seq != 1 {
				t.Fatalf("Journal = %+v, %v", j, err)
			}
		})
	}
}

func TestRunNotFound(t *testing.T) {
	s, _ := newStore(t)
	createRun(t, s, "r1", "a")
	for name, err := range map[string]error{
		"Run":           func() error { _, err := s.Run("nope"); return err }(),
		"Run empty":     func() error { _, err := s.Run(""); return err }(),
		"Steps":         func() error { _, err := s.Steps("nope"); return err }(),
		"Step":          func() error { _, err := s.Step("nope", "a"); return err }(),
		"Step unknown":  func() error { _, err := s.Step("r1", "zz"); return err }(),
		"Journal":       func() error { _, err := s.Journal("nope"); return err }(),
		"VerifyJournal": func() error { _, err := s.VerifyJournal("nope"); return err }(),
		"Logs":          func() error { _, err := s.Logs("nope", ""); return err }(),
		"UpdateRun":     s.UpdateRun(testRun("nope"), entry("x")),
		"RequestCancel": s.RequestCancel("nope", "bob", t0),
		"PutStep":       s.PutStep("nope", StepRecord{Name: "a"}, entry("x")),
		"Append":        s.Append("nope", entry("x")),
		"AppendLog":     s.AppendLog("nope", "a", []byte("x")),
		"AddApproval":   s.AddApproval("r1", "zz", Approval{By: "bob", Decision: "approved"}, entry("x")),
		"Resolve":       s.Resolve("r1", "zz", Resolution{By: "bob", Decision: "failed", Reason: "r"}, entry("x")),
	} {
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("%s: err = %v, want ErrNotFound", name, err)
		}
	}
}

func TestRunsNewestFirst(t *testing.T) {
	s, _ := newStore(t)
	for _, m := range []int{5, 1, 9, 3} {
		r := testRun(NewRunID(at(m), strings.NewReader("\x00\x00\x01")))
		r.CreatedAt = at(m)
		if err := s.CreateRun(r, nil, entry("run.created")); err != nil {
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

func TestUpdateRun(t *testing.T) {
	s, _ := newStore(t)
	createRun(t, s, "r1", "a")
	if err := s.RequestCancel("r1", "bob", at(1)); err != nil {
		t.Fatal(err)
	}
	// The engine's copy predates the cancel request.
	stale := testRun("r1")
	stale.Status, stale.Reason, stale.UpdatedAt = RunPaused, "waiting for approval", at(2)
	if err := s.UpdateRun(stale, JournalEntry{At: at(2), Type: "run.paused"}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Run("r1")
	if err != nil {
		t.Fatal(err)
	}
	want := stale
	want.CancelRequested, want.CancelledBy = true, "bob"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Run (-want +got):\n%s", diff)
	}
	j, _ := s.Journal("r1")
	if len(j) != 3 || j[2].Type != "run.paused" {
		t.Errorf("journal = %+v", j)
	}
}

func TestRequestCancel(t *testing.T) {
	s, _ := newStore(t)
	createRun(t, s, "r1", "a")
	done := testRun("r2")
	done.Status = RunSucceeded
	if err := s.CreateRun(done, nil, entry("run.created")); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, id, by string
		want         error
	}{
		{"first", "r1", "bob", nil},
		{"second keeps the first requester", "r1", "carol", nil},
		{"finished run", "r2", "bob", ErrConflict},
		{"nobody", "r1", "", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := s.RequestCancel(tt.id, tt.by, at(3))
			if tt.by == "" {
				if err == nil {
					t.Fatal("cancel without a name succeeded")
				}
				return
			}
			if tt.want != nil {
				wantErr(t, err, tt.want)
				if !strings.Contains(err.Error(), "succeeded") {
					t.Errorf("message %q does not give the status", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
		})
	}
	r, _ := s.Run("r1")
	if !r.CancelRequested || r.CancelledBy != "bob" || !r.UpdatedAt.Equal(at(3)) {
		t.Errorf("run = %+v", r)
	}
	j, _ := s.Journal("r1")
	if len(j) != 3 || j[1].Type != "run.cancel_requested" || j[1].Actor != "bob" || j[2].Actor != "carol" || !j[1].At.Equal(at(3)) {
		t.Errorf("journal = %+v", j)
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
	if err := s.CreateRun(r, []StepRecord{{Name: "a"}}, entry("run.created")); err != nil {
		t.Fatal(err)
	}
	if err := s.PutStep("r1", StepRecord{Name: "a", Status: StepSucceeded, Output: []byte(`{"rows":3}`)}, entry("step.succeeded")); err != nil {
		t.Fatal(err)
	}
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
