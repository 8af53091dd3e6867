package rehearse

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/batonhq/baton/engine/runbook"
	"github.com/batonhq/baton/state"
	"github.com/batonhq/baton/steps"
	"github.com/batonhq/baton/steps/basic"
)

func answersRunbook(t *testing.T) *runbook.Runbook {
	t.Helper()
	reg := steps.NewRegistry()
	reg.Register(basic.Kinds()...)
	src := `runbook "r" { title = "t" }
approval "cab" {
  approvers     = ["alice", "bob"]
  expires_after = "1h"
}
manual "confirm" {
  instructions = "do it"
  depends_on   = [step.cab]
}
check "probe" {
  uses      = "assert"
  condition = true
  message   = "never"
}
`
	rb, diags := runbook.Load(runbook.FromFS(fstest.MapFS{"r.hcl": {Data: []byte(src)}}), "r.hcl", reg)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	return rb
}

func TestParseAnswers(t *testing.T) {
	rb := answersRunbook(t)
	tests := []struct {
		name, json string
		want       string // substring of the error; "" for success
	}{
		{"timed answers", `{"cab": [{"by": "alice", "decision": "approved", "after": "20m"}, {"by": "Bob", "decision": "rejected", "comment": "no"}], "confirm": [{"by": "anyone", "decision": "approved", "after": "1h30m"}]}`, ""},
		{"unknown step", `{"cabb": [{"by": "alice", "decision": "approved"}]}`, `"cabb" is not a step of runbook r (approval and manual steps: cab, confirm)`},
		{"not a gate", `{"probe": [{"by": "alice", "decision": "approved"}]}`, `step "probe" is a check`},
		{"bad decision", `{"cab": [{"by": "alice", "decision": "yes"}]}`, `decision "yes" must be "approved" or "rejected"`},
		{"not an approver", `{"cab": [{"by": "mallory", "decision": "approved"}]}`, "mallory is not an approver of cab (approvers: alice, bob)"},
		{"missing by", `{"cab": [{"decision": "approved"}]}`, `missing "by"`},
		{"bad duration", `{"cab": [{"by": "alice", "decision": "approved", "after": "soon"}]}`, `after "soon"`},
		{"unknown field", `{"cab": [{"by": "alice", "decision": "approved", "delay": "5m"}]}`, `unknown field "delay"`},
		{"not JSON", `cab: alice`, "expected {"},
		{"two values", `{"cab": [{"by": "alice", "decision": "approved"}]} {"cab": []}`, "more than one JSON value"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseAnswers([]byte(tc.json), rb)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if got["cab"][0].After != 20*time.Minute || got["confirm"][0].After != 90*time.Minute || got["cab"][1].After != 0 {
					t.Errorf("delays not read: %+v", got)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

// TestAnswerJSON: an answer written as JSON reads back as itself, its
// delay included, and an answer that comes at once writes no "after".
func TestAnswerJSON(t *testing.T) {
	for _, a := range []Answer{{By: "alice", Decision: "approved", After: 90 * time.Minute}, {By: "bob", Decision: "rejected", Comment: "no"}} {
		b, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		var back Answer
		if err := json.Unmarshal(b, &back); err != nil || back != a {
			t.Errorf("%+v: written %s, read back %+v (%v)", a, b, back, err)
		}
		if a.After == 0 && strings.Contains(string(b), "after") {
			t.Errorf("%+v: written %s", a, b)
		}
	}
}

func TestAnswererApproveAll(t *testing.T) {
	rb := answersRunbook(t)
	a := Answers{All: true, Delay: 15 * time.Minute, Steps: map[string][]Answer{"confirm": {{By: "carol", Decision: "rejected", After: time.Hour}}}}
	got := a.answerer()(rb.Step("cab"))
	if len(got) != 1 || got[0].By != "alice" || got[0].After != 15*time.Minute || got[0].Decision != "approved" {
		t.Errorf("cab answered %+v, want alice approving after 15m", got)
	}
	got = a.answerer()(rb.Step("confirm"))
	if len(got) != 1 || got[0].By != "carol" || got[0].Decision != "rejected" || got[0].After != time.Hour {
		t.Errorf("confirm answered %+v, want the file's answer", got)
	}
	if got := (Answers{}).answerer()(rb.Step("cab")); got != nil {
		t.Errorf("without answers: %+v", got)
	}
}

// TestCheckAnswers: answers given other than in a file are checked as a
// file's are, and said to be answers.
func TestCheckAnswers(t *testing.T) {
	rb := answersRunbook(t)
	if err := CheckAnswers(map[string][]Answer{"cab": {{By: "alice", Decision: "approved"}}}, rb); err != nil {
		t.Fatal(err)
	}
	err := CheckAnswers(map[string][]Answer{"cab": {{By: "carol", Decision: "approved"}}, "probe": {{By: "alice", Decision: "approved"}}}, rb)
	if err == nil || err.Error() != `answers: cab[0]: carol is not an approver of cab (approvers: alice, bob); step "probe" is a check; only approval and manual steps take answers` {
		t.Fatalf("%v", err)
	}
}

// TestRunIDNamesTheAnswers: rehearsals that differ only in when an answer
// comes are different runs, and the same rehearsal is the same run.
func TestRunIDNamesTheAnswers(t *testing.T) {
	rb := answersRunbook(t)
	store, err := state.Open(filepath.Join(t.TempDir(), "state.db"), state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	opts := func(after time.Duration) Options {
		return Options{Store: store, FixtureName: "f", Scenario: "s",
			Answers: Answers{Steps: map[string][]Answer{"cab": {{By: "alice", Decision: "approved", After: after}}}}}
	}
	soon, late, again := runID(rb, nil, opts(20*time.Minute)), runID(rb, nil, opts(time.Hour)), runID(rb, nil, opts(20*time.Minute))
	if soon == late || soon != again {
		t.Errorf("run ids %s (20m), %s (1h), %s (20m again)", soon, late, again)
	}
}
