package review

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strings"

	"github.com/batonhq/baton/engine/plan"
	"github.com/batonhq/baton/engine/runbook"
)

// mermaidVersion is the version of the embedded renderer (assets/README.md).
const mermaidVersion = "11.17.2"

//go:embed assets/mermaid.min.js
var mermaidJS string

// HTML writes the change record of plan p as one self-contained HTML file
// that works offline: inline CSS and the Mermaid renderer embedded
// (initialised with startOnLoad and securityLevel "strict"). Every value
// is escaped by html/template. The flowchart is the same text as the
// Markdown review's mermaid block.
func HTML(w io.Writer, p *plan.Plan, rb *runbook.Runbook, ev Evidence) error {
	if p == nil {
		return errNoPlan
	}
	if strings.Contains(strings.ToLower(mermaidJS), "</script") {
		return fmt.Errorf("writing the review: the embedded mermaid.min.js contains </script and cannot be inlined; refresh it with engine/review/assets/update.sh")
	}
	if err := htmlTemplate.Execute(w, build(p, rb, ev)); err != nil {
		return fmt.Errorf("writing the review: %w", err)
	}
	return nil
}

// rehearsalView is a rehearsal as the change record shows it: its fields
// by name, the virtual timeline and the branches taken.
type rehearsalView struct {
	*Rehearsal
	Fields   [][2]string
	Timeline [][3]string
	Branches []string
}

func rehearsalOf(r *Rehearsal, digest string) *rehearsalView {
	if r == nil {
		return nil
	}
	fixture := r.Fixture
	if r.Scenario != "" {
		fixture += " / " + r.Scenario
	}
	rehearsed := "sha256:" + r.PlanDigest + " (a DIFFERENT plan)"
	switch {
	case r.PlanDigest == "":
		rehearsed = "(not recorded)"
	case r.PlanDigest == digest:
		rehearsed = "sha256:" + r.PlanDigest + " (this plan)"
	}
	v := &rehearsalView{Rehearsal: r, Fields: [][2]string{
		{"Rehearsal run", orNone(r.RunID)}, {"Runbook", r.Runbook}, {"Fixture", fixture}, {"Outcome", r.Outcome},
		{"Virtual duration", plan.FormatDuration(int64(r.VirtualDuration.Seconds()))}, {"Plan rehearsed", rehearsed}, {"Journal head", orNone(r.JournalHead)},
	}}
	for _, t := range r.Timeline {
		v.Timeline = append(v.Timeline, [3]string{"+" + plan.FormatDuration(int64(t.Offset.Seconds())), t.Step, t.Event})
	}
	for _, b := range r.Branches {
		v.Branches = append(v.Branches, fmt.Sprintf("%s = %s: ran %s; skipped %s", b.Decision, b.Value, joinOr(b.Taken, ", ", "nothing"), joinOr(b.Skipped, ", ", "nothing")))
	}
	return v
}

// reviewFuncs are the functions the Markdown and HTML templates call.
var reviewFuncs = map[string]any{
	"dash": orDash, "none": orNone, "dur": plan.FormatDuration, "join": strings.Join, "joinOr": joinOr,
	"md": mdText, "code": mdCode, "symbols": func() string { return symbols },
}

// symbols is the legend of the steps' symbols.
var symbols = fmt.Sprintf("%s will run, %s may run (decided at run time), %s will not run", plan.SymbolWillRun, plan.SymbolMayRun, plan.SymbolWillNotRun)

var htmlTemplate = template.Must(template.New("review").Funcs(reviewFuncs).Funcs(template.FuncMap{"mermaidJS": func() template.JS { return template.JS(mermaidJS) }}).Parse(htmlSource))

const htmlSource = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Change record: {{.Title}}</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; color: #1b1b1b; line-height: 1.45; }
h1 { font-size: 1.6rem; border-bottom: 2px solid #0b5cad; padding-bottom: .3rem; }
h2 { font-size: 1.2rem; margin-top: 2rem; color: #0b5cad; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; font-size: .92rem; }
th, td { border: 1px solid #c8c8c8; padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: #f0f4f8; }
code { font-family: ui-monospace, Consolas, monospace; background: #f4f4f4; padding: 0 .2rem; }
.pnr { color: #b00020; font-weight: bold; }
.will { color: #1a7f37; } .may { color: #9a6700; } .wont { color: #777; }
.fail { color: #b00020; font-weight: bold; } .pass { color: #1a7f37; }
pre.mermaid { background: #fafafa; border: 1px solid #ddd; padding: 1rem; }
@media print { pre.mermaid { border: none; } }
</style>
</head>
<body>
<h1>Change record: {{.Title}}</h1>
<table>
<tr><th>Field</th><th>Value</th></tr>
{{range .Identity}}<tr><td>{{index . 0}}</td><td>{{index . 1}}</td></tr>
{{end}}</table>

<h2>Summary</h2>
{{with .Summary}}<p>{{.}}</p>{{end}}
<ul>
<li><strong>Change type:</strong> {{none .Change.Type}}</li>
<li><strong>Reason:</strong> {{none .Change.Reason}}</li>
<li><strong>Plan:</strong> {{.SummaryLine}}</li>
</ul>

<h2>Affected systems</h2>
<ul>
{{range .Plan.Targets}}<li>Target <code>{{.Name}}</code> ({{.Type}}){{with .Summary}}: {{.}}{{end}}</li>
{{end}}{{range .Change.AffectedServices}}<li>Service: {{.}}</li>
{{end}}</ul>
{{if .Plan.Systems}}<p>Downstream systems discovered by the checks run at plan time:</p>
<table><tr><th>Role</th><th>System</th><th>Site</th><th>Seen by</th></tr>
{{range .Plan.Systems}}<tr><td>{{.Role}}</td><td>{{.Name}}</td><td>{{dash .Site}}</td><td><code>{{.From}}</code></td></tr>
{{end}}</table>
{{else if not .Plan.Refreshed}}<p>Downstream systems are not listed: no check ran at plan time (plan with refresh to discover them).</p>
{{end}}
<h2>Impact and downtime</h2>
<ul>
<li><strong>Impact:</strong> {{none .Change.Impact}}</li>
<li><strong>Expected downtime:</strong> {{none .Downtime}}</li>
</ul>

<h2>Risk and mitigations</h2>
<p><strong>Declared risk:</strong> {{none .Change.Risk}}</p>
<p>Mitigations:</p>
<ul>{{range .Change.Mitigations}}<li>{{.}}</li>{{else}}<li>(none declared)</li>{{end}}</ul>
<p>Computed from the plan:</p>
<ul>{{range .Hints}}<li>{{.}}</li>{{end}}</ul>

<h2>Schedule</h2>
<ul>{{range .Window}}<li>{{.}}</li>{{else}}<li>No change window is declared.</li>{{end}}
{{range .Duration}}<li>{{.}}</li>{{end}}</ul>

<h2>Implementation steps</h2>
<p>Symbols: {{symbols}}.</p>
{{template "steps" .Steps}}
{{if .Plan.Facts}}<p>Facts that decide branches:</p>
<table><tr><th>Fact</th><th>Value at plan time</th><th>Decides</th></tr>
{{range .Plan.Facts}}<tr><td><code>{{.Path}}</code></td><td>{{.Value}}</td><td>{{join .Decides ", "}}</td></tr>
{{end}}</table>{{end}}

<h2>Flowchart</h2>
<pre class="mermaid">
{{.Mermaid}}</pre>

<h2>Preflight results</h2>
{{if not .Plan.Refreshed}}<p>No check ran at plan time (refresh off); the checks run first when the change is applied.</p>
{{else if not .Preflight}}<p>No check could run at plan time.</p>
{{else}}<table><tr><th>Check</th><th>Result</th><th>Detail</th><th>Observed</th></tr>
{{range .Preflight}}<tr><td><code>{{.Name}}</code></td><td class="{{if eq .Check.Status "passed"}}pass{{else}}fail{{end}}">{{.Check.Status}}{{if .Check.Blocks}} (blocks apply){{end}}</td><td>{{dash .Check.Message}}</td><td>{{dash .Check.Observation}}</td></tr>
{{end}}</table>{{end}}

<h2>Approvals required</h2>
{{if .Approvals}}<table><tr><th>Step</th><th>Kind</th><th>Approvers</th><th>Required</th><th>Requester may approve</th><th>Expires</th><th>Instructions</th></tr>
{{range .Approvals}}<tr><td><code>{{.Step}}</code></td><td>{{.Kind}}</td><td>{{.Approvers}}</td><td>{{.Min}}</td><td>{{.Requester}}</td><td>{{.Expires}}</td><td>{{dash .Instructions}}</td></tr>
{{end}}</table>{{else}}<p>None declared in the runbook.</p>{{end}}
<p>Approvals are recorded with the plan digest sha256:{{.Plan.PlanDigest}}.</p>
{{if .Signing}}<p>{{.Signing}}</p>
{{end}}
<h2>Back-out plan</h2>
<ul>
<li><strong>Who:</strong> {{none .Implementers}}</li>
<li><strong>Summary:</strong> {{none .Plan.Backout.Summary}}</li>
<li><strong>Trigger:</strong> {{none .Plan.Backout.Trigger}}</li>
<li><strong>Restored state:</strong> {{none .Plan.Backout.RestoredState}}</li>
<li><strong>Duration:</strong> {{dur .Plan.Backout.ExpectedSeconds}} expected, {{dur .Plan.Backout.WorstCaseSeconds}} worst case</li>
</ul>
{{if .BackoutSteps}}{{template "steps" .BackoutSteps}}{{else}}<p>No back-out steps are declared.</p>{{end}}

<h2>Post-change verification</h2>
{{if .PostChecks}}<p>Checks after the last action:</p>
{{template "steps" .PostChecks}}{{end}}
{{if .Post}}<p>Post-tasks (after every main step succeeded):</p>
{{template "steps" .Post}}{{end}}
{{if not (or .PostChecks .Post)}}<p>None declared.</p>{{end}}

<h2>Communication</h2>
<p>{{none .Change.Communication}}</p>

<h2>Test evidence</h2>
{{with .Rehearsal}}<table><tr><th>Field</th><th>Value</th></tr>
{{range .Fields}}<tr><td>{{index . 0}}</td><td>{{index . 1}}</td></tr>
{{end}}</table>
{{if .Branches}}<p>Branches taken:</p><ul>{{range .Branches}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{if .Blocked}}<p>Checks that blocked:</p><ul>{{range .Blocked}}<li><code>{{.Step}}</code>: {{.Message}}</li>{{end}}</ul>{{end}}
{{if .Timeline}}<p>Virtual timeline:</p>
<table><tr><th>At</th><th>Step</th><th>Event</th></tr>
{{range .Timeline}}<tr><td>{{index . 0}}</td><td><code>{{index . 1}}</code></td><td>{{index . 2}}</td></tr>
{{end}}</table>{{end}}
{{else}}<p>No rehearsal report is attached. Rehearse with <code>baton rehearse</code> and attach its report.</p>{{end}}

<p><small>Generated by baton; diagram rendered offline by the embedded Mermaid ` + mermaidVersion + `.</small></p>
<script>{{mermaidJS}}</script>
<script>mermaid.initialize({ startOnLoad: true, securityLevel: 'strict' });</script>
</body>
</html>
{{define "steps"}}<table><tr><th>#</th><th>Step</th><th>Type</th><th>Runs</th><th>What it does</th><th>Expected</th><th>Verification</th></tr>
{{range .}}<tr><td>{{.N}}</td><td><code>{{.Name}}</code>{{if .PNR}} <span class="pnr">point of no return</span>{{end}}{{with .Refs}} ({{.}}){{end}}</td><td>{{.Class}}</td><td class="{{if eq .Symbol "+"}}will{{else if eq .Symbol "?"}}may{{else}}wont{{end}}">{{.Symbol}} {{.Action}}{{with .Reason}}: {{.}}{{end}}</td><td>{{.What}}</td><td>{{dash .Expected}}</td><td>{{range $i, $v := .Verification}}{{if $i}}<br>{{end}}{{$v}}{{else}}-{{end}}</td></tr>
{{end}}</table>{{end}}`
