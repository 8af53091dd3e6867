package lang

import (
	"sort"
	"testing"

	"github.com/batonhq/baton/steps"
	"github.com/zclconf/go-cty/cty"
)

// markedCalls calls every function with a sensitive argument (var.pw, the
// string "Secret-42,x"; var.n, the number 4242; var.l, a list holding the
// secret; var.t, an RFC 3339 time). Each result must be sensitive: a value
// derived from a secret is a secret.
var markedCalls = map[string][]string{
	"abs":             {`abs(var.n)`},
	"alltrue":         {`alltrue([var.n > 1])`},
	"anytrue":         {`anytrue([var.n > 1])`},
	"base64decode":    {`base64decode(base64encode(var.pw))`},
	"base64encode":    {`base64encode(var.pw)`},
	"can":             {`can(var.pw)`, `can(regex("^S", var.pw))`},
	"ceil":            {`ceil(var.n)`},
	"chomp":           {`chomp(var.pw)`},
	"chunklist":       {`chunklist(var.l, 1)`},
	"coalesce":        {`coalesce(var.pw, "x")`, `coalesce("", var.pw)`},
	"coalescelist":    {`coalescelist(var.l)`},
	"compact":         {`compact(var.l)`},
	"concat":          {`concat(var.l, ["a"])`},
	"contains":        {`contains(var.l, "a")`},
	"csvdecode":       {`csvdecode("a,b\n${var.pw}")`},
	"distinct":        {`distinct(var.l)`},
	"duration":        {`duration("${var.n}s")`},
	"element":         {`element(var.l, 0)`, `element(["a"], var.n)`},
	"endswith":        {`endswith(var.pw, "x")`},
	"env":             {`env(var.pw)`},
	"flatten":         {`flatten([var.l])`},
	"floor":           {`floor(var.n)`},
	"format":          {`format("%s!", var.pw)`, `format("%d", var.n)`, `format("%x", var.n)`, `format("%q", var.pw)`},
	"formatdate":      {`formatdate("YYYY", var.t)`},
	"formatlist":      {`formatlist("%s", var.l)`, `formatlist("%s", [var.pw])`},
	"indent":          {`indent(2, var.pw)`},
	"index":           {`index(var.l, 0)`},
	"join":            {`join(",", var.l)`, `join(",", [var.pw, "x"])`},
	"jsondecode":      {`jsondecode(jsonencode(var.pw))`},
	"jsonencode":      {`jsonencode(var.pw)`, `jsonencode({a = var.pw})`},
	"keys":            {`keys({(var.pw) = 1})`},
	"length":          {`length(var.pw)`, `length(var.l)`},
	"log":             {`log(var.n, 10)`},
	"lookup":          {`lookup({a = var.pw}, "a", "")`},
	"lower":           {`lower(var.pw)`},
	"max":             {`max(var.n, 1)`},
	"merge":           {`merge({a = var.pw})`},
	"min":             {`min(var.n, 1)`},
	"now":             {},
	"parseint":        {`parseint(substr(var.pw, 7, 2), 10)`},
	"pow":             {`pow(var.n, 2)`},
	"range":           {`range(var.n > 1 ? 2 : 1)`},
	"regex":           {`regex("[0-9]+", var.pw)`},
	"regexall":        {`regexall("[0-9]", var.pw)`},
	"regex_replace":   {`regex_replace(var.pw, "[0-9]", "#")`},
	"replace":         {`replace(var.pw, "S", "s")`, `replace("xSx", "S", var.pw)`},
	"reverse":         {`reverse(var.l)`},
	"sensitive":       {`sensitive("x")`},
	"nonsensitive":    {},
	"setintersection": {`setintersection(toset(var.l), toset(["a"]))`},
	"setproduct":      {`setproduct(var.l, ["a"])`},
	"setsubtract":     {`setsubtract(toset(var.l), toset(["a"]))`},
	"setunion":        {`setunion(toset(var.l), toset(["a"]))`},
	"signum":          {`signum(var.n)`},
	"slice":           {`slice(var.l, 0, 1)`},
	"sort":            {`sort(var.l)`},
	"split":           {`split(",", var.pw)`},
	"startswith":      {`startswith(var.pw, "S")`},
	"strlen":          {`strlen(var.pw)`},
	"strrev":          {`strrev(var.pw)`},
	"substr":          {`substr(var.pw, 0, 3)`},
	"timeadd":         {`timeadd(var.t, "1h")`},
	"timecmp":         {`timecmp(var.t, var.t)`},
	"title":           {`title(var.pw)`},
	"tobool":          {`tobool(var.n > 1)`},
	"tolist":          {`tolist(var.l)`},
	"tomap":           {`tomap({a = var.pw})`},
	"tonumber":        {`tonumber(var.n)`},
	"toset":           {`toset(var.l)`},
	"tostring":        {`tostring(var.n)`},
	"trim":            {`trim(var.pw, "x")`},
	"trimprefix":      {`trimprefix(var.pw, "S")`},
	"trimspace":       {`trimspace(var.pw)`},
	"trimsuffix":      {`trimsuffix(var.pw, "x")`},
	"try":             {`try(var.pw, "x")`, `try(regex("^Z", var.pw), "no")`},
	"upper":           {`upper(var.pw)`},
	"urlencode":       {`urlencode(var.pw)`},
	"values":          {`values({a = var.pw})`},
	"zipmap":          {`zipmap(["a"], [var.pw])`},
}

func markedScope() *Scope {
	return &Scope{Vars: map[string]cty.Value{
		"pw": cty.StringVal("Secret-42,x").Mark(steps.Sensitive),
		"n":  cty.NumberIntVal(4242).Mark(steps.Sensitive),
		"l":  cty.ListVal([]cty.Value{cty.StringVal("Secret-42")}).Mark(steps.Sensitive),
		"t":  cty.StringVal("2026-03-14T20:00:00Z").Mark(steps.Sensitive),
	}}
}

func TestMarksSurviveEveryFunction(t *testing.T) {
	s := markedScope()
	var names []string
	for name := range Functions(nil) {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		calls, ok := markedCalls[name]
		if !ok {
			t.Errorf("function %s has no case here: add one with a sensitive argument", name)
			continue
		}
		for _, src := range calls {
			v, diags := eval(t, s, src, cty.DynamicPseudoType)
			if diags.HasErrors() {
				t.Errorf("%s: %s", src, diags.Error())
				continue
			}
			if !Sensitive(v) {
				t.Errorf("%s = %#v lost the sensitive mark", src, v)
			}
		}
	}
}

func TestMarksSurviveTemplatesAndOperators(t *testing.T) {
	s := markedScope()
	for _, src := range []string{
		`"pw ${var.pw}"`, `"%{if var.n > 1}yes%{endif}"`, `"%{for c in var.l}${c}%{endfor}"`,
		`var.n + 1`, `var.n > 1 ? "a" : "b"`, `[for c in var.l : upper(c)]`, `{x = var.pw}`,
		`var.pw == "x"`, `!(var.n > 1)`, `[var.pw][0]`, `{a = var.pw}["a"]`, `var.l[0]`,
		`<<EOT
${var.pw}
EOT
`,
	} {
		v, diags := eval(t, s, src, cty.DynamicPseudoType)
		if diags.HasErrors() {
			t.Errorf("%s: %s", src, diags.Error())
			continue
		}
		if !Sensitive(v) {
			t.Errorf("%s = %#v lost the sensitive mark", src, v)
		}
	}
}

func TestNonsensitiveRemovesTheMark(t *testing.T) {
	v, diags := eval(t, markedScope(), `nonsensitive(upper(var.pw))`, cty.String)
	if diags.HasErrors() || Sensitive(v) {
		t.Fatalf("nonsensitive: %#v %s", v, diags.Error())
	}
}
