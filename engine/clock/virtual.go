package clock

import (
	"container/heap"
	"context"
	"sync"
	"time"
)

// Participants is implemented by clocks that must know who is running, so
// that they can tell when everybody is waiting. The executor calls it; steps
// never do. Wall ignores it.
type Participants interface {
	// Enter registers one more running goroutine (call before starting it).
	Enter()
	// Exit removes a running goroutine (call after it finished, from the
	// goroutine that received its result).
	Exit()
	// Idle marks the calling participant as blocked on something other than
	// the clock (a channel); Wake undoes it.
	Idle()
	// Wake marks the calling participant as running again.
	Wake()
}

// Discrete is a clock whose time advances only through its event queue
// (sleeps, timers and alarms), when every participant is asleep or idle.
// The executor then takes step results one at a time in virtual-time
// order, so that a run on it is deterministic. Virtual implements it.
type Discrete interface {
	Clock
	Participants
	// Alarm closes ch d from now and counts the caller as running again
	// (see Virtual.Alarm).
	Alarm(d time.Duration) (ch <-chan struct{}, stop func() (fired bool))
	// Active reports how many participants are running.
	Active() int
}

var _ Discrete = (*Virtual)(nil)

// Virtual is a clock whose time only moves when every participant is
// sleeping or idle: it then jumps to the earliest pending deadline. A
// rehearsal's 30-minute wait therefore takes microseconds.
type Virtual struct {
	mu     sync.Mutex
	now    time.Time
	active int
	timers timerHeap
	seq    uint64
	asleep map[*sleeper]struct{}
}

type sleeper struct {
	ctx   context.Context
	wake  chan struct{}
	woken bool
}

type timer struct {
	at   time.Time
	seq  uint64
	fire func() // called with v.mu held
	dead bool
}

type timerHeap []*timer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if h[i].at.Equal(h[j].at) {
		return h[i].seq < h[j].seq
	}
	return h[i].at.Before(h[j].at)
}
func (h timerHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *timerHeap) Push(x any)   { *h = append(*h, x.(*timer)) }
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	*h = old[:len(old)-1]
	return t
}

// NewVirtual returns a virtual clock at start with one participant: the
// caller.
func NewVirtual(start time.Time) *Virtual {
	return &Virtual{now: start, active: 1, asleep: map[*sleeper]struct{}{}}
}

// Now returns the virtual time.
func (v *Virtual) Now() time.Time {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.now
}

// Sleep blocks the calling participant until d of virtual time has passed.
func (v *Virtual) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d <= 0 {
		return nil
	}
	s := &sleeper{ctx: ctx, wake: make(chan struct{})}
	v.mu.Lock()
	v.asleep[s] = struct{}{}
	v.addTimer(v.now.Add(d), func() { v.wakeLocked(s) })
	v.active--
	v.advanceLocked()
	v.mu.Unlock()

	select {
	case <-s.wake:
		return nil
	case <-ctx.Done():
		v.mu.Lock()
		if !s.woken {
			v.wakeLocked(s)
		}
		v.mu.Unlock()
		return ctx.Err()
	}
}

// WithTimeout returns a context cancelled after d on clock c.
func WithTimeout(parent context.Context, c Clock, d time.Duration) (context.Context, context.CancelFunc) {
	v, ok := c.(*Virtual)
	if !ok {
		return context.WithTimeout(parent, d)
	}
	ctx, cancel := context.WithCancelCause(parent)
	v.mu.Lock()
	t := v.addTimer(v.now.Add(d), func() { cancel(context.DeadlineExceeded) })
	v.mu.Unlock()
	return ctx, func() {
		v.mu.Lock()
		t.dead = true
		v.mu.Unlock()
		cancel(context.Canceled)
	}
}

// Alarm is for a participant about to go idle (see Participants) that
// must wake at a time: the channel is closed d from now, and the clock then
// counts the participant as running again, so time stops there. stop
// cancels the alarm and reports whether it had fired; when it had, the
// participant is already awake and must not call Wake.
func (v *Virtual) Alarm(d time.Duration) (ch <-chan struct{}, stop func() (fired bool)) {
	c := make(chan struct{})
	fired := false
	v.mu.Lock()
	t := v.addTimer(v.now.Add(max(d, 0)), func() {
		fired = true
		v.active++
		close(c)
	})
	v.mu.Unlock()
	return c, func() bool {
		v.mu.Lock()
		defer v.mu.Unlock()
		t.dead = true
		return fired
	}
}

// Enter implements Participants.
func (v *Virtual) Enter() { v.mu.Lock(); v.active++; v.mu.Unlock() }

// Exit implements Participants.
func (v *Virtual) Exit() {
	v.mu.Lock()
	v.active--
	v.advanceLocked()
	v.mu.Unlock()
}

// Idle implements Participants.
func (v *Virtual) Idle() { v.Exit() }

// Wake implements Participants.
func (v *Virtual) Wake() { v.Enter() }

// Active reports how many participants are running (neither asleep nor
// idle).
func (v *Virtual) Active() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.active
}

// Counts reports the running participants and the sleepers (diagnostics).
func (v *Virtual) Counts() (active, asleep, timers int) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.active, len(v.asleep), len(v.timers)
}

// Advance moves virtual time forward by d, firing due timers; tests use it
// to drive the clock by hand.
func (v *Virtual) Advance(d time.Duration) {
	v.mu.Lock()
	defer v.mu.Unlock()
	target := v.now.Add(d)
	for len(v.timers) > 0 && !v.timers[0].at.After(target) {
		v.fireNextLocked()
	}
	v.now = target
}

func (v *Virtual) addTimer(at time.Time, fire func()) *timer {
	v.seq++
	t := &timer{at: at, seq: v.seq, fire: fire}
	heap.Push(&v.timers, t)
	return t
}

func (v *Virtual) wakeLocked(s *sleeper) {
	if s.woken {
		return
	}
	s.woken = true
	delete(v.asleep, s)
	close(s.wake)
	v.active++
}

func (v *Virtual) fireNextLocked() {
	t := heap.Pop(&v.timers).(*timer)
	if t.dead {
		return
	}
	if t.at.After(v.now) {
		v.now = t.at
	}
	t.fire()
	// A fired timeout cancels contexts synchronously: wake their sleepers
	// now, so that time does not run past them.
	for s := range v.asleep {
		if s.ctx.Err() != nil {
			v.wakeLocked(s)
		}
	}
}

// advanceLocked jumps to the next deadline while nobody is running.
func (v *Virtual) advanceLocked() {
	for v.active <= 0 && len(v.timers) > 0 {
		v.fireNextLocked()
	}
}
