// Package azblob is a team state.Backend on Azure Blob Storage: several
// operators' baton processes share runs, answers, site locks and spent
// plans through one container, using Microsoft's SDK
// (github.com/Azure/azure-sdk-for-go/sdk/storage/azblob).
//
// # Layout
//
// Under azblob://ACCOUNT/CONTAINER/PREFIX (names path-escaped, so any run
// id, step name, key or digest is one segment):
//
//	PREFIX/runs/<id>/journal     append blob: the run's journal and records
//	PREFIX/runs/<id>/owner       block blob: the owner (state.Owner JSON), under a blob lease
//	PREFIX/runs/<id>/logs/<step> append blob: the step's output, capped at state.MaxLogBytes
//	PREFIX/locks/<key>           block blob: state.LockHolder JSON
//	PREFIX/plans/<digest>        block blob: {"run_id": ...}, the run that spent the plan
//
// Each write to a run is one append block: a JSON array of items
// {entry, run?, step?} and a newline (the first block also carries the
// run's pending step records as "steps"). Entries are hash-chained as in
// the bbolt store (Seq, Prev, Hash = state.HashEntry) and hold the digest
// of the record written with them: RunRecord is the SHA-256 of the run
// record's JSON without Owner, StepRecord that of the step record's JSON
// as stored. The current run record and step records are the last of
// each written. Every read downloads the journal (one request) and
// replays it; Run also reads the owner blob, in parallel, for the
// heartbeat. A journal whose only block is a "void" item belongs to an id
// whose CreateRun never completed and whose lock or plan another run took
// over (see CreateRun for the order of its writes): it reads as missing.
//
// # Fencing
//
// The journal is the source of truth and the service is its fence: every
// append carries the append-position condition (the length its writer
// replayed). When someone appended first the service answers 412; the
// writer re-reads and builds its write again against the new state: an
// owner whose token is no longer the run's fails with state.ErrLeaseLost
// naming the new owner; answers in between are simply built upon (at
// most 12 attempts, with a random backoff that doubles: about 2 s). An
// append the retry policy sent twice is recognised by its bytes. Logs are
// fenced by a check of the journal just before the append (the service
// cannot condition one blob's append on another blob).
//
// # Ownership
//
// The owner blob's lease (Options.LeaseDuration, 15 to 60 s, never
// infinite) is renewed by Lease.Renew, which also writes the heartbeat
// into it. An owner counts as gone when its lease lapsed or was broken
// (the service's clock), or when the contract's check says so
// (state.Owner.Gone at the caller's now: its process on this host exited,
// or its heartbeat is older than its TTL). A takeover then breaks the
// stale lease, acquires it and journals "run.owner_taken_over" with the
// old holder; the new token is the seq of that entry, so tokens increase.
// Acquirers that read the same ownership generation propose the same
// lease id, so they never break each other's lease: the journal append
// decides.
//
// # Outages
//
// An owner write the service does not answer is kept in a local bbolt
// spool and sent again until it lands, the Lease call blocking meanwhile;
// retries are idempotent (append-position conditions, bytes recognised at
// their position); a crashed owner's spooled write is replayed by the
// next AcquireRun on the same machine if the journal is unchanged, else
// discarded and journaled as "run.spool_discarded". See outage.go.
//
// # What was verified, and where
//
// Everything here was tested against Azurite 3.35.0 (in memory, and on
// disk across a restart and a kill), never against a real storage
// account, nor with azidentity credentials. Azurite's known deviations
// (Azure/Azurite#2751: a HEAD or GET of a missing blob with If-Match gives
// 412 where Azure gives 404; it does not answer If-None-Match on GET with
// 304) are avoided, not relied upon.
//
// # Limits
//
// An append blob holds 50,000 blocks, so a run takes at most 50,000
// writes, each at most 4 MiB. Runs reads every run: fine for tens to
// hundreds. A write that fails with ErrBusy may have landed all the same
// (its answer was lost): read the run before acting on the failure (owner
// writes with the spool on do not fail so: they wait, see Outages).
package azblob
