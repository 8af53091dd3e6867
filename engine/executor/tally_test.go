package executor

import (
	"testing"
	"time"

	"github.com/batonhq/baton/state"
	"github.com/google/go-cmp/cmp"
)

// TestTally: an approval counts when the policy the step asked under
// allows its author (the same rule AnswerWith applies) and it came before
// the deadline; a rejection by someone allowed ends the step.
func TestTally(t *testing.T) {
	at := time.Date(2026, 1, 5, 22, 0, 0, 0, time.UTC)
	pol := state.ApprovalPolicy{Approvers: []string{"alice", "CONTOSO\\dave"}, MinApprovals: 2, Requester: "bob"}
	ok := func(by string) state.Approval {
		return state.Approval{By: by, Decision: "approved", Comment: "by " + by, At: at}
	}
	no := func(by string) state.Approval {
		return state.Approval{By: by, Decision: "rejected", Comment: "no", At: at}
	}
	tests := []struct {
		name      string
		pol       state.ApprovalPolicy
		approvals []state.Approval
		deadline  time.Time
		approved  []string
		rejected  string
	}{
		{"listed approvers count", pol, []state.Approval{ok("alice"), ok("dave")}, time.Time{}, []string{"alice", "dave"}, ""},
		{"others are ignored", pol, []state.Approval{ok("carol"), no("carol"), ok("alice")}, time.Time{}, []string{"alice"}, ""},
		{"a listed rejection ends it", pol, []state.Approval{ok("alice"), no("dave")}, time.Time{}, []string{"alice"}, "rejected by dave: no"},
		{"the requester may not", state.ApprovalPolicy{Requester: "bob"}, []state.Approval{ok("BOB"), ok("carol")}, time.Time{}, []string{"carol"}, ""},
		{"unless allowed", state.ApprovalPolicy{Requester: "bob", AllowRequester: true}, []state.Approval{ok("bob")}, time.Time{}, []string{"bob"}, ""},
		{"too late", pol, []state.Approval{ok("alice")}, at, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			approved, _, rejected := tally(tt.pol, state.StepRecord{Approvals: tt.approvals, Deadline: tt.deadline})
			if diff := cmp.Diff(tt.approved, approved); diff != "" || rejected != tt.rejected {
				t.Errorf("approved (-want +got):\n%s\nrejected %q, want %q", diff, rejected, tt.rejected)
			}
		})
	}
}
