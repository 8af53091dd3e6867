// Package state is the durable record of baton runs and the contract every
// store of them keeps (Backend, in backend.go): one owner per run, fenced
// writes, answers as journal entries, records verified against the
// journal, site locks held by runs, plans spent once. Store is the
// embedded bbolt backend: one file holding every run, its step records,
// its hash-chained journal, its captured output, the locks and the spent
// plans. statetest.Run proves a backend keeps the contract.
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
//	  <key>                 -> LockHolder (free once its run ended)
//	plans/
//	  <plan-digest>         -> id of the run the saved plan started
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
// A Store holds the file open, with bbolt's exclusive lock, from Open to
// Close: nothing a reader does can make a writer wait or fail. Other
// processes reach the file through the process that holds it, the state
// server (package state/served); with Options.ReadOnly a command that
// finds no server can read the file directly. Correctness never rests on
// timing: the file lock admits one server, and the fencing token checked
// in every owner write admits one owner per run.
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
// # Ownership, answers and locks
//
// A run's record holds its Owner: the lease holder (host, pid, process
// start time, user), a fencing token and the last heartbeat. Every write
// through a Lease checks the token in its own transaction. Answers
// (approve, reject, resolve, cancel) are journal entries with a typed
// Answer; they change no record. Each journal entry written with a record
// holds the record's SHA-256 (RunRecord, StepRecord), so VerifyJournal
// detects an edited record as well as an edited journal. A lock key
// names the run that holds it and stays held until that run ends or is
// superseded; plans/<digest> names the run a saved plan started.
//
// The store does not read the clock for anything a caller can supply:
// every timestamp comes from the caller. It never sees secrets; the engine
// removes them before they reach a record.
package state
