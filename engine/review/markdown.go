package review

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/batonhq/baton/engine/plan"
	"github.com/batonhq/baton/engine/runbook"
)

// mdText escapes text for Markdown prose and table cells: no raw HTML, no
// table breaks, one line.
func mdText(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "|", `\|`, "\r", "", "\n", " ", "*", `\*`, "_", `\_`, "`", "\\`", "[", `\[`, "]", `\]`)
	return r.Replace(s)
}

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

type mdWriter struct {
	w   *bufio.Writer
	err error
}

func (m *mdWriter) f(format string, args ...any) {
	if m.err == nil {
		_, m.err = fmt.Fprintf(m.w, format, args...)
	}
}

func (m *mdWriter) section(title string) { m.f("\n## %s\n\n", title) }

func (m *mdWriter) list(items []string, none string) {
	if len(items) == 0 {
		m.f("%s\n", none)
		return
	}
	for _, it := range items {
		m.f("- %s\n", mdText(it))
	}
}

func (m *mdWriter) stepTable(rows []implStep) {
	m.f("| # | Step | Type | Runs | What it does | Expected | Verification |\n")
	m.f("|---|------|------|------|--------------|----------|--------------|\n")
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
		m.f("| %d | %s | %s | %s | %s | %s | %s |\n", r.N, name, r.Class, runs, mdText(r.What), orDash(r.Expected), orDash(strings.Join(ver, "<br>")))
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
	m := &mdWriter{w: bufio.NewWriter(w)}
	m.f("# Change record: %s\n\n", mdText(d.Title))
	m.f("| Field | Value |\n|-------|-------|\n")
	for _, kv := range d.Identity {
		m.f("| %s | %s |\n", kv[0], mdText(kv[1]))
	}
	m.f("| Owner | %s |\n| Implementers | %s |\n", mdText(orNone(d.Owner)), mdText(orNone(d.Implementers)))

	m.section("Summary")
	if d.Summary != "" {
		m.f("%s\n\n", mdText(d.Summary))
	}
	m.f("- **Change type:** %s\n", mdText(orNone(d.ChangeType)))
	m.f("- **Reason:** %s\n", mdText(orNone(d.Reason)))
	m.f("- **Plan:** %s\n", mdText(d.SummaryLine))

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
		m.f("| Role | System | Site | Seen by |\n|------|--------|------|---------|\n")
		for _, s := range d.Systems {
			m.f("| %s | %s | %s | %s |\n", mdText(s.Role), mdText(s.Name), mdText(orDash(s.Site)), mdCode(s.From))
		}
	} else if !d.Refreshed {
		m.f("\nDownstream systems are not listed: no check ran at plan time (plan with refresh to discover them).\n")
	}

	m.section("Impact and downtime")
	m.f("- **Impact:** %s\n", mdText(orNone(d.Impact)))
	m.f("- **Expected downtime:** %s\n", mdText(orNone(d.Downtime)))

	m.section("Risk and mitigations")
	m.f("**Declared risk:** %s\n\n", mdText(orNone(d.Risk)))
	m.f("Mitigations:\n\n")
	m.list(d.Mitigations, "(none declared)")
	m.f("\nComputed from the plan:\n\n")
	m.list(d.Hints, "(none)")

	m.section("Schedule")
	m.list(d.Window, "No change window is declared.")
	m.f("\n")
	m.list(d.Duration, "")

	m.section("Implementation steps")
	m.f("Symbols: %s will run, %s may run (decided at run time), %s will not run.\n\n", plan.SymbolWillRun, plan.SymbolMayRun, plan.SymbolWillNotRun)
	m.stepTable(d.Steps)
	if len(d.Facts) > 0 {
		m.f("\nFacts that decide branches:\n\n| Fact | Value at plan time | Decides |\n|------|--------------------|---------|\n")
		for _, f := range d.Facts {
			m.f("| %s | %s | %s |\n", mdCode(f.Path), mdText(f.Value), mdText(strings.Join(f.Decides, ", ")))
		}
	}

	m.section("Flowchart")
	m.f("```mermaid\n%s```\n", d.Mermaid)

	m.section("Preflight results")
	switch {
	case !d.Refreshed:
		m.f("No check ran at plan time (refresh off); the checks run first when the change is applied.\n")
	case len(d.Preflight) == 0:
		m.f("No check could run at plan time.\n")
	default:
		m.f("| Check | Result | Detail | Observed |\n|-------|--------|--------|----------|\n")
		for _, s := range d.Preflight {
			res := s.Check.Status
			if s.Check.Blocks {
				res += " (blocks apply)"
			}
			m.f("| %s | %s | %s | %s |\n", mdCode(s.Name), res, mdText(orDash(s.Check.Message)), mdText(orDash(s.Check.Observation)))
		}
	}

	m.section("Approvals required")
	if len(d.Approvals) == 0 {
		m.f("None declared in the runbook.\n")
	} else {
		m.f("| Step | Kind | Approvers | Required | Requester may approve | Expires | Instructions |\n")
		m.f("|------|------|-----------|----------|-----------------------|---------|--------------|\n")
		for _, a := range d.Approvals {
			m.f("| %s | %s | %s | %s | %s | %s | %s |\n", mdCode(a.Step), a.Kind, mdText(a.Approvers), a.Min, a.Requester, a.Expires, mdText(orDash(a.Instructions)))
		}
	}
	m.f("\nApprovals are recorded with the plan digest sha256:%s.\n", p.PlanDigest)
	if d.Signing != "" {
		m.f("\n%s\n", mdText(d.Signing))
	}

	m.section("Back-out plan")
	bo := d.Backout
	m.f("- **Who:** %s\n", mdText(orNone(d.Implementers)))
	m.f("- **Summary:** %s\n", mdText(orNone(bo.Summary)))
	m.f("- **Trigger:** %s\n", mdText(orNone(bo.Trigger)))
	m.f("- **Restored state:** %s\n", mdText(orNone(bo.RestoredState)))
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

	m.section("Communication")
	m.f("%s\n", mdText(orNone(d.Comm)))

	m.section("Test evidence")
	writeRehearsalMD(m, d.Rehearsal, p.PlanDigest)

	if m.err == nil {
		m.err = m.w.Flush()
	}
	if m.err != nil {
		return fmt.Errorf("writing the review: %w", m.err)
	}
	return nil
}

func writeRehearsalMD(m *mdWriter, r *Rehearsal, digest string) {
	if r == nil {
		m.f("No rehearsal report is attached. Rehearse with `baton rehearse` and attach its report.\n")
		return
	}
	scenario := r.Fixture
	if r.Scenario != "" {
		scenario += " / " + r.Scenario
	}
	m.f("| Field | Value |\n|-------|-------|\n")
	m.f("| Rehearsal run | %s |\n| Runbook | %s |\n| Fixture | %s |\n| Outcome | %s |\n| Virtual duration | %s |\n",
		mdText(orNone(r.RunID)), mdText(r.Runbook), mdText(scenario), mdText(r.Outcome), plan.FormatDuration(int64(r.VirtualDuration.Seconds())))
	same := ""
	switch {
	case r.PlanDigest == "":
		same = "(not recorded)"
	case r.PlanDigest == digest:
		same = "sha256:" + r.PlanDigest + " (this plan)"
	default:
		same = "sha256:" + r.PlanDigest + " (a DIFFERENT plan)"
	}
	m.f("| Plan rehearsed | %s |\n| Journal head | %s |\n", same, mdText(orNone(r.JournalHead)))
	if len(r.Branches) > 0 {
		m.f("\nBranches taken:\n\n")
		for _, b := range r.Branches {
			m.f("- %s = %s: ran %s; skipped %s\n", mdCode(b.Decision), mdText(b.Value), mdText(joinOr(b.Taken, ", ", "nothing")), mdText(joinOr(b.Skipped, ", ", "nothing")))
		}
	}
	if len(r.Blocked) > 0 {
		m.f("\nChecks that blocked:\n\n")
		for _, b := range r.Blocked {
			m.f("- %s: %s\n", mdCode(b.Step), mdText(b.Message))
		}
	}
	if len(r.Timeline) > 0 {
		m.f("\nVirtual timeline:\n\n| At | Step | Event |\n|----|------|-------|\n")
		for _, t := range r.Timeline {
			m.f("| +%s | %s | %s |\n", plan.FormatDuration(int64(t.Offset.Seconds())), mdCode(t.Step), mdText(t.Event))
		}
	}
}
