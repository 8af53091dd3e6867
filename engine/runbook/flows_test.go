package runbook

import (
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/batonhq/baton/steps"
	"github.com/batonhq/baton/steps/execstep"
	"github.com/batonhq/baton/steps/httpstep"
	"github.com/hashicorp/hcl/v2"
)

func flowRegistry() *steps.Registry {
	reg := testRegistry()
	reg.Register(httpstep.Kinds()...)
	reg.Register(execstep.Exec{}, execstep.PowerShell{})
	return reg
}

// flowHeader declares the secret (line 1-4) and a step printing it
// (lines 5-9), so that each case's step starts on line 10.
const flowHeader = `variable "secret" {
  type      = string
  sensitive = true
}
action "echo" {
  uses       = "exec"
  command    = ["sh", "-c", "echo $PW"]
  env        = { PW = var.secret }
}
`

// TestForbiddenFlows: each way a secret can reach an argument that shows
// it is a validation error naming the flow, at the expression's place.
func TestForbiddenFlows(t *testing.T) {
	tests := []struct {
		name, step, want, at string
	}{
		{"notify message via format", `action "tell" {
  uses        = "notify"
  webhook_url = "https://hooks.example/x"
  message     = format("pw %s", var.secret)
}`, `var.secret flows into notify.message via format(...) (step "tell")`, "13:17"},
		{"notify message via template", `action "tell" {
  uses        = "notify"
  webhook_url = "https://hooks.example/x"
  message     = "pw ${upper(var.secret)}"
}`, `var.secret flows into notify.message via upper(...), a template (step "tell")`, "13:17"},
		{"notify relays a step's output", `action "tell" {
  uses        = "notify"
  webhook_url = "https://hooks.example/x"
  message     = step.echo.output.stdout
}`, `step.echo.output.stdout flows into notify.message (step "tell")`, "13:17"},
		{"notify fields", `action "tell" {
  uses        = "notify"
  webhook_url = "https://hooks.example/x"
  message     = "hello"
  fields      = { who = "me", pw = strrev(var.secret) }
}`, `var.secret flows into notify.fields["pw"] via strrev(...) (step "tell")`, "14:36"},
		{"http body", `action "post" {
  uses = "http"
  url  = "https://api.example/x"
  body = base64encode(var.secret)
}`, `var.secret flows into http.body via base64encode(...) (step "post")`, "13:10"},
		{"http json", `action "post" {
  uses = "http"
  url  = "https://api.example/x"
  json = { password = replace(var.secret, "a", "b") }
}`, `var.secret flows into http.json.password via replace(...) (step "post")`, "13:23"},
		{"http url", `action "post" {
  uses = "http"
  url  = "https://api.example/x?k=${urlencode(var.secret)}"
}`, `var.secret flows into http.url via urlencode(...), a template (step "post")`, "12:10"},
		{"http other header", `action "post" {
  uses    = "http"
  url     = "https://api.example/x"
  headers = { "X-Note" = var.secret }
}`, `var.secret flows into http.headers["X-Note"] (step "post")`, "13:26"},
		{"exec command line", `action "run" {
  uses    = "exec"
  command = ["tool", "--password", var.secret]
}`, `var.secret flows into exec.command[2] (step "run")`, "12:36"},
		{"a sensitive number", `action "run" {
  uses    = "exec"
  command = ["tool", format("%d", length(var.secret) * 1000)]
}`, `var.secret flows into exec.command[1] via length(...), format(...) (step "run")`, "12:22"},
		{"powershell script text", `action "ps" {
  uses   = "powershell"
  script = "Write-Output '${var.secret}'"
}`, `var.secret flows into powershell.script via a template (step "ps")`, "12:12"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := flowHeader + tc.step + "\n"
			rb, diags := Load(FromFS(fstest.MapFS{"main.hcl": {Data: []byte(src)}}), "main.hcl", flowRegistry())
			var found []string
			for _, d := range diags {
				if d.Summary != "Secret flows into an argument that is not secret" {
					continue
				}
				at := fmt.Sprintf("%d:%d", d.Subject.Start.Line, d.Subject.Start.Column)
				found = append(found, at+" "+d.Detail)
				if at == tc.at && strings.HasPrefix(d.Detail, tc.want) {
					return
				}
			}
			t.Errorf("no error %q at main.hcl:%s; got %q\n%s", tc.want, tc.at, found, writeDiags(t, rb, diags))
		})
	}
}

// TestAllowedFlows: secrets in declared sinks, and behind nonsensitive,
// pass validation (the latter with a warning).
func TestAllowedFlows(t *testing.T) {
	src := flowHeader + `action "post" {
  uses         = "http"
  url          = "https://api.example/x"
  bearer_token = var.secret
  headers      = { Authorization = "Basic ${base64encode("me:${var.secret}")}" }
  body         = "length ${nonsensitive(length(var.secret))}"
}
action "ps" {
  uses   = "powershell"
  script = "Set-Thing -Password (ConvertTo-SecureString $BatonParams.pw -AsPlainText -Force)"
  params = { pw = var.secret }
}
action "tell" {
  uses        = "notify"
  webhook_url = var.secret
  message     = "done"
}
runbook "t" {
  title = "t"
}
`
	rb, diags := Load(FromFS(fstest.MapFS{"main.hcl": {Data: []byte(src)}}), "main.hcl", flowRegistry())
	warned := false
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			t.Errorf("unexpected error:\n%s", writeDiags(t, rb, hcl.Diagnostics{d}))
		}
		if d.Summary == "Secret declared safe to show" && d.Subject.Start.Line == 15 {
			warned = true
		}
	}
	if !warned {
		t.Errorf("no warning at nonsensitive(...):\n%s", writeDiags(t, rb, diags))
	}
}

// TestVerifyFlows: a verify block's arguments are checked like a step's.
func TestVerifyFlows(t *testing.T) {
	src := flowHeader + `action "act" {
  uses       = "exec"
  command    = ["true"]
  verify {
    uses      = "http_get"
    url       = "https://api.example/${var.secret}"
    condition = self.output.status == 200
  }
}
`
	rb, diags := Load(FromFS(fstest.MapFS{"main.hcl": {Data: []byte(src)}}), "main.hcl", flowRegistry())
	for _, d := range diags {
		if d.Summary == "Secret flows into an argument that is not secret" && d.Subject.Start.Line == 15 &&
			strings.HasPrefix(d.Detail, `var.secret flows into http_get.url via a template (step "act")`) {
			return
		}
	}
	t.Errorf("no flow error for the verify url:\n%s", writeDiags(t, rb, diags))
}
