package state

import (
	"encoding/json"
	"errors"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	bolt "go.etcd.io/bbolt"
)

func TestOpenCreates(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	path := filepath.Join(dir, "state.db")
	s := openStore(t, path, Options{})
	if s.Path() != path {
		t.Errorf("Path() = %q, want %q", s.Path(), path)
	}
	if runtime.GOOS != "windows" {
		for p, want := range map[string]os.FileMode{dir: 0o700, path: 0o600} {
			info, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			if got := info.Mode().Perm(); got&^want != 0 {
				t.Errorf("mode of %s = %v, want at most %v", p, got, want)
			}
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.View(func(tx *bolt.Tx) error {
		for _, b := range []string{"meta", "runs", "locks"} {
			if tx.Bucket([]byte(b)) == nil {
				t.Errorf("bucket %s missing", b)
			}
		}
		if v := string(tx.Bucket(bucketMeta).Get(keyVersion)); v != "1" {
			t.Errorf("schema_version = %q, want raw \"1\"", v)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// TestOpenRefuses checks that files baton must not touch are reported and
// left byte for byte as they were, by read-write and read-only opens.
func TestOpenRefuses(t *testing.T) {
	storeFile := func(t *testing.T, path string) {
		s, err := Open(path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for i := range 20 {
			createRun(t, s, NewRunID(at(i), strings.NewReader("abcdef")), "a", "b")
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	boltFile := func(fn func(tx *bolt.Tx) error) func(t *testing.T, path string) {
		return func(t *testing.T, path string) { rawUpdate(t, path, fn) }
	}
	withVersion := func(v string) func(t *testing.T, path string) {
		return func(t *testing.T, path string) {
			storeFile(t, path)
			rawUpdate(t, path, func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put(keyVersion, []byte(v)) })
		}
	}
	truncate := func(size int64) func(t *testing.T, path string) {
		return func(t *testing.T, path string) {
			storeFile(t, path)
			if err := os.Truncate(path, size); err != nil {
				t.Fatal(err)
			}
		}
	}
	tests := []struct {
		name  string
		setup func(t *testing.T, path string)
		want  error
		msg   string
	}{
		{"random bytes", func(t *testing.T, path string) {
			b := make([]byte, 16<<10)
			r := rand.New(rand.NewPCG(1, 2))
			for i := range b {
				b[i] = byte(r.Uint32())
			}
			if err := os.WriteFile(path, b, 0o600); err != nil {
				t.Fatal(err)
			}
		}, ErrCorrupt, "not a bbolt database"},
		{"text file", func(t *testing.T, path string) {
			if err := os.WriteFile(path, []byte("hello, I am not a database\n"), 0o600); err != nil {
				t.Fatal(err)
			}
		}, ErrCorrupt, "not a bbolt database"},
		{"foreign bbolt file", boltFile(func(tx *bolt.Tx) error {
			b, err := tx.CreateBucket([]byte("foo"))
			if err != nil {
				return err
			}
			return b.Put([]byte("k"), []byte("v"))
		}), ErrCorrupt, `another program (it has a bucket "foo"`},
		{"truncated to 100 bytes", truncate(100), ErrCorrupt, "truncated"},
		{"truncated to 3 pages", truncate(3 * 4096), ErrCorrupt, "truncated"},
		{"newer format", withVersion("2"), ErrNewerFormat, "use a newer baton"},
		{"unreadable version", withVersion("one"), ErrCorrupt, "schema_version"},
		{"non-canonical version", withVersion("01"), ErrCorrupt, "schema_version"},
		{"no version", func(t *testing.T, path string) {
			storeFile(t, path)
			rawUpdate(t, path, func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Delete(keyVersion) })
		}, ErrCorrupt, "schema_version"},
	}
	for _, tt := range tests {
		for _, ro := range []bool{false, true} {
			name := tt.name
			if ro {
				name += "/read-only"
			}
			t.Run(name, func(t *testing.T) {
				path := filepath.Join(t.TempDir(), "state.db")
				tt.setup(t, path)
				before := fileSum(t, path)
				s, err := Open(path, Options{ReadOnly: ro, Timeout: time.Second})
				if err == nil {
					s.Close()
					t.Fatal("Open succeeded")
				}
				wantErr(t, err, tt.want)
				if !strings.Contains(err.Error(), tt.msg) || !strings.Contains(err.Error(), path) {
					t.Errorf("message %q should contain %q and the path", err, tt.msg)
				}
				if fileSum(t, path) != before {
					t.Error("the file was changed")
				}
			})
		}
	}
}

func TestOpenReadOnlyMissingOrEmpty(t *testing.T) {
	for _, tt := range []struct {
		name  string
		setup func(path string) error
	}{
		{"missing", func(string) error { return nil }},
		{"empty", func(p string) error { return os.WriteFile(p, nil, 0o600) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.db")
			if err := tt.setup(path); err != nil {
				t.Fatal(err)
			}
			_, err := Open(path, Options{ReadOnly: true})
			wantErr(t, err, ErrNotFound)
			wantErr(t, err, fs.ErrNotExist)
			if info, err := os.Stat(path); err == nil && info.Size() != 0 {
				t.Error("a read-only open wrote the file")
			}
		})
	}
}

func TestOpenEmptyFileIsInitialised(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	s := openStore(t, path, Options{})
	createRun(t, s, "r1", "a")
}

func TestOpenReadOnlyUninitialisedBolt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	rawUpdate(t, path, func(*bolt.Tx) error { return nil })
	before := fileSum(t, path)
	s := openStore(t, path, Options{ReadOnly: true})
	defer func() {
		if fileSum(t, path) != before {
			t.Error("a read-only open changed the file")
		}
	}()
	runs, err := s.Runs()
	if err != nil || len(runs) != 0 {
		t.Fatalf("Runs() = %v, %v; want none", runs, err)
	}
	_, err = s.Run("x")
	wantErr(t, err, ErrNotFound)
	locks, err := s.Locks()
	if err != nil || len(locks) != 0 {
		t.Fatalf("Locks() = %v, %v; want none", locks, err)
	}
}

// writeV0 writes a format-0 file: unchained entries under runs/<id>/events.
func writeV0(t *testing.T, path string) {
	rawUpdate(t, path, func(tx *bolt.Tx) error {
		meta, _ := tx.CreateBucket(bucketMeta)
		if err := meta.Put(keyVersion, []byte("0")); err != nil {
			return err
		}
		runs, _ := tx.CreateBucket(bucketRuns)
		for _, id := range []string{"r1", "r2"} {
			rb, _ := runs.CreateBucket([]byte(id))
			raw, _ := json.Marshal(testRun(id))
			if err := rb.Put(keyRun, raw); err != nil {
				return err
			}
			sb, _ := rb.CreateBucket(bucketSteps)
			raw, _ = json.Marshal(StepRecord{Name: "a", Status: StepSucceeded})
			if err := sb.Put([]byte("a"), raw); err != nil {
				return err
			}
			ev, _ := rb.CreateBucket(bucketEventsV0)
			for i, typ := range []string{"run.created", "step.running", "step.succeeded", ""} {
				raw, _ := json.Marshal(JournalEntry{At: at(i), Type: typ, Step: "a", Data: map[string]string{"i": string(rune('0' + i))}})
				if err := ev.Put(seqKey(uint64(10*i+7)), raw); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

func TestMigrateFrom0(t *testing.T) {
	for _, ro := range []bool{false, true} {
		t.Run(map[bool]string{false: "read-write", true: "read-only"}[ro], func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.db")
			writeV0(t, path)
			s := openStore(t, path, Options{ReadOnly: ro})
			for _, id := range []string{"r1", "r2"} {
				j, err := s.Journal(id)
				if err != nil {
					t.Fatal(err)
				}
				var types []string
				for i, e := range j {
					types = append(types, e.Type)
					if e.Seq != uint64(i+1) || !e.At.Equal(at(i)) {
						t.Errorf("entry %d: seq %d at %v", i, e.Seq, e.At)
					}
				}
				if diff := cmp.Diff([]string{"run.created", "step.running", "step.succeeded", "event"}, types); diff != "" {
					t.Errorf("types (-want +got):\n%s", diff)
				}
				head, err := s.VerifyJournal(id)
				if err != nil || head != j[len(j)-1].Hash {
					t.Errorf("VerifyJournal = %q, %v", head, err)
				}
				if st, err := s.Step(id, "a"); err != nil || st.Status != StepSucceeded {
					t.Errorf("Step = %+v, %v", st, err)
				}
			}
			s.Close()
			db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			db.View(func(tx *bolt.Tx) error {
				if v := string(tx.Bucket(bucketMeta).Get(keyVersion)); v != "1" {
					t.Errorf("schema_version = %q after migration", v)
				}
				rb := tx.Bucket(bucketRuns).Bucket([]byte("r1"))
				if rb.Bucket(bucketEventsV0) != nil || rb.Bucket(bucketLogs) == nil || tx.Bucket(bucketLocks) == nil {
					t.Error("layout not upgraded")
				}
				return nil
			})
		})
	}
}

func TestMigrationTable(t *testing.T) {
	if len(migrations) != currentVersion {
		t.Fatalf("%d migrations for version %d", len(migrations), currentVersion)
	}
	for i, m := range migrations {
		if m.from != i || m.fn == nil || m.what == "" {
			t.Errorf("migration %d is %+v", i, m)
		}
	}
}

func TestBusy(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s := openStore(t, path, Options{Timeout: 150 * time.Millisecond, Linger: -1})
	createRun(t, s, "r1", "a")

	holder, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()

	for _, tt := range []struct {
		name string
		do   func() error
	}{
		{"Open", func() error {
			s2, err := Open(path, Options{Timeout: 150 * time.Millisecond})
			if err == nil {
				s2.Close()
			}
			return err
		}},
		{"Open read-only", func() error {
			s2, err := Open(path, Options{ReadOnly: true, Timeout: 150 * time.Millisecond})
			if err == nil {
				s2.Close()
			}
			return err
		}},
		{"read", func() error { _, err := s.Run("r1"); return err }},
		{"write", func() error { return s.Append("r1", entry("note")) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			err := tt.do()
			wantErr(t, err, ErrBusy)
			if !strings.Contains(err.Error(), "another baton process") {
				t.Errorf("message %q does not say who holds the file", err)
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("took %v with a 150ms timeout", d)
			}
		})
	}
}

// TestLingerReleasesFile checks that an idle store lets go of the file.
func TestLingerReleasesFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s := openStore(t, path, Options{Linger: 2 * time.Millisecond})
	createRun(t, s, "r1", "a")
	deadline := time.Now().Add(2 * time.Second)
	for s.isOpen() {
		if time.Now().After(deadline) {
			t.Fatal("the handle is still open long after Linger")
		}
		time.Sleep(time.Millisecond)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatalf("another opener cannot get in: %v", err)
	}
	db.Close()
	if _, err := s.Run("r1"); err != nil {
		t.Fatalf("reopen: %v", err)
	}
}

// TestMaxHoldRotates checks that a busy store closes the file periodically.
func TestMaxHoldRotates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s := openStore(t, path, Options{MaxHold: 20 * time.Millisecond, Linger: time.Hour})
	createRun(t, s, "r1", "a")
	// Busy without pause, the store must still let go of the file: with
	// Linger 1h only MaxHold closes it.
	opens := s.opens.Load()
	deadline := time.Now().Add(5 * time.Second)
	for s.opens.Load()-opens < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("reopened only %d times in 5s with MaxHold 20ms", s.opens.Load()-opens)
		}
		if _, err := s.Step("r1", "a"); err != nil {
			t.Fatal(err)
		}
	}
}

// TestStatusWhileWriting is the cross-process case: a run writes in a loop
// and `baton status` opens the file read-only and must answer within 1s.
func TestStatusWhileWriting(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	w := openStore(t, path, Options{})
	createRun(t, w, "r1", "a", "b")

	stop := make(chan struct{})
	werr := make(chan error, 1)
	go func() {
		defer close(werr)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			rec := StepRecord{Name: "a", Status: StepRunning, Attempt: i}
			if err := w.PutStep("r1", rec, entry("step.running")); err != nil {
				werr <- err
				return
			}
		}
	}()
	for range 4 {
		start := time.Now()
		r, err := Open(path, Options{ReadOnly: true, Timeout: time.Second})
		if err != nil {
			t.Fatalf("status: %v", err)
		}
		run, err1 := r.Run("r1")
		steps, err2 := r.Steps("r1")
		r.Close()
		if err := errors.Join(err1, err2); err != nil {
			t.Fatalf("status: %v", err)
		}
		d := time.Since(start)
		if d > time.Second {
			t.Errorf("status took %v", d)
		}
		t.Logf("status answered in %v", d.Round(time.Millisecond))
		if run.ID != "r1" || len(steps) != 2 {
			t.Errorf("status read %+v, %d steps", run, len(steps))
		}
	}
	close(stop)
	if err := <-werr; err != nil {
		t.Fatalf("writer: %v", err)
	}
	if w.Commits() < 2 {
		t.Errorf("the writer committed only %d times", w.Commits())
	}
}

// TestTwoWritersShareTheFile runs two read-write stores on one file.
func TestTwoWritersShareTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	a := openStore(t, path, Options{})
	b := openStore(t, path, Options{})
	createRun(t, a, "r1", "a")
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for _, s := range []*Store{a, b} {
		wg.Go(func() {
			for range 15 {
				if err := s.Append("r1", entry("note")); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	j, err := b.Journal("r1")
	if err != nil || len(j) != 31 {
		t.Fatalf("journal has %d entries (%v), want 31", len(j), err)
	}
	if _, err := a.VerifyJournal("r1"); err != nil {
		t.Fatal(err)
	}
}

func TestConcurrentGoroutines(t *testing.T) {
	s, _ := newStore(t)
	createRun(t, s, "r1", "a", "b", "c", "d")
	var wg sync.WaitGroup
	for _, name := range []string{"a", "b", "c", "d"} {
		wg.Go(func() {
			for i := range 10 {
				if err := s.PutStep("r1", StepRecord{Name: name, Status: StepRunning, Attempt: i}, entry("step.running")); err != nil {
					t.Error(err)
				}
				if _, err := s.Steps("r1"); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if _, err := s.VerifyJournal("r1"); err != nil {
		t.Fatal(err)
	}
}

func TestCommits(t *testing.T) {
	s, _ := newStore(t)
	base := s.Commits()
	createRun(t, s, "r1", "a")
	steps := []struct {
		name    string
		do      func() error
		commits uint64
	}{
		{"read", func() error { _, err := s.Steps("r1"); return err }, 0},
		{"PutStep", func() error {
			return s.PutStep("r1", StepRecord{Name: "a", Status: StepRunning}, entry("step.running"))
		}, 1},
		{"failed write", func() error {
			if err := s.PutStep("nope", StepRecord{Name: "a"}, entry("x")); err == nil {
				return errors.New("no error")
			}
			return nil
		}, 0},
		{"Append", func() error { return s.Append("r1", entry("note")) }, 1},
		{"AppendLog", func() error { return s.AppendLog("r1", "a", []byte("x")) }, 1},
		{"ReleaseLock of nothing", func() error { return s.ReleaseLock("k", "r1") }, 0},
	}
	want := base + 1
	if got := s.Commits(); got != want {
		t.Fatalf("after CreateRun Commits = %d, want %d", got, want)
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		want += st.commits
		if got := s.Commits(); got != want {
			t.Errorf("after %s Commits = %d, want %d", st.name, got, want)
		}
	}
}

func TestReadOnlyRefusesWrites(t *testing.T) {
	s, path := newStore(t)
	createRun(t, s, "r1", "a")
	s.Close()
	r := openStore(t, path, Options{ReadOnly: true})
	before := fileSum(t, path)
	for name, err := range map[string]error{
		"CreateRun":   r.CreateRun(testRun("r2"), nil, entry("run.created")),
		"PutStep":     r.PutStep("r1", StepRecord{Name: "a"}, entry("x")),
		"Append":      r.Append("r1", entry("x")),
		"AcquireLock": r.AcquireLock(LockHolder{Key: "k", RunID: "r1"}, JournalEntry{}, false),
	} {
		if !errors.Is(err, ErrReadOnly) {
			t.Errorf("%s: err = %v, want ErrReadOnly", name, err)
		}
	}
	if got, err := r.Run("r1"); err != nil || got.ID != "r1" {
		t.Errorf("Run = %+v, %v", got, err)
	}
	if fileSum(t, path) != before {
		t.Error("the file changed")
	}
}

func TestClose(t *testing.T) {
	s, _ := newStore(t)
	createRun(t, s, "r1")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	_, err := s.Run("r1")
	wantErr(t, err, ErrClosed)
}

func TestCheck(t *testing.T) {
	s, _ := newStore(t)
	createRun(t, s, "r1", "a")
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
}

func TestDefaultPath(t *testing.T) {
	t.Setenv("BATON_STATE", "/tmp/x/state.db")
	if got := DefaultPath(); got != "/tmp/x/state.db" {
		t.Errorf("with BATON_STATE: %q", got)
	}
	t.Setenv("BATON_STATE", "")
	if got := DefaultPath(); !strings.HasSuffix(got, filepath.Join("baton", "state.db")) && got != "baton-state.db" {
		t.Errorf("default: %q", got)
	}
}

func TestNewRunID(t *testing.T) {
	when := time.Date(2026, 11, 25, 22, 30, 0, 5, time.FixedZone("CET", 3600))
	if got, want := NewRunID(when, strings.NewReader("\x3f\x9a\x1c")), "20261125T213000Z-3f9a1c"; got != want {
		t.Errorf("NewRunID = %q, want %q", got, want)
	}
	if got, want := NewRunID(when, strings.NewReader("")), "20261125T213000Z-000005"; got != want {
		t.Errorf("with a failing reader: %q, want %q", got, want)
	}
	a, b := NewRunID(t0, nil), NewRunID(t0.Add(time.Second), nil)
	if len(a) != len("20261125T213000Z-3f9a1c") || a >= b {
		t.Errorf("ids %q, %q do not sort by time", a, b)
	}
}
