package execstep

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/batonhq/baton/steps"
	"github.com/batonhq/baton/steps/shell"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"
)

// PowerShellOutput is the output type of powershell.
var PowerShellOutput = cty.Object(map[string]cty.Type{
	"exit_code": cty.Number, "json": cty.DynamicPseudoType, "stdout": cty.String, "stderr": cty.String,
})

// PowerShell runs a PowerShell script. Parameters reach the script as
// $BatonParams.<name> from stdin and never appear in its text; the
// script's pipeline output becomes the json output.
type PowerShell struct{}

func (PowerShell) Name() string { return "powershell" }
func (PowerShell) Doc() string {
	return "run a PowerShell script with params as $BatonParams; its pipeline output is the json output; import_configmgr loads the ConfigMgr module"
}
func (PowerShell) Effect() steps.Effect { return steps.Mutating }
func (PowerShell) TargetType() string   { return "" }
func (PowerShell) OutputType() cty.Type { return PowerShellOutput }
func (PowerShell) Spec() hcldec.Spec {
	return hcldec.ObjectSpec{
		"script":           &hcldec.AttrSpec{Name: "script", Type: cty.String, Required: true},
		"params":           &hcldec.AttrSpec{Name: "params", Type: cty.Map(cty.String)},
		"import_configmgr": &hcldec.AttrSpec{Name: "import_configmgr", Type: cty.Bool},
		"site_code":        &hcldec.AttrSpec{Name: "site_code", Type: cty.String},
		"provider":         &hcldec.AttrSpec{Name: "provider", Type: cty.String},
		"executable":       &hcldec.AttrSpec{Name: "executable", Type: cty.String},
		"max_output":       &hcldec.AttrSpec{Name: "max_output", Type: cty.Number},
	}
}

// describeString is a string argument for the rendered script: its value
// when known and not sensitive, otherwise a placeholder saying why.
func describeString(v cty.Value) string {
	if v.IsKnown() && !v.IsMarked() && !v.IsNull() && v.Type() == cty.String {
		return v.AsString()
	}
	if v.IsKnown() && v.IsNull() {
		return ""
	}
	return "<" + steps.Show(v) + ">"
}

func (PowerShell) Describe(args cty.Value) steps.Description {
	opts := shell.PSOptions{
		Executable:      describeString(steps.Attr(args, "executable")),
		ImportConfigMgr: true,
		SiteCode:        describeString(steps.Attr(args, "site_code")),
		ProviderMachine: describeString(steps.Attr(args, "provider")),
	}
	imp := steps.Attr(args, "import_configmgr")
	switch {
	case !imp.IsKnown() || imp.IsMarked():
		// Rendered with the ConfigMgr prologue: the larger of the two.
	case imp.IsNull() || imp.False():
		opts.ImportConfigMgr = false
	}
	params := steps.Attr(args, "params")
	names := map[string]string{}
	if params.IsKnown() && !params.IsMarked() && !params.IsNull() {
		for it := params.ElementIterator(); it.Next(); {
			k, _ := it.Element()
			names[k.AsString()] = ""
		}
	}
	script := steps.Attr(args, "script")
	var text string
	if script.IsKnown() && !script.IsMarked() && !script.IsNull() {
		text = shell.RenderPowerShell(script.AsString(), names, opts)
	} else {
		text = shell.RenderPowerShell("# the script is "+steps.Show(script), names, opts)
	}
	summary := "run a PowerShell script"
	if opts.ImportConfigMgr {
		summary += " with the ConfigurationManager module on site " + steps.Show(steps.Attr(args, "site_code"))
	}
	return steps.Description{Summary: summary, Details: []steps.Detail{
		{Label: "command line", Text: shell.PowerShellCommandLine(opts)},
		{Label: "parameters", Text: showParams(params)},
		{Label: "PowerShell", Text: strings.TrimRight(text, "\n")},
	}}
}

func showParams(v cty.Value) string {
	if v.IsKnown() && v.IsNull() {
		return "(none)"
	}
	if v.IsMarked() || !v.IsKnown() {
		return steps.Show(v)
	}
	var lines []string
	for it := v.ElementIterator(); it.Next(); {
		k, e := it.Element()
		lines = append(lines, "$BatonParams."+k.AsString()+" = "+steps.Show(e))
	}
	if len(lines) == 0 {
		return "(none)"
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

func (PowerShell) Run(ctx context.Context, req steps.Request) (cty.Value, error) {
	args, err := steps.RunArgs(req)
	if err != nil {
		return cty.NilVal, err
	}
	opts := shell.PSOptions{
		Executable:      steps.ArgString(args, "executable", ""),
		ImportConfigMgr: steps.ArgBool(args, "import_configmgr", false),
		SiteCode:        steps.ArgString(args, "site_code", ""),
		ProviderMachine: steps.ArgString(args, "provider", ""),
	}
	if opts.ImportConfigMgr && opts.SiteCode == "" {
		return cty.NilVal, fmt.Errorf("import_configmgr = true needs site_code, the site's three-character code")
	}
	maxOut, err := steps.ArgInt(args, "max_output", 0)
	if err != nil {
		return cty.NilVal, err
	}
	script := steps.ArgString(args, "script", "")
	params := steps.ArgStringMap(args, "params")
	if n := shell.EncodedLength(shell.RenderPowerShell(script, params, opts)); n > shell.MaxEncodedCommand {
		return cty.NilVal, fmt.Errorf("the script is too long for a command line (%d encoded characters, at most %d): put it in a .ps1 file on the runner and call that", n, shell.MaxEncodedCommand)
	}
	c := shell.PowerShell(script, params, opts)
	c.MaxOutput = maxOut
	c.OnStart = onStart(req)
	res, err := shell.Run(ctx, c)
	res.Stderr = shell.DecodeCLIXML(res.Stderr)
	writeOutput(req.Output, res)
	if err != nil {
		return cty.NilVal, err
	}
	if res.ExitCode != 0 {
		return cty.NilVal, exitError("PowerShell", res.ExitCode, []int{0})
	}
	raw, host, err := shell.PowerShellJSON(res.Stdout)
	if err != nil {
		return cty.NilVal, err
	}
	js, err := parseJSON(raw)
	if err != nil {
		return cty.NilVal, fmt.Errorf("the PowerShell result %w", err)
	}
	return cty.ObjectVal(map[string]cty.Value{
		"exit_code": cty.NumberIntVal(int64(res.ExitCode)),
		"json":      js,
		"stdout":    cty.StringVal(host),
		"stderr":    cty.StringVal(res.Stderr),
	}), nil
}
