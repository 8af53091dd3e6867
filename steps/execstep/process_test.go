package execstep

import (
	"bytes"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/batonhq/baton/steps"
)

// TestOnProcess: both step types report the program they started.
func TestOnProcess(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("uses sh")
	}
	fake, _ := filepath.Abs("testdata/fake-pwsh")
	tests := []struct {
		name    string
		kind    steps.Kind
		src     string
		selfPID bool // stdout is the program's pid
	}{
		{"exec", Exec{}, `command = ["sh", "-c", "echo $$"]`, true},
		{"powershell", PowerShell{}, `
executable = "` + fake + `"
script     = "1"`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []steps.Process
			req := steps.Request{Args: unmark(decode(t, tt.kind.Spec(), tt.src, known)), Output: &bytes.Buffer{},
				OnProcess: func(p steps.Process) { got = append(got, p) }}
			v, err := tt.kind.Run(t.Context(), req)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0].PID <= 0 {
				t.Fatalf("OnProcess got %+v, want one process", got)
			}
			if runtime.GOOS == "linux" && got[0].Start == "" {
				t.Errorf("no start time for pid %d", got[0].PID)
			}
			if out := strings.TrimSpace(v.GetAttr("stdout").AsString()); tt.selfPID && out != strconv.Itoa(got[0].PID) {
				t.Errorf("OnProcess pid %d, the program says %s", got[0].PID, out)
			}
		})
	}
}

// TestPowerShellStderrCLIXML: the error stream reaches the output and the
// step's stderr as text, not as CLIXML.
func TestPowerShellStderrCLIXML(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the fake is a shell script")
	}
	fake, _ := filepath.Abs("testdata/fake-pwsh")
	t.Setenv("FAKE_PWSH_STDERR", "#< CLIXML\r\n"+`<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">`+
		`<S S="Error">Get-CMSite : Access denied._x000D__x000A_</S><S S="Error">At line:12 char:1_x000D__x000A_</S></Objs>`)
	got, out, err := runKind(t, PowerShell{}, `
executable = "`+fake+`"
script     = "Get-CMSite"`)
	if err != nil {
		t.Fatal(err)
	}
	want := "Get-CMSite : Access denied.\nAt line:12 char:1"
	if s := got.GetAttr("stderr").AsString(); s != want {
		t.Errorf("stderr %q, want %q", s, want)
	}
	if !strings.Contains(out, want) || strings.Contains(out, "<Objs") {
		t.Errorf("output %q", out)
	}
}
