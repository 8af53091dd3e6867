package state

import (
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// seedFile writes a state file with a few runs and returns its bytes.
func seedFile(t *testing.T, runs int) (string, []byte) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "seed.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range runs {
		createRun(t, s, NewRunID(at(i), strings.NewReader("abc")), "a", "b")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, b
}

// TestCheckFindsDamagedPage damages the page of the runs bucket.
func TestCheckFindsDamagedPage(t *testing.T) {
	path, _ := seedFile(t, 30)
	var page, pageSize uint64
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	db.View(func(tx *bolt.Tx) error {
		page = uint64(tx.Bucket(bucketRuns).RootPage())
		pageSize = uint64(db.Info().PageSize)
		return nil
	})
	db.Close()
	if page == 0 {
		t.Fatal("the runs bucket is inline; add more runs")
	}
	damage := func() {
		f, err := os.OpenFile(path, os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := f.WriteAt([]byte{0x7f, 0x00}, int64(page*pageSize+8)); err != nil { // page flags
			t.Fatal(err)
		}
	}
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}

	// Damaged before Open: Open refuses it and leaves it alone.
	damage()
	before := fileSum(t, path)
	_, err = Open(path, Options{})
	wantErr(t, err, ErrCorrupt)
	if !strings.Contains(err.Error(), "page ") || !strings.Contains(err.Error(), "not a branch or leaf page") {
		t.Errorf("message %q does not say what is wrong", err)
	}
	if fileSum(t, path) != before {
		t.Error("the damaged file was changed")
	}

	// Damaged while open: Check finds it.
	if err := os.WriteFile(path, good, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Check(); err != nil {
		t.Fatalf("Check of the good file: %v", err)
	}
	damage()
	err = s.Check()
	wantErr(t, err, ErrCorrupt)
	if !strings.Contains(err.Error(), "not a branch or leaf page") {
		t.Errorf("message %q does not say what is wrong", err)
	}
}

// TestDamagedFilesFailCleanly flips random bytes of a real state file: every
// call must return (ErrCorrupt when it fails), never crash or hang.
func TestDamagedFilesFailCleanly(t *testing.T) {
	_, orig := seedFile(t, 10)
	r := rand.New(rand.NewPCG(7, 9))
	n := 400
	if testing.Short() {
		n = 50
	}
	for i := range n {
		b := append([]byte(nil), orig...)
		for range 1 + r.IntN(8) {
			b[r.IntN(len(b))] = byte(r.Uint32())
		}
		path := filepath.Join(t.TempDir(), "state.db")
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() {
			s, err := Open(path, Options{Timeout: time.Second})
			if err != nil {
				if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrNewerFormat) {
					done <- err
					return
				}
				done <- nil
				return
			}
			defer s.Close()
			for _, err := range []error{
				func() error { _, err := s.Runs(); return err }(),
				func() error { _, err := s.Journal("x"); return err }(),
				s.Check(),
			} {
				if err != nil && !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrNotFound) {
					done <- err
					return
				}
			}
			done <- nil
		}()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("case %d: %v", i, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("case %d hangs", i)
		}
	}
}
