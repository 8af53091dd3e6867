package runbook

import (
	"github.com/batonhq/baton/engine/lang"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclwrite"
)

// Format returns the canonical form of a runbook file (hclwrite.Format:
// indentation, aligned equals signs, spacing). A file with syntax errors is
// not formatted: the errors are returned and the result is nil. So is one
// beyond lang.CheckConfig's limits.
func Format(src []byte, filename string) ([]byte, hcl.Diagnostics) {
	_, diags := lang.ParseConfig(src, filename, hcl.InitialPos)
	if diags.HasErrors() {
		return nil, diags
	}
	return hclwrite.Format(src), diags
}
