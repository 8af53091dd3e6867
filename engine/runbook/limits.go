package runbook

import (
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// Limits that apply enforces, checked by Load so that a runbook that
// validates never fails at apply for a reason in its text.
const (
	// MaxNameLen bounds names (step names are keys of the state store):
	// maxNameLen of state/codec.go (and of state/azblob/helpers.go),
	// repeated here because the runbook package does not depend on state.
	MaxNameLen = 1024
	// MaxLockKeyLen bounds a lock key (a state store key too), leaving room
	// for the "rehearsal:" that engine/executor puts before a rehearsal's.
	MaxLockKeyLen = MaxNameLen - len("rehearsal:")
	// MinWaitInterval is the shortest interval at which a wait may poll.
	MinWaitInterval = time.Second
)

// checkLockLen reports a lock key longer than MaxLockKeyLen: its value
// when known, else the literal text of its template, which every value has.
func (l *loader) checkLockLen(expr hcl.Expression, v cty.Value) {
	n, exact := literalLen(expr), false
	if v.IsKnown() && !v.IsNull() && v.Type() == cty.String {
		n, exact = len(v.AsString()), true
	}
	if n <= MaxLockKeyLen {
		return
	}
	what := "is"
	if !exact {
		what = "is at least"
	}
	l.errorf(expr.Range(), "Lock key too long",
		"The lock key %s %d bytes long; a lock key may hold at most %d (the state store keeps it as a key). Shorten it.", what, n, MaxLockKeyLen)
}

// literalLen is the length of the literal text of a string template.
func literalLen(expr hcl.Expression) int {
	switch e := expr.(type) {
	case *hclsyntax.TemplateWrapExpr:
		return literalLen(e.Wrapped)
	case *hclsyntax.TemplateExpr:
		n := 0
		for _, p := range e.Parts {
			n += literalLen(p)
		}
		return n
	case *hclsyntax.LiteralValueExpr:
		if e.Val.Type() == cty.String && !e.Val.IsNull() {
			return len(e.Val.AsString())
		}
	}
	return 0
}
