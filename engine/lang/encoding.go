package lang

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"unicode/utf8"

	"github.com/batonhq/baton/steps"
	"github.com/hashicorp/hcl/v2/ext/customdecode"
	"github.com/hashicorp/hcl/v2/ext/tryfunc"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
)

// The encoding functions, as Terraform's. Like every function that does
// not handle marks itself, their result carries the marks of their
// argument (cty's function.Call does it), so the base64 of a secret is a
// secret.

var base64EncodeFunc = stringFunc("Returns the base64 encoding (standard alphabet, padded) of the UTF-8 bytes of a string.",
	cty.String, []string{"str"}, func(a []string) (cty.Value, error) {
		return cty.StringVal(base64.StdEncoding.EncodeToString([]byte(a[0]))), nil
	})

var base64DecodeFunc = stringFunc("Decodes a base64 string (standard alphabet) holding UTF-8 text.",
	cty.String, []string{"str"}, func(a []string) (cty.Value, error) {
		b, err := base64.StdEncoding.DecodeString(a[0])
		if err != nil {
			// The input may be a secret: never quote it.
			return cty.NilVal, function.NewArgErrorf(0, "not valid base64 (standard alphabet, padded): %s", offsetOnly(err))
		}
		if !utf8.Valid(b) {
			return cty.NilVal, function.NewArgErrorf(0, "the decoded bytes are not UTF-8 text")
		}
		return cty.StringVal(string(b)), nil
	})

var urlEncodeFunc = stringFunc("Escapes a string for use in a URL query (spaces as +).",
	cty.String, []string{"str"}, func(a []string) (cty.Value, error) { return cty.StringVal(url.QueryEscape(a[0])), nil })

// offsetOnly renders a base64 error by its offset, never the input.
func offsetOnly(err error) string {
	if e, ok := err.(base64.CorruptInputError); ok {
		return fmt.Sprintf("bad character at offset %d", int64(e))
	}
	return "bad input"
}

// Sensitive reports whether v or anything in it is marked steps.Sensitive.
func Sensitive(v cty.Value) bool { return v.HasMarkDeep(steps.Sensitive) }

// tryFunc and canFunc are hcl's try and can, with one change: when an
// argument refers to a sensitive value, the result is sensitive, even a
// fallback or a bool (whether regex matched a secret tells something of
// it).
var (
	tryFunc = taintedBy(tryfunc.TryFunc)
	canFunc = taintedBy(tryfunc.CanFunc)
)

func taintedBy(f function.Function) function.Function {
	return function.New(&function.Spec{
		Description: f.Description(),
		Params:      f.Params(),
		VarParam:    f.VarParam(),
		Type:        f.ReturnTypeForValues,
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			v, err := f.Call(args)
			if err != nil {
				return v, err
			}
			for _, a := range args {
				if closureSensitive(a) {
					return v.Mark(steps.Sensitive), nil
				}
			}
			return v, nil
		},
	})
}

// closureSensitive reports whether an expression closure refers to a
// sensitive value.
func closureSensitive(arg cty.Value) bool {
	c := customdecode.ExpressionClosureFromVal(arg)
	for _, t := range c.Expression.Variables() {
		if v, diags := t.TraverseAbs(c.EvalContext); !diags.HasErrors() && Sensitive(v) {
			return true
		}
	}
	return false
}
