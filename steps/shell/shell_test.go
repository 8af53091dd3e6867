package shell

import (
	"context"
	"errors"
	"github.com/batonhq/baton/internal/golden"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestRun(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("uses sh")
	}
	dir := t.TempDir()
	tests := []struct {
		name string
		cmd  Command
		want Result
	}{
		{"echo", Command{Path: "/bin/echo", Args: []string{"hello", "world"}}, Result{Stdout: "hello world\n"}},
		{"args are not split or expanded", Command{Path: "/bin/echo", Args: []string{"a b", "$HOME", "; rm -rf /"}}, Result{Stdout: "a b $HOME ; rm -rf /\n"}},
		{"exit code is not an error", Command{Path: "sh", Args: []string{"-c", "echo oops >&2; exit 3"}}, Result{ExitCode: 3, Stderr: "oops\n"}},
		{"stdin", Command{Path: "sh", Args: []string{"-c", "cat"}, Stdin: "from stdin"}, Result{Stdout: "from stdin"}},
		{"env added to inherited", Command{Path: "sh", Args: []string{"-c", `printf '%s %s' "$BATON_X" "${PATH:+has-path}"`}, Env: []string{"BATON_X=1"}}, Result{Stdout: "1 has-path"}},
		{"env overrides", Command{Path: "sh", Args: []string{"-c", `printf '%s' "$HOME"`}, Env: []string{"HOME=/nowhere"}}, Result{Stdout: "/nowhere"}},
		{"dir", Command{Path: "sh", Args: []string{"-c", "pwd"}, Dir: dir}, Result{Stdout: dir + "\n"}},
		{"output capped", Command{Path: "sh", Args: []string{"-c", "printf 0123456789; printf abcdefghij >&2"}, MaxOutput: 4}, Result{Stdout: "0123", Stderr: "abcd", Truncated: true}},
		{"exactly at cap", Command{Path: "sh", Args: []string{"-c", "printf 0123"}, MaxOutput: 4}, Result{Stdout: "0123"}},
		{"large output drained", Command{Path: "sh", Args: []string{"-c", "head -c 1000000 /dev/zero | tr '\\0' x"}, MaxOutput: 3}, Result{Stdout: "xxx", Truncated: true}},
		{"invalid utf-8 replaced", Command{Path: "sh", Args: []string{"-c", `printf 'a\377b'`}}, Result{Stdout: "a\uFFFDb"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Run(t.Context(), tt.cmd)
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			got.Duration = 0
			if got != tt.want {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestRunKilledByContext(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("uses sh")
	}
	tests := []struct {
		name string
		cmd  Command
	}{
		{"sleep", Command{Path: "sleep", Args: []string{"30"}}},
		// The shell's child holds stdout open: only killing the group ends it.
		{"shell child", Command{Path: "sh", Args: []string{"-c", "echo started; sleep 30; echo never"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
			defer cancel()
			start := time.Now()
			res, err := Run(ctx, tt.cmd)
			took := time.Since(start)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("err = %v, want DeadlineExceeded", err)
			}
			// The child sleeps 30s: returning well before that proves the
			// kill (a loaded CI machine may add seconds, so no tight bound).
			if took > 10*time.Second {
				t.Errorf("Run returned %s after the deadline: the process was not killed", took-100*time.Millisecond)
			}
			if res.ExitCode != -1 {
				t.Errorf("ExitCode = %d, want -1 (killed)", res.ExitCode)
			}
			if strings.Contains(res.Stdout, "never") {
				t.Errorf("stdout %q: process was not killed", res.Stdout)
			}
		})
	}
}

func TestRunBackgroundChildDoesNotBlock(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("uses sh")
	}
	// The shell exits at once but leaves a child holding stdout; Run must
	// return after waitDelay, not after the child.
	start := time.Now()
	res, err := Run(t.Context(), Command{Path: "sh", Args: []string{"-c", "echo hi; sleep 5 & exit 0"}})
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("took %s", took)
	}
	if res.Stdout != "hi\n" || res.ExitCode != 0 {
		t.Errorf("got %+v", res)
	}
}

func TestRunStartErrors(t *testing.T) {
	tests := []struct {
		name string
		cmd  Command
		want string
	}{
		{"empty", Command{}, "no program to run"},
		{"not in PATH", Command{Path: "baton-no-such-program"}, "not found in PATH: install it"},
		{"missing path", Command{Path: "/nonexistent/prog"}, "does not exist: check the path"},
		{"missing dir", Command{Path: "/bin/echo", Dir: "/nonexistent-dir"}, "working directory does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Run(t.Context(), tt.cmd)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := Run(ctx, Command{Path: "/bin/echo"}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled ctx: err = %v", err)
	}
}

func TestPowerShellGolden(t *testing.T) {
	script := "Get-CMSite -SiteCode $BatonParams.site_code |\n  Select-Object SiteCode, Status\n"
	tests := []struct {
		name   string
		params map[string]string
		opts   PSOptions
	}{
		{"plain", nil, PSOptions{Executable: "pwsh"}},
		{"params", map[string]string{"site_code": "ABC", "password": "s3cr€t';$x", "odd name\n#": "zq-value"}, PSOptions{Executable: "pwsh"}},
		{"configmgr", map[string]string{"site_code": "ABC"}, PSOptions{Executable: "powershell.exe", ImportConfigMgr: true, SiteCode: "ABC", ProviderMachine: "sms01.contoso.com"}},
		{"configmgr_quotes", nil, PSOptions{ImportConfigMgr: true, SiteCode: "A'B\u2019", ProviderMachine: ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := RenderPowerShell(script, tt.params, tt.opts)
			golden.Check(t, filepath.Join("testdata", tt.name+".golden"), []byte(got))
			for _, v := range tt.params {
				if strings.Contains(got, v) && v != "ABC" {
					t.Errorf("parameter value %q appears in the script text", v)
				}
			}
			cmd := PowerShell(script, tt.params, tt.opts)
			if got := decodeCommand(t, cmd.Args[len(cmd.Args)-1]); got != RenderPowerShell(script, tt.params, tt.opts) {
				t.Errorf("-EncodedCommand does not decode to the rendered script")
			}
			if cmd.Args[len(cmd.Args)-2] != "-EncodedCommand" {
				t.Errorf("args %q", cmd.Args)
			}
			params := decodeParams(t, cmd.Stdin)
			if len(params) != len(tt.params) {
				t.Errorf("stdin params %v, want %v", params, tt.params)
			}
			for k, v := range tt.params {
				if params[k] != v {
					t.Errorf("stdin param %q = %q, want %q", k, params[k], v)
				}
			}
		})
	}
}

func TestPowerShellExecutable(t *testing.T) {
	got := PowerShell("1", nil, PSOptions{}).Path
	want := "pwsh"
	if runtime.GOOS == "windows" {
		want = "powershell.exe"
	}
	if got != want {
		t.Errorf("default executable %q, want %q", got, want)
	}
	if got := PowerShell("1", nil, PSOptions{Executable: `C:\pwsh\pwsh.exe`}).Path; got != `C:\pwsh\pwsh.exe` {
		t.Errorf("explicit executable %q", got)
	}
	if line := PowerShellCommandLine(PSOptions{Executable: "pwsh"}); !strings.HasPrefix(line, "pwsh -NoLogo -NoProfile -NonInteractive") {
		t.Errorf("command line %q", line)
	}
	text := RenderPowerShell("1", nil, PSOptions{})
	if got, want := EncodedLength(text), len(encodeCommand(text)); got != want {
		t.Errorf("EncodedLength = %d, want %d", got, want)
	}
}

func TestPowerShellJSON(t *testing.T) {
	tests := []struct {
		name, stdout, want, host, err string
	}{
		{"object", "WARNING: x\n" + ResultMarker + "\n{\"a\":1}\n", `{"a":1}`, "WARNING: x", ""},
		{"crlf", ResultMarker + "\r\n[1,2]\r\n", `[1,2]`, "", ""},
		{"empty result", ResultMarker + "\n", `null`, "", ""},
		{"last marker wins", ResultMarker + "\n1\n" + ResultMarker + "\n2\n", `2`, ResultMarker + "\n1", ""},
		{"no marker", "boom\n", "", "", "printed no result"},
		{"truncated", ResultMarker + "\n{\"a\":", "", "", "not valid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, host, err := PowerShellJSON(tt.stdout)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || string(got) != tt.want || host != tt.host {
				t.Errorf("got %s, %q, %v; want %s, %q", got, host, err, tt.want, tt.host)
			}
		})
	}
}
