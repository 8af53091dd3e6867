package review

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"time"

	"github.com/batonhq/baton/engine/plan"
	"github.com/batonhq/baton/engine/runbook"
	"github.com/batonhq/baton/state"
)

// Jira Service Management's default options of its change fields.
var (
	jiraRisk   = map[level]string{level1: "Low", level2: "Medium", level3: "High", level4: "Critical"}
	jiraImpact = map[level]string{level1: "Minor / Localized", level2: "Moderate / Limited", level3: "Significant / Large", level4: "Extensive / Widespread"}
	jiraType   = map[string]string{"standard": "Standard", "normal": "Normal", "emergency": "Emergency"}
)

// jiraMaxSummary is the length of a Jira issue's summary.
const jiraMaxSummary = 255

// JiraDefaultIssueType is the issue type of a change in a Jira Service
// Management project made from the IT service management template.
const JiraDefaultIssueType = "Change"

// ErrNoJiraProject is returned when a Jira document is asked for without
// a project key.
var ErrNoJiraProject = errors.New("no Jira project key is configured")

// JiraConfig is what differs between Jira instances: the project, the
// change issue type, the ids of the change-management custom fields and
// the workflow transition that closes a change.
type JiraConfig struct {
	// Project is the key of the service project ("ITCM").
	Project string `json:"project"`
	// IssueType is the name of the change issue type, or its numeric id
	// ("" for JiraDefaultIssueType).
	IssueType string `json:"issue_type,omitempty"`
	// Fields are the custom field ids ("customfield_10005") of the change
	// fields; a field left out is not set, and its text goes into the
	// description instead.
	Fields JiraFields `json:"fields"`
	// Transition is the id of the transition the post-implementation
	// report is posted with ("" to post it as a comment).
	Transition string `json:"transition,omitempty"`
}

// JiraFields are the custom field ids of Jira Service Management's
// change-management fields.
type JiraFields struct {
	ChangeType         string `json:"change_type,omitempty"`
	ChangeRisk         string `json:"change_risk,omitempty"`
	Impact             string `json:"impact,omitempty"`
	PlannedStart       string `json:"planned_start,omitempty"`
	PlannedEnd         string `json:"planned_end,omitempty"`
	ImplementationPlan string `json:"implementation_plan,omitempty"`
	BackoutPlan        string `json:"backout_plan,omitempty"`
	TestPlan           string `json:"test_plan,omitempty"`
}

var (
	customFieldID = regexp.MustCompile(`^customfield_[0-9]+$`)
	projectKey    = regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)
	numericID     = regexp.MustCompile(`^[0-9]+$`)
)

// named lists the fields by their configuration names, in a fixed order.
func (f JiraFields) named() [][2]string {
	return [][2]string{
		{"change_type", f.ChangeType}, {"change_risk", f.ChangeRisk}, {"impact", f.Impact},
		{"planned_start", f.PlannedStart}, {"planned_end", f.PlannedEnd},
		{"implementation_plan", f.ImplementationPlan}, {"backout_plan", f.BackoutPlan}, {"test_plan", f.TestPlan},
	}
}

// check reports the first malformed field id, or one given twice.
func (f JiraFields) check() error {
	seen := map[string]string{}
	for _, kv := range f.named() {
		if kv[1] == "" {
			continue
		}
		if !customFieldID.MatchString(kv[1]) {
			return fmt.Errorf("Jira field %s is %q: a custom field id looks like customfield_10005 (GET /rest/api/3/field lists them)", kv[0], kv[1])
		}
		if other, dup := seen[kv[1]]; dup {
			return fmt.Errorf("Jira fields %s and %s are both %s: each change field has its own custom field", other, kv[0], kv[1])
		}
		seen[kv[1]] = kv[0]
	}
	return nil
}

// Check reports what is missing or malformed: the project key (wrapping
// ErrNoJiraProject when empty; the report of a run needs none), the field
// ids and the transition id.
func (c JiraConfig) Check(forRun bool) error {
	switch {
	case c.Project == "" && !forRun:
		return ErrNoJiraProject
	case c.Project != "" && !projectKey.MatchString(c.Project):
		return fmt.Errorf("Jira project key %q is malformed: a key is upper-case letters, digits and _, starting with a letter (ITCM)", c.Project)
	case c.Transition != "" && !numericID.MatchString(c.Transition):
		return fmt.Errorf("Jira transition %q is not a transition id: GET /rest/api/3/issue/KEY/transitions lists the ids (\"41\")", c.Transition)
	}
	return c.Fields.check()
}

// jiraTime formats t as Jira takes a date-time field.
func jiraTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000-0700") }

// Jira writes the body that creates a Jira Service Management change for
// plan p (POST /rest/api/3/issue): summary, description and plan fields
// in Atlassian Document Format, and the change fields cfg maps. Keys are
// sorted and the text is stable.
func Jira(w io.Writer, p *plan.Plan, rb *runbook.Runbook, ev Evidence, cfg JiraConfig) error {
	if err := cfg.Check(false); err != nil {
		return fmt.Errorf("writing the Jira change: %w", err)
	}
	r, err := newRecord(p, rb, ev)
	if err != nil {
		return err
	}
	issueType := map[string]string{"name": orText(cfg.IssueType, JiraDefaultIssueType)}
	if numericID.MatchString(cfg.IssueType) {
		issueType = map[string]string{"id": cfg.IssueType}
	}
	fields := map[string]any{
		"project":   map[string]string{"key": cfg.Project},
		"issuetype": issueType,
		"summary":   truncate(r.Summary, jiraMaxSummary),
	}
	f := cfg.Fields
	desc := append(text{}, r.Description...)
	desc.section("Justification", r.Justification)
	desc.section("Risk and impact analysis", r.RiskAnalysis)
	for _, x := range []struct {
		id, title string
		body      text
	}{{f.ImplementationPlan, "Implementation plan", r.Implementation}, {f.BackoutPlan, "Back-out plan", r.Backout}, {f.TestPlan, "Test plan", r.Test}} {
		if x.id == "" {
			desc.section(x.title, x.body)
		} else {
			fields[x.id] = x.body.adf()
		}
	}
	fields["description"] = desc.adf()
	setOption(fields, f.ChangeType, jiraType[r.ChangeType])
	setOption(fields, f.ChangeRisk, jiraRisk[r.Risk.Level])
	setOption(fields, f.Impact, jiraImpact[r.Impact.Level])
	if !r.Start.IsZero() {
		setValue(fields, f.PlannedStart, jiraTime(r.Start))
		setValue(fields, f.PlannedEnd, jiraTime(r.End))
	}
	return writeJSON(w, map[string]any{"fields": fields}, "the Jira change")
}

// setOption sets select field id (when configured) to the option value.
func setOption(fields map[string]any, id, value string) {
	if id != "" && value != "" {
		fields[id] = map[string]string{"value": value}
	}
}

func setValue(fields map[string]any, id, value string) {
	if id != "" {
		fields[id] = value
	}
}

// JiraReport writes the body that records a run's outcome on its Jira
// change: with cfg.Transition, a transition body
// (POST /rest/api/3/issue/KEY/transitions) that adds the report as a
// comment; else a comment body (POST /rest/api/3/issue/KEY/comment),
// internal to the service project's agents. The report carries the plan
// digest and the journal head hash.
func JiraReport(w io.Writer, run state.Run, steps []state.StepRecord, journal []state.JournalEntry, head string, cfg JiraConfig) error {
	if err := cfg.Check(true); err != nil {
		return fmt.Errorf("writing the Jira report: %w", err)
	}
	rr := newRunReport(run, steps, journal, head)
	body := slices.Concat(text{{Heading: "Post-implementation report"}}, rr.Summary, rr.Details).adf()
	if cfg.Transition != "" {
		return writeJSON(w, map[string]any{
			"transition": map[string]string{"id": cfg.Transition},
			"update":     map[string]any{"comment": []any{map[string]any{"add": map[string]any{"body": body}}}},
		}, "the Jira transition")
	}
	return writeJSON(w, map[string]any{
		"body":       body,
		"properties": []any{map[string]any{"key": "sd.public.comment", "value": map[string]bool{"internal": true}}},
	}, "the Jira comment")
}
