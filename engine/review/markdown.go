package review

import (
	"fmt"
	"io"
	"strings"
	"text/template"

	"github.com/batonhq/baton/engine/plan"
	"github.com/batonhq/baton/engine/runbook"
)

// mdText escapes text for Markdown prose and table cells: no raw HTML, no
// table breaks (a backslash of the text cannot undo an escape), one line.
var mdText = strings.NewReplacer(`\`, `\\`, "&", "&amp;", "<", "&lt;", ">", "&gt;", "|", `\|`, "\r", "", "\n", " ", "*", `\*`, "_", `\_`, "`", "\\`", "[", `\[`, "]", `\]`).Replace

// mdCode is s as inline code (with the right number of backticks).
func mdCode(s string) string {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\n", " "), "|", `\|`)
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	pad := ""
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		pad = " "
	}
	return fence + pad + s + pad + fence
}

// Markdown writes the change record of plan p for runbook rb (which may
// be nil when only a saved plan is at hand: the declared change metadata is
// then missing).
func Markdown(w io.Writer, p *plan.Plan, rb *runbook.Runbook, ev Evidence) error {
	if p == nil {
		return errNoPlan
	}
	if err := mdTemplate.Execute(w, build(p, rb, ev)); err != nil {
		return fmt.Errorf("writing the review: %w", err)
	}
	return nil
}

// mdTemplate is the Markdown review: the HTML review's sections, in the
// same order and words. Every value goes through md (text) or code.
var mdTemplate = template.Must(template.New("review.md").Funcs(reviewFuncs).Parse(`# Change record: {{md .Title}}

| Field | Value |
|-------|-------|
{{range .Identity}}| {{index . 0}} | {{md (index . 1)}} |
{{end}}
## Summary

{{with .Summary}}{{md .}}

{{end}}- **Change type:** {{md (none .Change.Type)}}
- **Reason:** {{md (none .Change.Reason)}}
- **Plan:** {{md .SummaryLine}}

## Affected systems

{{range .Plan.Targets}}- Target {{code .Name}} ({{md .Type}}){{with .Summary}}: {{md .}}{{end}}
{{end}}{{range .Change.AffectedServices}}- Service: {{md .}}
{{end}}{{if .Plan.Systems}}
Downstream systems discovered by the checks run at plan time:

| Role | System | Site | Seen by |
|------|--------|------|---------|
{{range .Plan.Systems}}| {{md .Role}} | {{md .Name}} | {{md (dash .Site)}} | {{code .From}} |
{{end}}{{else if not .Plan.Refreshed}}
Downstream systems are not listed: no check ran at plan time (plan with refresh to discover them).
{{end}}
## Impact and downtime

- **Impact:** {{md (none .Change.Impact)}}
- **Expected downtime:** {{md (none .Downtime)}}

## Risk and mitigations

**Declared risk:** {{md (none .Change.Risk)}}

Mitigations:

{{range .Change.Mitigations}}- {{md .}}
{{else}}(none declared)
{{end}}
Computed from the plan:

{{range .Hints}}- {{md .}}
{{else}}(none)
{{end}}
## Schedule

{{range .Window}}- {{md .}}
{{else}}No change window is declared.
{{end}}
{{range .Duration}}- {{md .}}
{{end}}
## Implementation steps

Symbols: {{symbols}}.

{{template "steps" .Steps}}{{if .Plan.Facts}}
Facts that decide branches:

| Fact | Value at plan time | Decides |
|------|--------------------|---------|
{{range .Plan.Facts}}| {{code .Path}} | {{md .Value}} | {{md (join .Decides ", ")}} |
{{end}}{{end}}
## Flowchart

` + "```" + `mermaid
{{.Mermaid}}` + "```" + `

## Preflight results

{{if not .Plan.Refreshed}}No check ran at plan time (refresh off); the checks run first when the change is applied.
{{else if not .Preflight}}No check could run at plan time.
{{else}}| Check | Result | Detail | Observed |
|-------|--------|--------|----------|
{{range .Preflight}}| {{code .Name}} | {{.Check.Status}}{{if .Check.Blocks}} (blocks apply){{end}} | {{md (dash .Check.Message)}} | {{md (dash .Check.Observation)}} |
{{end}}{{end}}
## Approvals required

{{if .Approvals}}| Step | Kind | Approvers | Required | Requester may approve | Expires | Instructions |
|------|------|-----------|----------|-----------------------|---------|--------------|
{{range .Approvals}}| {{code .Step}} | {{.Kind}} | {{md .Approvers}} | {{.Min}} | {{.Requester}} | {{.Expires}} | {{md (dash .Instructions)}} |
{{end}}{{else}}None declared in the runbook.
{{end}}
Approvals are recorded with the plan digest sha256:{{.Plan.PlanDigest}}.
{{with .Signing}}
{{md .}}
{{end}}
## Back-out plan

- **Who:** {{md (none .Implementers)}}
- **Summary:** {{md (none .Plan.Backout.Summary)}}
- **Trigger:** {{md (none .Plan.Backout.Trigger)}}
- **Restored state:** {{md (none .Plan.Backout.RestoredState)}}
- **Duration:** {{dur .Plan.Backout.ExpectedSeconds}} expected, {{dur .Plan.Backout.WorstCaseSeconds}} worst case

{{if .BackoutSteps}}{{template "steps" .BackoutSteps}}{{else}}No back-out steps are declared.
{{end}}
## Post-change verification

{{if .PostChecks}}Checks after the last action:

{{template "steps" .PostChecks}}
{{end}}{{if .Post}}Post-tasks (after every main step succeeded):

{{template "steps" .Post}}{{end}}{{if not (or .PostChecks .Post)}}None declared.
{{end}}
## Communication

{{md (none .Change.Communication)}}

## Test evidence

{{with .Rehearsal}}| Field | Value |
|-------|-------|
{{range .Fields}}| {{index . 0}} | {{md (index . 1)}} |
{{end}}{{if .Branches}}
Branches taken:

{{range .Rehearsal.Branches}}- {{code .Decision}} = {{md .Value}}: ran {{md (joinOr .Taken ", " "nothing")}}; skipped {{md (joinOr .Skipped ", " "nothing")}}
{{end}}{{end}}{{if .Blocked}}
Checks that blocked:

{{range .Blocked}}- {{code .Step}}: {{md .Message}}
{{end}}{{end}}{{if .Timeline}}
Virtual timeline:

| At | Step | Event |
|----|------|-------|
{{range .Timeline}}| {{index . 0}} | {{code (index . 1)}} | {{md (index . 2)}} |
{{end}}{{end}}{{else}}No rehearsal report is attached. Rehearse with ` + "`baton rehearse`" + ` and attach its report.
{{end}}
{{- define "steps"}}| # | Step | Type | Runs | What it does | Expected | Verification |
|---|------|------|------|--------------|----------|--------------|
{{range .}}| {{.N}} | {{code .Name}}{{if .PNR}} **point of no return**{{end}}{{with .Refs}} ({{md .}}){{end}} | {{.Class}} | {{.Symbol}} {{.Action}}{{with .Reason}}: {{md .}}{{end}} | {{md .What}} | {{dash .Expected}} | {{range $i, $v := .Verification}}{{if $i}}<br>{{end}}{{md $v}}{{else}}-{{end}} |
{{end}}{{end}}`))
