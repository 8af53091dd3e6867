package review

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/batonhq/baton/engine/plan"
	"github.com/batonhq/baton/engine/runbook"
	"github.com/batonhq/baton/state"
)

// ServiceNow's choice values in the base system (table change_request).
var (
	// snRisk maps a risk level to the risk field: 1 Very High, 2 High,
	// 3 Moderate, 4 Low.
	snRisk = map[level]string{level1: "4", level2: "3", level3: "2", level4: "1"}
	// snImpact maps an impact level to the impact field: 1 High,
	// 2 Medium, 3 Low.
	snImpact = map[level]string{level1: "3", level2: "2", level3: "1", level4: "1"}
)

// Close codes of a ServiceNow change request.
const (
	snSuccessful       = "successful"
	snSuccessfulIssues = "successful_issues"
	snUnsuccessful     = "unsuccessful"
)

// snMaxShort is the length of change_request.short_description.
const snMaxShort = 160

// ServiceNowDefaultCategory is the category a change request gets when
// the configuration names none.
const ServiceNowDefaultCategory = "Software"

// ServiceNowConfig is what differs between ServiceNow instances.
type ServiceNowConfig struct {
	// Category is the change_request category value ("" for
	// ServiceNowDefaultCategory).
	Category string `json:"category,omitempty"`
}

// snTime formats t as the Table API takes date-times with
// sysparm_input_display_value=false (the default): yyyy-MM-dd HH:mm:ss, UTC.
func snTime(t time.Time) string { return t.UTC().Format(time.DateTime) }

// ServiceNow writes the JSON body of a ServiceNow change request for plan
// p (POST /api/now/table/change_request). Keys are sorted and the text is
// stable, so the same plan gives the same bytes.
func ServiceNow(w io.Writer, p *plan.Plan, rb *runbook.Runbook, ev Evidence, cfg ServiceNowConfig) error {
	r, err := newRecord(p, rb, ev)
	if err != nil {
		return err
	}
	body := map[string]any{
		"short_description":    truncate(r.Summary, snMaxShort),
		"description":          r.Description.plain(),
		"justification":        r.Justification.plain(),
		"risk_impact_analysis": r.RiskAnalysis.plain(),
		"implementation_plan":  r.Implementation.plain(),
		"backout_plan":         r.Backout.plain(),
		"test_plan":            r.Test.plain(),
		"risk":                 snRisk[r.Risk.Level],
		"impact":               snImpact[r.Impact.Level],
		"type":                 r.ChangeType,
		"category":             orText(cfg.Category, ServiceNowDefaultCategory),
		"correlation_id":       r.Digest,
		"correlation_display":  "baton",
	}
	if !r.Start.IsZero() {
		body["start_date"], body["end_date"] = snTime(r.Start), snTime(r.End)
	}
	return writeJSON(w, body, "the ServiceNow change request")
}

// ServiceNowClose writes the JSON body that records a run's outcome on its
// ServiceNow change request (PATCH /api/now/table/change_request/SYS_ID):
// work_notes with the post-implementation report, close_code and
// close_notes once the run has ended, and the actual start and end. Both
// texts carry the plan digest and the journal head hash.
func ServiceNowClose(w io.Writer, run state.Run, steps []state.StepRecord, journal []state.JournalEntry, head string) error {
	rr := newRunReport(run, steps, journal, head)
	// A work note cannot be edited once written: it is the anchor; the
	// close notes repeat its summary.
	body := map[string]any{"work_notes": slices.Concat(rr.Summary, rr.Details).plain()}
	if rr.CloseCode != "" {
		body["close_code"] = rr.CloseCode
		body["close_notes"] = rr.Summary.plain()
	}
	if !run.CreatedAt.IsZero() {
		body["work_start"] = snTime(run.CreatedAt)
	}
	if !run.FinishedAt.IsZero() {
		body["work_end"] = snTime(run.FinishedAt)
	}
	return writeJSON(w, body, "the ServiceNow close notes")
}

// writeJSON writes v as indented JSON (map keys sorted, HTML characters
// not escaped) followed by a newline.
func writeJSON(w io.Writer, v any, what string) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("encoding %s: %w", what, err)
	}
	if _, err := w.Write(b.Bytes()); err != nil {
		return fmt.Errorf("writing %s: %w", what, err)
	}
	return nil
}
