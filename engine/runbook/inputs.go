package runbook

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/batonhq/baton/engine/lang"
	"github.com/batonhq/baton/internal/inputfile"
	"github.com/batonhq/baton/steps"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// Inputs are the variable values given to a run, from lowest to highest
// precedence after the defaults: the environment, var files, -var options.
type Inputs struct {
	// Vars are "name=value" options (-var), in order; a later one wins.
	// The value is parsed as an HCL expression when the variable's type is
	// not string (a list, a number...), as Terraform does; otherwise it is
	// the string as given.
	Vars []string
	// VarFiles are files of name = value lines (HCL), or JSON objects when
	// the name ends in .json; later files win.
	VarFiles []string
	// Environ is the environment (os.Environ()); BATON_VAR_<name>=value
	// sets variable <name>, parsed like a -var value.
	Environ []string
	// ReadFile reads var files; nil means inputfile.Read with
	// inputfile.VarFileLimit. Whatever reads them, files over that limit or
	// that are not text are refused.
	ReadFile func(string) ([]byte, error)
	// Defaults replace the runbook's own defaults and lose to every other
	// source: a rehearsal fixture's inputs (its server names...). Values
	// are parsed like -var values; names the runbook does not declare are
	// ignored.
	Defaults map[string]string
	// DefaultsSource names where Defaults come from, for messages.
	DefaultsSource string
}

// EnvPrefix starts the environment variables that set runbook variables.
const EnvPrefix = "BATON_VAR_"

type inputValue struct {
	val    cty.Value
	source string     // "the default", "-var", "BATON_VAR_x", "file.hcl"
	rng    *hcl.Range // where the value was written, when in a file
}

// ResolveInputs computes the value of every variable: default, then the
// environment, then var files in order, then -var options in order. Values
// are converted to the declared types; sensitive variables are marked
// steps.Sensitive; validation rules are checked. Errors name the variable
// and how to set it; they never show a value. At most MaxDiagnostics
// errors and as many warnings are returned (see LimitDiagnostics).
func ResolveInputs(rb *Runbook, in Inputs) (map[string]cty.Value, hcl.Diagnostics) {
	r := newInputResolver(rb)
	r.applyDefaults(in.Defaults, in.DefaultsSource)
	r.applyEnviron(in.Environ)
	for _, file := range in.VarFiles {
		r.applyVarFile(in.ReadFile, file)
	}
	for _, opt := range in.Vars {
		r.applyVarOption(opt)
	}
	out := r.convert()
	if !r.diags.HasErrors() {
		r.validate(out)
	}
	return out, LimitDiagnostics(r.diags)
}

// inputResolver gathers the values given to a runbook's variables, each
// source overriding the ones applied before it, and what they reported.
type inputResolver struct {
	vars  []*Variable
	decl  map[string]*Variable
	names []string // the declared variables' names, for suggestions
	vals  map[string]inputValue
	diags hcl.Diagnostics
}

// newInputResolver starts from the runbook's own defaults.
func newInputResolver(rb *Runbook) *inputResolver {
	r := &inputResolver{vars: rb.Variables, decl: map[string]*Variable{}, vals: map[string]inputValue{}}
	for _, v := range rb.Variables {
		r.decl[v.Name] = v
		r.names = append(r.names, v.Name)
		if v.Default != cty.NilVal {
			r.vals[v.Name] = inputValue{val: v.Default, source: "the default"}
		}
	}
	return r
}

// applyDefaults applies Inputs.Defaults, by name; names the runbook does
// not declare are ignored.
func (r *inputResolver) applyDefaults(defaults map[string]string, source string) {
	if source == "" {
		source = "the defaults given"
	}
	for _, name := range slices.Sorted(maps.Keys(defaults)) {
		if v := r.decl[name]; v != nil { // else a fixture serving several runbooks
			r.setRaw(v, defaults[name], source+" ("+name+")", source)
		}
	}
}

// setRaw sets v to raw, a value given as text (see parseRawValue); label
// names it in errors, source in later messages.
func (r *inputResolver) setRaw(v *Variable, raw, label, source string) {
	val, d := parseRawValue(v, raw, label)
	r.diags = append(r.diags, d...)
	if !d.HasErrors() {
		r.vals[v.Name] = inputValue{val: val, source: source}
	}
}

// applyEnviron applies the BATON_VAR_<name> environment variables of
// declared variables; other environment variables are ignored.
func (r *inputResolver) applyEnviron(environ []string) {
	for _, kv := range environ {
		if !strings.HasPrefix(kv, EnvPrefix) {
			continue
		}
		name, raw, _ := strings.Cut(strings.TrimPrefix(kv, EnvPrefix), "=")
		if v := r.decl[name]; v != nil { // the environment holds many things; others are no error
			r.setRaw(v, raw, EnvPrefix+name, "environment variable "+EnvPrefix+name)
		}
	}
}

// applyVarFile applies one var file's values, in source order; a value
// for an undeclared variable is a warning.
func (r *inputResolver) applyVarFile(read func(string) ([]byte, error), file string) {
	f, d := readVarFile(read, file)
	r.diags = append(r.diags, d...)
	if d.HasErrors() || f == nil {
		return
	}
	attrs, d := f.Body.JustAttributes()
	r.diags = append(r.diags, d...)
	for _, a := range sortedAttrs(attrs) {
		if r.decl[a.Name] == nil {
			r.diags = append(r.diags, diagf(hcl.DiagWarning, &a.NameRange, "Value for undeclared variable",
				"The runbook declares no variable named %q, so this value is ignored.%s", a.Name, didYouMean(a.Name, r.names)))
			continue
		}
		val, d := a.Expr.Value(nil)
		r.diags = append(r.diags, d...)
		if d.HasErrors() {
			continue
		}
		rng := a.Expr.Range()
		r.vals[a.Name] = inputValue{val: val, source: file, rng: &rng}
	}
}

// applyVarOption applies one -var name=value option; a malformed option
// or an undeclared name is an error.
func (r *inputResolver) applyVarOption(opt string) {
	name, raw, ok := strings.Cut(opt, "=")
	name = strings.TrimSpace(name)
	if !ok || name == "" {
		r.diags = append(r.diags, diagf(hcl.DiagError, nil, "Invalid -var option",
			"The option %s is not of the form name=value.", r.shownOpt(opt)))
		return
	}
	v := r.decl[name]
	if v == nil {
		r.diags = append(r.diags, diagf(hcl.DiagError, nil, "Value for undeclared variable",
			"A -var option sets %q, but the runbook declares no variable of that name.%s", name, didYouMean(name, r.names)))
		return
	}
	r.setRaw(v, raw, "-var "+name, "-var "+name)
}

// convert returns every variable's value converted to its type and marked
// when sensitive. A variable without a value, or whose value does not
// convert, is reported and gets an unknown value.
func (r *inputResolver) convert() map[string]cty.Value {
	out := make(map[string]cty.Value, len(r.vars))
	for _, v := range r.vars {
		iv, ok := r.vals[v.Name]
		if !ok {
			r.diags = append(r.diags, diagf(hcl.DiagError, &v.DeclRange, "No value for required variable",
				"The variable %q has no default, so it must be set: with -var '%s=...', in a var file (%s = ...), or with the environment variable %s%s.",
				v.Name, v.Name, v.Name, EnvPrefix, v.Name))
			out[v.Name] = unknownOf(v.Type, v.Sensitive)
			continue
		}
		val, err := convert.Convert(iv.val, v.Type)
		if err != nil {
			r.diags = append(r.diags, diagf(hcl.DiagError, cmp.Or(iv.rng, &v.DeclRange), "Invalid value for variable",
				"The value of var.%s from %s is not of the variable's type (%s): %s.", v.Name, iv.source, typeString(v.Type), err.Error()))
			out[v.Name] = unknownOf(v.Type, v.Sensitive)
			continue
		}
		if v.Sensitive {
			val = val.Mark(steps.Sensitive)
		}
		out[v.Name] = val
	}
	return out
}

// validate checks every variable's validation rules against the values
// out, reporting each broken rule with its error message (unless that is
// sensitive) and where the value came from.
func (r *inputResolver) validate(out map[string]cty.Value) {
	ctx := (&lang.Scope{Vars: out}).EvalContext()
	for _, v := range r.vars {
		for _, rule := range v.Validations {
			ok, d := lang.EvalIn(ctx, rule.Condition, cty.Bool)
			r.diags = append(r.diags, d...)
			if d.HasErrors() || !ok.IsKnown() || ok.IsNull() {
				continue
			}
			ok, _ = ok.Unmark()
			if ok.True() {
				continue
			}
			msg, d := lang.EvalIn(ctx, rule.ErrorMessage, cty.String)
			r.diags = append(r.diags, d...)
			text := "The value does not satisfy the validation rule."
			if !d.HasErrors() && msg.IsKnown() && !msg.IsNull() && !msg.IsMarked() {
				text = msg.AsString()
			}
			rng := rule.Condition.Range()
			r.diags = append(r.diags, diagf(hcl.DiagError, &rng, "Invalid value for variable",
				"%s\n\nThe value of var.%s came from %s.", text, v.Name, r.vals[v.Name].source))
		}
	}
}

// readVarFile reads and parses a var file (HCL, or JSON when its name
// ends in .json), bounded as inputfile and lang.CheckConfig bound input.
func readVarFile(read func(string) ([]byte, error), file string) (*hcl.File, hcl.Diagnostics) {
	if read == nil {
		read = func(p string) ([]byte, error) { return inputfile.Read(p, inputfile.VarFileLimit, "variables file") }
	}
	src, err := read(file)
	if err == nil {
		err = inputfile.Check(src, inputfile.VarFileLimit, file, "variables file")
	}
	if err != nil {
		return nil, hcl.Diagnostics{diagf(hcl.DiagError, nil, "Cannot read variables file", "%s", readFailure(file, err))}
	}
	if strings.HasSuffix(file, ".json") {
		return lang.ParseJSON(src, file)
	}
	return lang.ParseConfig(src, file, hcl.InitialPos)
}

// parseRawValue turns a -var or environment value into a cty value: the
// string itself for string (and untyped) variables, else an HCL expression.
func parseRawValue(v *Variable, raw, source string) (cty.Value, hcl.Diagnostics) {
	if v.Type == cty.String || v.Type == cty.DynamicPseudoType {
		return cty.StringVal(raw), nil
	}
	if v.Type.IsPrimitiveType() {
		// Numbers and bools convert from their string form.
		return cty.StringVal(strings.TrimSpace(raw)), nil
	}
	expr, diags := lang.ParseExpression([]byte(raw), "<value for "+source+">", hcl.InitialPos)
	if diags.HasErrors() {
		return cty.DynamicVal, hcl.Diagnostics{diagf(hcl.DiagError, nil, "Invalid value for variable",
			"The value of %s must be an HCL expression of type %s, like %s; it does not parse (%s).", source, typeString(v.Type), typeExample(v.Type), strings.ToLower(diags[0].Summary))}
	}
	val, diags := expr.Value(nil)
	if diags.HasErrors() {
		return cty.DynamicVal, hcl.Diagnostics{diagf(hcl.DiagError, nil, "Invalid value for variable",
			"The value of %s must be a literal of type %s, like %s.", source, typeString(v.Type), typeExample(v.Type))}
	}
	return val, nil
}

func typeString(t cty.Type) string {
	if t == cty.DynamicPseudoType {
		return "any"
	}
	return t.FriendlyNameForConstraint()
}

func typeExample(t cty.Type) string {
	switch {
	case t.IsListType() || t.IsSetType() || t.IsTupleType():
		return `["a", "b"]`
	case t.IsMapType() || t.IsObjectType():
		return `{ key = "value" }`
	}
	return `"value"`
}

// shownOpt is a malformed -var option as its error shows it: a declared
// variable's name (its value forgotten) quoted, anything else only by its
// length, since it may be a value typed without its name, a secret perhaps.
func (r *inputResolver) shownOpt(opt string) string {
	if r.decl[opt] != nil {
		return strconv.Quote(opt)
	}
	return fmt.Sprintf("of %d characters (not shown: it may hold a value)", utf8.RuneCountInString(opt))
}
