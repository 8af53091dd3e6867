package state

import (
	"bytes"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// MaxLogBytes is how much output is kept per step; the rest is replaced by
// TruncatedMarker, written once.
const MaxLogBytes = 1 << 20

// TruncatedMarker ends a step's log that reached MaxLogBytes.
const TruncatedMarker = "\n[output truncated]\n"

// AppendLog adds a chunk of a step's captured output, in one transaction.
// Output past MaxLogBytes is dropped after one TruncatedMarker. An empty
// chunk writes nothing.
func (l *boltLease) AppendLog(step string, chunk []byte) error {
	runID := l.runID
	if err := CheckName("step name", step, MaxNameLen); err != nil {
		return fmt.Errorf("append log of run %s: %w", runID, err)
	}
	if len(chunk) == 0 {
		return nil
	}
	return l.s.update(func(tx *bolt.Tx) error {
		rb, _, err := l.fenced(tx)
		if err != nil {
			return err
		}
		logs, err := rb.CreateBucketIfNotExists(bucketLogs)
		if err != nil {
			return err
		}
		lb, err := logs.CreateBucketIfNotExists([]byte(step))
		if err != nil {
			return err
		}
		// The bucket sequence is the number of bytes stored; chunk keys
		// are their byte offsets.
		total := lb.Sequence()
		if total >= MaxLogBytes {
			return errSkip // already truncated
		}
		if room := MaxLogBytes - total; uint64(len(chunk)) > room {
			chunk = append(chunk[:room:room], TruncatedMarker...)
		}
		if err := lb.Put(seqKey(total), chunk); err != nil {
			return err
		}
		return lb.SetSequence(total + uint64(len(chunk)))
	})
}

// Logs returns the captured output of one step of the run, or with step ""
// of every step in name order, each preceded by a "== step ==" line.
func (s *Store) Logs(runID, step string) ([]byte, error) {
	var out bytes.Buffer
	err := s.view(func(tx *bolt.Tx) error {
		rb, err := runBucket(tx, runID)
		if err != nil {
			return err
		}
		logs := rb.Bucket(bucketLogs)
		if logs == nil {
			return nil
		}
		if step != "" {
			writeLog(&out, logs.Bucket([]byte(step)))
			return nil
		}
		return logs.ForEachBucket(func(k []byte) error {
			if out.Len() > 0 && !bytes.HasSuffix(out.Bytes(), []byte("\n")) {
				out.WriteByte('\n')
			}
			fmt.Fprintf(&out, "== %s ==\n", k)
			writeLog(&out, logs.Bucket(k))
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func writeLog(out *bytes.Buffer, lb *bolt.Bucket) {
	if lb == nil {
		return
	}
	c := lb.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if v != nil && len(k) == 8 {
			out.Write(v)
		}
	}
}
