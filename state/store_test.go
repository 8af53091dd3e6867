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

// TestBusy: a file another process holds makes Open fail with ErrBusy
// once Options.Timeout has passed, read-write or read-only.
func TestBusy(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s := openStore(t, path, Options{})
	createRun(t, s, "r1", "a")
	s.Close()

	holder, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	testBusy(t, path, "another process has held")
}

// TestOpenTwiceInOneProcess: the Store holds its file from Open to Close,
// and bbolt's lock (flock on Unix, LockFileEx on Windows) belongs to the
// open file, not the process: a second Open of the same file in the same
// process waits for the first to close it, and fails with ErrBusy after
// Options.Timeout instead of hanging.
func TestOpenTwiceInOneProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s := openStore(t, path, Options{})
	createRun(t, s, "r1", "a")
	testBusy(t, path, "")
	// The first Store is unaffected.
	if _, err := s.Run("r1"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s2 := openStore(t, path, Options{Timeout: 50 * time.Millisecond})
	if _, err := s2.Run("r1"); err != nil {
		t.Fatalf("after the first Store closed: %v", err)
	}
}

// testBusy checks that Open of path, which is held, fails with ErrBusy
// quickly, and leaves the file alone.
func testBusy(t *testing.T, path, msg string) {
	t.Helper()
	before := fileSum(t, path)
	for _, tt := range []struct {
		name string
		opts Options
	}{
		{"read-write", Options{Timeout: 50 * time.Millisecond}},
		{"read-only", Options{ReadOnly: true, Timeout: 50 * time.Millisecond}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			s2, err := Open(path, tt.opts)
			if err == nil {
				s2.Close()
				t.Fatal("a second Open of a held file succeeded")
			}
			wantErr(t, err, ErrBusy)
			if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), msg) {
				t.Errorf("message %q should name the file and contain %q", err, msg)
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("took %v with a 50ms timeout", d)
			}
		})
	}
	if fileSum(t, path) != before {
		t.Error("a refused Open changed the file")
	}
}

// TestConcurrentGoroutines: one Store serves several goroutines, each
// writing through its own run's lease or the same one, while others read.
func TestConcurrentGoroutines(t *testing.T) {
	s, _ := newStore(t)
	l := createRun(t, s, "r1", "a", "b", "c", "d")
	var wg sync.WaitGroup
	for _, name := range []string{"a", "b", "c", "d"} {
		wg.Go(func() {
			for i := range 10 {
				if err := l.PutSteps([]StepRecord{{Name: name, Status: StepRunning, Attempt: i}}, []JournalEntry{entry("step.running")}); err != nil {
					t.Error(err)
				}
				if _, err := s.Steps("r1"); err != nil {
					t.Error(err)
				}
				if _, err := s.JournalSince("r1", 0); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Go(func() {
		for range 10 {
			if _, err := s.Answer("r1", JournalEntry{At: t0, Actor: "bob", Answer: &Answer{Kind: AnswerCancel, By: "bob"}}); err != nil {
				t.Error(err)
			}
		}
	})
	wg.Wait()
	if n := len(mustJournal(t, s, "r1")); n != 1+40+10 {
		t.Errorf("journal has %d entries, want %d", n, 1+40+10)
	}
	if _, err := s.VerifyJournal("r1"); err != nil {
		t.Fatal(err)
	}
}

func mustJournal(t testing.TB, s *Store, id string) []JournalEntry {
	t.Helper()
	j, err := s.Journal(id)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// TestCommits: every write is one fsynced transaction, and a write that
// changes nothing costs none.
func TestCommits(t *testing.T) {
	s, _ := newStore(t)
	base := s.Commits()
	l := createRun(t, s, "r1", "a", "b")
	if got := s.Commits(); got != base+1 {
		t.Fatalf("after CreateRun Commits = %d, want %d", got, base+1)
	}
	eight := make([]StepRecord, 8)
	entries := make([]JournalEntry, 8)
	for i := range eight {
		eight[i] = StepRecord{Name: string(rune('c' + i)), Status: StepRunning}
		entries[i] = entry("step.running")
	}
	lost := s.LeaseFor("r1", l.Token()+1000)
	steps := []struct {
		name    string
		do      func() error
		commits uint64
	}{
		{"read", func() error { _, err := s.Steps("r1"); return err }, 0},
		{"PutSteps", func() error {
			return l.PutSteps([]StepRecord{{Name: "a", Status: StepRunning}}, []JournalEntry{entry("step.running")})
		}, 1},
		{"PutSteps of 8", func() error { return l.PutSteps(eight, entries) }, 1},
		{"failed write", func() error {
			if err := l.PutSteps([]StepRecord{{Name: "a"}}, []JournalEntry{{At: t0}}); err == nil {
				return errors.New("no error")
			}
			return nil
		}, 0},
		{"Append", func() error { return l.Append(entry("note")) }, 1},
		{"AppendLog", func() error { return l.AppendLog("a", []byte("x")) }, 1},
		{"AppendLog of nothing", func() error { return l.AppendLog("a", nil) }, 0},
		{"Renew", func() error { return l.Renew(at(1)) }, 1},
		{"Answer", func() error {
			_, err := s.Answer("r1", JournalEntry{At: t0, Actor: "bob", Answer: &Answer{Kind: AnswerCancel, By: "bob"}})
			return err
		}, 1},
		{"Release of a lost lease", func() error { return lost.Release() }, 0},
		{"Release", func() error { return l.Release() }, 1},
		{"Release again", func() error { return l.Release() }, 0},
	}
	want := base + 1
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
	l := createRun(t, s, "r1", "a")
	token := l.Token()
	s.Close()
	r := openStore(t, path, Options{ReadOnly: true})
	before := fileSum(t, path)
	rl := r.LeaseFor("r1", token)
	for name, err := range map[string]error{
		"CreateRun": func() error {
			_, err := r.CreateRun(testRun("r2"), nil, entry("run.created"), CreateOptions{})
			return err
		}(),
		"AcquireRun": func() error { _, err := r.AcquireRun("r1", Self("bob", t0), at(60)); return err }(),
		"Answer": func() error {
			_, err := r.Answer("r1", JournalEntry{At: t0, Answer: &Answer{Kind: AnswerCancel, By: "bob"}})
			return err
		}(),
		"Supersede": r.Supersede("r1", JournalEntry{Actor: "bob", Data: map[string]string{"reason": "x"}}, at(60)),
		"PutSteps":  rl.PutSteps([]StepRecord{{Name: "a", Status: StepRunning}}, []JournalEntry{entry("step.running")}),
		"UpdateRun": rl.UpdateRun(testRun("r1"), entry("run.running")),
		"Append":    rl.Append(entry("x")),
		"AppendLog": rl.AppendLog("a", []byte("x")),
		"Renew":     rl.Renew(at(1)),
		"Release":   rl.Release(),
	} {
		if !errors.Is(err, ErrReadOnly) {
			t.Errorf("%s: err = %v, want ErrReadOnly", name, err)
		}
	}
	if got, err := r.Run("r1"); err != nil || got.ID != "r1" {
		t.Errorf("Run = %+v, %v", got, err)
	}
	if _, err := r.VerifyJournal("r1"); err != nil {
		t.Errorf("VerifyJournal read-only: %v", err)
	}
	if fileSum(t, path) != before {
		t.Error("the file changed")
	}
}

func TestClose(t *testing.T) {
	s, _ := newStore(t)
	l := createRun(t, s, "r1", "a")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	for name, err := range map[string]error{
		"Run": func() error { _, err := s.Run("r1"); return err }(),
		"CreateRun": func() error {
			_, err := s.CreateRun(testRun("r2"), nil, entry("run.created"), CreateOptions{})
			return err
		}(),
		"PutSteps": l.PutSteps([]StepRecord{{Name: "a", Status: StepRunning}}, []JournalEntry{entry("step.running")}),
		"Append":   l.Append(entry("note")),
		"Check":    s.Check(),
	} {
		if !errors.Is(err, ErrClosed) {
			t.Errorf("%s after Close: err = %v, want ErrClosed", name, err)
		}
	}
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
