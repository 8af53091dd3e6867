package shell

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

const objsOpen = `<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">`

// progress is the record Windows PowerShell 5.1 writes before any script
// runs when it loads modules.
const progress = `<Obj S="progress" RefId="0"><TN RefId="0"><T>System.Management.Automation.PSCustomObject</T><T>System.Object</T></TN><MS><I64 N="SourceId">1</I64><PR N="Record"><AV>Preparing modules for first use.</AV><AI>0</AI><Nil /><PI>-1</PI><PC>-1</PC><T>Completed</T><SR>-1</SR><SD> </SD></PR></MS></Obj>`

func clixml(records ...string) string {
	return "#< CLIXML\r\n" + objsOpen + strings.Join(records, "") + "</Objs>"
}

func errS(s string) string { return `<S S="Error">` + s + `</S>` }

// setCMSiteError is what powershell.exe -EncodedCommand writes for a
// terminating Set-CMSite error with stderr redirected.
var setCMSiteError = clixml(progress,
	errS(`Set-CMSite : The site server m2.contoso.com is not a passive site server in site ABC._x000D__x000A_`),
	errS(`At line:24 char:1_x000D__x000A_`),
	errS(`+ Set-CMSite -SiteCode $BatonParams.site_code -PromotePassiveSiteToActive ..._x000D__x000A_`),
	errS(`+ ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~_x000D__x000A_`),
	errS(`    + CategoryInfo          : InvalidOperation: (:) [Set-CMSite], InvalidOperationException_x000D__x000A_`),
	errS(`    + FullyQualifiedErrorId : InvalidSiteServer,Microsoft.ConfigurationManagement.PowerShell.Cmdlets.HS.SetSiteCommand_x000D__x000A_`),
	errS(` _x000D__x000A_`),
)

func TestDecodeCLIXML(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"Set-CMSite error", setCMSiteError, strings.Join([]string{
			"Set-CMSite : The site server m2.contoso.com is not a passive site server in site ABC.",
			"At line:24 char:1",
			"+ Set-CMSite -SiteCode $BatonParams.site_code -PromotePassiveSiteToActive ...",
			"+ " + strings.Repeat("~", 77),
			"    + CategoryInfo          : InvalidOperation: (:) [Set-CMSite], InvalidOperationException",
			"    + FullyQualifiedErrorId : InvalidSiteServer,Microsoft.ConfigurationManagement.PowerShell.Cmdlets.HS.SetSiteCommand",
		}, "\n")},
		{"progress only", clixml(progress), ""},
		{"plain text unchanged", "Set-CMSite : boom\r\nAt line:1 char:1  \r\n", "Set-CMSite : boom\r\nAt line:1 char:1  \r\n"},
		{"empty", "", ""},
		{"warnings and verbose left out", clixml(`<S S="warning">low disk_x000D__x000A_</S>`, `<S S="verbose">step 1_x000D__x000A_</S>`, errS("failed_x000D__x000A_")), "failed"},
		{"error without newline gets a line", clixml(errS("one"), errS("two")), "one\ntwo"},
		{"escapes", clixml(errS(`tab_x0009_here _x005F_x0041_ stays, rocket _xD83D__xDE80_, big _x0001F680_, lone _xD800_ end`)),
			"tab\there _x0041_ stays, rocket \U0001F680, big \U0001F680, lone \uFFFD end"},
		{"not an escape", clixml(errS(`_x12_ _xZZZZ_ _x004`)), "_x12_ _xZZZZ_ _x004"},
		{"xml entities", clixml(errS(`Get-Item : Cannot find path &apos;C:\a&amp;b&lt;1&gt;&apos; because it does not exist.`)),
			`Get-Item : Cannot find path 'C:\a&b<1>' because it does not exist.`},
		{"text before and after", "native tool failed\r\n" + clixml(errS("boom_x000D__x000A_")) + "\r\ntrailer", "native tool failed\nboom\n\ntrailer"},
		{"two documents", clixml(errS("first_x000D__x000A_")) + "\r\n" + clixml(errS("second_x000D__x000A_")), "first\n\nsecond"},
		{"cut short", "#< CLIXML\r\n" + objsOpen + errS("first line_x000D__x000A_") + `<S S="Error">second li`,
			"first line\n(the rest of PowerShell's error output is cut short or unreadable)"},
		{"cut in the header", "#< CLIXML\r\n<Objs Vers", "<Objs Vers"},
		{"marker without xml", "#< CLIXML\r\nsomething else", "something else"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DecodeCLIXML(tt.in); got != tt.want {
				t.Errorf("DecodeCLIXML(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

// encodePS escapes s as PowerShell's serializer does in an <S> element:
// XML entities, control and non-XML characters as _xHHHH_, and "_x" as
// _x005F_x.
func encodePS(s string) string {
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == '_' && strings.HasPrefix(s[i:], "_x"):
			b.WriteString("_x005F_")
		case r < 0x20 || r == 0xFFFE || r == 0xFFFF:
			fmt.Fprintf(&b, "_x%04X_", r)
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '&':
			b.WriteString("&amp;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func FuzzDecodeCLIXML(f *testing.F) {
	for _, s := range []string{setCMSiteError, clixml(progress), "plain", "#< CLIXML\r\n<Objs", "a\r\nb _x000D_ _x005F_x", "\U0001F680 é\t<&>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := DecodeCLIXML(s)
		if !strings.Contains(s, clixmlMarker) && got != s {
			t.Fatalf("non-CLIXML %q changed to %q", s, got)
		}
		if utf8.ValidString(s) && !utf8.ValidString(got) {
			t.Fatalf("valid UTF-8 %q decoded to invalid %q", s, got)
		}
		if !utf8.ValidString(s) {
			return
		}
		// s as the text of one error record comes back, tidied.
		if back, want := DecodeCLIXML(clixml(errS(encodePS(s)))), tidyLines(s); back != want {
			t.Fatalf("record %q decoded to %q, want %q", s, back, want)
		}
	})
}
