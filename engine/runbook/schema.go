package runbook

import (
	"slices"

	"github.com/hashicorp/hcl/v2"
)

var fileSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "include"}},
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "runbook", LabelNames: []string{"name"}},
		{Type: "variable", LabelNames: []string{"name"}},
		{Type: "locals"},
		{Type: "target", LabelNames: []string{"name"}},
		// and a block type per step class, see init
	},
}

var runbookSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "title"}, {Name: "description"}, {Name: "version"}, {Name: "owner"},
		{Name: "refs"}, {Name: "include"}, {Name: "lock"}, {Name: "timeout"}, {Name: "allowed_signers"},
	},
	Blocks: []hcl.BlockHeaderSchema{{Type: "change"}},
}

var changeSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "type"}, {Name: "reason"}, {Name: "risk"}, {Name: "mitigations"},
		{Name: "impact"}, {Name: "expected_downtime"}, {Name: "affected_services"},
		{Name: "communication"}, {Name: "implementers"},
	},
	Blocks: []hcl.BlockHeaderSchema{{Type: "window"}, {Type: "backout"}},
}

var windowSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "start", Required: true}, {Name: "end", Required: true},
}}

var backoutPlanSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "summary"}, {Name: "trigger"}, {Name: "restored_state"},
}}

var variableSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "type"}, {Name: "description"}, {Name: "default"}, {Name: "sensitive"},
	},
	Blocks: []hcl.BlockHeaderSchema{{Type: "validation"}},
}

var validationSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "condition", Required: true}, {Name: "error_message", Required: true},
}}

var targetSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "type", Required: true},
}}

var retrySchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "attempts"}, {Name: "backoff"}, {Name: "max_delay"},
}}

var assertSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "condition", Required: true}, {Name: "message"},
}}

var verifySchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "uses", Required: true}, {Name: "condition", Required: true}, {Name: "target"},
}}

// stepSchemas are the meta-arguments of each class, whose blocks init
// adds to fileSchema. Classes that use a
// step type (kinded) leave every other attribute to the type's Spec.
// metaNames are the same names as sets: attributes, then block types.
var (
	stepSchemas = map[Class]*hcl.BodySchema{}
	metaNames   = map[Class][2]map[string]bool{}
)

// kinded reports whether a class runs a step type: its schema has uses.
func kinded(c Class) bool { return metaNames[c][0]["uses"] }

func init() {
	common := []string{"description", "refs", "depends_on", "when", "for_each", "expected_duration", "timeout"}
	kindedAttrs := []string{"uses", "target", "on_failure", "always"}
	actionAttrs := []string{"point_of_no_return", "idempotent"}
	add := func(c Class, required []string, attrs [][]string, blocks ...string) {
		s := &hcl.BodySchema{}
		names := [2]map[string]bool{{}, {}}
		for _, a := range slices.Concat(append([][]string{required}, attrs...)...) {
			s.Attributes = append(s.Attributes, hcl.AttributeSchema{Name: a, Required: slices.Contains(required, a)})
			names[0][a] = true
		}
		for _, b := range blocks {
			s.Blocks = append(s.Blocks, hcl.BlockHeaderSchema{Type: b})
			names[1][b] = true
		}
		stepSchemas[c], metaNames[c] = s, names
		fileSchema.Blocks = append(fileSchema.Blocks, hcl.BlockHeaderSchema{Type: string(c), LabelNames: []string{"name"}})
	}
	add(ClassCheck, nil, [][]string{common, kindedAttrs}, "retry", "assert")
	add(ClassAction, nil, [][]string{common, kindedAttrs, actionAttrs}, "retry", "assert", "verify")
	add(ClassWait, []string{"until"}, [][]string{common, kindedAttrs, {"fail_if", "fail_message", "interval", "stable_for"}}, "assert")
	add(ClassApproval, nil, [][]string{common, {"approvers", "min_approvals", "allow_requester", "expires_after", "instructions"}})
	add(ClassDecision, []string{"condition"}, [][]string{common})
	add(ClassManual, []string{"instructions"}, [][]string{common, {"reason", "approvers", "min_approvals", "allow_requester", "expires_after"}})
	add(ClassBackout, nil, [][]string{common, kindedAttrs, actionAttrs, {"undoes"}}, "retry", "assert", "verify")
	add(ClassPost, nil, [][]string{common, kindedAttrs, actionAttrs}, "retry", "assert", "verify")
}
