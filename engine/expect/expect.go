// Package expect checks rehearsal outcomes against expectations written
// next to runbooks.
//
// An expectation file (NAME.expect.hcl) names a runbook and lists cases:
// a fixture and scenario to rehearse it against, how approvals are
// answered, and what must come of it: the outcome, the steps that block,
// the branches taken, the changes made and the facts of the final
// simulated site that matter. Parse reads a file, Observe turns a
// rehearsal's report into the same terms, Compare lists what differs,
// Rewrite writes what happened back into the file (baton test -update),
// and WriteJUnit reports results as JUnit XML. docs/testing.md describes
// the format.
package expect

import (
	"fmt"
	"maps"
	"time"

	"github.com/batonhq/baton/engine/rehearse"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// Suffix ends the name of every expectation file.
const Suffix = ".expect.hcl"

// FileLimit bounds an expectation file: the largest shipped one (a
// runbook against 25 scenarios, every site fact the matrix shows) is
// about 40 KB.
const FileLimit = 4 << 20

// File is one parsed expectation file.
type File struct {
	// Path is the file as it was read; Runbook, fixture files and
	// approvals files are relative to its directory.
	Path string
	// Runbook is the runbook the cases rehearse, as written: relative to
	// the file ("" for the runbook next to it of the same name, see
	// RunbookPath); baton test takes a shipped runbook of that name when
	// there is no such file.
	Runbook      string
	RunbookRange hcl.Range
	// Fixture is the fixture of every case that names none.
	Fixture string
	// AllScenariosOf names fixtures whose every scenario must have a case:
	// a scenario added to one of them fails the file until a case is
	// written for it (baton test -update adds it).
	AllScenariosOf []string
	AllRange       hcl.Range
	Cases          []*Case
	src            []byte
}

// Case is one rehearsal and what must come of it.
type Case struct {
	Name     string // the block's label, unique in the file
	Range    hcl.Range
	Fixture  string // a shipped fixture's name, or a file relative to the expectation file
	Scenario string
	// Vars set runbook inputs, as -var does (values as -var takes them).
	Vars    map[string]string
	Answers Answers
	Want    Outcome
	// New marks a case that is not in the file yet (added by -update).
	New bool
}

// Answers say how a case's rehearsal answers approval and manual steps.
type Answers struct {
	// All answers every step not answered otherwise (default true).
	All bool
	// Delay is how long the answers of All take, in virtual time.
	Delay time.Duration
	// File is an approvals file (JSON, as baton rehearse --approvals
	// takes), relative to the expectation file; "" for none.
	File      string
	FileRange hcl.Range
	// Steps are the answers written in the case (answer blocks).
	Steps map[string][]rehearse.Answer
}

// Outcome is what a rehearsal did, or must do, in the terms of an
// expectation. A nil field of an expectation is not compared; an empty one
// means none.
type Outcome struct {
	// Status is the run's final status: succeeded, failed, backed_out,
	// paused or cancelled ("" in an expectation: not written yet).
	Status string
	// Reason is why (observed only: it is shown, never compared).
	Reason string
	// Blocked are the steps that failed, sorted.
	Blocked []string
	// Branches are the decisions that ran and whether their branch was
	// taken.
	Branches map[string]bool
	// Changes are the action, post and back-out steps that ran, with
	// their final status.
	Changes map[string]string
	// Site are facts of the final simulated site by fact path (Facts); a
	// null value means the fact must be absent.
	Site map[string]cty.Value
}

// Outcomes a case may expect.
var Outcomes = []string{"succeeded", "failed", "backed_out", "paused", "cancelled"}

// Rehearsal is how the rehearsal of the case answers: its answer blocks
// and fromFile, the answers of its approvals file (nil for none); a step
// answered in both is an error.
func (a Answers) Rehearsal(fromFile map[string][]rehearse.Answer) (rehearse.Answers, error) {
	out := rehearse.Answers{All: a.All, Delay: a.Delay}
	if len(a.Steps)+len(fromFile) == 0 {
		return out, nil
	}
	out.Steps = map[string][]rehearse.Answer{}
	maps.Copy(out.Steps, fromFile)
	for k, v := range a.Steps {
		if _, dup := out.Steps[k]; dup {
			return out, fmt.Errorf("step %s is answered both in %s and in an answer block: answer it in one place", k, a.File)
		}
		out.Steps[k] = v
	}
	return out, nil
}
