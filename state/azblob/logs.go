package azblob

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/batonhq/baton/state"
)

// AppendLog implements state.Lease: the chunk is appended to the step's
// append blob, capped at state.MaxLogBytes with one
// state.TruncatedMarker. It is fenced by checking the journal still names
// this lease just before: the service cannot condition one blob's append
// on another blob, so a takeover landing between the check and the append
// lets that one chunk of output in.
func (l *azLease) AppendLog(step string, chunk []byte) error {
	if err := state.CheckName("step name", step, state.MaxNameLen); err != nil {
		return fmt.Errorf("append log of run %s: %w", l.runID, err)
	}
	name := l.s.logName(l.runID, step)
	if err := checkBlobName("step name", name); err != nil {
		return fmt.Errorf("append log of run %s: %w", l.runID, err)
	}
	if len(chunk) == 0 {
		return nil
	}
	if err := l.s.checkOpen(); err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	ctx, cancel := l.s.ctx()
	defer cancel()
	if p := l.pendingLogs[step]; p != nil {
		// Output waiting in the spool goes first; this chunk joins it
		// while the service does not answer.
		l.flushLogs(ctx)
		if p := l.pendingLogs[step]; p != nil {
			merged := *p
			merged.Block = append(append([]byte(nil), p.Block...), chunk...)
			return l.keepLog(&merged, nil)
		}
	}
	var at attempt
	err := l.appendLogAttempt(ctx, step, name, chunk, &at)
	if err == nil || !isOutage(err) || l.s.spool == nil {
		return err
	}
	return l.keepLog(at.rec, err)
}

// keepLog keeps output the service did not take in the spool, to be
// written before the lease's next journal write (flushLogs) or by the
// next resume on this machine: output never holds a run up, its step's
// outcome is what waits for the service (outlast).
func (l *azLease) keepLog(rec *spooled, cause error) error {
	if err := l.s.spool.put(rec); err != nil {
		if cause == nil {
			cause = errors.New("the state store did not answer")
		}
		return fmt.Errorf("%w; and keeping the output in the local spool failed too: %v", cause, err)
	}
	if l.pendingLogs == nil {
		l.pendingLogs = map[string]*spooled{}
	}
	if l.pendingLogs[rec.Step] == nil {
		l.s.log.Warn(fmt.Sprintf("state store unreachable: %s is kept in %s and written once the store answers", rec.what(), l.s.spool.path), "run", l.runID, "error", cause)
	}
	l.pendingLogs[rec.Step] = rec
	return nil
}

// flushLogs tries once to write the output waiting in the spool.
func (l *azLease) flushLogs(ctx context.Context) {
	for step, rec := range l.pendingLogs {
		var at attempt
		err := l.appendLogAttempt(ctx, step, rec.Blob, rec.Block, &at)
		switch {
		case err == nil:
			delete(l.pendingLogs, step)
			if derr := l.s.spool.drop(rec); derr != nil {
				l.s.log.Warn("output from the spool was written but its entry could not be deleted", "run", l.runID, "error", derr)
			}
		case isOutage(err):
			if at.rec != nil && at.rec.Pos != rec.Pos {
				rec.Pos = at.rec.Pos
				_ = l.s.spool.put(rec)
			}
		default:
			delete(l.pendingLogs, step)
			l.s.log.Warn(fmt.Sprintf("%s could not be written from the spool %s, where it stays", rec.what(), l.s.spool.path), "run", l.runID, "error", err)
		}
	}
}

// appendLogAttempt is one try of a chunk: a fenced append at the log's
// length; at.rec is what it sent (position -1 while the length is not
// known, which a replay never writes).
func (l *azLease) appendLogAttempt(ctx context.Context, step, name string, chunk []byte, at *attempt) error {
	at.rec = l.logRec(step, name, -1, chunk)
	if n, ok := l.logs[step]; ok {
		at.rec.Pos = n
	}
	if err := l.refresh(ctx); err != nil {
		return err
	}
	for range 3 {
		done, err := l.appendLogOnce(ctx, step, name, chunk, at)
		if done || err != nil {
			return err
		}
	}
	return fmt.Errorf("append log of step %s of run %s: the log kept changing; retry (%w)", step, l.runID, state.ErrBusy)
}

// logRec is the spool entry of a log chunk about to be sent at pos.
func (l *azLease) logRec(step, name string, pos int64, chunk []byte) *spooled {
	return &spooled{
		Store: l.s.url, Run: l.runID, Kind: spoolLog, Blob: name, Step: step,
		Pos: pos, Block: chunk, Token: l.token, Holder: l.holder, Spooled: time.Now().UTC(),
	}
}

// appendLogOnce appends at the log's known length; done is false when it
// moved (and the length is read again next time).
func (l *azLease) appendLogOnce(ctx context.Context, step, name string, chunk []byte, at *attempt) (done bool, err error) {
	total, err := l.logSize(ctx, step, name)
	if err != nil {
		return false, err
	}
	if total >= state.MaxLogBytes {
		return true, nil // already truncated
	}
	if room := state.MaxLogBytes - total; int64(len(chunk)) > room {
		chunk = append(chunk[:room:room], state.TruncatedMarker...)
	}
	at.rec.Pos = total
	_, err = l.s.appendAt(ctx, name, chunk, total)
	if errors.Is(err, errMoved) {
		delete(l.logs, step)
		if ok, err := l.s.holds(ctx, name, total, chunk); ok || err != nil {
			l.logs[step] = total + int64(len(chunk))
			return ok, err
		}
		return false, nil
	}
	if err != nil {
		return false, err
	}
	l.logs[step] = total + int64(len(chunk))
	return true, nil
}

// logSize is the length of a step's log blob, creating it when missing.
func (l *azLease) logSize(ctx context.Context, step, name string) (int64, error) {
	if n, ok := l.logs[step]; ok {
		return n, nil
	}
	if l.logs == nil {
		l.logs = map[string]int64{}
	}
	p, err := l.s.cc.NewBlobClient(name).GetProperties(ctx, nil)
	if bloberror.HasCode(err, bloberror.BlobNotFound) || isStatus(err, 404) {
		if err := l.s.createAppend(ctx, name); err != nil {
			return 0, err
		}
		return 0, nil
	}
	if err != nil {
		return 0, l.s.wrap(err, "read "+name)
	}
	l.logs[step] = *p.ContentLength
	return *p.ContentLength, nil
}

// holds reports whether blob name holds want at pos: an append whose
// answer was lost and that the retry policy sent again.
func (s *store) holds(ctx context.Context, name string, pos int64, want []byte) (bool, error) {
	resp, err := s.cc.NewBlobClient(name).DownloadStream(ctx, &blob.DownloadStreamOptions{Range: blob.HTTPRange{Offset: pos, Count: int64(len(want))}})
	if isStatus(err, 416) {
		return false, nil
	}
	if err != nil {
		return false, s.wrap(err, "read "+name)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		return false, s.wrap(err, "read "+name)
	}
	return bytes.Equal(got, want), nil
}

// Logs implements state.Reader: one step's output, or with step "" every
// step's in name order, each after a "== step ==" line.
func (s *store) Logs(runID, step string) ([]byte, error) {
	ctx, cancel := s.ctx()
	defer cancel()
	if _, err := s.readRun(ctx, runID); err != nil {
		return nil, err
	}
	if step != "" {
		return s.logOf(ctx, s.logName(runID, step))
	}
	dir := s.runDir(runID) + "logs/"
	names, err := s.list(ctx, dir)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(names, func(a, b string) int { return cmp.Compare(unesc(a), unesc(b)) })
	var out bytes.Buffer
	for _, n := range names {
		b, err := s.logOf(ctx, n)
		if err != nil {
			return nil, err
		}
		if out.Len() > 0 && !bytes.HasSuffix(out.Bytes(), []byte("\n")) {
			out.WriteByte('\n')
		}
		fmt.Fprintf(&out, "== %s ==\n", unesc(strings.TrimPrefix(n, dir)))
		out.Write(b)
	}
	return out.Bytes(), nil
}

func (s *store) logOf(ctx context.Context, name string) ([]byte, error) {
	if checkBlobName("step name", name) != nil {
		return nil, nil
	}
	b, err := s.get(ctx, name)
	if errors.Is(err, errNoBlob) {
		return nil, nil
	}
	return b.data, err
}
