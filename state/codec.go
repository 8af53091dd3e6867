package state

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// Limits on names used as keys, in every backend.
const (
	MaxIDLen   = 256
	MaxNameLen = 1024
)

// The decode functions turn stored bytes into records. They never panic,
// whatever the bytes; FuzzDecodeRecord checks this.

func decodeRun(b []byte) (Run, error) {
	var r Run
	if err := json.Unmarshal(b, &r); err != nil {
		return Run{}, fmt.Errorf("decode run record: %w", err)
	}
	return r, nil
}

func decodeStep(b []byte) (StepRecord, error) {
	var r StepRecord
	if err := json.Unmarshal(b, &r); err != nil {
		return StepRecord{}, fmt.Errorf("decode step record: %w", err)
	}
	return r, nil
}

func decodeEntry(b []byte) (JournalEntry, error) {
	var e JournalEntry
	if err := json.Unmarshal(b, &e); err != nil {
		return JournalEntry{}, fmt.Errorf("decode journal entry: %w", err)
	}
	return e, nil
}

func decodeLock(b []byte) (LockHolder, error) {
	var h LockHolder
	if err := json.Unmarshal(b, &h); err != nil {
		return LockHolder{}, fmt.Errorf("decode lock record: %w", err)
	}
	return h, nil
}

func encode(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode %T: %w", v, err)
	}
	return b, nil
}

// seqKey is the big-endian key of a sequence number, so that key order is
// numeric order.
func seqKey(n uint64) []byte {
	return binary.BigEndian.AppendUint64(make([]byte, 0, 8), n)
}

// CheckName validates a run id, step name or lock key used as a key.
func CheckName(what, name string, max int) error {
	switch {
	case name == "":
		return fmt.Errorf("%s is empty", what)
	case len(name) > max:
		return fmt.Errorf("%s is %d bytes long, more than %d", what, len(name), max)
	case !utf8.ValidString(name):
		return fmt.Errorf("%s %q is not valid UTF-8", what, name)
	}
	return nil
}

// printable quotes arbitrary key bytes for messages.
func printable(b []byte) string {
	s := strconv.Quote(string(b))
	return s[1 : len(s)-1]
}
