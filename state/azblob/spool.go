package azblob

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/batonhq/baton/state"
	bolt "go.etcd.io/bbolt"
)

// SpoolEnv overrides the spool file's path (see DefaultSpoolPath).
const SpoolEnv = "BATON_SPOOL"

// DefaultSpoolPath is the spool used when Options.Spool is "": $BATON_SPOOL
// if set, else, on Windows, %LOCALAPPDATA%\baton\spool.db, elsewhere
// os.UserConfigDir()/baton/spool.db, beside the CLI's default state file.
func DefaultSpoolPath() string { return state.LocalPath(SpoolEnv, "spool.db") }

// spool is the local bbolt file where an owner write waits out an outage
// of the service. It is opened for each operation and closed at once, so
// that no process keeps its file lock: a process blocked in an outage and
// a `baton resume` on the same machine both reach it. Each run of each
// store has a bucket ("<store url> <run id>") holding at most one pending
// journal block ("journal") and one pending log chunk per step
// ("log/<step>"): an owner writes one thing at a time.
type spool struct {
	path string
}

// spoolKind is what a spooled write appends to.
type spoolKind string

const (
	spoolJournal spoolKind = "journal"
	spoolLog     spoolKind = "log"
)

// spooled is one pending write, as the spool keeps it: the exact bytes
// and the blob length they were conditioned on, so that writing it again
// is the same request (see the package doc, Outages).
type spooled struct {
	Store string    `json:"store"` // the store's URL
	Run   string    `json:"run"`
	Kind  spoolKind `json:"kind"`
	Blob  string    `json:"blob"`
	Step  string    `json:"step,omitempty"` // log chunks: the step
	// Pos is the blob's length the append is conditioned on; ETag the
	// journal's ETag at that length (journal blocks only).
	Pos   int64  `json:"pos"`
	ETag  string `json:"etag,omitempty"`
	Block []byte `json:"block"`
	// Token and Holder are the lease that made the write.
	Token  uint64       `json:"token"`
	Holder state.Holder `json:"holder"`
	// Entries describe what a journal block holds, for the operator.
	Entries  []spooledEntry `json:"entries,omitempty"`
	Spooled  time.Time      `json:"spooled"`
	FirstSeq uint64         `json:"first_seq,omitempty"`
}

// spooledEntry is one journal entry of a spooled block.
type spooledEntry struct {
	Type   string `json:"type"`
	Step   string `json:"step,omitempty"`
	Status string `json:"status,omitempty"` // the step record's, if any
}

func (r *spooled) bucket() []byte { return []byte(r.Store + " " + r.Run) }

func (r *spooled) key() []byte {
	if r.Kind == spoolLog {
		return []byte("log/" + r.Step)
	}
	return []byte(spoolJournal)
}

// what says what the write holds, for messages: "the outcome of step a
// (step.succeeded)", "the journal entry run.paused", "output of step a".
func (r *spooled) what() string {
	if r.Kind == spoolLog {
		return fmt.Sprintf("%d bytes of output of step %s", len(r.Block), r.Step)
	}
	var parts []string
	for _, e := range r.Entries {
		switch {
		case e.Step != "" && e.Status != "":
			parts = append(parts, fmt.Sprintf("the outcome of step %s (%s)", e.Step, e.Status))
		case e.Step != "":
			parts = append(parts, fmt.Sprintf("the entry %s of step %s", e.Type, e.Step))
		default:
			parts = append(parts, "the entry "+e.Type)
		}
	}
	if len(parts) == 0 {
		return "a journal write"
	}
	return strings.Join(parts, ", ")
}

// describe fills Entries from the items of a journal block.
func describe(items []item) []spooledEntry {
	var out []spooledEntry
	for _, it := range items {
		if it.Entry == nil {
			continue
		}
		e := spooledEntry{Type: it.Entry.Type, Step: it.Entry.Step}
		if it.Step != nil {
			var rec struct {
				Status string `json:"status"`
			}
			if json.Unmarshal(it.Step, &rec) == nil {
				e.Status = rec.Status
			}
		}
		out = append(out, e)
	}
	return out
}

// open opens the spool file, creating it (mode 0600, its directory 0700)
// when create is set; nil without error when it does not exist.
func (sp *spool) open(create bool) (*bolt.DB, error) {
	if !create {
		if _, err := os.Stat(sp.path); errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
	} else if err := os.MkdirAll(filepath.Dir(sp.path), 0o700); err != nil {
		return nil, fmt.Errorf("create the directory of the spool %s: %w", sp.path, err)
	}
	db, err := bolt.Open(sp.path, 0o600, &bolt.Options{Timeout: 10 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("open the spool %s: %w; check that the directory is writable (set %s to move it)", sp.path, err, SpoolEnv)
	}
	return db, nil
}

// put stores r durably (bbolt syncs the file on commit), replacing what
// the run's bucket held under r's key.
func (sp *spool) put(r *spooled) error {
	raw, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode a spooled write: %w", err)
	}
	db, err := sp.open(true)
	if err != nil {
		return err
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(r.bucket())
		if err != nil {
			return err
		}
		return b.Put(r.key(), raw)
	})
	if err != nil {
		return fmt.Errorf("write the spool %s: %w", sp.path, err)
	}
	return nil
}

// drop removes r's entry (and the bucket once empty).
func (sp *spool) drop(r *spooled) error {
	db, err := sp.open(false)
	if err != nil || db == nil {
		return err
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(r.bucket())
		if b == nil {
			return nil
		}
		if err := b.Delete(r.key()); err != nil {
			return err
		}
		if k, _ := b.Cursor().First(); k == nil {
			return tx.DeleteBucket(r.bucket())
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("update the spool %s: %w", sp.path, err)
	}
	return nil
}

// pending returns the spooled writes of a run of the store at url, the
// journal block first.
func (sp *spool) pending(url, runID string) ([]*spooled, error) {
	db, err := sp.open(false)
	if err != nil || db == nil {
		return nil, err
	}
	defer db.Close()
	var out []*spooled
	err = db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(url + " " + runID))
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			var r spooled
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("entry %q of run %s does not decode (%v); move the spool file aside to start afresh", k, runID, err)
			}
			if r.Kind == spoolJournal {
				out = append([]*spooled{&r}, out...)
			} else {
				out = append(out, &r)
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("read the spool %s: %w", sp.path, err)
	}
	return out, nil
}
