package state

import (
	"bytes"
	"strings"
	"testing"
)

func TestLogs(t *testing.T) {
	s, _ := newStore(t)
	l := createRun(t, s, "r1", "a", "b", "c")
	for _, c := range []struct{ step, chunk string }{
		{"b", "backing up\n"}, {"a", "line 1\n"}, {"a", "line 2"}, {"b", "done\n"}, {"a", ""},
	} {
		if err := l.AppendLog(c.step, []byte(c.chunk)); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range []struct{ step, want string }{
		{"a", "line 1\nline 2"},
		{"b", "backing up\ndone\n"},
		{"c", ""},
		{"", "== a ==\nline 1\nline 2\n== b ==\nbacking up\ndone\n"},
	} {
		got, err := s.Logs("r1", tt.step)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != tt.want {
			t.Errorf("Logs(%q) = %q, want %q", tt.step, got, tt.want)
		}
	}
	if err := l.AppendLog("", []byte("x")); err == nil {
		t.Error("AppendLog with no step succeeded")
	}
}

func TestLogsAreCapped(t *testing.T) {
	s, _ := newStore(t)
	l := createRun(t, s, "r1", "a")
	chunk := bytes.Repeat([]byte("0123456789abcdef"), 40<<10) // 640 KiB
	for range 3 {
		if err := l.AppendLog("a", chunk); err != nil {
			t.Fatal(err)
		}
	}
	commits := s.Commits()
	if err := l.AppendLog("a", []byte("more")); err != nil {
		t.Fatal(err)
	}
	if s.Commits() != commits {
		t.Error("a dropped chunk cost a commit")
	}
	got, err := s.Logs("r1", "a")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != MaxLogBytes+len(TruncatedMarker) || !strings.HasSuffix(string(got), TruncatedMarker) {
		t.Errorf("log is %d bytes ending %q", len(got), got[max(0, len(got)-30):])
	}
	if strings.Count(string(got), TruncatedMarker) != 1 {
		t.Error("the marker appears more than once")
	}
	if !bytes.Equal(got[:len(chunk)], chunk) {
		t.Error("the kept output differs from what was written")
	}
}
