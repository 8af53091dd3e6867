package served

import (
	"errors"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/batonhq/baton/state"
)

// TestRoundTrip writes through every method of the client and reads every
// answer back both through the client and from the server's Store.
func TestRoundTrip(t *testing.T) {
	f := newFleet(t, ServeOptions{IdleTimeout: time.Minute})
	ts := f.start()
	cl := f.connect()

	run := testRun("run-1")
	run.LockKey, run.PlanDigest = "site-a", "sha256:plan1"
	l := create(t, cl, run, "build", "approve", "deploy")
	if l.RunID() != "run-1" || l.Token() == 0 {
		t.Fatalf("lease = %s/%d", l.RunID(), l.Token())
	}
	writeThrough(t, l, cl)

	compareReads(t, cl, ts.st)
	if h, err := cl.VerifyJournal("run-1"); err != nil || h == "" {
		t.Errorf("VerifyJournal = %q, %v", h, err)
	}
	if lg, err := cl.Logs("run-1", "build"); err != nil || string(lg) != "compiled\n" {
		t.Errorf("Logs = %q, %v", lg, err)
	}
	if p, err := cl.PlanSpender("sha256:plan1"); err != nil || p != "run-1" {
		t.Errorf("PlanSpender = %q, %v", p, err)
	}
	r1, err := cl.Run("run-1")
	if err != nil {
		t.Fatal(err)
	}

	// The run ends: its lock is free, the lease is gone.
	end := r1
	end.Status, end.FinishedAt = state.RunSucceeded, t0.Add(time.Minute)
	if err := l.UpdateRun(end, entry("run.succeeded")); err != nil {
		t.Fatalf("UpdateRun: %v", err)
	}
	if err := l.Release(); err != nil {
		t.Fatalf("Release after the end: %v", err)
	}
	if locks, err := cl.Locks(); err != nil || len(locks) != 0 {
		t.Errorf("Locks after the end = %v, %v", locks, err)
	}
	if _, err := cl.VerifyJournal("run-1"); err != nil {
		t.Errorf("VerifyJournal at the end: %v", err)
	}
}

// compareReads reads every method of the Reader through the client and
// from the Store, and fails t where the answers differ.
func compareReads(t *testing.T, cl, st state.Reader) {
	t.Helper()
	reads := []struct {
		name string
		read func(r state.Reader) (any, error)
	}{
		{"Run", func(r state.Reader) (any, error) { return r.Run("run-1") }},
		{"Runs", func(r state.Reader) (any, error) { return r.Runs() }},
		{"Steps", func(r state.Reader) (any, error) { return r.Steps("run-1") }},
		{"Step", func(r state.Reader) (any, error) { return r.Step("run-1", "build") }},
		{"Journal", func(r state.Reader) (any, error) { return r.Journal("run-1") }},
		{"JournalSince", func(r state.Reader) (any, error) { return r.JournalSince("run-1", 2) }},
		{"VerifyJournal", func(r state.Reader) (any, error) { return r.VerifyJournal("run-1") }},
		{"Logs", func(r state.Reader) (any, error) { return r.Logs("run-1", "") }},
		{"Locks", func(r state.Reader) (any, error) { return r.Locks() }},
		{"Lock", func(r state.Reader) (any, error) { return r.Lock("site-a") }},
		{"PlanSpender", func(r state.Reader) (any, error) { return r.PlanSpender("sha256:plan1") }},
	}
	for _, rd := range reads {
		got, gotErr := rd.read(cl)
		want, wantErr := rd.read(st)
		if gotErr != nil || wantErr != nil {
			t.Errorf("%s: client error %v, store error %v", rd.name, gotErr, wantErr)
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%s differs (-store +client):\n%s", rd.name, d)
		}
	}
}

// writeThrough uses every write of the lease and Answer.
func writeThrough(t *testing.T, l state.Lease, cl state.Backend) {
	t.Helper()
	recs := []state.StepRecord{
		{Name: "build", Status: state.StepSucceeded, Attempt: 1, StartedAt: t0, FinishedAt: t0.Add(time.Second),
			Output: []byte(`{"ok":true}`), OutputDigest: "sha256:bb"},
		{Name: "approve", Status: state.StepAwaitingApproval,
			Policy: &state.ApprovalPolicy{MinApprovals: 1, Requester: "alice"}},
	}
	entries := []state.JournalEntry{entry("step.succeeded"), entry("approval.requested")}
	entries[1].Policy = recs[1].Policy
	if err := l.PutSteps(recs, entries); err != nil {
		t.Fatalf("PutSteps: %v", err)
	}
	if err := l.AppendLog("build", []byte("compiled\n")); err != nil {
		t.Fatalf("AppendLog: %v", err)
	}
	if err := l.Append(state.JournalEntry{At: t0, Type: "note", Data: map[string]string{"k": "v"}}); err != nil {
		t.Fatalf("Append: %v", err)
	}
	if err := l.Renew(t0.Add(5 * time.Second)); err != nil {
		t.Fatalf("Renew: %v", err)
	}
	ans := state.JournalEntry{At: t0.Add(time.Second), Step: "approve",
		Answer: &state.Answer{Kind: state.AnswerApprove, By: "carol", Comment: "fine"}}
	got, err := cl.Answer(l.RunID(), ans)
	if err != nil {
		t.Fatalf("Answer: %v", err)
	}
	if got.Seq == 0 || got.Hash == "" || got.Type != "answer.approve" || got.Answer.By != "carol" {
		t.Errorf("Answer returned %+v", got)
	}
	run, err := cl.Run(l.RunID())
	if err != nil {
		t.Fatal(err)
	}
	run.Reason = "approved"
	if err := l.UpdateRun(run, entry("run.note")); err != nil {
		t.Fatalf("UpdateRun: %v", err)
	}
}

// TestAcquireAndSupersede covers AcquireRun, Supersede and the errors of
// a lease that was lost.
func TestAcquireAndSupersede(t *testing.T) {
	f := newFleet(t, ServeOptions{IdleTimeout: time.Minute})
	f.start()
	cl := f.connect()
	run := testRun("run-2")
	run.LockKey = "site-b"
	old, err := cl.CreateRun(run, pending("a"), entry("run.created"), state.CreateOptions{Owner: gone()})
	if err != nil {
		t.Fatal(err)
	}
	l, err := cl.AcquireRun("run-2", state.Self("alice", t0), t0.Add(time.Hour))
	if err != nil {
		t.Fatalf("AcquireRun of a gone owner: %v", err)
	}
	if l.Token() == old.Token() {
		t.Errorf("the new lease kept token %d", l.Token())
	}
	if err := old.PutSteps(pending("a"), []state.JournalEntry{entry("step.pending")}); !errors.Is(err, state.ErrLeaseLost) {
		t.Errorf("write through the taken-over lease: %v, want ErrLeaseLost", err)
	}
	if err := l.Release(); err != nil {
		t.Fatalf("Release: %v", err)
	}
	sup := state.JournalEntry{Actor: "dave", Data: map[string]string{"reason": "site rebuilt"}}
	if err := cl.Supersede("run-2", sup, t0.Add(2*time.Hour)); err != nil {
		t.Fatalf("Supersede: %v", err)
	}
	r, err := cl.Run("run-2")
	if err != nil || r.Status != state.RunSuperseded || r.Superseded == nil || r.Superseded.By != "dave" {
		t.Errorf("Run after Supersede = %+v, %v", r, err)
	}
	if _, err := cl.Lock("site-b"); !errors.Is(err, state.ErrNotFound) {
		t.Errorf("Lock after Supersede: %v, want ErrNotFound", err)
	}
}

// TestConcurrentClients uses one client from 8 goroutines, and a second
// client meanwhile.
func TestConcurrentClients(t *testing.T) {
	f := newFleet(t, ServeOptions{IdleTimeout: time.Minute})
	f.start()
	cl, other := f.connect(), f.connect()
	const workers, writes = 8, 15
	errs := make(chan error, workers)
	for w := range workers {
		go func() { errs <- worker(cl, other, w, writes) }()
	}
	for range workers {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	runs, err := other.Runs()
	if err != nil || len(runs) != workers {
		t.Fatalf("Runs = %d runs, %v", len(runs), err)
	}
	for _, r := range runs {
		if _, err := cl.VerifyJournal(r.ID); err != nil {
			t.Errorf("VerifyJournal(%s): %v", r.ID, err)
		}
		j, err := cl.Journal(r.ID)
		if err != nil || len(j) != 1+2*writes {
			t.Errorf("Journal(%s) has %d entries (%v), want %d", r.ID, len(j), err, 1+2*writes)
		}
	}
}

func worker(cl, other state.Backend, w, writes int) error {
	id := "run-w" + string(rune('a'+w))
	l, err := cl.CreateRun(testRun(id), pending("s"), entry("run.created"),
		state.CreateOptions{Owner: state.Self("alice", t0)})
	if err != nil {
		return err
	}
	for i := range writes {
		rec := state.StepRecord{Name: "s", Status: state.StepRunning, Attempt: i + 1}
		if err := l.PutSteps([]state.StepRecord{rec}, []state.JournalEntry{entry("step.running")}); err != nil {
			return err
		}
		if err := l.AppendLog("s", []byte("line\n")); err != nil {
			return err
		}
		if err := l.Append(entry("note")); err != nil {
			return err
		}
		if _, err := other.Steps(id); err != nil {
			return err
		}
		if _, err := cl.Run(id); err != nil {
			return err
		}
	}
	return nil
}

// TestReadOnlyAndClosedStore: a store opened read-only refuses writes
// with ErrReadOnly, a closed one answers ErrClosed, and a closed client
// answers ErrClosed itself.
func TestReadOnlyAndClosedStore(t *testing.T) {
	f := newFleet(t, ServeOptions{IdleTimeout: time.Minute})
	ts := f.start()
	cl := f.connect()
	create(t, cl, testRun("run-ro"), "a")
	_ = cl.Close()
	if _, err := cl.Run("run-ro"); !errors.Is(err, state.ErrClosed) {
		t.Errorf("Run after Close: %v, want ErrClosed", err)
	}
	if err := ts.stop(t); err != nil {
		t.Fatal(err)
	}

	st, err := state.Open(f.path, state.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	ts = &testServer{st: st}
	f.serveStore(ts)
	waitServing(t, f.path)
	ro := f.connect()
	if _, err := ro.Run("run-ro"); err != nil {
		t.Fatalf("Run on a read-only store: %v", err)
	}
	_, err = ro.CreateRun(testRun("run-x"), nil, entry("run.created"), state.CreateOptions{})
	if !errors.Is(err, state.ErrReadOnly) {
		t.Errorf("CreateRun on a read-only store: %v, want ErrReadOnly", err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := ro.Run("run-ro"); !errors.Is(err, state.ErrClosed) || errors.Is(err, state.ErrNotFound) {
		t.Errorf("Run on a closed store: %v, want ErrClosed only", err)
	}
}

// TestAdvertisement: the advertisement and the socket are the owner's
// only, and the advertisement goes when the server does.
func TestAdvertisement(t *testing.T) {
	f := newFleet(t, ServeOptions{IdleTimeout: time.Minute})
	ts := f.start()
	abs := absPath(t, f.path)
	a, err := readAdvert(abs)
	if err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	if a.PID != os.Getpid() || a.Host != host || len(a.Secret) != 64 || a.Endpoint != socketPath(abs) ||
		a.Started.IsZero() || a.Version != protocolVersion {
		t.Errorf("advertisement = %+v", a)
	}
	if runtime.GOOS != "windows" {
		for _, p := range []string{advertPath(abs), a.Endpoint} {
			if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o600 {
				t.Errorf("%s: mode %v (%v), want 0600", p, fi.Mode().Perm(), err)
			}
		}
	}
	if err := ts.stop(t); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{advertPath(abs), a.Endpoint} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s after the server stopped: %v, want it gone", p, err)
		}
	}
}

// TestRemoveAdvertKeepsANewerOne: a server withdraws only its own
// advertisement.
func TestRemoveAdvertKeepsANewerOne(t *testing.T) {
	abs := absPath(t, t.TempDir()+"/state.db")
	if err := writeAdvert(abs, advert{Endpoint: "x", Secret: "newer"}); err != nil {
		t.Fatal(err)
	}
	if err := removeAdvert(abs, "older"); err != nil {
		t.Fatal(err)
	}
	if a, err := readAdvert(abs); err != nil || a.Secret != "newer" {
		t.Errorf("advertisement = %+v, %v; want the newer one kept", a, err)
	}
	if err := removeAdvert(abs, "newer"); err != nil {
		t.Fatal(err)
	}
	if _, err := readAdvert(abs); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("advertisement after its removal: %v", err)
	}
}

func TestSocketPath(t *testing.T) {
	long := "/" + strings.Repeat("d", 120) + "/state.db"
	tests := []struct {
		name, abs string
		want      func(string) bool
	}{
		{"short: next to the file", "/home/ops/.config/baton/state.db",
			func(p string) bool { return p == "/home/ops/.config/baton/state.db.sock" }},
		{"long: hashed in the temporary directory", long, func(p string) bool {
			return strings.HasPrefix(p, os.TempDir()) && strings.HasSuffix(p, ".sock") && len(p) < maxSocketPath
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := socketPath(tt.abs); !tt.want(got) {
				t.Errorf("socketPath(%q) = %q", tt.abs, got)
			}
		})
	}
	if socketPath(long) != socketPath(long) || socketPath(long) == socketPath(long+"2") {
		t.Error("hashed socket paths are not a function of the state path")
	}
}

// TestServeLongPath serves a state file whose socket cannot sit next to
// it.
func TestServeLongPath(t *testing.T) {
	dir := t.TempDir()
	for len(dir) < maxSocketPath {
		dir += "/deeper-directory"
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	f := newFleet(t, ServeOptions{IdleTimeout: time.Minute})
	f.path = dir + "/state.db"
	f.start()
	cl := f.connect()
	create(t, cl, testRun("run-long"), "a")
	if _, err := cl.Run("run-long"); err != nil {
		t.Fatal(err)
	}
}
