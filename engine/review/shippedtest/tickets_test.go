package shippedtest

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/batonhq/baton/engine/plan"
	"github.com/batonhq/baton/engine/review"
	"github.com/batonhq/baton/engine/review/adftest"
	"github.com/batonhq/baton/engine/runbook"
	"github.com/batonhq/baton/runbooks"
	"github.com/batonhq/baton/steps/all"
)

// TestShippedTicketDocuments writes the ServiceNow and Jira documents of
// every shipped runbook and checks them: one JSON object each, the plan
// digest in the description, and every Jira rich-text field valid ADF.
func TestShippedTicketDocuments(t *testing.T) {
	cfg := review.TicketConfig{Jira: review.JiraConfig{Project: "ITCM", Fields: review.JiraFields{
		ImplementationPlan: "customfield_10009", BackoutPlan: "customfield_10010", TestPlan: "customfield_10011",
	}}}
	for _, name := range runbooks.Names() {
		t.Run(strings.TrimSuffix(name, ".hcl"), func(t *testing.T) {
			rb, diags := runbook.Load(runbook.FromFS(runbooks.FS), name, all.Registry())
			if diags.HasErrors() {
				t.Skipf("the runbook does not load yet: %s", diags.Error())
			}
			p, diags := plan.Build(t.Context(), rb, plan.Options{Vars: inputs(rb), Target: "live", EngineVersion: "test"})
			if diags.HasErrors() {
				t.Fatalf("planning: %s", diags.Error())
			}
			var sn, jira bytes.Buffer
			if err := review.FormatServiceNow.WritePlan(&sn, p, rb, review.Evidence{}, cfg); err != nil {
				t.Fatal(err)
			}
			if err := review.FormatJira.WritePlan(&jira, p, rb, review.Evidence{}, cfg); err != nil {
				t.Fatal(err)
			}
			var change map[string]string
			if err := json.Unmarshal(sn.Bytes(), &change); err != nil {
				t.Fatalf("the ServiceNow body is not an object of strings: %v", err)
			}
			if !strings.Contains(change["description"], "sha256:"+p.PlanDigest) {
				t.Error("the ServiceNow description lacks the plan digest")
			}
			var issue struct {
				Fields map[string]json.RawMessage `json:"fields"`
			}
			if err := json.Unmarshal(jira.Bytes(), &issue); err != nil {
				t.Fatal(err)
			}
			for _, f := range []string{"description", "customfield_10009", "customfield_10010", "customfield_10011"} {
				if err := adftest.Check(issue.Fields[f]); err != nil {
					t.Errorf("%s: %v", f, err)
				}
			}
		})
	}
}
