package plan

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"strings"
	"time"
)

// Symbols used in the text rendering, after Terraform's.
const (
	SymbolWillRun    = "+"
	SymbolMayRun     = "?"
	SymbolWillNotRun = "-"
)

// actionWords are the text symbol and the words of each step action; any
// other action is shown as will not run.
var actionWords = map[string]struct{ symbol, text string }{
	WillRun: {SymbolWillRun, "will run"},
	MayRun:  {SymbolMayRun, "may run"},
}

// Symbol returns the text symbol of a step action.
func Symbol(action string) string { return cmp.Or(actionWords[action].symbol, SymbolWillNotRun) }

// ActionText is a step action in words.
func ActionText(action string) string { return cmp.Or(actionWords[action].text, "will not run") }

// FormatDuration renders seconds as "1h30m", "45m", "30s" or "0s".
func FormatDuration(sec int64) string {
	if sec <= 0 {
		return "0s"
	}
	d := time.Duration(sec) * time.Second
	var b strings.Builder
	for _, u := range durationUnits {
		if n := d / u.size; n > 0 {
			fmt.Fprintf(&b, "%d%s", n, u.symbol)
			d -= n * u.size
		}
	}
	return b.String()
}

var durationUnits = []struct {
	size   time.Duration
	symbol string
}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}}

// textWriter streams a plan's text. Its bufio.Writer keeps the first
// failed write (such as to a terminal interrupted with Ctrl-C) and writes
// nothing after it.
type textWriter struct{ *bufio.Writer }

func (t *textWriter) f(format string, args ...any) { fmt.Fprintf(t.Writer, format, args...) }

// opt writes format with s, unless s is empty.
func (t *textWriter) opt(format, s string) {
	if s != "" {
		t.f(format, s)
	}
}

// WriteHuman renders the plan for people: identity, inputs, preflight
// results, the steps in order with what each will do, the back-out path,
// post-tasks, the duration estimate and a summary line.
func (p *Plan) WriteHuman(w io.Writer) error {
	t := &textWriter{bufio.NewWriter(w)}
	p.writeHeader(t)
	p.writePreflight(t)
	t.f("\nSymbols: %s will run   %s may run (decided at run time)   %s will not run\n",
		SymbolWillRun, SymbolMayRun, SymbolWillNotRun)
	t.f("\nSteps, in order:\n")
	writeSteps(t, "", p.Steps)
	p.writeBackout(t)
	t.f("\nPost-tasks")
	if len(p.Post) == 0 {
		t.f(": none\n")
	} else {
		t.f(" (run after every main step succeeded):\n")
	}
	writeSteps(t, "P", p.Post)
	p.writeDuration(t)
	t.f("\n%s\n", p.SummaryLine())
	return t.Flush()
}

// writeHeader writes what the plan is of: the runbook, the inputs and the
// targets.
func (p *Plan) writeHeader(t *textWriter) {
	rb := p.Runbook
	t.f("Runbook:  %s%s\n", rb.Name, prefixed(" - ", rb.Title))
	t.opt("Version:  %s\n", rb.Version)
	t.f("Path:     %s\n", rb.Path)
	for _, f := range rb.Files {
		t.f("  %s  sha256:%s\n", f.Path, shortDigest(f.Digest))
	}
	t.f("Sources:  sha256:%s\n", rb.SourceDigest)
	t.f("Plan:     sha256:%s\n", p.PlanDigest)
	t.f("Target:   %s\n", cmp.Or(p.Target, "(none)"))
	t.f("Engine:   %s\n", p.EngineVersion)
	t.opt("Planned:  %s\n", p.PlannedAt)
	if p.Refreshed {
		t.f("Refresh:  read-only checks ran at plan time\n")
	} else {
		t.f("Refresh:  off (no check ran; their results are known at run time)\n")
	}

	t.f("\nInputs:\n")
	if len(p.Inputs) == 0 {
		t.f("  (none)\n")
	}
	for _, in := range p.Inputs {
		t.f("  %s = %s\n", in.Name, in.Display)
	}
	if len(p.Targets) > 0 {
		t.f("\nTargets:\n")
		for _, tg := range p.Targets {
			t.f("  %s (%s)%s\n", tg.Name, tg.Type, prefixed(": ", tg.Summary))
			writeDetails(t, "      ", tg.Details)
		}
	}
}

// writePreflight writes what the checks run at plan time observed and the
// systems they discovered.
func (p *Plan) writePreflight(t *textWriter) {
	if p.Refreshed {
		t.f("\nPreflight (checks run at plan time):\n")
		n := 0
		for _, s := range p.Steps {
			if s.Check == nil {
				continue
			}
			n++
			t.f("  %s %s: %s\n", checkMark(s.Check), s.Name, s.Check.Status)
			t.opt("      %s\n", s.Check.Message)
			t.opt("      observed: %s\n", s.Check.Observation)
			if s.Check.Blocks {
				t.f("      apply would stop here\n")
			}
		}
		if n == 0 {
			t.f("  (no check could run at plan time)\n")
		}
	}
	if len(p.Systems) > 0 {
		t.f("\nDiscovered systems (from the checks run at plan time):\n")
		for _, s := range p.Systems {
			t.f("  %s: %s%s (seen by %s)\n", s.Role, s.Name, prefixed(" in site ", s.Site), s.From)
		}
	}
}

func (p *Plan) writeBackout(t *textWriter) {
	bo := p.Backout
	t.f("\nBack-out")
	if len(bo.Steps) == 0 {
		t.f(": none declared\n")
	} else {
		t.f(" (runs only when a step with on_failure = \"backout\" fails):\n")
	}
	t.opt("  Summary:  %s\n", bo.Summary)
	t.opt("  Trigger:  %s\n", bo.Trigger)
	t.opt("  Restores: %s\n", bo.RestoredState)
	writeSteps(t, "B", bo.Steps)
	if len(bo.Steps) > 0 {
		t.f("  Back-out time: expected %s, worst case %s\n", FormatDuration(bo.ExpectedSeconds), FormatDuration(bo.WorstCaseSeconds))
	}
}

func (p *Plan) writeDuration(t *textWriter) {
	d, bo := p.Duration, p.Backout
	t.f("\nDuration:\n")
	t.f("  expected:   %s (critical path: %s)\n", FormatDuration(d.ExpectedSeconds), pathText(d.CriticalPath))
	t.f("  worst case: %s\n", FormatDuration(d.WorstCaseSeconds))
	t.f("  back-out:   %s expected, %s worst case\n", FormatDuration(d.BackoutSeconds), FormatDuration(bo.WorstCaseSeconds))
	for _, n := range d.Notes {
		t.f("  note: %s\n", n)
	}
	if wdw := p.Window; wdw != nil {
		t.f("\nChange window: %s to %s (%s)\n", wdw.Start, wdw.End, FormatDuration(wdw.LengthSeconds))
		t.f("  expected + back-out (%s): %s\n", FormatDuration(d.ExpectedSeconds+bo.ExpectedSeconds), fits(wdw.FitsExpected))
		t.f("  worst case + back-out (%s): %s\n", FormatDuration(d.WorstCaseSeconds+bo.WorstCaseSeconds), fits(wdw.FitsWorstCase))
	}
}

// SummaryLine is the plan's one-line summary.
func (p *Plan) SummaryLine() string {
	s := p.Summary
	line := fmt.Sprintf("Plan: %d will run, %d may run, %d will not run; %s, %s, %s, %s.",
		s.WillRun, s.MayRun, s.WillNotRun,
		plural(s.Actions, "action", "actions"), plural(s.PointsOfNoReturn, "point of no return", "points of no return"),
		plural(s.Approvals, "approval", "approvals"), plural(s.Manual, "manual step", "manual steps"))
	if p.Refreshed {
		line += fmt.Sprintf(" Preflight: %d passed, %d failed.", s.ChecksPassed, s.ChecksFailed)
	}
	if p.PreflightFailed() {
		line += " A preflight check failed: apply would stop."
	} else if !p.HasChanges() {
		line += " No changes."
	}
	return line
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func fits(ok bool) string {
	if ok {
		return "fits"
	}
	return "DOES NOT FIT"
}

// prefixed is s after prefix, or nothing when s is empty.
func prefixed(prefix, s string) string {
	if s == "" {
		return ""
	}
	return prefix + s
}

// parenthesized is " (s)", or nothing when s is empty.
func parenthesized(s string) string {
	if s == "" {
		return ""
	}
	return " (" + s + ")"
}

func pathText(p []string) string {
	if len(p) == 0 {
		return "none"
	}
	return strings.Join(p, " -> ")
}

func checkMark(c *Check) string {
	if c.Status == CheckPassed {
		return "ok  "
	}
	return "FAIL"
}

func writeDetails(t *textWriter, indent string, ds []Detail) {
	for _, d := range ds {
		t.f("%s%s:\n", indent, d.Label)
		for _, l := range strings.Split(strings.TrimRight(d.Text, "\n"), "\n") {
			t.f("%s  %s\n", indent, l)
		}
	}
}

// writeSteps writes list, each step numbered after prefix.
func writeSteps(t *textWriter, prefix string, list []*Step) {
	for i, s := range list {
		writeStep(t, fmt.Sprintf("%s%d.", prefix, i+1), s)
	}
}

func writeStep(t *textWriter, num string, s *Step) {
	t.f("\n%s %s %s %q", Symbol(s.Action), num, s.Class, s.Name)
	var tags []string
	if s.Uses != "" {
		tags = append(tags, "uses "+s.Uses)
	}
	if s.Target != "" {
		tags = append(tags, "target "+s.Target)
	}
	if len(tags) > 0 {
		t.f(" (%s)", strings.Join(tags, ", "))
	}
	if len(s.Refs) > 0 {
		t.f(" [%s]", strings.Join(s.Refs, ", "))
	}
	if s.PointOfNoReturn {
		t.f("  POINT OF NO RETURN")
	}
	t.f("\n")
	in := "      "
	t.opt(in+"%s\n", s.Description)
	t.f("%s%s%s\n", in, ActionText(s.Action), prefixed(": ", s.Reason))
	t.opt(in+"when: %s\n", s.Condition)
	if fe := s.ForEach; fe != nil {
		if fe.Of != "" {
			t.f("%sfor each: %s (this instance: %s)\n", in, fe.Over, fe.Key)
		} else {
			t.f("%sfor each: %s (one step per item)\n", in, fe.Over)
		}
	}
	t.opt(in+"decided by: %s\n", strings.Join(s.DecidedBy, ", "))
	t.opt(in+"after: %s\n", strings.Join(s.Deps, ", "))
	t.opt(in+"undoes: %s\n", s.Undoes)
	t.opt(in+"will: %s\n", s.Summary)
	writeDetails(t, in+"  ", s.Details)
	if c := s.Decision; c != nil {
		t.f("%sdecides: %s = %s\n", in, c.Condition, cmp.Or(c.Value, "(known at run time)"))
	}
	if wt := s.Wait; wt != nil {
		stable := ""
		if wt.StableForSeconds > 0 {
			stable = "; must hold on every poll for " + FormatDuration(wt.StableForSeconds)
		}
		t.f("%swaits until: %s (every %s, up to %s%s)\n", in, wt.Until, FormatDuration(wt.IntervalSeconds), FormatDuration(wt.TimeoutSeconds), stable)
		t.opt(in+"fails early if: %s\n", wt.FailIf)
	}
	if g := s.Approval; g != nil {
		writeGate(t, in, "approval", g)
	}
	if m := s.Manual; m != nil {
		t.f("%sby hand: %s\n", in, m.Instructions)
		t.opt(in+"why manual: %s\n", m.Reason)
		writeGate(t, in, "confirmation", &m.Gate)
	}
	if c := s.Check; c != nil {
		t.f("%spreflight: %s%s\n", in, c.Status, parenthesized(c.Message))
	}
	t.opt(in+"%s\n", policy(s))
	for _, a := range s.Asserts {
		t.f("%sasserts: %s\n", in, a)
	}
	if v := s.Verify; v != nil {
		t.f("%sverified by: %s%s where %s\n", in, v.Uses, parenthesized(v.Summary), v.Condition)
	}
}

// policy is how s runs, in words: its expected duration, timeout,
// retries and failure handling; empty when nothing is said.
func policy(s *Step) string {
	var pol []string
	add := func(ok bool, text string) {
		if ok {
			pol = append(pol, text)
		}
	}
	add(s.ExpectedSeconds > 0, "expected "+FormatDuration(s.ExpectedSeconds))
	add(s.TimeoutSeconds > 0 && s.Wait == nil, "timeout "+FormatDuration(s.TimeoutSeconds))
	if r := s.Retry; r != nil {
		rt := fmt.Sprintf("%d attempts", r.Attempts)
		if r.BackoffSeconds > 0 {
			rt += ", backoff " + FormatDuration(r.BackoffSeconds)
		}
		if r.MaxDelaySeconds > 0 {
			rt += " up to " + FormatDuration(r.MaxDelaySeconds)
		}
		pol = append(pol, rt)
	}
	add(s.OnFailure != "" && s.OnFailure != "abort", "on failure: "+s.OnFailure)
	add(s.Idempotent, "idempotent")
	add(s.Always, "always (runs whatever its dependencies did)")
	return strings.Join(pol, "; ")
}

func writeGate(t *textWriter, in, what string, g *Gate) {
	who := "anyone"
	if len(g.Approvers) > 0 {
		who = strings.Join(g.Approvers, ", ")
	}
	t.f("%s%s: %d of %s", in, what, g.MinApprovals, who)
	if !g.AllowRequester {
		t.f(", not the requester")
	}
	if g.ExpiresAfterSeconds > 0 {
		t.f(", expires after %s", FormatDuration(g.ExpiresAfterSeconds))
	} else {
		t.f(", never expires")
	}
	t.f("\n")
	t.opt(in+"instructions: %s\n", g.Instructions)
}
