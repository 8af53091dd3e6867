package review

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/template"
	"time"

	"github.com/batonhq/baton/engine/plan"
	"github.com/batonhq/baton/state"
)

// PostImplementation writes the post-implementation report of a run
// (Markdown) from its record, its steps and its journal: the actual
// timeline, who approved what and when (with the plan digest they
// approved), each step's outcome, in-doubt resolutions, change-window
// overrides, and the journal's head hash. head is the head the caller
// verified (state.Store.VerifyJournal); the report says whether the
// journal given ends with it.
func PostImplementation(w io.Writer, run state.Run, steps []state.StepRecord, journal []state.JournalEntry, head string) error {
	if err := postImplTemplate.Execute(w, newRunView(run, steps, journal, head)); err != nil {
		return fmt.Errorf("writing the post-implementation report: %w", err)
	}
	return nil
}

// runView is what the post-implementation report shows of a run.
type runView struct {
	state.Run
	Steps      []state.StepRecord
	Journal    []state.JournalEntry
	Head, Last string
}

// newRunView is the view of a run; head is the journal head the caller
// verified.
func newRunView(run state.Run, steps []state.StepRecord, journal []state.JournalEntry, head string) *runView {
	v := &runView{Run: run, Steps: steps, Journal: journal, Head: head}
	if len(journal) > 0 {
		v.Last = journal[len(journal)-1].Hash
	}
	return v
}

// approval is one approval given in a run, with the step it was given for.
type approval struct {
	Step string
	state.Approval
}

// Fields are the run's identity and outcome, by name.
func (v *runView) Fields() [][2]string {
	f := [][2]string{{"Run", v.ID}, {"Runbook", v.Runbook}, {"Path", v.RunbookPath}, {"Version", v.Version},
		{"Source digest", prefixed(v.SourceDigest)}, {"Plan digest", prefixed(v.PlanDigest)}, {"Inputs digest", prefixed(v.InputsDigest)},
		{"Target", v.Target}}
	if v.Rehearsal {
		f = append(f, [2]string{"Rehearsal", "yes (virtual clock, simulated site)"})
	}
	f = append(f, [][2]string{{"Requester", v.Requester}, {"Host", v.Host}, {"Engine", v.EngineVersion}, {"Outcome", string(v.Status)},
		{"Reason", v.Reason}, {"Started", stamp(v.CreatedAt)}, {"Finished", stamp(v.FinishedAt)}}...)
	if d := took(v.CreatedAt, v.FinishedAt); d != "" {
		f = append(f, [2]string{"Duration", d})
	}
	return f
}

// Approvals are the approvals given in the run, step by step.
func (v *runView) Approvals() []approval {
	var out []approval
	for _, s := range v.Steps {
		for _, a := range s.Approvals {
			out = append(out, approval{s.Name, a})
		}
	}
	return out
}

// Resolved are the steps that were in doubt and resolved.
func (v *runView) Resolved() []state.StepRecord {
	return slices.DeleteFunc(slices.Clone(v.Steps), func(s state.StepRecord) bool { return s.Resolution == nil })
}

// Elapsed is the time from the journal's first entry to e.
func (v *runView) Elapsed(e state.JournalEntry) string {
	return plan.FormatDuration(int64(e.At.Sub(v.Journal[0].At).Seconds()))
}

// Digest is the plan digest an approval names, flagged when it is not the
// run's.
func (v *runView) Digest(a approval) string {
	switch {
	case a.PlanDigest == "":
		return "(none recorded)"
	case v.PlanDigest != "" && a.PlanDigest != v.PlanDigest:
		return prefixed(a.PlanDigest) + " (DIFFERS from the run's plan)"
	}
	return prefixed(a.PlanDigest)
}

// Windows are the journal's change-window events, in Markdown.
func (v *runView) Windows() []string { return windowLines(v.Journal, mdCode, mdText) }

var postImplTemplate = template.Must(template.New("postimpl.md").Funcs(reviewFuncs).Funcs(map[string]any{
	"stamp": stamp, "took": took, "note": note, "data": dataText,
}).Parse(`# Post-implementation report: {{md .Runbook}}

| Field | Value |
|-------|-------|
{{range .Fields}}| {{index . 0}} | {{md (dash (index . 1))}} |
{{end}}{{if .Inputs}}
## Inputs

{{range $n, $v := .Inputs}}- {{code $n}} = {{md $v}}
{{end}}{{end}}
## Timeline

{{if .Journal}}| # | Time (UTC) | +Elapsed | Event | Step | By | Details |
|---|------------|----------|-------|------|----|---------|
{{range .Journal}}| {{.Seq}} | {{stamp .At}} | +{{$.Elapsed .}} | {{md .Type}} | {{if .Step}}{{code .Step}}{{else}}-{{end}} | {{md (dash .Actor)}} | {{md (dash (data .Data))}} |
{{end}}{{else}}The journal is empty.
{{end}}
## Step outcomes

{{if .Steps}}| Step | Outcome | Attempts | Started | Finished | Took | Note |
|------|---------|----------|---------|----------|------|------|
{{range .Steps}}| {{code .Name}} | {{.Status}} | {{if gt .Attempt 0}}{{.Attempt}}{{else}}-{{end}} | {{stamp .StartedAt}} | {{stamp .FinishedAt}} | {{dash (took .StartedAt .FinishedAt)}} | {{md (dash (note .))}} |
{{end}}{{else}}No step records.
{{end}}
## Approvals

{{with .Approvals}}| Step | By | Decision | When (UTC) | Plan digest approved | Evidence | Comment |
|------|----|----------|------------|----------------------|----------|---------|
{{range .}}| {{code .Step}} | {{md .By}} | {{md .Decision}} | {{stamp .At}} | {{md ($.Digest .)}} | {{md ($.Evidence .)}} | {{md (dash .Comment)}} |
{{end}}{{else}}No approvals were given in this run.
{{end}}
## In-doubt resolutions

{{with .Resolved}}| Step | By | Decision | When (UTC) | Reason |
|------|----|----------|------------|--------|
{{range .}}| {{code .Name}} | {{md .Resolution.By}} | {{md .Resolution.Decision}} | {{stamp .Resolution.At}} | {{md .Resolution.Reason}} |
{{end}}{{else}}No step was in doubt.
{{end}}
## Change window

{{range .Windows}}- {{.}}
{{else}}The change window was never short and never overridden.
{{end}}
## Journal

- Entries: {{len .Journal}}
- Head hash: {{md (none .Head)}}
{{if not .Head}}- The journal's head was not verified.
{{else if eq .Last .Head}}- The last entry's hash matches the verified head.
{{else}}- WARNING: the last entry's hash ({{md (none .Last)}}) does not match the head; the journal given is incomplete or was altered.
{{end}}`))

// took is the time from start to end, "" when either is unknown.
func took(start, end time.Time) string {
	if start.IsZero() || end.IsZero() {
		return ""
	}
	return plan.FormatDuration(int64(end.Sub(start).Seconds()))
}

// note is why a step failed or was skipped.
func note(s state.StepRecord) string { return orText(s.Error, s.Reason) }

// windowLines describe the journal's change-window events, with step
// names in code and other text escaped for the document's format.
func windowLines(journal []state.JournalEntry, code, esc func(string) string) []string {
	var lines []string
	for _, e := range journal {
		if !strings.HasPrefix(e.Type, "window.") {
			continue
		}
		s := stamp(e.At) + " window too short"
		if e.Type == "window.override" {
			s = stamp(e.At) + " window overridden"
		}
		if e.Step != "" {
			s += " before " + code(e.Step)
		}
		if e.Actor != "" {
			s += " by " + esc(e.Actor)
		}
		if d := dataText(e.Data); d != "" {
			s += " (" + esc(d) + ")"
		}
		lines = append(lines, s)
	}
	return lines
}

func prefixed(d string) string {
	if d == "" {
		return ""
	}
	return "sha256:" + d
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

// dataText renders journal data as sorted key=value pairs.
func dataText(d map[string]string) string { return strings.Join(pairs(d, "="), ", ") }

// pairs are m's entries as key, sep and value, sorted by key.
func pairs(m map[string]string, sep string) []string {
	keys := slices.Sorted(maps.Keys(m))
	for i, k := range keys {
		keys[i] = k + sep + m[k]
	}
	return keys
}

// Evidence says how the journal proves an approval: signed (with the key's
// fingerprint; journal verify re-verifies it against the run's allowed
// signers) or unsigned, with the OS identity that wrote it.
func (v *runView) Evidence(a approval) string {
	for i := len(v.Journal) - 1; i >= 0; i-- {
		e := v.Journal[i]
		if e.Answer == nil || e.Step != a.Step || !state.SameName(e.Answer.By, a.By) {
			continue
		}
		if len(e.Answer.Signed) > 0 {
			var f struct {
				Key string `json:"key_fingerprint"`
			}
			_ = json.Unmarshal(e.Answer.Signed, &f)
			return "signed, key " + orDash(f.Key)
		}
		if e.Identity != "" {
			return "unsigned (identity " + e.Identity + ")"
		}
		return "unsigned"
	}
	return "-"
}
