package runbook

import (
	"strings"
	"testing"
	"testing/fstest"
)

// TestStateLimits: what the state store would refuse at apply is an error
// of validate.
func TestStateLimits(t *testing.T) {
	key := func(n int) string { return strings.Repeat("k", n) }
	tests := []struct {
		name, src, want string // want: the one error's summary, "" for none
	}{
		{"lock at the limit", `lock = "` + key(MaxLockKeyLen) + `"`, ""},
		{"lock over the limit", `lock = "` + key(MaxLockKeyLen+1) + `"`, "Lock key too long"},
		{"lock from a local", `lock = local.k`, "Lock key too long"},
		{"template of a variable", `lock = "` + key(MaxLockKeyLen) + `/${var.v}"`, "Lock key too long"},
		{"short template", `lock = "site/${var.v}"`, ""},
		{"name at the limit", "", ""},
		{"name over the limit", "", "Name too long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := "c"
			switch tt.name {
			case "name at the limit":
				name = "c" + key(MaxNameLen-1)
			case "name over the limit":
				name = "c" + key(MaxNameLen)
			}
			src := "runbook \"t\" {\n  " + tt.src + "\n}\n\nvariable \"v\" {\n  type = string\n}\n\nlocals {\n  k = \"" + key(MaxNameLen) + "\"\n}\n\ncheck \"" + name + "\" {\n  uses = \"probe\"\n  host = \"x\"\n}\n"
			rb, diags := Load(FromFS(fstest.MapFS{"r.hcl": {Data: []byte(src)}}), "r.hcl", testRegistry())
			var got []string
			for _, d := range diags {
				got = append(got, d.Summary)
			}
			if tt.want == "" && len(got) > 0 || tt.want != "" && (len(got) != 1 || got[0] != tt.want) {
				t.Fatalf("diagnostics %q, want %q\n%s", got, tt.want, writeDiags(t, rb, diags))
			}
		})
	}
}
