package rehearse

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/batonhq/baton/engine/executor"
	"github.com/batonhq/baton/engine/lang"
	"github.com/batonhq/baton/engine/runbook"
	"github.com/batonhq/baton/state"
)

// Answers says how a rehearsal answers approvals and manual steps. A step
// nobody answers stops the rehearsal where a real run would wait.
type Answers struct {
	// All answers every step not in Steps with as many of its listed
	// approvers as it needs.
	All bool
	// Delay is how long those answers take to come, in virtual time
	// (people are rarely instant; an approval may expire meanwhile).
	Delay time.Duration
	// Steps are the answers of an approvals file, by step name.
	Steps map[string][]Answer
}

// Answer is one person's answer to an approval or manual step.
type Answer struct {
	By       string `json:"by"`
	Decision string `json:"decision"` // "approved" or "rejected"
	Comment  string `json:"comment,omitempty"`
	// After is how long after the step asks the answer comes, in virtual
	// time; written as a duration string ("20m", "1h30m").
	After time.Duration `json:"-"`
}

// MarshalJSON writes an answer as UnmarshalJSON reads it ("after" left
// out when the answer comes at once).
func (a Answer) MarshalJSON() ([]byte, error) {
	type plain Answer
	raw := struct {
		plain
		After string `json:"after,omitempty"`
	}{plain: plain(a)}
	if a.After > 0 {
		raw.After = a.After.String()
	}
	return json.Marshal(raw)
}

// UnmarshalJSON reads an answer with its "after" duration string.
func (a *Answer) UnmarshalJSON(b []byte) error {
	type plain Answer
	var raw struct {
		plain
		After string `json:"after"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return err
	}
	*a = Answer(raw.plain)
	if raw.After != "" {
		d, err := lang.ParseDuration(raw.After)
		if err != nil {
			return fmt.Errorf("after %q: %w", raw.After, err)
		}
		if d < 0 {
			return fmt.Errorf("after %q: must not be negative", raw.After)
		}
		a.After = d
	}
	return nil
}

// ParseAnswers reads an approvals file:
//
//	{"go_no_go": [{"by": "alice", "decision": "approved", "after": "20m"}]}
//
// and checks every answer against rb: the step exists and waits for people,
// the decision is approved or rejected, the person may answer it.
func ParseAnswers(data []byte, rb *runbook.Runbook) (map[string][]Answer, error) {
	var m map[string][]Answer
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err := dec.Decode(&m)
	if err == nil && dec.More() {
		err = errors.New("more than one JSON value")
	}
	if err != nil {
		return nil, fmt.Errorf(`%w; expected {"step": [{"by": "alice", "decision": "approved", "after": "20m", "comment": "..."}]}`, err)
	}
	if err := checkAnswers("approvals file", m, rb); err != nil {
		return nil, err
	}
	return m, nil
}

// CheckAnswers checks answers given other than in an approvals file (the
// answer blocks of an expectation file) against rb, as ParseAnswers checks
// a file's.
func CheckAnswers(m map[string][]Answer, rb *runbook.Runbook) error {
	return checkAnswers("answers", m, rb)
}

// checkAnswers says everything wrong with answers m for rb in one error,
// introduced by what the answers are.
func checkAnswers(what string, m map[string][]Answer, rb *runbook.Runbook) error {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	for _, n := range slices.Sorted(maps.Keys(m)) {
		s := rb.StepOrTemplate(n) // an instance's answers, or every instance's
		if s == nil {
			add("%q is not a step of runbook %s%s", n, rb.Name, gatesHint(rb))
			continue
		}
		if !takesAnswers(s) {
			add("step %q is a %s; only approval and manual steps take answers", n, s.Class)
			continue
		}
		for i, a := range m[n] {
			switch {
			case a.By == "":
				add("%s[%d]: missing \"by\"", n, i)
			case a.Decision != "approved" && a.Decision != "rejected":
				add("%s[%d]: decision %q must be \"approved\" or \"rejected\"", n, i, a.Decision)
			case len(s.Approvers) > 0 && !slices.ContainsFunc(s.Approvers, func(x string) bool { return strings.EqualFold(x, a.By) }):
				add("%s[%d]: %s is not an approver of %s (approvers: %s)", n, i, a.By, n, strings.Join(s.Approvers, ", "))
			}
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("%s: %s", what, strings.Join(problems, "; "))
}

func takesAnswers(s *runbook.Step) bool {
	return s.Class == runbook.ClassApproval || s.Class == runbook.ClassManual
}

// gatesHint names rb's approval and manual steps, for an answer to a step
// rb lacks.
func gatesHint(rb *runbook.Runbook) string {
	var gated []string
	for _, s := range rb.Steps {
		if takesAnswers(s) {
			gated = append(gated, s.Name)
		}
	}
	if len(gated) == 0 {
		return " (it has no approval or manual steps)"
	}
	return " (approval and manual steps: " + strings.Join(gated, ", ") + ")"
}

// answerer gives the executor the rehearsal's answers for a step: the
// given ones, else with All as many of its approvers as it needs.
func (a Answers) answerer() func(s *runbook.Step) []executor.AutoAnswer {
	return func(s *runbook.Step) []executor.AutoAnswer {
		given, ok := a.Steps[s.Name]
		if !ok && s.Template != "" {
			given, ok = a.Steps[s.Template] // answers for every instance
		}
		var out []executor.AutoAnswer
		switch {
		case ok:
			for _, g := range given {
				out = append(out, executor.AutoAnswer{After: g.After, Approval: state.Approval{By: g.By, Decision: g.Decision, Comment: g.Comment}})
			}
		case a.All:
			for i := range max(1, s.MinApprovals) {
				by := fmt.Sprintf("rehearsal-approver-%d", i+1)
				if i < len(s.Approvers) {
					by = s.Approvers[i]
				}
				out = append(out, executor.AutoAnswer{After: a.Delay, Approval: state.Approval{By: by, Decision: "approved", Comment: "rehearsal: --approve-all"}})
			}
		}
		return out
	}
}
