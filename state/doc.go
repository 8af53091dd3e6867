// Package state is the durable record of baton runs: one bbolt file holding
// every run, its step records, its hash-chained journal, its captured
// output, and the locks that keep two runs off the same site.
//
// # Layout
//
// Values are JSON encodings of the types in types.go unless noted. Keys of
// sequences are big-endian uint64, so cursor order is numeric order.
//
//	meta/
//	  schema_version        -> "1", raw ASCII decimal, never re-encoded
//	runs/
//	  <run-id>/             one bucket per run; ids sort by creation time
//	    run                 -> Run
//	    steps/
//	      <step-name>       -> StepRecord
//	    journal/            bucket sequence = number of entries ever written
//	      <seq>             -> JournalEntry, seq 1..n, hash-chained
//	    logs/
//	      <step-name>/      bucket sequence = bytes stored (capped at MaxLogBytes)
//	        <offset>        -> raw output bytes starting at that byte offset
//	locks/
//	  <key>                 -> LockHolder
//
// Format 0, an older layout kept for its migration, stored unchained
// journal entries under runs/<id>/events/ and had no logs or locks buckets.
// Open upgrades it (see migrations in format.go) in one transaction.
//
// # Durability
//
// Every write method is exactly one bbolt Update, committed with fsync
// (never Batch, never NoSync). A step's new record and the journal entry
// describing the transition are written in the same transaction, so after a
// crash either both are there or neither is.
//
// # Sharing the file between processes
//
// bbolt locks the whole file: exclusively for a read-write open, shared for
// a read-only one. A `baton status` in another terminal must answer while a
// run is in progress, so a Store does not keep the file open for its
// lifetime:
//
//   - each operation opens the file if it is closed, with Options.Timeout
//     bounding the wait for another process's lock (ErrBusy on expiry);
//   - after an operation the file stays open for Options.Linger (100ms) in
//     case another follows, then is closed;
//   - the file is never held more than Options.MaxHold (400ms) in a row;
//   - once closed, for either reason, it stays closed at least 60ms, longer
//     than bbolt's 50ms lock retry, so a waiting process always gets its
//     turn.
//
// A reader therefore waits at most about MaxHold plus its own retry
// interval. Status-like commands open with Options.ReadOnly (a shared lock)
// and Close as soon as they are done. A read-only Open of a format-0 file
// upgrades it once with a short read-write open.
//
// # Safety of the file
//
// Open never writes to a file it does not recognise: a file that is not
// bbolt, is truncated, has a damaged page structure, or is a bbolt file of
// another program (buckets but no meta bucket) yields ErrCorrupt; a file of
// a newer format yields ErrNewerFormat. The meta pages and size are checked
// by reading the file, then the page tree is walked by reading page headers
// (bbolt has no page checksums and would fault, or loop until memory runs
// out, on a page that points back at its parent), all before any read-write
// open. A panic or memory fault inside bbolt on a file damaged later is
// returned as ErrCorrupt; Check walks the tree the same way before bbolt's
// own tx.Check.
//
// # Journal
//
// Each run's journal is append-only. Entry n carries Prev, the Hash of entry
// n-1, and Hash = HashEntry(entry), so VerifyJournal detects an edited,
// deleted, added or reordered entry; the journal bucket's sequence detects a
// deleted tail. The head hash returned by VerifyJournal is what a change
// record should quote.
//
// # Locks
//
// A lock names its holder (run, host, pid, user, since). A holder on this
// host whose process is provably gone is stale and can be taken over with
// force; the take-over, and any ForceUnlock, is journaled.
//
// The store does not read the clock for anything a caller can supply:
// every timestamp comes from the caller. It never sees secrets; the engine
// removes them before they reach a record.
package state
