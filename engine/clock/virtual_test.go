package clock

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

var start = time.Date(2026, 1, 5, 22, 0, 0, 0, time.UTC)

// trace runs participants that each sleep through their steps and log
// what they do with the virtual time; the caller takes their results as
// the executor does.
func trace(sleeps [][]time.Duration) string {
	v := NewVirtual(start)
	var mu sync.Mutex
	var log []string
	done := make(chan int, len(sleeps))
	for i, ds := range sleeps {
		v.Go(func() {
			for _, d := range ds {
				mu.Lock()
				log = append(log, fmt.Sprintf("%s p%d sleeps %s", v.Now().Sub(start), i, d))
				mu.Unlock()
				_ = v.Sleep(context.Background(), d)
			}
			done <- i
		})
	}
	for range sleeps {
		v.Idle()
		i := <-done
		v.Wake()
		log = append(log, fmt.Sprintf("%s p%d done", v.Now().Sub(start), i))
		v.Exit()
	}
	return strings.Join(log, "\n")
}

// TestVirtualTakesTurns: participants run one at a time in the order the
// run fixes (started in Go order, woken in deadline order), so the same
// work gives the same trace every time, and time jumps only when all wait.
func TestVirtualTakesTurns(t *testing.T) {
	tests := []struct {
		name   string
		sleeps [][]time.Duration
		want   string
	}{
		{"one", [][]time.Duration{{time.Minute}}, "0s p0 sleeps 1m0s\n1m0s p0 done"},
		{"same instant, start order", [][]time.Duration{{0}, {0}, {0}},
			"0s p0 sleeps 0s\n0s p1 sleeps 0s\n0s p2 sleeps 0s\n0s p0 done\n0s p1 done\n0s p2 done"},
		{"deadline order", [][]time.Duration{{3 * time.Minute}, {time.Minute, time.Minute}},
			"0s p0 sleeps 3m0s\n0s p1 sleeps 1m0s\n1m0s p1 sleeps 1m0s\n2m0s p1 done\n3m0s p0 done"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i := range 50 {
				if got := trace(tt.sleeps); got != tt.want {
					t.Fatalf("run %d:\n%s\nwant\n%s", i, got, tt.want)
				}
			}
		})
	}
}

// TestAlarmHoldsTime: a fired alarm stops time until the participant it
// woke has stopped it, even while another participant sleeps.
func TestAlarmHoldsTime(t *testing.T) {
	v := NewVirtual(start)
	done := make(chan struct{})
	v.Go(func() {
		_ = v.Sleep(context.Background(), time.Hour)
		close(done)
	})
	ch, stop := v.Alarm(10 * time.Minute)
	v.Idle()
	<-ch
	v.Wake()
	if got := v.Now().Sub(start); got != 10*time.Minute {
		t.Errorf("woken at %s, want 10m", got)
	}
	if !stop() {
		t.Error("stop says the alarm had not fired")
	}
	v.Idle()
	<-done
	v.Wake()
	v.Exit()
	if got := v.Now().Sub(start); got != time.Hour {
		t.Errorf("the sleeper ended at %s, want 1h", got)
	}
}

// TestSleepCancelled: a cancelled sleep returns its context's error and
// its turn comes back.
func TestSleepCancelled(t *testing.T) {
	v := NewVirtual(start)
	ctx, cancel := WithTimeout(context.Background(), v, 5*time.Minute)
	defer cancel()
	if err := v.Sleep(ctx, time.Hour); err == nil {
		t.Fatal("a sleep past its context's deadline returned nil")
	}
	if got := v.Now().Sub(start); got != 5*time.Minute {
		t.Errorf("woken at %s, want 5m (the deadline)", got)
	}
}
