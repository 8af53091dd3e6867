package state

import (
	"crypto/rand"
	"encoding/hex"
	"io"
	"time"
)

// NewRunID returns an id like 20261125T213000Z-3f9a1c: the UTC second of t,
// then 6 hex digits read from r (crypto/rand when r is nil), so that ids
// sort by creation time. If r fails, the digits come from t's nanoseconds.
func NewRunID(t time.Time, r io.Reader) string {
	if r == nil {
		r = rand.Reader
	}
	var b [3]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		ns := t.Nanosecond()
		b = [3]byte{byte(ns >> 16), byte(ns >> 8), byte(ns)}
	}
	return t.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}
