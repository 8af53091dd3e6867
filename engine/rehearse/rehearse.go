// Package rehearse runs a runbook end to end against a simulated site on
// a virtual clock (a 30-minute wait takes milliseconds) and reports what
// happened: the timeline in virtual time, the branches taken, the checks
// that blocked and why, and the final state of the simulated site. The
// run is journaled like a real one, so the report is evidence a change
// board can attach.
//
// The package knows no concrete step or target type. The caller injects
// the simulated site (Options.Site, a SiteFactory; simsite.Factory makes
// one from a ConfigMgr fixture), and whether a step runs is a capability
// of its type (steps.Pure, steps.StandIn; see package steps).
package rehearse

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/batonhq/baton/engine/clock"
	"github.com/batonhq/baton/engine/digest"
	"github.com/batonhq/baton/engine/executor"
	"github.com/batonhq/baton/engine/runbook"
	"github.com/batonhq/baton/internal/redact"
	"github.com/batonhq/baton/state"
	"github.com/batonhq/baton/steps"
	"github.com/hashicorp/go-hclog"
	"github.com/zclconf/go-cty/cty"
)

// Epoch is the virtual time a rehearsal starts at, fixed so that reports
// are reproducible.
var Epoch = time.Date(2026, 1, 5, 22, 0, 0, 0, time.UTC)

// Site is a simulated world a rehearsal acts on: the rehearsal supplies
// it as the target of every step of its target type.
type Site interface {
	steps.Target
	// TargetType is the type of target the site stands in for
	// ("configmgr").
	TargetType() string
	// Events are what happened on the site so far, in order: String is
	// the report's line, the value itself its JSON. nil when none.
	Events() []fmt.Stringer
	// State is the site's state now, for the report's final_site.
	State() any
}

// SiteFactory opens a fresh simulated site in the given scenario, whose
// time is clk (the rehearsal's virtual clock). It knows its fixture.
type SiteFactory func(scenario string, clk steps.Clock) (Site, error)

// Options configure a rehearsal.
type Options struct {
	// Site opens the simulated site the rehearsal runs against.
	Site SiteFactory
	// FixtureName and Scenario name the site for the report.
	FixtureName string
	Scenario    string
	Store       state.Backend
	Log         hclog.Logger
	// Redactor is shared with the run (executor.Options.Redactor).
	Redactor *redact.Redactor
	Observer executor.Observer
	// Answers answer the approval and manual steps.
	Answers       Answers
	Parallelism   int
	Requester     string
	EngineVersion string
	RunbookPath   string
	Inputs        map[string]string
}

// Line is one entry of the rehearsal timeline.
type Line struct {
	At      time.Duration `json:"at"` // since the start, virtual
	Step    string        `json:"step,omitempty"`
	Class   string        `json:"class,omitempty"`
	Event   string        `json:"event"`
	Status  string        `json:"status,omitempty"`
	Message string        `json:"message,omitempty"`
}

// Branch is a decision and the way it went.
type Branch struct {
	Decision string `json:"decision"`
	Taken    bool   `json:"taken"`
	Note     string `json:"note,omitempty"`
}

// Blocked is a check or step that failed, with its message.
type Blocked struct {
	Step    string `json:"step"`
	Class   string `json:"class"`
	Message string `json:"message"`
}

// Report is what a rehearsal shows.
type Report struct {
	Runbook  string            `json:"runbook"`
	Version  string            `json:"version,omitempty"`
	Fixture  string            `json:"fixture"`
	Scenario string            `json:"scenario"`
	RunID    string            `json:"run_id"`
	Status   string            `json:"status"`
	Reason   string            `json:"reason,omitempty"`
	Duration time.Duration     `json:"virtual_duration"`
	Timeline []Line            `json:"timeline"`
	Branches []Branch          `json:"branches"`
	Blocked  []Blocked         `json:"blocked"`
	Skipped  []Blocked         `json:"skipped"`
	Steps    map[string]string `json:"steps"` // step -> final status
	// SiteEvents are what the simulated site did (Site.Events).
	SiteEvents []fmt.Stringer `json:"site_events"`
	// Notifications are what steps run by a stand-in would have done (a
	// notify's message, not sent).
	Notifications []Notification `json:"notifications,omitempty"`
	// FinalSite is the simulated site's state at the end (Site.State;
	// simsite.State reads a ConfigMgr site's).
	FinalSite   any    `json:"final_site"`
	JournalHead string `json:"journal_head"`
}

// Notification is what a step run by a rehearsal stand-in (steps.StandIn)
// would have done, as it showed it: a notify's message, not posted.
type Notification struct {
	Step    string `json:"step"`
	Message string `json:"message"` // as captured, secrets scrubbed
}

// Succeeded reports whether the runbook would succeed.
func (r *Report) Succeeded() bool { return r.Status == string(state.RunSucceeded) }

// Run rehearses rb with vars.
func Run(ctx context.Context, rb *runbook.Runbook, vars map[string]cty.Value, opts Options) (*Report, error) {
	if err := checkAnswers("approvals file", opts.Answers.Steps, rb); err != nil {
		return nil, err
	}
	vclock, site, err := openSite(opts.Site, opts.Scenario)
	if err != nil {
		return nil, err
	}
	rep := &Report{Runbook: rb.Name, Version: rb.Version, Fixture: opts.FixtureName, Scenario: opts.Scenario, Steps: map[string]string{}}
	xo := executor.Options{
		Store: opts.Store, Clock: vclock, Log: opts.Log, Redactor: opts.Redactor, Observer: recordTo(rep, opts.Observer), Parallelism: opts.Parallelism,
		Targets:   map[string]steps.Target{site.TargetType(): site},
		Rehearsal: true, Requester: cmp.Or(opts.Requester, "rehearsal"), EngineVersion: opts.EngineVersion,
		Heartbeat: -1, AutoApprove: opts.Answers.answerer(),
	}
	res, err := executor.Start(ctx, rb, vars, xo, executor.Meta{
		RunID:       runID(rb, vars, opts),
		RunbookPath: opts.RunbookPath, Target: "fixture:" + opts.FixtureName + "/" + opts.Scenario, Inputs: opts.Inputs,
	})
	if err != nil {
		return nil, err
	}
	rep.RunID, rep.Status, rep.Reason = res.RunID, string(res.Status), res.Reason
	if step := res.AwaitingAnswer; step != "" {
		// A rehearsal is not resumed: say how to answer in the next one.
		rep.Reason = fmt.Sprintf("awaiting approval of %s, which nobody answered: a real run would wait here. Answer it in the rehearsal with --approve-all, or with --approvals FILE ({%q: [{\"by\": \"...\", \"decision\": \"approved\", \"after\": \"20m\"}]})", step, step)
	}
	rep.Duration = vclock.Now().Sub(Epoch)
	rep.SiteEvents = site.Events()
	rep.FinalSite = site.State()
	recs, err := opts.Store.Steps(res.RunID)
	if err != nil {
		return nil, err
	}
	for _, r := range recs {
		rep.Steps[r.Name] = string(r.Status)
		// An expanded for_each step is reported through its instances.
		if s := rb.StepOrTemplate(r.Name); s != nil && len(r.Instances) == 0 {
			rep.addStep(s, r, opts.Store)
		}
	}
	head, err := opts.Store.VerifyJournal(res.RunID)
	if err != nil {
		return nil, fmt.Errorf("the rehearsal's journal does not verify: %w", err)
	}
	rep.JournalHead = head
	slices.SortStableFunc(rep.Timeline, func(a, b Line) int { return cmp.Compare(a.At, b.At) })
	return rep, nil
}

// addStep reports what step s's record shows: a stand-in's notification,
// the way a decision went, a failure or a skip.
func (rep *Report) addStep(s *runbook.Step, r state.StepRecord, store state.Backend) {
	succeeded := r.Status == state.StepSucceeded
	if _, shown := s.Kind.(steps.StandIn); shown && succeeded {
		if out, err := store.Logs(rep.RunID, r.Name); err == nil && len(out) > 0 {
			rep.Notifications = append(rep.Notifications, Notification{Step: r.Name, Message: strings.TrimSpace(string(out))})
		}
	}
	switch {
	case s.Class == runbook.ClassDecision && succeeded:
		v, err := executor.DecodeOutput(r.Output)
		rep.Branches = append(rep.Branches, Branch{Decision: r.Name, Taken: err == nil && v.RawEquals(cty.True), Note: s.Description})
	case r.Status == state.StepFailed:
		rep.Blocked = append(rep.Blocked, Blocked{Step: r.Name, Class: string(s.Class), Message: r.Error})
	case r.Status == state.StepSkipped:
		rep.Skipped = append(rep.Skipped, Blocked{Step: r.Name, Class: string(s.Class), Message: r.Reason})
	}
}

// recordTo passes every executor event on to next and records it on rep's
// timeline, heartbeats and polls left out.
func recordTo(rep *Report, next executor.Observer) executor.Observer {
	return executor.ObserverFunc(func(e executor.Event) {
		if next != nil {
			next.Observe(e)
		}
		if e.Type != executor.EventHeartbeat && e.Type != executor.EventWaitPolled {
			rep.Timeline = append(rep.Timeline, Line{At: e.At.Sub(Epoch), Step: e.Step, Class: e.Class, Event: e.Type, Status: e.Status, Message: e.Message})
		}
	})
}

// Refresher runs a runbook's read-only checks against the simulated site
// of a scenario at the rehearsal's start: what `plan --site` observes,
// and what a rehearsal of the same cell starts from.
func Refresher(rb *runbook.Runbook, vars map[string]cty.Value, site SiteFactory, scenario string, log hclog.Logger, red *redact.Redactor) (*executor.Refresher, error) {
	vc, st, err := openSite(site, scenario)
	if err != nil {
		return nil, err
	}
	return executor.NewRefresher(rb, vars, executor.Options{Clock: vc, Log: log, Redactor: red, Rehearsal: true, Targets: map[string]steps.Target{st.TargetType(): st}})
}

// openSite opens the simulated site of scenario on a virtual clock at
// Epoch.
func openSite(open SiteFactory, scenario string) (*clock.Virtual, Site, error) {
	if open == nil {
		return nil, nil, errors.New("rehearse: no simulated site given; load a fixture and pass its site (simsite.Factory)")
	}
	vc := clock.NewVirtual(Epoch)
	site, err := open(scenario, vc)
	return vc, site, err
}

// runID is the rehearsal's run id: the same for the same runbook sources,
// inputs, site and answers, so that a rehearsal repeated gives the same
// report byte for byte; a random one when the state already holds that
// run (a kept --state file).
func runID(rb *runbook.Runbook, vars map[string]cty.Value, opts Options) string {
	sources, _ := digest.Sources(rb.Sources)
	inputs, _ := digest.Inputs(vars)
	answers, _ := json.Marshal(opts.Answers)
	sum := sha256.Sum256([]byte(strings.Join([]string{sources, inputs, opts.FixtureName, opts.Scenario, string(answers)}, "\x00")))
	id := state.NewRunID(Epoch, bytes.NewReader(sum[:]))
	if _, err := opts.Store.Run(id); err == nil {
		return state.NewRunID(Epoch, nil)
	}
	return id
}
