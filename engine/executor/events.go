package executor

import (
	"context"
	"sync"
	"time"
)

// Event is something that happened in a run, for progress output. Events
// never carry secrets.
type Event struct {
	Type     string        `json:"type"` // see the Event* constants
	RunID    string        `json:"run_id"`
	Step     string        `json:"step,omitempty"`
	Class    string        `json:"class,omitempty"`
	At       time.Time     `json:"at"`
	Status   string        `json:"status,omitempty"`
	Attempt  int           `json:"attempt,omitempty"`
	Duration time.Duration `json:"duration_ns,omitempty"`
	Left     time.Duration `json:"left_ns,omitempty"` // waits and approvals: time left
	Message  string        `json:"message,omitempty"`
	Hint     string        `json:"hint,omitempty"` // the command that answers (approve, resolve...)
}

// Event types.
const (
	EventRunStarted       = "run_started"
	EventRunResumed       = "run_resumed"
	EventStepStarted      = "step_started"
	EventStepFinished     = "step_finished"
	EventStepRetry        = "step_retry"
	EventStepSkipped      = "step_skipped"
	EventWaitPolled       = "wait_polled"
	EventApprovalRequired = "approval_required"
	EventApprovalGiven    = "approval_given"
	EventInDoubt          = "step_in_doubt"
	EventHeartbeat        = "heartbeat"
	EventBackout          = "backout_started"
	EventWindow           = "change_window"
	EventRunPaused        = "run_paused"
	EventRunFinished      = "run_finished"
)

// Observer receives events, in order, one call at a time, from a goroutine
// of the executor's: a slow observer delays only its own output.
type Observer interface {
	Observe(Event)
}

// ObserverFunc adapts a function to Observer.
type ObserverFunc func(Event)

// Observe calls f.
func (f ObserverFunc) Observe(e Event) { f(e) }

// emitter hands events to the observer in order from a goroutine of its
// own, through a queue that never blocks the sender: an observer that is
// slow or stuck (stdout piped into a pager nobody reads) never stalls
// scheduling, heartbeats or cancellation. close delivers what is queued.
type emitter struct {
	mu     sync.Mutex
	more   *sync.Cond
	queue  []Event
	obs    Observer
	closed bool
	done   chan struct{}
}

// newEmitter starts delivering to obs; with no observer it is nil, and
// emit and close do nothing.
func newEmitter(obs Observer) *emitter {
	if obs == nil {
		return nil
	}
	e := &emitter{obs: obs, done: make(chan struct{})}
	e.more = sync.NewCond(&e.mu)
	go e.deliver()
	return e
}

func (e *emitter) emit(ev Event) {
	if e == nil {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return // after the run returned: nobody is listening
	}
	e.queue = append(e.queue, ev)
	e.more.Signal()
}

// deliver passes queued events to the observer until closed and empty.
func (e *emitter) deliver() {
	defer close(e.done)
	for {
		e.mu.Lock()
		for len(e.queue) == 0 && !e.closed {
			e.more.Wait()
		}
		batch := e.queue
		e.queue = nil
		closed := e.closed
		e.mu.Unlock()
		for _, ev := range batch {
			e.obs.Observe(ev)
		}
		if closed && len(batch) == 0 {
			return
		}
	}
}

// close stops taking events and waits until the observer has had every
// one sent before, or until ctx ends (an observer stuck for good).
func (e *emitter) close(ctx context.Context) {
	if e == nil {
		return
	}
	e.mu.Lock()
	e.closed = true
	e.more.Signal()
	e.mu.Unlock()
	select {
	case <-e.done:
	case <-ctx.Done():
	}
}
