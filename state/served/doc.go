// Package served shares one state file between baton processes.
//
// bbolt locks the whole file: only one process can have it open read-write,
// and a read-only opener blocks the writer. A run writes continuously, and
// meanwhile status, runs, logs, journal, approve, resolve, cancel and a
// second run must answer within 100 ms without ever making the run pause.
// So one process, the state server, holds the file (a *state.Store from
// state.Open to Close) and serves every other baton process; each of them
// uses the state through the client Connect returns, which implements
// state.Backend like the Store itself.
//
// # The server
//
// Serve listens on a Unix-domain socket (on Windows 10 and later too):
// statePath+".sock" when that path is short enough, else a name derived
// from a hash of the absolute state path in the temporary directory. It
// then advertises itself by writing statePath+".server" atomically: the
// socket's path, its pid, host and start time, and a random 32-byte secret.
// Requests of different connections run concurrently on the Store: reads
// are bbolt read transactions, which never wait for a writer.
//
// Only the file's owner can use the server: the advertisement is mode 0600
// (and the state directory 0700), the socket is chmod 0600, and a client
// must send the secret in its first message, the hello; a wrong secret
// closes the connection.
//
// A server without clients for ServeOptions.IdleTimeout (3s) exits: it
// stops accepting, removes the advertisement if it is still its own, lets
// the requests it read finish and answer, and returns; its caller closes
// the Store. Cancelling Serve's context shuts down the same way.
// Connections idle at shutdown receive a notice that no further request
// will be executed, so their clients resend on a new server.
//
// # The client
//
// Connect reads the advertisement, dials and says hello. When there is no
// advertisement, or the server it names does not answer (one killed with
// kill -9 leaves its advertisement behind), it starts a server with
// ConnectOptions.Spawn (the CLI runs `baton state serve` through Spawn,
// detached) and polls for a reachable advertisement until
// ConnectOptions.Wait passes, spawning again every second meanwhile (a
// server that failed to start, or went idle before this client reached
// it, is replaced; a spare one exits, as it cannot get the file). The
// client keeps a small pool of
// connections, at least one open while it lives, so the server's idle
// timer never ends a server in use. A connection that broke between
// requests is re-established, spawning a server if need be; a request the
// broken server may have executed is not resent unless repeating it is
// harmless (reads, Renew, Release), and fails with an error wrapping
// state.ErrBusy.
//
// The wire protocol is a stream of JSON values on the connection, one
// request ({op, args}) then one response ({result, error}). Errors carry
// their message, the names of the package state sentinels they wrap and
// their typed payloads (*state.LockedError, *state.OwnedError,
// *state.PlanSpentError, *state.TamperedError), so errors.Is and errors.As
// answer on the client as on the server.
//
// # Correctness never rests on timing
//
// The file lock guarantees a single server per state file: a second server
// cannot open the Store, and a server advertises itself only once it holds
// it. The fencing token of every lease, checked by the Store in the same
// transaction as each write, guarantees a single owner per run, whichever
// connection or server the write comes through. Timeouts only bound how
// long a client waits for a server to appear, or for a hello.
package served
