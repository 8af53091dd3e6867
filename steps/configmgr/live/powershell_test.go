package live

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/batonhq/baton/steps/shell"
)

// TestRunPowerShellReportsProcess: the default runner passes the hook
// carried by the context (shell.WithOnStart) to shell.Run.
func TestRunPowerShellReportsProcess(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the fake PowerShell is a shell script")
	}
	fake := filepath.Join(t.TempDir(), "pwsh")
	script := "#!/bin/sh\ncat >/dev/null\necho '" + shell.ResultMarker + "'\necho 1\n"
	if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		ctx  func(context.Context, *[]int) context.Context
		want int
	}{
		{"hook in context", func(ctx context.Context, pids *[]int) context.Context {
			return shell.WithOnStart(ctx, func(pid int, start string) { *pids = append(*pids, pid) })
		}, 1},
		{"no hook", func(ctx context.Context, _ *[]int) context.Context { return ctx }, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var pids []int
			res, err := RunPowerShell(tt.ctx(t.Context(), &pids), "1", nil, shell.PSOptions{Executable: fake})
			if err != nil || res.ExitCode != 0 {
				t.Fatalf("RunPowerShell: %+v, %v", res, err)
			}
			if len(pids) != tt.want || (tt.want == 1 && pids[0] <= 0) {
				t.Errorf("hook saw pids %v, want %d call(s)", pids, tt.want)
			}
		})
	}
}

// TestActionStderrCLIXML: a CLIXML error stream becomes readable text in
// the error, and secrets escaped in the XML are still removed.
func TestActionStderrCLIXML(t *testing.T) {
	const head = "#< CLIXML\r\n" + `<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">`
	tests := []struct {
		name, stderr, want, never string
	}{
		{"Set-CMSite error", head + `<S S="Error">Set-CMSite : The passive site server is not ready._x000D__x000A_</S><S S="Error">At line:30 char:9_x000D__x000A_</S></Objs>`,
			"Set-CMSite : The passive site server is not ready.\nAt line:30 char:9", "_x000D_"},
		{"escaped secret redacted", head + `<S S="Error">bad password P&amp;fx_x005F_x! for dp1.pfx_x000D__x000A_</S></Objs>`,
			"bad password (sensitive) for dp1.pfx", "P&fx_x!"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := liveSite(t)
			capture(s, shell.Result{ExitCode: 1, Stderr: tt.stderr}, nil)
			err := s.ReimportDPCertificate(context.Background(), "dp1.contoso.com", `\\files\dp1.pfx`, "P&fx_x!")
			if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "<Objs") || strings.Contains(err.Error(), tt.never) {
				t.Errorf("err = %v\nwant it to contain %q, and neither XML nor %q", err, tt.want, tt.never)
			}
		})
	}
}
