package sim

import (
	"testing"
	"time"
)

func TestParseOffset(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"45m": 45 * time.Minute, "-2d": -48 * time.Hour, "1d12h": 36 * time.Hour, "+90s": 90 * time.Second,
		"-1h30m": -90 * time.Minute, "0m": 0, " 5m ": 5 * time.Minute, "3d": 72 * time.Hour,
	} {
		got, err := parseOffset(in)
		if err != nil || got != want {
			t.Errorf("parseOffset(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-", "d", "2", "yesterday", "1d-5m", "--5m", "1.5d", "99999999999d", "5m-", "d5m", "200000h"} {
		if d, err := parseOffset(in); err == nil {
			t.Errorf("parseOffset(%q) = %v, want an error", in, d)
		}
	}
}

func TestFmtOffset(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "+0s", 14 * time.Minute: "+14m", -51 * time.Hour: "-2d3h", 90 * time.Second: "+1m30s", 1500 * time.Millisecond: "+1.5s",
	} {
		if got := fmtOffset(d); got != want {
			t.Errorf("fmtOffset(%v) = %q, want %q", d, got, want)
		}
	}
}
