package state

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"strconv"

	bolt "go.etcd.io/bbolt"
)

// currentVersion is the schema version this baton writes.
const currentVersion = 1

// Bucket and key names; see doc.go for the layout.
var (
	bucketMeta    = []byte("meta")
	bucketRuns    = []byte("runs")
	bucketLocks   = []byte("locks")
	bucketSteps   = []byte("steps")
	bucketJournal = []byte("journal")
	bucketLogs    = []byte("logs")
	keyVersion    = []byte("schema_version")
	keyRun        = []byte("run")

	// bucketEventsV0 is where format 0 kept unchained journal entries.
	bucketEventsV0 = []byte("events")
)

// migration upgrades a file from version from to from+1 inside the one
// transaction that also records the new version.
type migration struct {
	from int
	what string
	fn   func(tx *bolt.Tx) error
}

// migrations is the explicit upgrade table: entry i upgrades version i.
var migrations = []migration{
	{from: 0, what: "chain format-0 events into the hash-chained journal", fn: migrate0to1},
}

// checkFormat reads the format of an open file. It returns -1 for a file
// without buckets (new), the schema version otherwise, or an error wrapping
// ErrCorrupt or ErrNewerFormat.
func checkFormat(db *bolt.DB, path string) (int, error) {
	v := -1
	err := db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if meta == nil {
			var other []byte
			_ = tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
				other = append([]byte(nil), name...)
				return errStop
			})
			if other != nil {
				return fmt.Errorf("%w: %s is a bbolt file of another program (it has a bucket %q and no baton %q bucket); baton did not change it; point BATON_STATE at another file", ErrCorrupt, path, printable(other), bucketMeta)
			}
			return nil
		}
		raw := meta.Get(keyVersion)
		n, err := parseVersion(raw)
		if err != nil {
			return fmt.Errorf("%w: %s has an unreadable schema_version %q; baton did not change it; restore it from a backup", ErrCorrupt, path, printable(raw))
		}
		if n > currentVersion {
			return fmt.Errorf("%w: %s has format version %d but this baton understands up to %d; use a newer baton (the file was not changed)", ErrNewerFormat, path, n, currentVersion)
		}
		v = n
		return nil
	})
	return v, err
}

var errStop = errors.New("stop")

// parseVersion accepts only canonical non-negative decimals.
func parseVersion(raw []byte) (int, error) {
	n, err := strconv.Atoi(string(raw))
	if err != nil || n < 0 || strconv.Itoa(n) != string(raw) {
		return 0, errors.New("not a version")
	}
	return n, nil
}

// migrate brings a writable file from version v (-1: new) to the current
// version in tx.
func migrate(tx *bolt.Tx, v int) error {
	if v < 0 {
		for _, name := range [][]byte{bucketMeta, bucketRuns, bucketLocks} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketMeta).Put(keyVersion, []byte(strconv.Itoa(currentVersion)))
	}
	for ; v < currentVersion; v++ {
		if v >= len(migrations) || migrations[v].from != v {
			return fmt.Errorf("no upgrade from format version %d", v)
		}
		if err := migrations[v].fn(tx); err != nil {
			return fmt.Errorf("%s: %w", migrations[v].what, err)
		}
	}
	return tx.Bucket(bucketMeta).Put(keyVersion, []byte(strconv.Itoa(currentVersion)))
}

// migrate0to1 upgrades format 0, which stored each run's journal entries
// unchained under runs/<id>/events/<be-uint64 seq> and had no logs or
// locks buckets: the entries are renumbered 1..n, chained and hashed into
// runs/<id>/journal/, and the logs and locks buckets are created.
func migrate0to1(tx *bolt.Tx) error {
	if _, err := tx.CreateBucketIfNotExists(bucketLocks); err != nil {
		return err
	}
	runs, err := tx.CreateBucketIfNotExists(bucketRuns)
	if err != nil {
		return err
	}
	var ids [][]byte
	if err := runs.ForEachBucket(func(k []byte) error {
		ids = append(ids, append([]byte(nil), k...))
		return nil
	}); err != nil {
		return err
	}
	for _, id := range ids {
		rb := runs.Bucket(id)
		j, err := rb.CreateBucketIfNotExists(bucketJournal)
		if err != nil {
			return err
		}
		if _, err := rb.CreateBucketIfNotExists(bucketLogs); err != nil {
			return err
		}
		if _, err := rb.CreateBucketIfNotExists(bucketSteps); err != nil {
			return err
		}
		ev := rb.Bucket(bucketEventsV0)
		if ev == nil {
			continue
		}
		var entries []JournalEntry
		if err := ev.ForEach(func(k, v []byte) error {
			e, err := decodeEntry(v)
			if err != nil {
				return fmt.Errorf("run %s: event %x: %w", printable(id), k, err)
			}
			entries = append(entries, e)
			return nil
		}); err != nil {
			return err
		}
		for _, e := range entries {
			if e.Type == "" {
				e.Type = "event" // format 0 did not require a type
			}
			if _, err := appendEntry(j, e); err != nil {
				return fmt.Errorf("run %s: %w", printable(id), err)
			}
		}
		if err := rb.DeleteBucket(bucketEventsV0); err != nil {
			return err
		}
	}
	return nil
}

// Layout of a bbolt meta page (internal/common/meta.go), after the 16-byte
// page header; the checksum is FNV-64a over the bytes before it.
const (
	pageHeaderSize = 16
	metaSize       = 64
	boltMagic      = 0xED0CDAED
	boltVersion    = 2
	noFreelist     = ^uint64(0)
)

type boltMeta struct {
	pageSize, root, freelist, pgid, txid uint64
}

// preflight checks the bbolt meta pages and the file size before bbolt
// maps the file: bbolt would fault on pages past the end of a truncated
// file, which no recover() catches.
func preflight(path string, size int64) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open state file %s: %w", path, err)
	}
	defer f.Close()
	var best *boltMeta
	consider := func(off int64) *boltMeta {
		buf := make([]byte, pageHeaderSize+metaSize)
		if _, err := f.ReadAt(buf, off); err != nil && !errors.Is(err, io.EOF) {
			return nil
		}
		m, ok := parseMeta(buf)
		if !ok {
			return nil
		}
		if best == nil || m.txid > best.txid {
			best = &m
		}
		return &m
	}
	if m0 := consider(0); m0 != nil {
		consider(int64(m0.pageSize))
	} else {
		for i := 0; i <= 14; i++ {
			if consider(1024<<i) != nil {
				break
			}
		}
	}
	if best == nil {
		return fmt.Errorf("%w: %s is not a bbolt database (no valid meta page); baton did not change it; point BATON_STATE at another file or restore it from a backup", ErrCorrupt, path)
	}
	if best.pgid > uint64(size)/best.pageSize {
		return fmt.Errorf("%w: %s is truncated (%d bytes, but it needs %d pages of %d bytes); baton did not change it; restore it from a backup", ErrCorrupt, path, size, best.pgid, best.pageSize)
	}
	if best.freelist != noFreelist && !freelistSane(f, *best) {
		return fmt.Errorf("%w: %s has a damaged free list; baton did not change it; restore it from a backup", ErrCorrupt, path)
	}
	return nil
}

// freelistSane checks that the free-list page header fits inside the file's
// pages: bbolt sizes an allocation by it when it opens a file read-write.
func freelistSane(f *os.File, m boltMeta) bool {
	var hdr [pageHeaderSize + 8]byte
	if _, err := f.ReadAt(hdr[:], int64(m.freelist*m.pageSize)); err != nil {
		return false
	}
	le := binary.NativeEndian
	flags, count, overflow := le.Uint16(hdr[8:]), uint64(le.Uint16(hdr[10:])), uint64(le.Uint32(hdr[12:]))
	if flags&0x10 == 0 || m.freelist+overflow >= m.pgid {
		return false
	}
	if count == 0xFFFF {
		if count = le.Uint64(hdr[16:]); count >= 1<<40 {
			return false
		}
		count++
	}
	return count <= ((overflow+1)*m.pageSize-pageHeaderSize)/8
}

// parseMeta decodes and validates one meta page held in buf (page header
// first). It never panics.
func parseMeta(buf []byte) (boltMeta, bool) {
	if len(buf) < pageHeaderSize+metaSize {
		return boltMeta{}, false
	}
	b := buf[pageHeaderSize : pageHeaderSize+metaSize]
	le := binary.NativeEndian
	h := fnv.New64a()
	_, _ = h.Write(b[:56])
	m := boltMeta{
		pageSize: uint64(le.Uint32(b[8:])),
		root:     le.Uint64(b[16:]),
		freelist: le.Uint64(b[32:]),
		pgid:     le.Uint64(b[40:]),
		txid:     le.Uint64(b[48:]),
	}
	switch {
	case le.Uint32(b[0:]) != boltMagic, le.Uint32(b[4:]) != boltVersion, le.Uint64(b[56:]) != h.Sum64():
		return boltMeta{}, false
	case m.pageSize < 512 || m.pageSize > 1<<24 || m.pageSize&(m.pageSize-1) != 0:
		return boltMeta{}, false
	case m.pgid < 2 || m.root >= m.pgid || m.freelist >= m.pgid && m.freelist != noFreelist:
		return boltMeta{}, false
	}
	return m, true
}
