package shell

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"
)

// ResultMarker is the line the generated script prints just before its
// result, which follows on one line as compressed JSON. Everything the
// script wrote to the host before it (Write-Host, warnings) precedes the
// marker. Use PowerShellJSON to extract the result.
const ResultMarker = "#baton-result#"

// MaxEncodedCommand is the longest -EncodedCommand argument PowerShell
// accepts in practice: a Windows command line holds at most 32767
// characters. Scripts longer than that must live in a .ps1 file.
const MaxEncodedCommand = 32000

// PSOptions says how to invoke PowerShell.
type PSOptions struct {
	// Executable is the PowerShell program; "" means powershell.exe on
	// Windows and pwsh elsewhere.
	Executable string
	// ImportConfigMgr makes the script import the ConfigurationManager
	// module (from the console installed on the runner) and change to the
	// site drive SiteCode before the script body runs.
	ImportConfigMgr bool
	// SiteCode is the site's three-character code, e.g. "ABC".
	SiteCode string
	// ProviderMachine is the SMS Provider the site drive is created on
	// when it does not exist yet.
	ProviderMachine string
}

// PowerShell returns the Command that runs script with params. The
// executed text is exactly RenderPowerShell(script, params, opts), passed
// with -EncodedCommand. Parameter values never appear in it: they are sent
// as a base64-encoded UTF-8 JSON object on stdin, which the prologue reads
// into $BatonParams ($BatonParams.name). The script's pipeline output is
// printed after ResultMarker as JSON (ConvertTo-Json -Depth 8 -Compress).
// A terminating error makes PowerShell exit with status 1 and the error
// on stderr; `exit N` in the script sets the status.
func PowerShell(script string, params map[string]string, opts PSOptions) Command {
	text := RenderPowerShell(script, params, opts)
	return Command{
		Path:  psExecutable(opts),
		Args:  append(psFlags(), "-EncodedCommand", encodeCommand(text)),
		Stdin: encodeParams(params),
	}
}

// PowerShellCommandLine is the command line PowerShell(…) runs, for plans:
// the encoded script is abbreviated, since RenderPowerShell shows it.
func PowerShellCommandLine(opts PSOptions) string {
	return strings.Join(append(append([]string{psExecutable(opts)}, psFlags()...), "-EncodedCommand", "<the script above, UTF-16LE base64>"), " ")
}

// EncodedLength is the length of the -EncodedCommand argument for the
// rendered script text; compare it with MaxEncodedCommand.
func EncodedLength(text string) int {
	return base64.StdEncoding.EncodedLen(2 * len(utf16.Encode([]rune(text))))
}

func psExecutable(opts PSOptions) string {
	switch {
	case opts.Executable != "":
		return opts.Executable
	case runtime.GOOS == "windows":
		return "powershell.exe"
	default:
		return "pwsh"
	}
}

func psFlags() []string {
	return []string{"-NoLogo", "-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass"}
}

func encodeCommand(text string) string {
	u := utf16.Encode([]rune(text))
	b := make([]byte, 2*len(u))
	for i, r := range u {
		binary.LittleEndian.PutUint16(b[2*i:], r)
	}
	return base64.StdEncoding.EncodeToString(b)
}

func encodeParams(params map[string]string) string {
	if params == nil {
		params = map[string]string{}
	}
	doc, _ := json.Marshal(params) // a map[string]string always marshals
	return base64.StdEncoding.EncodeToString(doc) + "\n"
}

// RenderPowerShell returns the full script text PowerShell runs: a fixed
// prologue, the optional ConfigMgr prologue, the script body and the
// epilogue that prints the result. Parameters appear by name only, so the
// text can be shown in plans whatever the values are.
func RenderPowerShell(script string, params map[string]string, opts PSOptions) string {
	var b strings.Builder
	b.WriteString(`# baton: generated wrapper. Parameter values arrive as JSON on stdin,
# never in this text.
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
[Console]::OutputEncoding = [System.Text.UTF8Encoding]::new($false)
$BatonParams = [System.Text.Encoding]::UTF8.GetString([Convert]::FromBase64String([Console]::In.ReadToEnd().Trim())) | ConvertFrom-Json
`)
	b.WriteString("# $BatonParams fields: ")
	b.WriteString(paramNames(params))
	b.WriteString("\n")
	if opts.ImportConfigMgr {
		fmt.Fprintf(&b, `
# ConfigMgr: import the console's module and go to the site drive.
if (-not $env:SMS_ADMIN_UI_PATH) { throw 'SMS_ADMIN_UI_PATH is not set: install the Configuration Manager console on this runner' }
Import-Module (Join-Path $env:SMS_ADMIN_UI_PATH '..\ConfigurationManager.psd1')
$BatonSiteCode = %s
$BatonProvider = %s
if (-not (Get-PSDrive -Name $BatonSiteCode -PSProvider CMSite -ErrorAction SilentlyContinue)) {
    if (-not $BatonProvider) { throw "no site drive $($BatonSiteCode): and no SMS Provider given to create it" }
    New-PSDrive -Name $BatonSiteCode -PSProvider CMSite -Root $BatonProvider | Out-Null
}
Set-Location "$($BatonSiteCode):"
`, psQuote(opts.SiteCode), psQuote(opts.ProviderMachine))
	}
	b.WriteString(`
$BatonResult = & {
# --- script ---
`)
	b.WriteString(strings.TrimRight(script, "\r\n\t "))
	b.WriteString(`
# --- end of script ---
}
[Console]::Out.WriteLine('`)
	b.WriteString(ResultMarker)
	b.WriteString(`')
[Console]::Out.WriteLine((ConvertTo-Json -InputObject $BatonResult -Depth 8 -Compress))
`)
	return b.String()
}

// paramNames lists the names for the prologue comment. A name that is not
// a plain identifier is shown Go-quoted, so no name can end the comment.
func paramNames(params map[string]string) string {
	if len(params) == 0 {
		return "(none)"
	}
	names := make([]string, 0, len(params))
	for n := range params {
		if !isIdent(n) {
			n = strconv.Quote(n)
		}
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_', r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// psQuote renders s as a single-quoted PowerShell literal. PowerShell also
// treats the typographic quotes U+2018–U+201B as single quotes; each quote
// character is doubled.
func psQuote(s string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for _, r := range s {
		switch r {
		case '\'', '\u2018', '\u2019', '\u201A', '\u201B':
			b.WriteRune(r)
		}
		b.WriteRune(r)
	}
	b.WriteByte('\'')
	return b.String()
}

// PowerShellJSON extracts the JSON result a PowerShell command printed
// after ResultMarker, and the host output before it. It fails when the
// marker is missing (the script stopped before its end).
func PowerShellJSON(stdout string) (result json.RawMessage, host string, err error) {
	i := strings.LastIndex(stdout, ResultMarker)
	if i < 0 {
		return nil, stdout, errors.New("the PowerShell script printed no result: it stopped before its end; see its stderr")
	}
	host = strings.TrimRight(stdout[:i], "\r\n")
	raw := strings.TrimSpace(stdout[i+len(ResultMarker):])
	if raw == "" {
		raw = "null"
	}
	if !json.Valid([]byte(raw)) {
		return nil, host, errors.New("the PowerShell result is not valid JSON: was the output truncated? raise max_output")
	}
	return json.RawMessage(raw), host, nil
}
