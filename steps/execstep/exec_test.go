package execstep

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/golden"
	"github.com/batonhq/baton/steps"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

var vars = map[string]cty.Value{
	"site":     cty.StringVal("ABC"),
	"password": cty.StringVal("s3cret-pw").Mark(steps.Sensitive),
	"later":    cty.UnknownVal(cty.String),
}

func decode(t *testing.T, spec hcldec.Spec, src string, vars map[string]cty.Value) cty.Value {
	t.Helper()
	f, diags := hclsyntax.ParseConfig([]byte(src), "test.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	v, diags := hcldec.Decode(f.Body, spec, &hcl.EvalContext{Variables: map[string]cty.Value{"var": cty.ObjectVal(vars)}})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return v
}

func unmark(v cty.Value) cty.Value { u, _ := v.UnmarkDeep(); return u }

func runKind(t *testing.T, k steps.Kind, src string) (cty.Value, string, error) {
	t.Helper()
	var out bytes.Buffer
	v, err := k.Run(t.Context(), steps.Request{Args: unmark(decode(t, k.Spec(), src, known)), Output: &out, Step: "s"})
	return v, out.String(), err
}

var known = map[string]cty.Value{"site": cty.StringVal("ABC"), "password": cty.StringVal("s3cret-pw").Mark(steps.Sensitive), "later": cty.StringVal("x")}

func describe(d steps.Description) string {
	var b strings.Builder
	b.WriteString(d.Summary + "\n")
	for _, det := range d.Details {
		b.WriteString("--- " + det.Label + "\n" + det.Text + "\n")
	}
	return b.String()
}

func TestExecRun(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("uses sh")
	}
	dir := t.TempDir()
	tests := []struct {
		name, src      string
		stdout, stderr string
		code           int64
		json           cty.Value
		err            string
	}{
		{"argv", `command = ["/bin/echo", "a b", "$HOME"]`, "a b $HOME\n", "", 0, cty.NullVal(cty.DynamicPseudoType), ""},
		{"shell", `
command = ["echo \"$1-$BATON_X\" | tr a-z A-Z", "arg"]
shell   = true
env     = { BATON_X = var.site }`, "ARG-ABC\n", "", 0, cty.NullVal(cty.DynamicPseudoType), ""},
		{"dir and stdin", `
command = ["sh", "-c", "pwd; cat"]
dir     = "` + dir + `"
stdin   = "in"`, dir + "\nin", "", 0, cty.NullVal(cty.DynamicPseudoType), ""},
		{"parse_json", `
command    = ["echo", "{\"sites\":[{\"code\":\"ABC\",\"ok\":true}]}"]
parse_json = true`, "{\"sites\":[{\"code\":\"ABC\",\"ok\":true}]}\n", "", 0,
			cty.ObjectVal(map[string]cty.Value{"sites": cty.TupleVal([]cty.Value{cty.ObjectVal(map[string]cty.Value{"code": cty.StringVal("ABC"), "ok": cty.True})})}), ""},
		{"success code 3", `
command       = ["sh", "-c", "echo warn >&2; exit 3"]
success_codes = [0, 3]`, "", "warn\n", 3, cty.NullVal(cty.DynamicPseudoType), ""},
		{"failure code", `command = ["sh", "-c", "echo secret-in-stderr >&2; exit 4"]`, "", "", 0, cty.NilVal, "exited with code 4 (success_codes [0]): see the step's output"},
		{"bad json", `
command    = ["echo", "not json"]
parse_json = true`, "", "", 0, cty.NilVal, "parse_json: the output of echo is not JSON"},
		{"truncated json", `
command    = ["echo", "{\"a\": 1}"]
parse_json = true
max_output = 3`, "", "", 0, cty.NilVal, "cut at max_output"},
		{"not found", `command = ["baton-no-such-program"]`, "", "", 0, cty.NilVal, "not found in PATH"},
		{"empty", `command = []`, "", "", 0, cty.NilVal, "non-empty list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, out, err := runKind(t, Exec{}, tt.src)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				if strings.Contains(err.Error(), "secret-in-stderr") {
					t.Error("stderr leaked into the error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := cty.ObjectVal(map[string]cty.Value{"exit_code": cty.NumberIntVal(tt.code), "stdout": cty.StringVal(tt.stdout), "stderr": cty.StringVal(tt.stderr), "json": tt.json})
			if !got.RawEquals(want) {
				t.Errorf("got  %s\nwant %s", steps.Show(got), steps.Show(want))
			}
			if !strings.Contains(out, tt.stdout) {
				t.Errorf("req.Output %q lacks stdout", out)
			}
		})
	}
}

func TestExecKilledByContext(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("uses sleep")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	args := unmark(decode(t, Exec{}.Spec(), `command = ["sleep", "30"]`, known))
	start := time.Now()
	_, err := Exec{}.Run(ctx, steps.Request{Args: args})
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Fatalf("err = %v after %s", err, time.Since(start))
	}
}

func TestPowerShellRunWithFake(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the fake is a shell script")
	}
	fake, _ := filepath.Abs("testdata/fake-pwsh")
	base := `
executable = "` + fake + `"
script     = "Get-CMSite"
params     = { site = var.site, password = var.password, text = "a'b\"c;$(x)" }
`
	got, out, err := runKind(t, PowerShell{}, base)
	if err != nil {
		t.Fatal(err)
	}
	wantJSON := cty.ObjectVal(map[string]cty.Value{"site": cty.StringVal("ABC"), "password": cty.StringVal("s3cret-pw"), "text": cty.StringVal("a'b\"c;$(x)")})
	if !got.GetAttr("json").RawEquals(wantJSON) {
		t.Errorf("json %s", steps.Show(got.GetAttr("json")))
	}
	if got.GetAttr("stdout").AsString() != "WARNING: host output" {
		t.Errorf("stdout %q", got.GetAttr("stdout").AsString())
	}
	if !strings.Contains(out, "WARNING") {
		t.Errorf("output %q", out)
	}

	t.Setenv("FAKE_PWSH_EXIT", "1")
	if _, _, err := runKind(t, PowerShell{}, base); err == nil || !strings.Contains(err.Error(), "PowerShell exited with code 1") {
		t.Errorf("err = %v", err)
	}
	t.Setenv("FAKE_PWSH_EXIT", "")
	t.Setenv("FAKE_PWSH_NO_RESULT", "1")
	if _, _, err := runKind(t, PowerShell{}, base); err == nil || !strings.Contains(err.Error(), "printed no result") {
		t.Errorf("err = %v", err)
	}
}

func TestPowerShellRunErrors(t *testing.T) {
	tests := []struct{ name, src, err string }{
		{"configmgr without site", `
script = "Get-CMSite"
import_configmgr = true`, "needs site_code"},
		{"too long", `script = "` + strings.Repeat("x", 20000) + `"`, "too long for a command line"},
		{"missing executable", `
script = "1"
executable = "/nonexistent/pwsh"`, "does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := runKind(t, PowerShell{}, tt.src)
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("err = %v, want %q", err, tt.err)
			}
		})
	}
}

func TestDescribeGolden(t *testing.T) {
	tests := []struct {
		name string
		kind steps.Kind
		src  string
	}{
		{"exec", Exec{}, `
command = ["/usr/bin/curl", "-u", var.password, var.later]
env     = { TOKEN = var.password, SITE = var.site }
dir     = "/tmp"`},
		{"exec_shell", Exec{}, `
command       = ["systemctl is-active sms_executive"]
shell         = true
success_codes = [0, 3]`},
		{"powershell_configmgr", PowerShell{}, `
script = <<EOT
Invoke-CMSiteServerFailover -SiteCode $BatonParams.site -Force
EOT
params           = { site = var.site, password = var.password, when = var.later }
import_configmgr = true
site_code        = var.site
provider         = var.later
executable       = "powershell.exe"`},
		{"powershell_plain", PowerShell{}, `
script = "Get-Service -Name $BatonParams.name | Select-Object Name, Status"
params = { name = "SMS_EXECUTIVE" }
executable = "pwsh"`},
		{"powershell_sensitive_script", PowerShell{}, `
script = "Write-Output '${var.password}'"
import_configmgr = var.later == "x"
site_code = "ABC"
executable = "pwsh"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := describe(tt.kind.Describe(decode(t, tt.kind.Spec(), tt.src, vars)))
			golden.Check(t, filepath.Join("testdata", tt.name+".golden"), []byte(got))
			if strings.Contains(got, "s3cret") {
				t.Error("secret leaked into Describe")
			}
		})
	}
}
