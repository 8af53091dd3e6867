package rehearse

import (
	"strings"
	"testing"
	"time"
)

func TestWriteTextCollapsesRetries(t *testing.T) {
	rep := &Report{Runbook: "r", Fixture: "f", Scenario: "s", Status: "succeeded"}
	rep.Timeline = append(rep.Timeline, Line{At: 0, Step: "back", Class: "backout", Event: "step_started"})
	for i := range 5 {
		rep.Timeline = append(rep.Timeline, Line{At: time.Duration(i) * time.Minute, Step: "back", Class: "backout", Event: "step_retry", Message: "not yet"})
	}
	rep.Timeline = append(rep.Timeline, Line{At: 6 * time.Minute, Step: "back", Class: "backout", Event: "step_finished", Status: "succeeded"})
	var b strings.Builder
	if err := rep.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if got := strings.Count(out, "step retry"); got != 2 {
		t.Errorf("%d retry lines, want the first and the last:\n%s", got, out)
	}
	for _, want := range []string{"... 3 more attempts ...", "T+4m0s", "back: succeeded"} {
		if !strings.Contains(out, want) {
			t.Errorf("lacks %q:\n%s", want, out)
		}
	}
}

func TestWriteSummaries(t *testing.T) {
	var b strings.Builder
	_ = WriteSummaries(&b, []*Report{
		{Scenario: "healthy", Status: "succeeded", Duration: 14 * time.Minute},
		{Scenario: "sql-down", Status: "failed", Reason: "step site failed: cannot connect\nmore"},
		{Scenario: "twice", Status: "backed_out", Duration: time.Hour},
	})
	out := b.String()
	for _, want := range []string{"healthy   WOULD SUCCEED            14m0s      -", "WOULD FAIL AND BACK OUT", "step site failed: cannot connect\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "more") {
		t.Errorf("a reason's later lines leaked:\n%s", out)
	}
}
