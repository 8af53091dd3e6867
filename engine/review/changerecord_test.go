package review_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/engine/plan/plantest"
	"github.com/batonhq/baton/engine/review"
	"github.com/batonhq/baton/engine/review/adftest"
	"github.com/batonhq/baton/internal/golden"
	"github.com/batonhq/baton/state"
)

// jiraFull maps every change field, as a site's configuration would.
var jiraFull = review.JiraConfig{Project: "ITCM", IssueType: "10004", Fields: review.JiraFields{
	ChangeType: "customfield_10005", ChangeRisk: "customfield_10006", Impact: "customfield_10004",
	PlannedStart: "customfield_10007", PlannedEnd: "customfield_10008",
	ImplementationPlan: "customfield_10009", BackoutPlan: "customfield_10010", TestPlan: "customfield_10011",
}, Transition: "41"}

// jiraBare names only the project: the plan fields go in the description.
var jiraBare = review.JiraConfig{Project: "ITCM"}

var (
	snDate   = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$`)
	jiraDate = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000\+0000$`)
)

// decodeObject decodes one JSON object, failing the test on anything else.
func decodeObject(t *testing.T, b []byte) map[string]json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("not a JSON object: %v\n%s", err, b)
	}
	if dec.More() {
		t.Fatal("more than one JSON value")
	}
	return m
}

func str(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatalf("%s is not a string: %v", raw, err)
	}
	return s
}

func TestServiceNowGolden(t *testing.T) {
	want := []string{"backout_plan", "category", "correlation_display", "correlation_id", "description", "end_date", "impact",
		"implementation_plan", "justification", "risk", "risk_impact_analysis", "short_description", "start_date", "test_plan", "type"}
	for _, c := range reviewCases() {
		t.Run(c.name, func(t *testing.T) {
			p, rb := planFor(t, c.refresh)
			ev := evidenceFor(c, p.PlanDigest)
			var b bytes.Buffer
			if err := review.ServiceNow(&b, p, rb, ev, review.ServiceNowConfig{}); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", c.name+".servicenow.json"), b.Bytes())
			m := decodeObject(t, b.Bytes())
			keys := make([]string, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			if !slices.Equal(keys, want) {
				t.Errorf("fields %v, want %v", keys, want)
			}
			for _, k := range []string{"start_date", "end_date"} {
				if s := str(t, m[k]); !snDate.MatchString(s) {
					t.Errorf("%s = %q, not yyyy-MM-dd HH:mm:ss", k, s)
				}
			}
			if str(t, m["start_date"]) != "2026-03-14 20:00:00" || str(t, m["end_date"]) != "2026-03-15 02:00:00" {
				t.Errorf("the planned window is %s to %s, not the runbook's", m["start_date"], m["end_date"])
			}
			if r := str(t, m["risk"]); r != "3" {
				t.Errorf("risk = %q, want 3 (moderate: declared medium, a point of no return with back-out and a gate)", r)
			}
			if i := str(t, m["impact"]); i != "2" {
				t.Errorf("impact = %q, want 2 (medium: 30m of downtime)", i)
			}
			if !strings.Contains(str(t, m["description"]), "sha256:"+p.PlanDigest) || str(t, m["correlation_id"]) != "sha256:"+p.PlanDigest {
				t.Error("the plan digest is not in the description and the correlation id")
			}
			if !strings.Contains(str(t, m["backout_plan"]), "promote_back") {
				t.Error("the back-out plan lacks the back-out steps")
			}
			rehearsed := strings.Contains(str(t, m["test_plan"]), "01JREHEARSAL")
			if rehearsed != c.ev {
				t.Errorf("the test plan holds the rehearsal: %v, want %v", rehearsed, c.ev)
			}
		})
	}
}

func evidenceFor(c reviewCase, digest string) review.Evidence {
	if !c.ev {
		return review.Evidence{}
	}
	return review.Evidence{GitCommit: "3f1c2d4e5f60718293a4b5c6d7e8f90112233445", Rehearsal: rehearsal(digest)}
}

func TestJiraGolden(t *testing.T) {
	configs := map[string]review.JiraConfig{"failover": jiraBare, "failover_refresh": jiraFull}
	for _, c := range reviewCases() {
		t.Run(c.name, func(t *testing.T) {
			p, rb := planFor(t, c.refresh)
			cfg := configs[c.name]
			var b bytes.Buffer
			if err := review.Jira(&b, p, rb, evidenceFor(c, p.PlanDigest), cfg); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", c.name+".jira.json"), b.Bytes())
			var body struct {
				Fields map[string]json.RawMessage `json:"fields"`
			}
			dec := json.NewDecoder(&b)
			dec.DisallowUnknownFields()
			if err := dec.Decode(&body); err != nil {
				t.Fatal(err)
			}
			checkJiraFields(t, body.Fields, cfg, p.PlanDigest)
		})
	}
}

// checkJiraFields checks the issue fields against cfg: rich text fields
// are valid ADF, options and dates have Jira's forms.
func checkJiraFields(t *testing.T, f map[string]json.RawMessage, cfg review.JiraConfig, digest string) {
	t.Helper()
	for _, k := range []string{"project", "issuetype", "summary", "description"} {
		if f[k] == nil {
			t.Errorf("no %s", k)
		}
	}
	if err := adftest.Check(f["description"]); err != nil {
		t.Errorf("description: %v", err)
	}
	if !strings.Contains(string(f["description"]), "sha256:"+digest) {
		t.Error("the description lacks the plan digest")
	}
	fc := cfg.Fields
	for _, id := range []string{fc.ImplementationPlan, fc.BackoutPlan, fc.TestPlan} {
		if id == "" {
			continue
		}
		if err := adftest.Check(f[id]); err != nil {
			t.Errorf("%s: %v", id, err)
		}
	}
	options := map[string]string{fc.ChangeType: `{"value":"Normal"}`, fc.ChangeRisk: `{"value":"Medium"}`, fc.Impact: `{"value":"Moderate / Limited"}`}
	for id, want := range options {
		if id == "" {
			continue
		}
		var got any
		_ = json.Unmarshal(f[id], &got)
		g, _ := json.Marshal(got)
		if string(g) != want {
			t.Errorf("%s = %s, want %s", id, g, want)
		}
	}
	for _, id := range []string{fc.PlannedStart, fc.PlannedEnd} {
		if id != "" && !jiraDate.MatchString(str(t, f[id])) {
			t.Errorf("%s = %s, not a Jira date-time", id, f[id])
		}
	}
	n := 4
	for _, kv := range []string{fc.ChangeType, fc.ChangeRisk, fc.Impact, fc.PlannedStart, fc.PlannedEnd, fc.ImplementationPlan, fc.BackoutPlan, fc.TestPlan} {
		if kv != "" {
			n++
		}
	}
	if len(f) != n {
		t.Errorf("%d fields, want %d (only the configured custom fields)", len(f), n)
	}
}

func TestJiraDescriptionHoldsUnmappedFields(t *testing.T) {
	p, rb := planFor(t, plantest.Refresh(plantest.Healthy))
	var bare, full bytes.Buffer
	if err := review.Jira(&bare, p, rb, review.Evidence{}, jiraBare); err != nil {
		t.Fatal(err)
	}
	if err := review.Jira(&full, p, rb, review.Evidence{}, jiraFull); err != nil {
		t.Fatal(err)
	}
	desc := func(b []byte) string {
		var body struct {
			Fields struct {
				Description json.RawMessage `json:"description"`
			} `json:"fields"`
		}
		if err := json.Unmarshal(b, &body); err != nil {
			t.Fatal(err)
		}
		var c bytes.Buffer
		if err := json.Compact(&c, body.Fields.Description); err != nil {
			t.Fatal(err)
		}
		return c.String()
	}
	for _, h := range []string{"Implementation plan", "Back-out plan", "Test plan"} {
		if !strings.Contains(desc(bare.Bytes()), `"text":"`+h+`"`) {
			t.Errorf("unmapped, the %s is not in the description", h)
		}
		if strings.Contains(desc(full.Bytes()), `"text":"`+h+`"`) {
			t.Errorf("mapped, the %s is still in the description", h)
		}
	}
}

func TestChangeRecordWithoutWindow(t *testing.T) {
	p, rb := planFor(t, nil)
	p.Window = nil
	var sn, jira bytes.Buffer
	if err := review.ServiceNow(&sn, p, rb, review.Evidence{}, review.ServiceNowConfig{Category: "Other"}); err != nil {
		t.Fatal(err)
	}
	if err := review.Jira(&jira, p, rb, review.Evidence{}, jiraFull); err != nil {
		t.Fatal(err)
	}
	m := decodeObject(t, sn.Bytes())
	if m["start_date"] != nil || m["end_date"] != nil {
		t.Error("a window known only at run time gave planned dates")
	}
	if str(t, m["category"]) != "Other" {
		t.Errorf("category = %s, want the configured Other", m["category"])
	}
	if strings.Contains(jira.String(), jiraFull.Fields.PlannedStart) {
		t.Error("a window known only at run time gave a Jira planned start")
	}
}

func TestTicketDocumentsNeverShowTheCanary(t *testing.T) {
	for _, c := range reviewCases() {
		p, rb := planFor(t, c.refresh)
		ev := review.Evidence{Rehearsal: rehearsal(p.PlanDigest)}
		for _, f := range []review.Format{review.FormatServiceNow, review.FormatJira} {
			var b bytes.Buffer
			if err := f.WritePlan(&b, p, rb, ev, review.TicketConfig{Jira: jiraFull}); err != nil {
				t.Fatal(err)
			}
			if plantest.ContainsCanary(b.Bytes()) {
				t.Errorf("%s %s: the document holds the canary secret", c.name, f)
			}
		}
	}
	p, rb := planFor(t, plantest.Refresh(plantest.Healthy, "passive_ok"))
	var b bytes.Buffer
	if err := review.ServiceNow(&b, p, rb, review.Evidence{}, review.ServiceNowConfig{}); err != nil {
		t.Fatal(err)
	}
	if plantest.ContainsCanary(b.Bytes()) {
		t.Error("the ServiceNow record of a plan with a failed check holds the canary secret")
	}
	if m := decodeObject(t, b.Bytes()); str(t, m["risk"]) != "1" {
		t.Errorf("risk = %s with a failed preflight check, want 1 (very high)", m["risk"])
	}
}

func TestJiraConfigErrors(t *testing.T) {
	p, rb := planFor(t, nil)
	var b bytes.Buffer
	if err := review.Jira(&b, p, rb, review.Evidence{}, review.JiraConfig{}); !errors.Is(err, review.ErrNoJiraProject) {
		t.Errorf("no project: %v, want ErrNoJiraProject", err)
	}
	if b.Len() != 0 {
		t.Error("a refused Jira document wrote output")
	}
	if err := review.JiraReport(&b, state.Run{}, nil, nil, "", review.JiraConfig{}); err != nil {
		t.Errorf("the report of a run needs no project: %v", err)
	}
}

func TestLoadTicketConfig(t *testing.T) {
	cases := []struct {
		name, body, err string
	}{
		{"full", `{"servicenow":{"category":"Software"},"jira":{"project":"ITCM","issue_type":"Change","transition":"41","fields":{"change_risk":"customfield_10006","planned_start":"customfield_10007"}}}`, ""},
		{"jira only", `{"jira":{"project":"OPS"}}`, ""},
		{"unknown key", `{"jira":{"projekt":"ITCM"}}`, "unknown field"},
		{"unknown field name", `{"jira":{"fields":{"risk":"customfield_1"}}}`, "unknown field"},
		{"bad field id", `{"jira":{"project":"ITCM","fields":{"change_risk":"Change risk"}}}`, "customfield_10005"},
		{"duplicate field id", `{"jira":{"fields":{"change_risk":"customfield_1","impact":"customfield_1"}}}`, "both customfield_1"},
		{"bad project", `{"jira":{"project":"it cm"}}`, "malformed"},
		{"bad transition", `{"jira":{"transition":"Close"}}`, "transition id"},
		{"not JSON", `project = "ITCM"`, "not valid"},
		{"two objects", `{} {}`, "more than one"},
	}
	dir := t.TempDir()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".json")
			if err := os.WriteFile(path, []byte(c.body), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg, err := review.LoadTicketConfig(path)
			switch {
			case c.err == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
				t.Fatalf("error %v, want one saying %q", err, c.err)
			case c.name == "full" && (cfg.Jira.Fields.ChangeRisk != "customfield_10006" || cfg.ServiceNow.Category != "Software"):
				t.Errorf("decoded %+v", cfg)
			}
		})
	}
	if _, err := review.LoadTicketConfig(filepath.Join(dir, "missing.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a missing file: %v", err)
	}
}

func TestParseFormat(t *testing.T) {
	for in, want := range map[string]review.Format{"md": review.FormatMarkdown, "markdown": review.FormatMarkdown, "HTML": review.FormatHTML,
		"servicenow": review.FormatServiceNow, "jira": review.FormatJira} {
		if got, err := review.ParseFormat(in); err != nil || got != want {
			t.Errorf("ParseFormat(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := review.ParseFormat("pdf"); !errors.Is(err, review.ErrUnknownFormat) {
		t.Errorf("pdf: %v", err)
	}
	var b bytes.Buffer
	if err := review.FormatHTML.WriteRun(&b, state.Run{}, nil, nil, "", review.TicketConfig{}); !errors.Is(err, review.ErrNoRunHTML) {
		t.Errorf("html for a run: %v", err)
	}
}

// finishedRun is a run that succeeded after an in-doubt step was resolved
// and the window was overridden, with its steps and journal.
func finishedRun() (state.Run, []state.StepRecord, []state.JournalEntry) {
	at := func(min int) time.Time {
		return time.Date(2026, 3, 14, 20, 0, 0, 0, time.UTC).Add(time.Duration(min) * time.Minute)
	}
	digest := "e80f079255e14370e7ef5d853d35c98398a9b981781896ece41b9199c273a882"
	run := state.Run{
		ID: "01JRUN00000000000000000000", Runbook: "site_failover", RunbookPath: "runbooks/failover/main.hcl", Version: "2.1.0",
		SourceDigest: "f259f732cd3d", PlanDigest: digest, InputsDigest: "9544f5ed",
		Inputs: map[string]string{"site_code": `"PS1"`, "sql_password": "(sensitive)"}, Target: "live",
		Requester: "dave", Host: "ops01", EngineVersion: "0.1.0-test", Status: state.RunSucceeded,
		CreatedAt: at(0), UpdatedAt: at(52), FinishedAt: at(52),
	}
	recs := []state.StepRecord{
		{Name: "site_type", Status: state.StepSucceeded, Attempt: 1, StartedAt: at(0), FinishedAt: at(1)},
		{Name: "go_no_go", Status: state.StepSucceeded, StartedAt: at(1), FinishedAt: at(9), Approvals: []state.Approval{
			{By: "alice", Decision: "approved", Comment: "preflight clean", At: at(5), PlanDigest: digest},
			{By: "bob", Decision: "approved", At: at(9), PlanDigest: digest},
		}},
		{Name: "promote", Status: state.StepSucceeded, Attempt: 1, StartedAt: at(10), FinishedAt: at(26),
			Resolution: &state.Resolution{By: "alice", Decision: "succeeded", Reason: "cm02 is active in the console", At: at(25)}},
		{Name: "force_promote", Status: state.StepSkipped, Reason: "condition is false: !step.active_reachable.output", FinishedAt: at(10)},
	}
	journal := []state.JournalEntry{
		{Seq: 1, At: at(0), Type: "run.created", Actor: "dave", Hash: "h1"},
		{Seq: 2, At: at(5), Type: "answer.approve", Step: "go_no_go", Actor: "alice", Identity: `CONTOSO\alice (S-1-5-21-1004)`, Data: map[string]string{"plan_digest": digest[:12]},
			Answer: &state.Answer{Kind: state.AnswerApprove, By: "alice", Signed: []byte(`{"key_fingerprint":"SHA256:abc123"}`)}, Prev: "h1", Hash: "h2"},
		{Seq: 3, At: at(10), Type: "window.override", Step: "promote", Actor: "alice", Data: map[string]string{"reason": "CAB extended the window", "left": "40m"}, Prev: "h2", Hash: "h3"},
		{Seq: 4, At: at(10), Type: "step.intent", Step: "promote", Prev: "h3", Hash: "h4"},
		{Seq: 5, At: at(52), Type: "run.succeeded", Prev: "h4", Hash: "h5"},
	}
	return run, recs, journal
}

func TestRunReportGolden(t *testing.T) {
	run, recs, journal := finishedRun()
	for _, f := range []review.Format{review.FormatServiceNow, review.FormatJira} {
		for name, cfg := range map[string]review.JiraConfig{"comment": {}, "transition": jiraFull} {
			if f == review.FormatServiceNow && name == "transition" {
				continue
			}
			var b bytes.Buffer
			if err := f.WriteRun(&b, run, recs, journal, "h5", review.TicketConfig{Jira: cfg}); err != nil {
				t.Fatal(err)
			}
			file := "postimpl." + string(f) + ".json"
			if f == review.FormatJira {
				file = "postimpl.jira_" + name + ".json"
			}
			golden.Check(t, filepath.Join("testdata", file), b.Bytes())
			for _, want := range []string{"sha256:" + run.PlanDigest, "Journal head hash: h5"} {
				if !strings.Contains(b.String(), want) {
					t.Errorf("%s lacks %q", file, want)
				}
			}
			if f == review.FormatJira {
				checkJiraReport(t, b.Bytes(), name == "transition")
			}
		}
	}
}

// checkJiraReport decodes a Jira comment or transition body strictly and
// validates its ADF.
func checkJiraReport(t *testing.T, b []byte, transition bool) {
	t.Helper()
	var body struct {
		Body       json.RawMessage `json:"body"`
		Properties []struct {
			Key   string          `json:"key"`
			Value map[string]bool `json:"value"`
		} `json:"properties"`
		Transition *struct {
			ID string `json:"id"`
		} `json:"transition"`
		Update struct {
			Comment []struct {
				Add struct {
					Body json.RawMessage `json:"body"`
				} `json:"add"`
			} `json:"comment"`
		} `json:"update"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		t.Fatal(err)
	}
	adf := body.Body
	if transition {
		if body.Transition == nil || body.Transition.ID != "41" || len(body.Update.Comment) != 1 {
			t.Fatalf("not a transition body with one comment: %s", b)
		}
		adf = body.Update.Comment[0].Add.Body
	} else if len(body.Properties) != 1 || body.Properties[0].Key != "sd.public.comment" || !body.Properties[0].Value["internal"] {
		t.Errorf("the comment is not internal: %+v", body.Properties)
	}
	if err := adftest.Check(adf); err != nil {
		t.Error(err)
	}
}

func TestServiceNowCloseCodes(t *testing.T) {
	run, recs, journal := finishedRun()
	clean := func(r []state.StepRecord) []state.StepRecord {
		out := slices.Clone(r)
		out[2].Resolution = nil
		return out
	}
	noWindow := slices.DeleteFunc(slices.Clone(journal), func(e state.JournalEntry) bool { return e.Type == "window.override" })
	cases := []struct {
		name    string
		status  state.RunStatus
		recs    []state.StepRecord
		journal []state.JournalEntry
		head    string
		code    string
	}{
		{"clean success", state.RunSucceeded, clean(recs), noWindow, "h5", "successful"},
		{"in doubt and window override", state.RunSucceeded, recs, journal, "h5", "successful_issues"},
		{"head not verified", state.RunSucceeded, clean(recs), noWindow, "", "successful_issues"},
		{"truncated journal", state.RunSucceeded, clean(recs), noWindow[:3], "h5", "successful_issues"},
		{"backed out", state.RunBackedOut, clean(recs), noWindow, "h5", "unsuccessful"},
		{"failed", state.RunFailed, recs, journal, "h5", "unsuccessful"},
		{"still running", state.RunRunning, recs, journal, "h5", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := run
			r.Status = c.status
			if !c.status.Done() {
				r.FinishedAt = time.Time{}
			}
			var b bytes.Buffer
			if err := review.ServiceNowClose(&b, r, c.recs, c.journal, c.head); err != nil {
				t.Fatal(err)
			}
			m := decodeObject(t, b.Bytes())
			if c.code == "" {
				if m["close_code"] != nil || m["close_notes"] != nil || m["work_end"] != nil {
					t.Errorf("a run still running got close fields: %s", b.Bytes())
				}
			} else if got := str(t, m["close_code"]); got != c.code {
				t.Errorf("close_code = %q, want %q", got, c.code)
			}
			if !strings.Contains(str(t, m["work_notes"]), "sha256:"+run.PlanDigest) {
				t.Error("the work notes lack the plan digest")
			}
		})
	}
}

func TestRunReportWithoutPlanDigest(t *testing.T) {
	run, recs, journal := finishedRun()
	run.PlanDigest = ""
	var b bytes.Buffer
	if err := review.ServiceNowClose(&b, run, recs, journal, "h5"); err != nil {
		t.Fatal(err)
	}
	notes := str(t, decodeObject(t, b.Bytes())["close_notes"])
	if !strings.Contains(notes, "Plan digest: (none: the run was not started from a saved plan)") || !strings.Contains(notes, "Journal head hash: h5") {
		t.Errorf("close notes:\n%s", notes)
	}
}

func TestRunReportWithoutApprovals(t *testing.T) {
	run, recs, journal := finishedRun()
	recs = slices.Clone(recs)
	for i := range recs {
		recs[i].Approvals = nil
	}
	var b bytes.Buffer
	if err := review.ServiceNowClose(&b, run, recs, journal, "h5"); err != nil {
		t.Fatal(err)
	}
	if notes := str(t, decodeObject(t, b.Bytes())["work_notes"]); !strings.Contains(notes, "No approvals were given in this run.") {
		t.Errorf("work notes:\n%s", notes)
	}
}
