package clock

import (
	"cmp"
	"container/heap"
	"context"
	"slices"
	"sync"
	"time"
)

// Participants is implemented by clocks that must know who is running, so
// that they can tell when everybody is waiting. The executor calls it; steps
// never do. Wall ignores it.
type Participants interface {
	// Go runs fn as one more participant. On Virtual it runs only when
	// its turn comes (see Virtual).
	Go(fn func())
	// Exit removes a participant whose fn has returned (call from the
	// goroutine that received its result, once it has taken it).
	Exit()
	// Idle marks the calling participant as blocked on something other than
	// the clock (a channel); Wake undoes it.
	Idle()
	// Wake marks the calling participant as running again.
	Wake()
}

// Discrete is a clock whose time advances only through its event queue
// (sleeps, timers and alarms), when every participant is asleep or idle.
// Its participants run one at a time, in an order fixed by the run itself,
// so that a run on it is deterministic. Virtual implements it.
type Discrete interface {
	Clock
	Participants
	// Alarm closes ch d from now and holds time there until stop is
	// called (see Virtual.Alarm).
	Alarm(d time.Duration) (ch <-chan struct{}, stop func() (fired bool))
	// Active reports how many participants are running.
	Active() int
}

var _ Discrete = (*Virtual)(nil)

// DiscreteOf is c as a Discrete clock, nil when it is not one (Wall).
func DiscreteOf(c Clock) Discrete {
	d, _ := c.(Discrete)
	return d
}

// Virtual is a discrete-event clock: its time only moves when every
// participant is sleeping or idle, and then jumps to the earliest pending
// deadline, so a rehearsal's 30-minute wait takes microseconds. Its
// participants take turns: one runs at a time and the others queue in the
// order they became runnable (started, in the order Go was called, or
// woken, in deadline order), so the same run gives the same timeline
// every time, whatever the machine's speed or the Go scheduler does.
type Virtual struct {
	mu     sync.Mutex
	now    time.Time
	active int // participants running, queued for their turn, or finished but not yet taken
	hold   int // fired alarms not yet stopped: time stays
	timers timerHeap
	seq    uint64
	asleep map[*sleeper]struct{}
	busy   bool            // a participant has the turn
	queue  []chan struct{} // participants waiting for their turn, first first
}

type sleeper struct {
	ctx   context.Context
	seq   uint64
	wake  chan struct{}
	turn  chan struct{} // closed when the woken sleeper may run
	woken bool
	slept bool // woken by its own deadline
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
	return &Virtual{now: start, active: 1, busy: true, asleep: map[*sleeper]struct{}{}}
}

// Now returns the virtual time.
func (v *Virtual) Now() time.Time {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.now
}

// Sleep blocks the calling participant until d of virtual time has passed
// (or ctx is done), giving its turn to the next one meanwhile.
func (v *Virtual) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d <= 0 {
		return nil
	}
	v.mu.Lock()
	v.seq++
	s := &sleeper{ctx: ctx, seq: v.seq, wake: make(chan struct{})}
	v.asleep[s] = struct{}{}
	v.addTimer(v.now.Add(d), func() { s.slept = true; v.wakeLocked(s) })
	v.active--
	v.releaseLocked()
	v.mu.Unlock()

	select {
	case <-s.wake:
	case <-ctx.Done():
		v.mu.Lock()
		v.wakeLocked(s)
		v.mu.Unlock()
	}
	<-s.turn
	v.mu.Lock()
	defer v.mu.Unlock()
	if !s.slept {
		return ctx.Err() // woken by its context, before the time had passed
	}
	return nil
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
// must wake at a time: the channel is closed d from now, and time then
// stays at that moment until stop is called, so nothing runs past it.
// stop cancels the alarm and reports whether it had fired. The
// participant calls Wake before stop.
func (v *Virtual) Alarm(d time.Duration) (ch <-chan struct{}, stop func() (fired bool)) {
	c := make(chan struct{})
	fired, stopped := false, false
	v.mu.Lock()
	t := v.addTimer(v.now.Add(max(d, 0)), func() {
		fired = true
		v.hold++
		close(c)
	})
	v.mu.Unlock()
	return c, func() bool {
		v.mu.Lock()
		defer v.mu.Unlock()
		t.dead = true
		if fired && !stopped {
			stopped = true
			v.hold--
			v.advanceLocked()
		}
		return fired
	}
}

// Go implements Participants: fn runs once its turn comes; when it
// returns, the turn passes on, and the participant counts as running until
// Exit, so that time does not move before its result is taken.
func (v *Virtual) Go(fn func()) {
	v.mu.Lock()
	v.active++
	turn := v.enqueueLocked()
	v.mu.Unlock()
	go func() {
		<-turn
		defer func() {
			v.mu.Lock()
			v.releaseLocked()
			v.mu.Unlock()
		}()
		fn()
	}()
}

// Exit implements Participants.
func (v *Virtual) Exit() {
	v.mu.Lock()
	v.active--
	v.advanceLocked()
	v.mu.Unlock()
}

// Idle implements Participants: the caller gives its turn away.
func (v *Virtual) Idle() {
	v.mu.Lock()
	v.active--
	v.releaseLocked()
	v.mu.Unlock()
}

// Wake implements Participants: the caller waits for its turn.
func (v *Virtual) Wake() {
	v.mu.Lock()
	v.active++
	turn := v.enqueueLocked()
	v.mu.Unlock()
	<-turn
}

// enqueueLocked returns a channel closed when the caller's turn comes:
// at once when nobody has it.
func (v *Virtual) enqueueLocked() chan struct{} {
	ch := make(chan struct{})
	if !v.busy {
		v.busy = true
		close(ch)
		return ch
	}
	v.queue = append(v.queue, ch)
	return ch
}

// releaseLocked passes the turn to the first in the queue, or, when none
// waits, lets time move.
func (v *Virtual) releaseLocked() {
	if len(v.queue) > 0 {
		next := v.queue[0]
		v.queue = v.queue[1:]
		close(next)
		return
	}
	v.busy = false
	v.advanceLocked()
}

// Active reports how many participants are running (neither asleep nor
// idle).
func (v *Virtual) Active() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.active
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
	v.active++
	s.turn = v.enqueueLocked()
	close(s.wake)
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
	// now, in the order they fell asleep, so that time does not run past
	// them.
	var cancelled []*sleeper
	for s := range v.asleep {
		if s.ctx.Err() != nil {
			cancelled = append(cancelled, s)
		}
	}
	slices.SortFunc(cancelled, func(a, b *sleeper) int { return cmp.Compare(a.seq, b.seq) })
	for _, s := range cancelled {
		v.wakeLocked(s)
	}
}

// advanceLocked jumps to the next deadline while nobody is running.
func (v *Virtual) advanceLocked() {
	for v.active <= 0 && v.hold == 0 && !v.busy && len(v.timers) > 0 {
		v.fireNextLocked()
	}
}
