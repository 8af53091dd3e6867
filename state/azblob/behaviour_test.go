package azblob

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/batonhq/baton/state"
)

var t0 = time.Date(2026, 11, 25, 21, 30, 0, 0, time.UTC)

func newRun(id string) state.Run {
	return state.Run{ID: id, Runbook: "site-failover", RunbookPath: "runbooks/failover.hcl", SourceDigest: "sha256:aa",
		Requester: "alice", Host: "ops1", PID: 4242, EngineVersion: "0.1.0", Status: state.RunRunning, CreatedAt: t0, UpdatedAt: t0}
}

func pending(names ...string) []state.StepRecord {
	recs := make([]state.StepRecord, len(names))
	for i, n := range names {
		recs[i] = state.StepRecord{Name: n, Status: state.StepPending}
	}
	return recs
}

func ev(typ string, when time.Time) state.JournalEntry {
	return state.JournalEntry{At: when, Type: typ, Actor: "engine"}
}

func remote(user string, since time.Time) state.Holder {
	return state.Holder{Host: "elsewhere.invalid", PID: 4242, User: user, Since: since}
}

func mustCreate(t testing.TB, b state.Backend, run state.Run, h state.Holder, steps ...string) state.Lease {
	t.Helper()
	l, err := b.CreateRun(run, pending(steps...), ev("run.created", run.CreatedAt), state.CreateOptions{Owner: h})
	if err != nil {
		t.Fatalf("CreateRun(%s): %v", run.ID, err)
	}
	return l
}

func mustPut(t testing.TB, l state.Lease, when time.Time, recs ...state.StepRecord) {
	t.Helper()
	entries := make([]state.JournalEntry, len(recs))
	for i, r := range recs {
		entries[i] = ev("step."+string(r.Status), when)
		if r.Status == state.StepAwaitingApproval {
			entries[i].Type = "approval.requested"
		}
	}
	if err := l.PutSteps(recs, entries); err != nil {
		t.Fatalf("PutSteps: %v", err)
	}
}

func approve(step, by string) state.JournalEntry {
	return state.JournalEntry{At: t0, Step: step, Actor: by, Answer: &state.Answer{Kind: state.AnswerApprove, By: by}}
}

func mustVerify(t testing.TB, b state.Reader, id string) {
	t.Helper()
	if _, err := b.VerifyJournal(id); err != nil {
		t.Fatalf("VerifyJournal(%s): %v", id, err)
	}
}

func journalLen(t testing.TB, b state.Reader, id string) int {
	t.Helper()
	j, err := b.Journal(id)
	if err != nil {
		t.Fatal(err)
	}
	return len(j)
}

// TestStaleOwnerRefusedByService: an owner whose lease was taken over
// still believes it owns the run (its cached journal says so); its next
// write is refused by the service's append-position check (412), and the
// re-read names the new owner.
func TestStaleOwnerRefusedByService(t *testing.T) {
	t.Parallel()
	s := openFresh(t, shared(t), Options{})
	la := mustCreate(t, s, newRun("r1"), remote("alice", t0), "a", "b")
	mustPut(t, la, t0, state.StepRecord{Name: "a", Status: state.StepRunning, Attempt: 1})
	now := t0.Add(time.Hour) // alice's heartbeat lapsed
	lb, err := s.AcquireRun("r1", state.Holder{Host: "ops2", PID: 77, User: "carol", Since: now}, now)
	if err != nil {
		t.Fatal(err)
	}
	n, moved := journalLen(t, s, "r1"), s.moved.Load()
	if la.(*azLease).fence(la.(*azLease).st) != nil {
		t.Fatal("the stale lease already knows it lost: this test would not reach the service")
	}
	err = la.PutSteps([]state.StepRecord{{Name: "a", Status: state.StepSucceeded, Attempt: 1}}, []state.JournalEntry{ev("step.succeeded", now)})
	if !errors.Is(err, state.ErrLeaseLost) || !strings.Contains(err.Error(), "pid 77 on ops2") {
		t.Fatalf("stale PutSteps: %v; want ErrLeaseLost naming pid 77 on ops2", err)
	}
	if got := s.moved.Load() - moved; got != 1 {
		t.Errorf("%d appends refused by the service, want 1", got)
	}
	if got := journalLen(t, s, "r1"); got != n {
		t.Errorf("the stale write added %d entries", got-n)
	}
	for name, err := range map[string]error{"Append": la.Append(ev("note", now)), "Renew": la.Renew(now), "AppendLog": la.AppendLog("a", []byte("stale\n"))} {
		if !errors.Is(err, state.ErrLeaseLost) {
			t.Errorf("stale %s: %v, want ErrLeaseLost", name, err)
		}
	}
	if err := lb.Renew(now.Add(time.Second)); err != nil {
		t.Errorf("new owner's Renew: %v", err)
	}
	ctx := context.Background()
	oi, err := s.readOwner(ctx, "r1")
	if err != nil || !oi.leased || oi.owner == nil || oi.owner.User != "carol" || oi.owner.Token != lb.Token() {
		t.Errorf("owner blob = %+v, %v; want leased by carol with token %d", oi, err, lb.Token())
	}
	mustVerify(t, s, "r1")
}

// TestAnswersInterleaved: answers arriving while the owner writes are
// re-checked and appended after whatever landed first; the same person's
// two simultaneous answers yield one entry.
func TestAnswersInterleaved(t *testing.T) {
	t.Parallel()
	s := openFresh(t, shared(t), Options{})
	gates := []string{"g1", "g2", "g3", "g4"}
	l := mustCreate(t, s, newRun("r1"), state.Self("alice", t0), append([]string{"work"}, gates...)...)
	var asks []state.StepRecord
	for _, g := range gates {
		asks = append(asks, state.StepRecord{Name: g, Status: state.StepAwaitingApproval})
	}
	mustPut(t, l, t0, asks...)
	const writes = 25
	var wg sync.WaitGroup
	var ownerErr error
	wg.Go(func() {
		for i := 1; i <= writes && ownerErr == nil; i++ {
			ownerErr = l.PutSteps([]state.StepRecord{{Name: "work", Status: state.StepRunning, Attempt: i}}, []state.JournalEntry{ev("step.running", t0)})
			time.Sleep(10 * time.Millisecond) // far faster than an engine's transitions
		}
	})
	var accepted, conflicts atomic.Int32
	var mu sync.Mutex
	var other []error
	answer := func(step, by string) {
		time.Sleep(time.Duration(rand.IntN(150)) * time.Millisecond)
		_, err := s.Answer("r1", approve(step, by))
		switch {
		case err == nil:
			accepted.Add(1)
		case errors.Is(err, state.ErrConflict):
			conflicts.Add(1)
		default:
			mu.Lock()
			other = append(other, err)
			mu.Unlock()
		}
	}
	for i, g := range gates {
		wg.Go(func() { answer(g, fmt.Sprint("approver", i)) })
		wg.Go(func() { answer(g, "dave") })
		wg.Go(func() { answer(g, `CONTOSO\dave`) }) // the same person
	}
	wg.Wait()
	if ownerErr != nil {
		t.Fatalf("owner: %v", ownerErr)
	}
	for _, err := range other {
		t.Errorf("answer: %v", err)
	}
	if a, c := accepted.Load(), conflicts.Load(); a != 2*int32(len(gates)) || c != int32(len(gates)) {
		t.Errorf("%d answers accepted and %d refused; want %d and %d", a, c, 2*len(gates), len(gates))
	}
	if j, _ := s.Journal("r1"); len(j) != 1+len(gates)+writes+2*len(gates) {
		t.Errorf("journal has %d entries, want %d", len(j), 1+len(gates)+writes+2*len(gates))
		for _, e := range j {
			t.Logf("%d %s %s %v", e.Seq, e.Type, e.Step, e.Answer)
		}
	}
	mustVerify(t, s, "r1")
	if st, err := s.Step("r1", "work"); err != nil || st.Attempt != writes {
		t.Errorf("work = %+v, %v", st, err)
	}
	t.Logf("%d appends were refused by the service and rebuilt", s.moved.Load())
}

// loseFirst makes the nth request matching pred reach the service but
// lose its response, so that the retry policy sends it again.
type loseFirst struct {
	pred func(*http.Request) bool
	n    int32
	seen atomic.Int32
}

func (p *loseFirst) Do(req *policy.Request) (*http.Response, error) {
	resp, err := req.Next()
	if err == nil && p.pred(req.Raw()) && p.seen.Add(1) == p.n {
		resp.Body.Close()
		return nil, errors.New("test: the response was lost")
	}
	return resp, err
}

func isAppend(r *http.Request) bool {
	return r.Method == http.MethodPut && r.URL.Query().Get("comp") == "appendblock" && strings.HasSuffix(r.URL.Path, "/journal")
}

// TestRetriedAppendRecognised: an append that landed but whose answer was
// lost is sent again by the retry policy; the 412 it gets is recognised
// as our own block, so the write succeeds once.
func TestRetriedAppendRecognised(t *testing.T) {
	t.Parallel()
	lose := &loseFirst{pred: isAppend, n: 2} // the first append after CreateRun's
	s := openFresh(t, shared(t), Options{}, pipeline{extra: []policy.Policy{lose}})
	l := mustCreate(t, s, newRun("r1"), state.Self("alice", t0), "a")
	mustPut(t, l, t0, state.StepRecord{Name: "a", Status: state.StepRunning, Attempt: 1})
	if lose.seen.Load() < 2 {
		t.Fatal("no response was lost")
	}
	if s.moved.Load() != 1 {
		t.Errorf("%d appends refused, want 1 (the resent one)", s.moved.Load())
	}
	if n := journalLen(t, s, "r1"); n != 2 {
		t.Errorf("journal has %d entries, want 2: the resent append was applied twice or not at all", n)
	}
	mustPut(t, l, t0, state.StepRecord{Name: "a", Status: state.StepSucceeded, Attempt: 1})
	mustVerify(t, s, "r1")
}

// TestCreateAfterCrash: a CreateRun that stopped after writing its plan
// and lock but before its journal leaves records naming a run that does
// not exist: they count as free, and the next run to take them voids that
// id, so a creator that was only slow fails instead of running unlocked.
func TestCreateAfterCrash(t *testing.T) {
	t.Parallel()
	s := openFresh(t, shared(t), Options{})
	ctx := context.Background()
	slow := newRun("slow")
	slow.LockKey, slow.PlanDigest = "site:P01", "sha256:plan-1"
	h := state.Self("alice", t0)
	var undo undoList
	if err := s.claim(ctx, slow, state.CreateOptions{Owner: h}, t0, &undo); err != nil {
		t.Fatal(err)
	}
	// ... and stops here. Its records count for nothing:
	if _, err := s.Lock("site:P01"); !errors.Is(err, state.ErrNotFound) {
		t.Errorf("Lock of a run never created: %v, want ErrNotFound", err)
	}
	if _, err := s.PlanSpender("sha256:plan-1"); !errors.Is(err, state.ErrNotFound) {
		t.Errorf("PlanSpender naming a run never created: %v, want ErrNotFound", err)
	}
	r2 := newRun("r2")
	r2.LockKey, r2.PlanDigest = slow.LockKey, slow.PlanDigest
	mustCreate(t, s, r2, h, "a")
	if got, err := s.PlanSpender("sha256:plan-1"); err != nil || got != "r2" {
		t.Errorf("PlanSpender = %q, %v; want r2", got, err)
	}
	if got, err := s.Lock("site:P01"); err != nil || got.RunID != "r2" {
		t.Errorf("Lock = %+v, %v; want r2", got, err)
	}
	// The slow creator wakes up: its commit is refused, nothing changes.
	st, err := s.readJournal(ctx, "slow")
	if err != nil || st.void == nil {
		t.Fatalf("the slow run's journal = %+v, %v; want void", st, err)
	}
	_, _, err = s.commitCreate(ctx, replay("slow", nil, ""), slow, pending("a"), ev("run.created", t0), h)
	if !errors.Is(err, state.ErrExists) || !strings.Contains(err.Error(), "run r2 took its lock or plan over") {
		t.Errorf("the slow commit: %v; want ErrExists naming r2", err)
	}
	if _, err := s.Run("slow"); !errors.Is(err, state.ErrNotFound) {
		t.Errorf("Run(slow): %v, want ErrNotFound", err)
	}
	if _, err := s.CreateRun(slow, pending("a"), ev("run.created", t0), state.CreateOptions{Owner: h}); !errors.Is(err, state.ErrExists) {
		t.Errorf("CreateRun of a voided id: %v, want ErrExists", err)
	}
	if runs, err := s.Runs(); err != nil || len(runs) != 1 || runs[0].ID != "r2" {
		t.Errorf("Runs = %+v, %v; want r2 only", runs, err)
	}
}

// TestLeaseLapse: with a 15 s lease that nobody renews, the service's
// clock decides: the run is taken over although the caller's clock says
// the recorded heartbeat is fresh. (The one test that waits, 16 s, in
// parallel with the others.)
func TestLeaseLapse(t *testing.T) {
	t.Parallel()
	s := openFresh(t, shared(t), Options{LeaseDuration: 15 * time.Second})
	since := time.Now()
	l := mustCreate(t, s, newRun("r1"), remote("alice", since), "a")
	if o, err := s.Run("r1"); err != nil || o.Owner.TTL != 15*time.Second {
		t.Fatalf("owner = %+v, %v; want a TTL of 15 s", o.Owner, err)
	}
	carol := state.Holder{Host: "ops2", PID: 77, User: "carol", Since: since}
	if _, err := s.AcquireRun("r1", carol, since.Add(time.Second)); !errors.Is(err, state.ErrOwned) {
		t.Fatalf("AcquireRun while the lease is active: %v, want ErrOwned", err)
	}
	time.Sleep(16*time.Second - time.Since(since))
	l2, err := s.AcquireRun("r1", carol, since.Add(2*time.Second))
	if err != nil {
		t.Fatalf("AcquireRun after the lease lapsed: %v", err)
	}
	j, _ := s.Journal("r1")
	if e := j[len(j)-1]; e.Type != "run.owner_taken_over" || e.Data["host"] != "elsewhere.invalid" {
		t.Errorf("last entry %+v", e)
	}
	if err := l.Renew(time.Now()); !errors.Is(err, state.ErrLeaseLost) {
		t.Errorf("the lapsed owner's Renew: %v, want ErrLeaseLost", err)
	}
	if err := l.Append(ev("note", time.Now())); !errors.Is(err, state.ErrLeaseLost) {
		t.Errorf("the lapsed owner's Append: %v, want ErrLeaseLost", err)
	}
	if err := l2.Append(ev("note", time.Now())); err != nil {
		t.Errorf("the new owner: %v", err)
	}
	mustVerify(t, s, "r1")
}

// TestDamagedJournal: a block that is not JSON (someone with the account
// key appended it) makes the run fail verification, freezes it against
// any further write, and never panics a reader.
func TestDamagedJournal(t *testing.T) {
	t.Parallel()
	s := openFresh(t, shared(t), Options{})
	l := mustCreate(t, s, newRun("r1"), state.Self("alice", t0), "gate")
	mustPut(t, l, t0, state.StepRecord{Name: "gate", Status: state.StepAwaitingApproval})
	ctx := context.Background()
	st, err := s.readRun(ctx, "r1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.appendAt(ctx, s.journalName("r1"), []byte(`[{"entry":{"seq":3,`+"\n"), st.size()); err != nil {
		t.Fatal(err)
	}
	var te *state.TamperedError
	if _, err := s.VerifyJournal("r1"); !errors.As(err, &te) || te.Seq != 3 {
		t.Errorf("VerifyJournal: %v; want a TamperedError at entry 3", err)
	}
	if _, err := s.Journal("r1"); !errors.Is(err, state.ErrCorrupt) {
		t.Errorf("Journal: %v; want ErrCorrupt", err)
	}
	if _, err := s.JournalSince("r1", 2); !errors.Is(err, state.ErrTampered) {
		t.Errorf("JournalSince: %v; want ErrTampered", err)
	}
	if _, err := s.Answer("r1", approve("gate", "bob")); !errors.Is(err, state.ErrTampered) {
		t.Errorf("Answer: %v; want ErrTampered", err)
	}
	cancel := state.JournalEntry{At: t0, Actor: "carol", Answer: &state.Answer{Kind: state.AnswerCancel, By: "carol"}}
	if _, err := s.Answer("r1", cancel); !errors.Is(err, state.ErrTampered) {
		t.Errorf("cancel: %v; want ErrTampered (nothing chains onto a damaged last block)", err)
	}
	if err := l.Append(ev("note", t0)); !errors.Is(err, state.ErrTampered) {
		t.Errorf("owner Append: %v; want ErrTampered", err)
	}
	if st, err := s.Step("r1", "gate"); err != nil || st.Status != state.StepAwaitingApproval {
		t.Errorf("Step = %+v, %v", st, err)
	}
}
