package lang

import (
	"fmt"
	"maps"
	"math/big"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/batonhq/baton/steps"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/ctymarks"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// Functions returns the functions a runbook may call. now is the clock that
// now() reads; when it is nil (as while planning), now() returns an unknown
// string.
//
// The set is a curated part of cty's stdlib (without the function forms of
// HCL's operators), try and can, and baton's own: duration, now, env,
// timecmp, startswith, endswith, anytrue, alltrue, sensitive and
// nonsensitive.
//
// env(name) reads the process environment at the moment the expression is
// evaluated (os.Getenv), so a plan and the run that follows it may see
// different values; prefer variables, which are recorded in the plan.
//
// The functions are made once (some, like tostring, are built by
// stdlib.MakeToFunc): a scope with a clock gets a copy with its own now().
func Functions(now func() time.Time) map[string]function.Function {
	m := maps.Clone(timelessFunctions())
	m["now"] = nowFunc(now)
	return m
}

// timelessFunctions are the functions with an unknown now(), shared by
// every scope without a clock (plans): nothing writes to an EvalContext's
// functions.
var timelessFunctions = sync.OnceValue(func() map[string]function.Function {
	return map[string]function.Function{
		"abs":             stdlib.AbsoluteFunc,
		"alltrue":         allTrueFunc,
		"anytrue":         anyTrueFunc,
		"base64decode":    base64DecodeFunc,
		"base64encode":    base64EncodeFunc,
		"can":             canFunc,
		"ceil":            stdlib.CeilFunc,
		"chomp":           stdlib.ChompFunc,
		"chunklist":       stdlib.ChunklistFunc,
		"coalesce":        coalesceFunc,
		"coalescelist":    stdlib.CoalesceListFunc,
		"compact":         stdlib.CompactFunc,
		"concat":          stdlib.ConcatFunc,
		"contains":        stdlib.ContainsFunc,
		"csvdecode":       stdlib.CSVDecodeFunc,
		"distinct":        stdlib.DistinctFunc,
		"duration":        durationFunc,
		"element":         stdlib.ElementFunc,
		"endswith":        endsWithFunc,
		"env":             EnvFunc,
		"flatten":         stdlib.FlattenFunc,
		"floor":           stdlib.FloorFunc,
		"format":          stdlib.FormatFunc,
		"formatdate":      stdlib.FormatDateFunc,
		"formatlist":      stdlib.FormatListFunc,
		"indent":          stdlib.IndentFunc,
		"index":           stdlib.IndexFunc,
		"join":            stdlib.JoinFunc,
		"jsondecode":      stdlib.JSONDecodeFunc,
		"jsonencode":      stdlib.JSONEncodeFunc,
		"keys":            stdlib.KeysFunc,
		"length":          lengthFunc,
		"log":             stdlib.LogFunc,
		"lookup":          stdlib.LookupFunc,
		"lower":           stdlib.LowerFunc,
		"max":             stdlib.MaxFunc,
		"merge":           stdlib.MergeFunc,
		"min":             stdlib.MinFunc,
		"nonsensitive":    nonSensitiveFunc,
		"now":             nowFunc(nil),
		"parseint":        stdlib.ParseIntFunc,
		"pow":             stdlib.PowFunc,
		"range":           stdlib.RangeFunc,
		"regex":           stdlib.RegexFunc,
		"regexall":        stdlib.RegexAllFunc,
		"regex_replace":   stdlib.RegexReplaceFunc,
		"replace":         stdlib.ReplaceFunc,
		"reverse":         stdlib.ReverseListFunc,
		"sensitive":       sensitiveFunc,
		"setintersection": stdlib.SetIntersectionFunc,
		"setproduct":      stdlib.SetProductFunc,
		"setsubtract":     stdlib.SetSubtractFunc,
		"setunion":        stdlib.SetUnionFunc,
		"signum":          stdlib.SignumFunc,
		"slice":           stdlib.SliceFunc,
		"sort":            stdlib.SortFunc,
		"split":           stdlib.SplitFunc,
		"startswith":      startsWithFunc,
		"strlen":          stdlib.StrlenFunc,
		"strrev":          stdlib.ReverseFunc,
		"substr":          stdlib.SubstrFunc,
		"timeadd":         stdlib.TimeAddFunc,
		"timecmp":         timeCmpFunc,
		"title":           stdlib.TitleFunc,
		"tobool":          stdlib.MakeToFunc(cty.Bool),
		"tolist":          stdlib.MakeToFunc(cty.List(cty.DynamicPseudoType)),
		"tomap":           stdlib.MakeToFunc(cty.Map(cty.DynamicPseudoType)),
		"tonumber":        stdlib.MakeToFunc(cty.Number),
		"toset":           stdlib.MakeToFunc(cty.Set(cty.DynamicPseudoType)),
		"tostring":        stdlib.MakeToFunc(cty.String),
		"trim":            stdlib.TrimFunc,
		"trimprefix":      stdlib.TrimPrefixFunc,
		"trimspace":       stdlib.TrimSpaceFunc,
		"trimsuffix":      stdlib.TrimSuffixFunc,
		"try":             tryFunc,
		"upper":           stdlib.UpperFunc,
		"urlencode":       urlEncodeFunc,
		"values":          stdlib.ValuesFunc,
		"zipmap":          stdlib.ZipmapFunc,
	}
})

// EnvFunc is env(name): the value of an environment variable of the baton
// process, "" when unset, read when the expression is evaluated.
var EnvFunc = stringFunc("Returns the value of an environment variable of the baton process, read when the expression is evaluated.",
	cty.String, []string{"name"}, func(a []string) (cty.Value, error) { return cty.StringVal(os.Getenv(a[0])), nil })

var durationFunc = function.New(&function.Spec{
	Description:  `Returns the number of seconds in a duration string such as "1h30m" or "7d".`,
	Params:       []function.Parameter{{Name: "duration", Type: cty.String}},
	Type:         function.StaticReturnType(cty.Number),
	RefineResult: notNull,
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		d, err := ParseDuration(args[0].AsString())
		if err != nil {
			return cty.UnknownVal(cty.Number), function.NewArgError(0, err)
		}
		return cty.NumberVal(new(big.Float).SetFloat64(d.Seconds())), nil
	},
})

// notNull refines the unknown result of a function that never returns null.
func notNull(b *cty.RefinementBuilder) *cty.RefinementBuilder { return b.NotNull() }

func nowFunc(now func() time.Time) function.Function {
	return function.New(&function.Spec{
		Description:  "Returns the current time as an RFC 3339 timestamp (unknown while planning).",
		Type:         function.StaticReturnType(cty.String),
		RefineResult: notNull,
		Impl: func(_ []cty.Value, _ cty.Type) (cty.Value, error) {
			if now == nil {
				return cty.UnknownVal(cty.String).RefineNotNull(), nil
			}
			return cty.StringVal(now().UTC().Format(time.RFC3339)), nil
		},
	})
}

var timeCmpFunc = stringFunc("Compares two RFC 3339 timestamps: -1 when the first is earlier, 0 when equal, 1 when later.",
	cty.Number, []string{"timestamp_a", "timestamp_b"}, func(ts []string) (cty.Value, error) {
		a, err := time.Parse(time.RFC3339, ts[0])
		if err != nil {
			return cty.NilVal, function.NewArgErrorf(0, "not an RFC 3339 timestamp: %s", ts[0])
		}
		b, err := time.Parse(time.RFC3339, ts[1])
		if err != nil {
			return cty.NilVal, function.NewArgErrorf(1, "not an RFC 3339 timestamp: %s", ts[1])
		}
		return cty.NumberIntVal(int64(a.Compare(b))), nil
	})

func affixFunc(desc string, test func(s, affix string) bool) function.Function {
	return stringFunc(desc, cty.Bool, []string{"str", "affix"}, func(a []string) (cty.Value, error) {
		return cty.BoolVal(test(a[0], a[1])), nil
	})
}

var (
	startsWithFunc = affixFunc("Reports whether a string starts with a prefix.", strings.HasPrefix)
	endsWithFunc   = affixFunc("Reports whether a string ends with a suffix.", strings.HasSuffix)
)

// stringFunc is a function of string arguments, one per name of params,
// with a result of type ret.
func stringFunc(desc string, ret cty.Type, params []string, impl func(args []string) (cty.Value, error)) function.Function {
	spec := &function.Spec{Description: desc, Type: function.StaticReturnType(ret)}
	for _, name := range params {
		spec.Params = append(spec.Params, function.Parameter{Name: name, Type: cty.String})
	}
	spec.Impl = func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		strs := make([]string, len(args))
		for i, a := range args {
			strs[i] = a.AsString()
		}
		return impl(strs)
	}
	return function.New(spec)
}

func boolsFunc(desc string, any bool) function.Function {
	return function.New(&function.Spec{
		Description: desc,
		Params:      []function.Parameter{{Name: "list", Type: cty.List(cty.Bool)}},
		Type:        function.StaticReturnType(cty.Bool),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			l := args[0]
			if l.IsNull() {
				return cty.False, nil
			}
			if !l.IsKnown() {
				return cty.UnknownVal(cty.Bool), nil
			}
			unknown := false
			for it := l.ElementIterator(); it.Next(); {
				_, v := it.Element()
				switch {
				case !v.IsKnown():
					unknown = true
				case v.IsNull():
					if !any {
						return cty.False, nil
					}
				case v.True() == any:
					return cty.BoolVal(any), nil
				}
			}
			if unknown {
				return cty.UnknownVal(cty.Bool), nil
			}
			return cty.BoolVal(!any), nil
		},
	})
}

var (
	anyTrueFunc = boolsFunc("Reports whether any element of a list of bools is true (false for an empty list).", true)
	allTrueFunc = boolsFunc("Reports whether every element of a list of bools is true (true for an empty list).", false)
)

// markFunc is a function of one value of any type, marked or not, that
// changes only its marks.
func markFunc(desc string, impl func(cty.Value) (cty.Value, error)) function.Function {
	return function.New(&function.Spec{
		Description: desc,
		Params: []function.Parameter{{
			Name: "value", Type: cty.DynamicPseudoType,
			AllowUnknown: true, AllowNull: true, AllowMarked: true, AllowDynamicType: true,
		}},
		Type: func(args []cty.Value) (cty.Type, error) { return args[0].Type(), nil },
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) { return impl(args[0]) },
	})
}

var sensitiveFunc = markFunc("Marks a value as sensitive: it is never shown, stored or logged.",
	func(v cty.Value) (cty.Value, error) { return v.Mark(steps.Sensitive), nil })

var nonSensitiveFunc = markFunc("Removes the sensitive mark from a value (deeply), declaring that showing it is safe.",
	func(v cty.Value) (cty.Value, error) {
		return v.WrangleMarksDeep(func(mark any, _ cty.Path) (ctymarks.WrangleAction, error) {
			if mark == steps.Sensitive {
				return ctymarks.WrangleDrop, nil
			}
			return nil, nil // keep other marks
		})
	})

// lengthFunc is length(x): the number of elements of a collection, or of
// characters of a string (as Terraform's length).
var lengthFunc = function.New(&function.Spec{
	Description: "Returns the number of elements of a list, set, map, tuple or object, or the number of characters of a string.",
	Params: []function.Parameter{{
		Name: "value", Type: cty.DynamicPseudoType, AllowDynamicType: true, AllowUnknown: true, AllowMarked: true,
	}},
	Type: func(args []cty.Value) (cty.Type, error) {
		t := args[0].Type()
		switch {
		case t == cty.String, t == cty.DynamicPseudoType, t.IsCollectionType(), t.IsTupleType(), t.IsObjectType():
			return cty.Number, nil
		}
		return cty.Number, function.NewArgErrorf(0, "argument must be a string, a collection type, or a structural type")
	},
	RefineResult: notNull,
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		v, marks := args[0].Unmark()
		var out cty.Value
		var err error
		switch {
		case v.Type() == cty.String:
			out, err = stdlib.Strlen(v)
		case v.Type() == cty.DynamicPseudoType || !v.IsKnown():
			out = cty.UnknownVal(cty.Number).RefineNotNull()
		case v.Type().IsObjectType():
			out = cty.NumberIntVal(int64(len(v.Type().AttributeTypes())))
		default:
			out = v.Length()
		}
		return out.WithMarks(marks), err
	},
})

// coalesceFunc is coalesce(a, b...): the first argument that is neither
// null nor an empty string (as Terraform's coalesce).
var coalesceFunc = function.New(&function.Spec{
	Description: "Returns the first argument that is neither null nor an empty string.",
	VarParam: &function.Parameter{
		Name: "vals", Type: cty.DynamicPseudoType, AllowUnknown: true, AllowDynamicType: true, AllowNull: true,
	},
	// The arguments' types unify as in cty's coalesce, which differs only
	// in not skipping empty strings.
	Type: stdlib.CoalesceFunc.ReturnTypeForValues,
	Impl: func(args []cty.Value, retType cty.Type) (cty.Value, error) {
		for _, a := range args {
			if !a.IsKnown() {
				return cty.UnknownVal(retType), nil
			}
			if a.IsNull() || (a.Type() == cty.String && a.AsString() == "") {
				continue
			}
			return convert.Convert(a, retType)
		}
		return cty.NilVal, fmt.Errorf("no non-null, non-empty-string arguments")
	},
})
