package executor

import (
	"sort"
	"strings"

	"github.com/batonhq/baton/steps"
	"github.com/zclconf/go-cty/cty"
)

// redactor replaces the text of every secret with "(sensitive)" in error
// messages and captured output, as a second line of defence behind the
// step types (which must not print secrets in the first place).
type redactor struct{ r *strings.Replacer }

func newRedactor(values ...map[string]cty.Value) *redactor {
	var secrets []string
	for _, m := range values {
		for _, v := range m {
			collectSecrets(v, &secrets)
		}
	}
	sort.Slice(secrets, func(i, j int) bool { return len(secrets[i]) > len(secrets[j]) })
	var pairs []string
	for _, s := range secrets {
		pairs = append(pairs, s, "(sensitive)")
	}
	return &redactor{r: strings.NewReplacer(pairs...)}
}

func collectSecrets(v cty.Value, out *[]string) {
	un, pvm := v.UnmarkDeepWithPaths()
	for _, pm := range pvm {
		if _, ok := pm.Marks[steps.Sensitive]; !ok {
			continue
		}
		x, err := pm.Path.Apply(un)
		if err != nil {
			continue
		}
		_ = cty.Walk(x, func(_ cty.Path, s cty.Value) (bool, error) {
			if s.IsKnown() && !s.IsNull() && s.Type() == cty.String && len(s.AsString()) >= 3 {
				*out = append(*out, s.AsString())
			}
			return true, nil
		})
	}
}

func (r *redactor) String(s string) string {
	if r == nil || r.r == nil {
		return s
	}
	return r.r.Replace(s)
}
