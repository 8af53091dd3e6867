package state

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// More errors callers check with errors.Is.
var (
	// ErrExists: a run with that id is already stored.
	ErrExists = errors.New("already exists")
	// ErrReadOnly: a write was attempted on a store opened with ReadOnly.
	ErrReadOnly = errors.New("state store is opened read-only")
	// ErrClosed: the Store was used after Close.
	ErrClosed = errors.New("state store is closed")
)

// DefaultTimeout bounds the wait for the file lock of another process
// when Options.Timeout is zero.
const DefaultTimeout = 2 * time.Second

// Options configure Open. The zero value is the usual read-write store.
type Options struct {
	// ReadOnly opens the file with a shared lock, for status-like
	// commands when no state server holds it; every write then returns
	// ErrReadOnly.
	ReadOnly bool
	// Timeout bounds the wait for the file lock held by another process;
	// on expiry Open fails with ErrBusy. Zero means DefaultTimeout.
	Timeout time.Duration
}

// Store is the bbolt backend: the durable state of runs in one file, held
// open from Open to Close (see the package doc for how other processes
// reach it meanwhile). It is safe for concurrent use by several
// goroutines.
type Store struct {
	path    string
	opts    Options
	commits atomic.Uint64

	mu     sync.RWMutex // Close takes it exclusively
	db     *bolt.DB
	closed bool
}

// DefaultPath is the state file used when none is given: $BATON_STATE if
// set, else, on Windows, %LOCALAPPDATA%\baton\state.db (local: a state file
// must never roam with a profile), elsewhere os.UserConfigDir()/baton/state.db
// (on Linux $XDG_CONFIG_HOME or ~/.config, on macOS ~/Library/Application
// Support). When no such directory can be found it is baton-state.db in
// the current directory.
func DefaultPath() string { return LocalPath("BATON_STATE", "state.db") }

// LocalPath is where baton keeps its local file name: $env when set, else
// %LOCALAPPDATA%\baton\name on Windows (local: it never roams), else
// os.UserConfigDir()/baton/name, or baton-name in the current directory
// when there is no such directory.
func LocalPath(env, name string) string {
	if p := os.Getenv(env); p != "" {
		return p
	}
	if runtime.GOOS == "windows" {
		if dir := os.Getenv("LOCALAPPDATA"); dir != "" {
			return filepath.Join(dir, "baton", name)
		}
	}
	dir, err := os.UserConfigDir()
	if err != nil || dir == "" {
		return "baton-" + name
	}
	return filepath.Join(dir, "baton", name)
}

// Open opens the state file at path, creating it (mode 0600, parent
// directories 0700) unless opts.ReadOnly. It verifies that the file is a
// baton state file of a format this baton understands and upgrades older
// formats. A file that is not one is never modified: Open returns an error
// wrapping ErrCorrupt or ErrNewerFormat. A read-only Open of a missing or
// empty file returns an error wrapping both ErrNotFound and fs.ErrNotExist.
// A file on a network share or drive is refused before it is touched, with
// an error wrapping ErrRemote (see CheckLocal).
func Open(path string, opts Options) (*Store, error) {
	if path == "" {
		return nil, errors.New("open state: no state file path given; set BATON_STATE or pass a path")
	}
	if err := CheckLocal(path); err != nil {
		return nil, err
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	s := &Store{path: path, opts: opts}

	info, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist) || err == nil && info.Size() == 0:
		if s.opts.ReadOnly {
			return nil, fmt.Errorf("state file %s does not exist yet (no run has used it): %w: %w", path, ErrNotFound, fs.ErrNotExist)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("create the directory for state file %s: %w", path, err)
		}
	case err != nil:
		return nil, fmt.Errorf("open state file %s: %w", path, err)
	case !info.Mode().IsRegular():
		return nil, fmt.Errorf("%w: %s is not a regular file; point BATON_STATE at a file", ErrCorrupt, path)
	default:
		if err := preflight(path, info.Size()); err != nil {
			return nil, err
		}
		// Probe read-only first so that a foreign, damaged or newer file
		// is never opened for writing (on Windows a read-write open
		// resizes it).
		if err := s.probe(); err != nil {
			return nil, err
		}
	}

	db, err := s.openPrepared()
	if err != nil {
		return nil, err
	}
	s.db = db
	return s, nil
}

// probe opens the file read-only, checks its page structure and its
// format, then closes it.
func (s *Store) probe() (err error) {
	db, err := s.boltOpen(true)
	if err != nil {
		return err
	}
	defer db.Close()
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer guard(s.path, &err)
	if err := db.View(func(tx *bolt.Tx) error { return walkPages(tx, s.path) }); err != nil {
		return fmt.Errorf("%w: %s is damaged: %v; baton did not change it; restore it from a backup, or move it aside to start a new state file", ErrCorrupt, s.path, err)
	}
	_, err = checkFormat(db, s.path)
	return err
}

// Path returns the path of the state file.
func (s *Store) Path() string { return s.path }

// Commits returns the number of read-write transactions this Store has
// committed; each is one fsynced write.
func (s *Store) Commits() uint64 { return s.commits.Load() }

// Close waits for operations in progress and releases the file. Using the
// Store afterwards returns ErrClosed.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close state file %s: %w", s.path, err)
	}
	return nil
}

// Check verifies the consistency of the whole file (bbolt's tx.Check) and
// returns the first problem found, wrapping ErrCorrupt.
func (s *Store) Check() error {
	return s.view(func(tx *bolt.Tx) error {
		// tx.Check trusts the page structure and reads it in a goroutine
		// of its own, where a fault kills the process; walk it safely
		// first.
		if err := walkPages(tx, s.path); err != nil {
			return fmt.Errorf("%w: %s failed its consistency check: %v; restore it from a backup", ErrCorrupt, s.path, err)
		}
		var first error
		for err := range tx.Check() { // drain: the checker blocks on sends
			if first == nil {
				first = err
			}
		}
		if first != nil {
			return fmt.Errorf("%w: %s failed its consistency check: %v; restore it from a backup", ErrCorrupt, s.path, first)
		}
		return nil
	})
}

// view runs fn in a read transaction.
func (s *Store) view(fn func(tx *bolt.Tx) error) error {
	return s.do(func(db *bolt.DB) error { return db.View(fn) })
}

// errSkip, returned by an update function, rolls back a transaction that
// would change nothing, so that no fsync is spent on it.
var errSkip = errors.New("nothing to change")

// update runs fn in one read-write transaction, committed with fsync.
func (s *Store) update(fn func(tx *bolt.Tx) error) error {
	if s.opts.ReadOnly {
		return fmt.Errorf("%w: open the state file without ReadOnly to change it", ErrReadOnly)
	}
	return s.do(func(db *bolt.DB) error {
		if err := db.Update(fn); errors.Is(err, errSkip) {
			return nil
		} else if err != nil {
			return err
		}
		s.commits.Add(1)
		return nil
	})
}

// do runs fn with the open file, turning a panic or memory fault inside
// bbolt (a damaged file) into ErrCorrupt.
func (s *Store) do(fn func(db *bolt.DB) error) (err error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return fmt.Errorf("%w: %s", ErrClosed, s.path)
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer guard(s.path, &err)
	return fn(s.db)
}

// guard recovers a panic into an ErrCorrupt error. Call it deferred.
func guard(path string, err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("%w: reading %s failed (%v); run `baton state check`, and restore the file from a backup if it fails", ErrCorrupt, path, r)
	}
}

// openPrepared opens the file in the Store's mode and makes sure it has the
// current format, initialising or upgrading it when writable.
func (s *Store) openPrepared() (db *bolt.DB, err error) {
	if s.opts.ReadOnly {
		db, err = s.boltOpen(true)
		if err != nil {
			return nil, err
		}
		v, err := s.prepare(db)
		if err != nil {
			_ = db.Close()
			return nil, err
		}
		if v < 0 || v >= currentVersion {
			return db, nil // an uninitialised file reads as empty
		}
		// An older format: upgrade it once with a short read-write open.
		_ = db.Close()
		if err := s.upgrade(); err != nil {
			return nil, err
		}
		db, err = s.boltOpen(true)
		if err != nil {
			return nil, err
		}
		if _, err := s.prepare(db); err != nil {
			_ = db.Close()
			return nil, err
		}
		return db, nil
	}
	db, err = s.boltOpen(false)
	if err != nil {
		return nil, err
	}
	if _, err := s.prepare(db); err != nil {
		_ = db.Close()
		return nil, err
	}
	return db, nil
}

// upgrade opens the file read-write just to bring its format up to date.
func (s *Store) upgrade() error {
	db, err := s.boltOpen(false)
	if err != nil {
		return fmt.Errorf("upgrade the format of %s: %w", s.path, err)
	}
	_, err = s.prepare(db)
	if cerr := db.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("upgrade the format of %s: %w", s.path, cerr)
	}
	return err
}

// prepare checks the format and, on a writable handle, initialises a new
// file or migrates an older one in one transaction. It returns the format
// version the file has afterwards (-1 for an uninitialised file).
func (s *Store) prepare(db *bolt.DB) (v int, err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer guard(s.path, &err)
	v, err = checkFormat(db, s.path)
	if err != nil || db.IsReadOnly() || v == currentVersion {
		return v, err
	}
	if err := db.Update(func(tx *bolt.Tx) error { return migrate(tx, v) }); err != nil {
		return v, fmt.Errorf("upgrade the format of %s from version %d: %w", s.path, v, err)
	}
	s.commits.Add(1)
	return currentVersion, nil
}

// boltOpen opens the bbolt file with the Store's timeout and maps bbolt's
// errors onto ours.
func (s *Store) boltOpen(readOnly bool) (db *bolt.DB, err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer guard(s.path, &err)
	db, err = bolt.Open(s.path, 0o600, &bolt.Options{Timeout: s.opts.Timeout, ReadOnly: readOnly})
	switch {
	case err == nil:
		return db, nil
	case errors.Is(err, berrors.ErrTimeout):
		return nil, fmt.Errorf("%w: another process has held %s for more than %s (a baton state server, or a program reading the file); retry once it is done: %v", ErrBusy, s.path, s.opts.Timeout, err)
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrVersionMismatch), errors.Is(err, berrors.ErrChecksum):
		return nil, fmt.Errorf("%w: %s is not a bbolt database (%v); baton did not change it; point BATON_STATE at another file or restore it from a backup", ErrCorrupt, s.path, err)
	default:
		return nil, fmt.Errorf("open state file %s: %w", s.path, err)
	}
}
