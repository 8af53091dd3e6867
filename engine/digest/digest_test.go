package digest

import (
	"strings"
	"testing"

	"github.com/batonhq/baton/steps"
	"github.com/zclconf/go-cty/cty"
)

// TestSensitiveInputsLeaveNoTrace: two different secrets give the same
// stored form and digest, so nothing stored can be used to guess one.
func TestSensitiveInputsLeaveNoTrace(t *testing.T) {
	vars := func(secret string) map[string]cty.Value {
		return map[string]cty.Value{
			"site":     cty.StringVal("PS1"),
			"password": cty.StringVal(secret).Mark(steps.Sensitive),
		}
	}
	totalA, a := Inputs(vars("correct horse battery staple"))
	totalB, b := Inputs(vars("hunter2"))
	if totalA != totalB || a["password"] != b["password"] {
		t.Errorf("the stored form depends on the secret: %+v vs %+v", a["password"], b["password"])
	}
	if !a["password"].Sensitive || a["password"].Value != "" {
		t.Errorf("secret stored: %+v", a["password"])
	}
	if strings.Contains(totalA+a["password"].Hash, "hunter2") {
		t.Error("secret in clear")
	}
	// Non-sensitive values still bind.
	other := vars("hunter2")
	other["site"] = cty.StringVal("PS2")
	if totalC, _ := Inputs(other); totalC == totalB {
		t.Error("a changed input left the digest unchanged")
	}
}
