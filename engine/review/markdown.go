package review

import (
	"fmt"
	"io"
	"strings"

	"github.com/batonhq/baton/engine/plan"
	"github.com/batonhq/baton/engine/runbook"
)

// mdText escapes text for Markdown prose and table cells: no raw HTML, no
// table breaks, one line.
var mdText = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "|", `\|`, "\r", "", "\n", " ", "*", `\*`, "_", `\_`, "`", "\\`", "[", `\[`, "]", `\]`).Replace

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

// mdDoc is a Markdown document built in memory and written at once.
type mdDoc struct{ strings.Builder }

func (m *mdDoc) f(format string, args ...any) { fmt.Fprintf(m, format, args...) }

func (m *mdDoc) section(title string) { m.f("\n## %s\n\n", title) }

// field is a list item with a bold name and an escaped value.
func (m *mdDoc) field(name, value string) { m.f("- **%s:** %s\n", name, mdText(value)) }

// table starts a table: its header row and the separator.
func (m *mdDoc) table(head ...string) {
	m.row(head...)
	for _, h := range head {
		m.WriteString("|" + strings.Repeat("-", len(h)+2))
	}
	m.WriteString("|\n")
}

// row is a table row of cells already escaped.
func (m *mdDoc) row(cells ...string) { m.WriteString("| " + strings.Join(cells, " | ") + " |\n") }

// tableOr writes a table of rows, or the line none when there is no row.
func (m *mdDoc) tableOr(none string, rows [][]string, head ...string) {
	if len(rows) == 0 {
		m.f("%s\n", none)
		return
	}
	m.table(head...)
	for _, r := range rows {
		m.row(r...)
	}
}

func (m *mdDoc) list(items []string, none string) {
	if len(items) == 0 {
		m.f("%s\n", none)
	}
	for _, it := range items {
		m.f("- %s\n", mdText(it))
	}
}

func (m *mdDoc) writeTo(w io.Writer, what string) error {
	if _, err := io.WriteString(w, m.String()); err != nil {
		return fmt.Errorf("writing %s: %w", what, err)
	}
	return nil
}

func (m *mdDoc) stepTable(rows []implStep) {
	m.table("#", "Step", "Type", "Runs", "What it does", "Expected", "Verification")
	for _, r := range rows {
		name := mdCode(r.Name)
		if r.PNR {
			name += " **point of no return**"
		}
		if r.Refs != "" {
			name += " (" + mdText(r.Refs) + ")"
		}
		runs := r.Symbol + " " + r.Action
		if r.Reason != "" {
			runs += ": " + mdText(r.Reason)
		}
		ver := make([]string, len(r.Verification))
		for i, v := range r.Verification {
			ver[i] = mdText(v)
		}
		m.row(fmt.Sprint(r.N), name, r.Class, runs, mdText(r.What), orDash(r.Expected), orDash(strings.Join(ver, "<br>")))
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// Markdown writes the change record of plan p for runbook rb (which may
// be nil when only a saved plan is at hand: the declared change metadata is
// then missing).
func Markdown(w io.Writer, p *plan.Plan, rb *runbook.Runbook, ev Evidence) error {
	if p == nil {
		return fmt.Errorf("writing the review: no plan; build or load one first")
	}
	d := build(p, rb, ev)
	m := &mdDoc{}
	m.f("# Change record: %s\n\n", mdText(d.Title))
	m.table("Field", "Value")
	for _, kv := range d.Identity {
		m.row(kv[0], mdText(kv[1]))
	}
	m.row("Owner", mdText(orNone(d.Owner)))
	m.row("Implementers", mdText(orNone(d.Implementers)))
	mdSummary(m, d)
	mdPlan(m, d)
	mdChecks(m, d, p.PlanDigest)
	mdBackout(m, d)
	m.section("Communication")
	m.f("%s\n", mdText(orNone(d.Comm)))
	m.section("Test evidence")
	mdRehearsal(m, rehearsalOf(d.Rehearsal, p.PlanDigest))
	return m.writeTo(w, "the review")
}

// mdSummary writes the summary, affected systems, impact and risk.
func mdSummary(m *mdDoc, d *doc) {
	m.section("Summary")
	if d.Summary != "" {
		m.f("%s\n\n", mdText(d.Summary))
	}
	m.field("Change type", orNone(d.ChangeType))
	m.field("Reason", orNone(d.Reason))
	m.field("Plan", d.SummaryLine)

	m.section("Affected systems")
	for _, t := range d.Targets {
		m.f("- Target %s (%s)", mdCode(t.Name), mdText(t.Type))
		if t.Summary != "" {
			m.f(": %s", mdText(t.Summary))
		}
		m.f("\n")
	}
	for _, s := range d.Services {
		m.f("- Service: %s\n", mdText(s))
	}
	if len(d.Systems) > 0 {
		m.f("\nDownstream systems discovered by the checks run at plan time:\n\n")
		m.table("Role", "System", "Site", "Seen by")
		for _, s := range d.Systems {
			m.row(mdText(s.Role), mdText(s.Name), mdText(orDash(s.Site)), mdCode(s.From))
		}
	} else if !d.Refreshed {
		m.f("\nDownstream systems are not listed: no check ran at plan time (plan with refresh to discover them).\n")
	}

	m.section("Impact and downtime")
	m.field("Impact", orNone(d.Impact))
	m.field("Expected downtime", orNone(d.Downtime))

	m.section("Risk and mitigations")
	m.f("**Declared risk:** %s\n\n", mdText(orNone(d.Risk)))
	m.f("Mitigations:\n\n")
	m.list(d.Mitigations, "(none declared)")
	m.f("\nComputed from the plan:\n\n")
	m.list(d.Hints, "(none)")
}

// mdPlan writes the schedule, the implementation steps and the flowchart.
func mdPlan(m *mdDoc, d *doc) {
	m.section("Schedule")
	m.list(d.Window, "No change window is declared.")
	m.f("\n")
	m.list(d.Duration, "")

	m.section("Implementation steps")
	m.f("Symbols: %s will run, %s may run (decided at run time), %s will not run.\n\n", plan.SymbolWillRun, plan.SymbolMayRun, plan.SymbolWillNotRun)
	m.stepTable(d.Steps)
	if len(d.Facts) > 0 {
		m.f("\nFacts that decide branches:\n\n")
		m.table("Fact", "Value at plan time", "Decides")
		for _, f := range d.Facts {
			m.row(mdCode(f.Path), mdText(f.Value), mdText(strings.Join(f.Decides, ", ")))
		}
	}

	m.section("Flowchart")
	m.f("```mermaid\n%s```\n", d.Mermaid)
}

// mdChecks writes the preflight results and the approvals required.
func mdChecks(m *mdDoc, d *doc, digest string) {
	m.section("Preflight results")
	switch {
	case !d.Refreshed:
		m.f("No check ran at plan time (refresh off); the checks run first when the change is applied.\n")
	case len(d.Preflight) == 0:
		m.f("No check could run at plan time.\n")
	default:
		m.table("Check", "Result", "Detail", "Observed")
		for _, s := range d.Preflight {
			res := s.Check.Status
			if s.Check.Blocks {
				res += " (blocks apply)"
			}
			m.row(mdCode(s.Name), res, mdText(orDash(s.Check.Message)), mdText(orDash(s.Check.Observation)))
		}
	}

	m.section("Approvals required")
	if len(d.Approvals) == 0 {
		m.f("None declared in the runbook.\n")
	} else {
		m.table("Step", "Kind", "Approvers", "Required", "Requester may approve", "Expires", "Instructions")
		for _, a := range d.Approvals {
			m.row(mdCode(a.Step), a.Kind, mdText(a.Approvers), a.Min, a.Requester, a.Expires, mdText(orDash(a.Instructions)))
		}
	}
	m.f("\nApprovals are recorded with the plan digest sha256:%s.\n", digest)
	if d.Signing != "" {
		m.f("\n%s\n", mdText(d.Signing))
	}
}

// mdBackout writes the back-out plan and the post-change verification.
func mdBackout(m *mdDoc, d *doc) {
	m.section("Back-out plan")
	bo := d.Backout
	m.field("Who", orNone(d.Implementers))
	m.field("Summary", orNone(bo.Summary))
	m.field("Trigger", orNone(bo.Trigger))
	m.field("Restored state", orNone(bo.RestoredState))
	m.f("- **Duration:** %s expected, %s worst case\n\n", plan.FormatDuration(bo.ExpectedSeconds), plan.FormatDuration(bo.WorstCaseSeconds))
	if len(d.BackoutSteps) == 0 {
		m.f("No back-out steps are declared.\n")
	} else {
		m.stepTable(d.BackoutSteps)
	}

	m.section("Post-change verification")
	if len(d.PostChecks) > 0 {
		m.f("Checks after the last action:\n\n")
		m.stepTable(d.PostChecks)
		m.f("\n")
	}
	if len(d.Post) > 0 {
		m.f("Post-tasks (after every main step succeeded):\n\n")
		m.stepTable(d.Post)
	}
	if len(d.PostChecks) == 0 && len(d.Post) == 0 {
		m.f("None declared.\n")
	}
}

func mdRehearsal(m *mdDoc, v *rehearsalView) {
	if v == nil {
		m.f("No rehearsal report is attached. Rehearse with `baton rehearse` and attach its report.\n")
		return
	}
	m.table("Field", "Value")
	for _, kv := range v.Fields() {
		m.row(kv[0], mdText(kv[1]))
	}
	if len(v.Branches) > 0 {
		m.f("\nBranches taken:\n\n")
		for _, b := range v.Rehearsal.Branches {
			m.f("- %s = %s: ran %s; skipped %s\n", mdCode(b.Decision), mdText(b.Value), mdText(joinOr(b.Taken, ", ", "nothing")), mdText(joinOr(b.Skipped, ", ", "nothing")))
		}
	}
	if len(v.Blocked) > 0 {
		m.f("\nChecks that blocked:\n\n")
		for _, b := range v.Blocked {
			m.f("- %s: %s\n", mdCode(b.Step), mdText(b.Message))
		}
	}
	if len(v.Timeline) > 0 {
		m.f("\nVirtual timeline:\n\n")
		m.table("At", "Step", "Event")
		for _, t := range v.Timeline {
			m.row(t[0], mdCode(t[1]), mdText(t[2]))
		}
	}
}
