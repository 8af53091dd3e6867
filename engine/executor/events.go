package executor

import (
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

// Observer receives events. Calls are serialised by the executor.
type Observer interface {
	Observe(Event)
}

// ObserverFunc adapts a function to Observer.
type ObserverFunc func(Event)

// Observe calls f.
func (f ObserverFunc) Observe(e Event) { f(e) }

type emitter struct {
	mu  sync.Mutex
	obs Observer
}

func (e *emitter) emit(ev Event) {
	if e == nil || e.obs == nil {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.obs.Observe(ev)
}
