package configmgr

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"

	"github.com/batonhq/baton/steps"
	"github.com/batonhq/baton/steps/shell"
)

// TargetType is the name of the target type the configmgr_* step types act
// through.
const TargetType = "configmgr"

// Register adds every configmgr_* step type and the "configmgr" target
// type to r. The target opens the live backend registered with
// SetLiveOpener (package steps/configmgr/live does it when it is linked
// in); use RegisterWith to supply another opener.
func Register(r *steps.Registry) { RegisterWith(r, nil) }

// RegisterWith is Register with an explicit opener for the target type;
// nil means the registered live opener.
func RegisterWith(r *steps.Registry, open Opener) {
	r.Register(Kinds()...)
	r.RegisterTarget(NewTargetKind(open))
}

// Kinds returns every configmgr_* step type, facts first.
func Kinds() []steps.Kind {
	return append(factKinds(), actionKinds()...)
}

// kind is one configmgr_* step type: a schema, an output type, a
// description and a function of the Site.
type kind struct {
	name   string
	doc    string
	effect steps.Effect
	spec   hcldec.ObjectSpec
	out    cty.Type
	desc   func(args cty.Value) steps.Description
	run    func(ctx context.Context, site Site, req steps.Request) (cty.Value, error)
}

// The methods below implement steps.Kind.

func (k *kind) Name() string                              { return k.name }
func (k *kind) Doc() string                               { return k.doc }
func (k *kind) Effect() steps.Effect                      { return k.effect }
func (k *kind) TargetType() string                        { return TargetType }
func (k *kind) Spec() hcldec.Spec                         { return k.spec }
func (k *kind) OutputType() cty.Type                      { return k.out }
func (k *kind) Describe(args cty.Value) steps.Description { return k.desc(args) }

// Run checks that the target is a Site and runs the step on it.
func (k *kind) Run(ctx context.Context, req steps.Request) (cty.Value, error) {
	site, ok := req.Target.(Site)
	if !ok || site == nil {
		return cty.NullVal(k.out), fmt.Errorf("%s: the step's target is %s, not a ConfigMgr site: give the step a target of type %q", k.name, targetName(req.Target), TargetType)
	}
	if err := ctx.Err(); err != nil {
		return cty.NullVal(k.out), fmt.Errorf("%s: not started: %w", k.name, err)
	}
	if req.OnProcess != nil {
		// The live site's actions run PowerShell: report its process.
		ctx = shell.WithOnStart(ctx, func(pid int, start string) { req.OnProcess(steps.Process{PID: pid, Start: start}) })
	}
	v, err := k.run(ctx, site, req)
	if err != nil {
		return cty.NullVal(k.out), fmt.Errorf("%s: %w", k.name, err)
	}
	return v, nil
}

func targetName(t steps.Target) string {
	if t == nil {
		return "missing"
	}
	return fmt.Sprintf("a %T", t)
}

// Argument schema helpers.

func reqString(name string) hcldec.Spec {
	return &hcldec.AttrSpec{Name: name, Type: cty.String, Required: true}
}

func optString(name string) hcldec.Spec {
	return &hcldec.AttrSpec{Name: name, Type: cty.String}
}

func optBool(name string) hcldec.Spec {
	return &hcldec.AttrSpec{Name: name, Type: cty.Bool}
}

func optStringList(name string) hcldec.Spec {
	return &hcldec.AttrSpec{Name: name, Type: cty.List(cty.String)}
}

func reqStringList(name string) hcldec.Spec {
	return &hcldec.AttrSpec{Name: name, Type: cty.List(cty.String), Required: true}
}

func defString(name, def string) hcldec.Spec {
	return &hcldec.DefaultSpec{
		Primary: &hcldec.AttrSpec{Name: name, Type: cty.String},
		Default: &hcldec.LiteralSpec{Value: cty.StringVal(def)},
	}
}

// attr returns args' attribute name: null when args is null or has no such
// attribute, unknown when args is unknown. Marks are kept.
func attr(args cty.Value, name string) cty.Value {
	if args == cty.NilVal || args.IsNull() {
		return cty.NullVal(cty.DynamicPseudoType)
	}
	if !args.IsKnown() {
		return cty.DynamicVal
	}
	ty := args.Type()
	if !ty.IsObjectType() || !ty.HasAttribute(name) {
		return cty.NullVal(cty.DynamicPseudoType)
	}
	return args.GetAttr(name)
}

// str returns a known string argument ("" when null). Run gets wholly
// known, unmarked arguments; marks are dropped defensively.
func str(args cty.Value, name string) string {
	v, _ := attr(args, name).UnmarkDeep()
	if v.IsNull() || !v.IsKnown() || v.Type() != cty.String {
		return ""
	}
	return v.AsString()
}

// strs returns a known list(string) argument (nil when null).
func strs(args cty.Value, name string) []string {
	v, _ := attr(args, name).UnmarkDeep()
	if v.IsNull() || !v.IsKnown() || !v.CanIterateElements() {
		return nil
	}
	var out []string
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		if e.IsNull() || !e.IsKnown() || e.Type() != cty.String {
			continue
		}
		out = append(out, e.AsString())
	}
	return out
}

// optBoolArg returns a bool argument and whether it was set.
func optBoolArg(args cty.Value, name string) (value, set bool) {
	v, _ := attr(args, name).UnmarkDeep()
	if v.IsNull() || !v.IsKnown() || v.Type() != cty.Bool {
		return false, false
	}
	return v.True(), true
}

// show renders an argument for a plan; a null optional argument shows as
// its default when one is given.
func show(args cty.Value, name, def string) string {
	v := attr(args, name)
	if v.IsKnown() && v.IsNull() && !v.IsMarked() && def != "" {
		return fmt.Sprintf("%q (default)", def)
	}
	return steps.Show(v)
}

// Description helpers: one place renders queries and scripts, so every
// kind shows them the same way.

func describeQuery(summary string, q Query, extra ...steps.Detail) steps.Description {
	d := steps.Description{Summary: summary}
	d.Details = append(d.Details,
		steps.Detail{Label: "T-SQL", Text: q.Text},
		steps.Detail{Label: "parameters", Text: queryParams(q)},
	)
	d.Details = append(d.Details, extra...)
	if q.Notes != "" {
		d.Details = append(d.Details, steps.Detail{Label: "notes", Text: q.Notes})
	}
	return d
}

func queryParams(q Query) string {
	lines := make([]string, len(q.Params))
	for i, p := range q.Params {
		lines[i] = fmt.Sprintf("@%s %s = %s", p.Name, p.SQLType, p.Doc)
	}
	return strings.Join(lines, "\n")
}

// scriptRunsOn says where every action script runs; the wrapper is
// steps/shell's RenderPowerShell with ImportConfigMgr.
const scriptRunsOn = `PowerShell on the runner (the target's powershell; default powershell.exe on Windows, pwsh elsewhere),
inside baton's wrapper: Import-Module ConfigurationManager from the console installed on the runner,
Set-Location to the site drive of the target's site_code (created on the target's provider when missing).
$BatonParams values travel as JSON on stdin, never in the script text.`

// describeScript renders an action: the script body, its parameters (from
// values, or the parameter's Doc when the value comes from the target) and
// where it runs.
func describeScript(summary string, s Script, values map[string]string) steps.Description {
	d := steps.Description{Summary: summary}
	d.Details = append(d.Details, steps.Detail{Label: "PowerShell", Text: s.Text})
	lines := make([]string, len(s.Params))
	for i, p := range s.Params {
		v, ok := values[p.Name]
		switch {
		case p.Sensitive:
			v = "(sensitive)"
		case !ok:
			v = p.Doc
		}
		lines[i] = fmt.Sprintf("$BatonParams.%s = %s", p.Name, v)
	}
	d.Details = append(d.Details,
		steps.Detail{Label: "parameters", Text: strings.Join(lines, "\n")},
		steps.Detail{Label: "runs", Text: scriptRunsOn},
	)
	if s.AdminService != "" {
		d.Details = append(d.Details, steps.Detail{Label: "AdminService (equivalent, not used)", Text: s.AdminService})
	}
	if s.Notes != "" {
		d.Details = append(d.Details, steps.Detail{Label: "notes", Text: s.Notes})
	}
	return d
}

// ParseDuration parses a duration as Go does ("90m", "1h30m") and also
// with a leading day count ("7d", "1d12h").
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	orig := s
	if s == "" {
		return 0, fmt.Errorf("empty duration: write e.g. \"7d\", \"36h\" or \"90m\"")
	}
	var days time.Duration
	if i := strings.IndexByte(s, 'd'); i > 0 {
		var n int64
		for _, r := range s[:i] {
			if r < '0' || r > '9' {
				return 0, fmt.Errorf("invalid duration %q: write e.g. \"7d\", \"36h\" or \"90m\"", s)
			}
			n = n*10 + int64(r-'0')
			if n > 100000 {
				return 0, fmt.Errorf("duration %q is too long", orig)
			}
		}
		days = time.Duration(n) * 24 * time.Hour
		s = s[i+1:]
		if s == "" {
			return days, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q: write e.g. \"7d\", \"36h\" or \"90m\"", orig)
	}
	if d < 0 {
		return 0, fmt.Errorf("duration %q is negative", orig)
	}
	return days + d, nil
}
