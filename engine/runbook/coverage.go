package runbook

import "sort"

// Coverage maps each domain reference id (a step's refs, such as "P05" or
// "PP-01") to the names of the steps that cover it, in declaration order.
// Manual steps are included; tell them apart with Step.IsManual or
// ManualCoverage. The runbook's own refs are not steps and are not listed.
func Coverage(rb *Runbook) map[string][]string {
	out := map[string][]string{}
	for _, s := range rb.Steps {
		for _, ref := range s.Refs {
			out[ref] = appendUnique(out[ref], s.Name)
		}
	}
	return out
}

// ManualCoverage returns the reference ids covered only by manual steps:
// work the runbook leaves to people. Sorted.
func ManualCoverage(rb *Runbook) []string {
	var out []string
	for ref, names := range Coverage(rb) {
		manual := true
		for _, n := range names {
			if s := rb.Step(n); s == nil || !s.IsManual() {
				manual = false
			}
		}
		if manual {
			out = append(out, ref)
		}
	}
	sort.Strings(out)
	return out
}

func appendUnique(s []string, x string) []string {
	for _, y := range s {
		if y == x {
			return s
		}
	}
	return append(s, x)
}
