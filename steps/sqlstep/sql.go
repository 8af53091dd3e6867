// Package sqlstep holds the SQL Server step types, sql (runs any T-SQL)
// and sql_query (runs T-SQL in a transaction that is always rolled back),
// and the mssql target type they act through. Parameters are always sent
// as named @parameters, never spliced into the text.
package sqlstep

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/big"
	"sort"
	"strings"
	"time"

	"github.com/batonhq/baton/steps"
	"github.com/batonhq/baton/steps/mssql"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// Kind is a SQL step type; see SQL and SQLQuery.
type Kind struct {
	name     string
	rollback bool
}

// SQL is the "sql" step type: it runs any T-SQL (mutating).
func SQL() Kind { return Kind{name: "sql"} }

// SQLQuery is the "sql_query" step type: it runs T-SQL inside a
// transaction that is always rolled back, so that data changes never
// stick (read-only).
func SQLQuery() Kind { return Kind{name: "sql_query", rollback: true} }

// Kinds returns the step types of this package.
func Kinds() []steps.Kind { return []steps.Kind{SQL(), SQLQuery()} }

// columnTypes are the types a columns argument may declare.
var columnTypes = map[string]cty.Type{"string": cty.String, "number": cty.Number, "bool": cty.Bool}

func (k Kind) Name() string { return k.name }
func (k Kind) Doc() string {
	if k.rollback {
		return "run T-SQL on an mssql target in a transaction that is rolled back; output rows and row_count, or a scalar"
	}
	return "run T-SQL on an mssql target; output rows and row_count, or a scalar"
}
func (k Kind) Effect() steps.Effect {
	if k.rollback {
		return steps.ReadOnly
	}
	return steps.Mutating
}
func (Kind) TargetType() string { return "mssql" }

func (Kind) Spec() hcldec.Spec {
	return hcldec.ObjectSpec{
		"query":    &hcldec.AttrSpec{Name: "query", Type: cty.String, Required: true},
		"params":   &hcldec.AttrSpec{Name: "params", Type: cty.DynamicPseudoType},
		"columns":  &hcldec.AttrSpec{Name: "columns", Type: cty.Map(cty.String)},
		"max_rows": &hcldec.AttrSpec{Name: "max_rows", Type: cty.Number},
		"scalar":   &hcldec.AttrSpec{Name: "scalar", Type: cty.Bool},
	}
}

// OutputType is dynamic: the shape depends on the columns and scalar
// arguments. OutputTypeFor gives the precise type for given arguments.
func (Kind) OutputType() cty.Type { return cty.DynamicPseudoType }

// OutputTypeFor is the output type for args (which may be unknown):
// object{rows = list(object(columns)), row_count = number}, the declared
// column's type for scalar = true with one declared column, and
// cty.DynamicPseudoType when columns are not declared or not known.
func (Kind) OutputTypeFor(args cty.Value) cty.Type {
	cols, ok := declaredColumns(steps.Attr(args, "columns"))
	if !ok {
		return cty.DynamicPseudoType
	}
	scalar := steps.Attr(args, "scalar")
	if !scalar.IsKnown() || scalar.IsMarked() {
		return cty.DynamicPseudoType
	}
	if !scalar.IsNull() && scalar.True() {
		if len(cols) == 1 {
			for _, ty := range cols {
				return ty
			}
		}
		return cty.DynamicPseudoType
	}
	return rowsType(cols)
}

func rowsType(cols map[string]cty.Type) cty.Type {
	return cty.Object(map[string]cty.Type{"rows": cty.List(cty.Object(cols)), "row_count": cty.Number})
}

// declaredColumns reads the columns argument; ok is false when it is
// absent, unknown, sensitive or names an unknown type.
func declaredColumns(v cty.Value) (map[string]cty.Type, bool) {
	if v.IsNull() || !v.IsWhollyKnown() || v.ContainsMarked() || !v.CanIterateElements() {
		return nil, false
	}
	cols := map[string]cty.Type{}
	for it := v.ElementIterator(); it.Next(); {
		k, t := it.Element()
		if t.IsNull() || t.Type() != cty.String {
			return nil, false
		}
		ty, ok := columnTypes[t.AsString()]
		if !ok {
			return nil, false
		}
		cols[k.AsString()] = ty
	}
	return cols, true
}

func (k Kind) Describe(args cty.Value) steps.Description {
	maxRows := steps.Attr(args, "max_rows")
	if maxRows.IsKnown() && maxRows.IsNull() {
		maxRows = cty.NumberIntVal(mssql.DefaultMaxRows)
	}
	summary := "run T-SQL on the SQL Server target"
	if k.rollback {
		summary = "run T-SQL on the SQL Server target in a transaction that is rolled back"
	}
	var ret string
	if s := steps.Attr(args, "scalar"); !s.IsKnown() || s.IsMarked() {
		ret = "rows or a scalar (known at run time)"
	} else if !s.IsNull() && s.True() {
		ret = "the first column of the first row"
	} else {
		ret = "up to " + steps.Show(maxRows) + " rows"
	}
	details := []steps.Detail{
		{Label: "T-SQL", Text: text(steps.Attr(args, "query"))},
		{Label: "parameters", Text: showParams(steps.Attr(args, "params"))},
	}
	if cols := steps.Attr(args, "columns"); !(cols.IsKnown() && cols.IsNull()) {
		details = append(details, steps.Detail{Label: "columns", Text: steps.Show(cols)})
	}
	return steps.Description{Summary: summary + "; returns " + ret, Details: details}
}

// text renders a string argument verbatim when it is known and not
// sensitive, and through steps.Show otherwise.
func text(v cty.Value) string {
	if v.IsKnown() && !v.IsNull() && !v.IsMarked() && v.Type() == cty.String {
		return strings.TrimRight(v.AsString(), "\r\n")
	}
	return steps.Show(v)
}

// showParams renders one "@name = value" line per parameter, sorted.
func showParams(v cty.Value) string {
	switch {
	case v.IsMarked() || !v.IsKnown():
		return steps.Show(v)
	case v.IsNull():
		return "(none)"
	case !v.CanIterateElements() || !(v.Type().IsObjectType() || v.Type().IsMapType()):
		return steps.Show(v) + " (params must be an object)"
	}
	var lines []string
	for it := v.ElementIterator(); it.Next(); {
		k, e := it.Element()
		lines = append(lines, "@"+strings.TrimPrefix(k.AsString(), "@")+" = "+steps.Show(e))
	}
	if len(lines) == 0 {
		return "(none)"
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

func (k Kind) Run(ctx context.Context, req steps.Request) (cty.Value, error) {
	args, err := steps.RunArgs(req)
	if err != nil {
		return cty.NilVal, err
	}
	t, ok := req.Target.(*Target)
	if !ok || t == nil || t.DB == nil {
		return cty.NilVal, fmt.Errorf("step type %s needs an mssql target: set target = target.<name> to an mssql target block", k.name)
	}
	params, err := goParams(steps.Attr(args, "params"))
	if err != nil {
		return cty.NilVal, err
	}
	maxRows, err := steps.ArgInt(args, "max_rows", mssql.DefaultMaxRows)
	if err != nil {
		return cty.NilVal, err
	}
	if maxRows < 1 {
		return cty.NilVal, fmt.Errorf("max_rows must be at least 1, not %d", maxRows)
	}
	colsArg := steps.Attr(args, "columns")
	cols, declared := declaredColumns(colsArg)
	if !colsArg.IsNull() && !declared {
		return cty.NilVal, errors.New(`columns must map column names to "string", "number" or "bool"`)
	}
	query := steps.ArgString(args, "query", "")

	var rows mssql.Rows
	if k.rollback {
		rows, err = queryRolledBack(ctx, t.DB, query, params, maxRows)
	} else {
		rows, err = mssql.Query(ctx, t.DB, query, params, maxRows)
	}
	if err != nil {
		return cty.NilVal, fmt.Errorf("on %s: %w", t.Address, err)
	}
	if req.Log != nil {
		req.Log.Debug("query done", "rows", len(rows.Rows))
	}
	if !declared {
		cols = inferColumns(rows.Columns)
	}
	scalar := steps.Attr(args, "scalar")
	if !scalar.IsNull() && scalar.True() {
		return scalarValue(rows, cols, declared)
	}
	return rowsValue(rows, cols)
}

func queryRolledBack(ctx context.Context, db *sql.DB, query string, params map[string]any, maxRows int) (mssql.Rows, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return mssql.Rows{}, fmt.Errorf("starting the transaction: %w", mssql.Classify(err))
	}
	rows, err := mssql.Query(ctx, tx, query, params, maxRows)
	if rerr := tx.Rollback(); rerr != nil && err == nil && !errors.Is(rerr, sql.ErrTxDone) {
		return mssql.Rows{}, fmt.Errorf("rolling back the transaction: %w", mssql.Classify(rerr))
	}
	return rows, err
}

// goParams converts the params argument into driver values: strings,
// int64 or float64 numbers, bools and nil.
func goParams(v cty.Value) (map[string]any, error) {
	if v.IsNull() {
		return nil, nil
	}
	if !v.Type().IsObjectType() && !v.Type().IsMapType() {
		return nil, errors.New("params must be an object: params = { site_code = \"ABC\" }")
	}
	out := map[string]any{}
	for it := v.ElementIterator(); it.Next(); {
		k, e := it.Element()
		name := strings.TrimPrefix(k.AsString(), "@")
		if e.IsNull() {
			out[name] = nil
			continue
		}
		switch e.Type() {
		case cty.String:
			out[name] = e.AsString()
		case cty.Bool:
			out[name] = e.True()
		case cty.Number:
			bf := e.AsBigFloat()
			if i, acc := bf.Int64(); acc == big.Exact {
				out[name] = i
			} else {
				f, _ := bf.Float64()
				out[name] = f
			}
		default:
			return nil, fmt.Errorf("parameter @%s is a %s: only strings, numbers, bools and null can be sent; for a list, send a comma-joined string and use STRING_SPLIT", name, e.Type().FriendlyName())
		}
	}
	return out, nil
}

// inferColumns types undeclared columns from the server's type names.
func inferColumns(cols []mssql.Column) map[string]cty.Type {
	out := make(map[string]cty.Type, len(cols))
	for _, c := range cols {
		out[c.Name] = typeOf(c.Type)
	}
	return out
}

func typeOf(dbType string) cty.Type {
	switch dbType {
	case "BIT":
		return cty.Bool
	case "TINYINT", "SMALLINT", "INT", "BIGINT", "DECIMAL", "NUMERIC", "MONEY", "SMALLMONEY", "REAL", "FLOAT":
		return cty.Number
	}
	return cty.String
}

// toCty converts a value from mssql.Query into ty.
func toCty(v any, ty cty.Type) (cty.Value, error) {
	var nat cty.Value
	switch x := v.(type) {
	case nil:
		return cty.NullVal(ty), nil
	case string:
		if ty == cty.Number {
			n, err := cty.ParseNumberVal(x)
			if err != nil {
				return cty.NilVal, fmt.Errorf("%q is not a number", x)
			}
			return n, nil
		}
		nat = cty.StringVal(x)
	case int64:
		nat = cty.NumberIntVal(x)
	case float64:
		nat = cty.NumberFloatVal(x)
	case bool:
		nat = cty.BoolVal(x)
	case time.Time:
		nat = cty.StringVal(x.Format(time.RFC3339Nano))
	case []byte:
		nat = cty.StringVal(string(x))
	default:
		nat = cty.StringVal(fmt.Sprint(x))
	}
	out, err := convert.Convert(nat, ty)
	if err != nil {
		return cty.NilVal, fmt.Errorf("cannot be a %s", ty.FriendlyName())
	}
	return out, nil
}

func rowValue(row map[string]any, cols map[string]cty.Type, present map[string]bool) (cty.Value, error) {
	attrs := make(map[string]cty.Value, len(cols))
	for name, ty := range cols {
		if !present[name] {
			return cty.NilVal, fmt.Errorf("column %q is declared in columns but the query returned no such column", name)
		}
		v, err := toCty(row[name], ty)
		if err != nil {
			return cty.NilVal, fmt.Errorf("column %q: the value %w; fix its type in columns", name, err)
		}
		attrs[name] = v
	}
	return cty.ObjectVal(attrs), nil
}

func presentColumns(rows mssql.Rows) map[string]bool {
	p := make(map[string]bool, len(rows.Columns))
	for _, c := range rows.Columns {
		p[c.Name] = true
	}
	return p
}

func rowsValue(rows mssql.Rows, cols map[string]cty.Type) (cty.Value, error) {
	present := presentColumns(rows)
	for name := range cols {
		if !present[name] {
			return cty.NilVal, fmt.Errorf("column %q is declared in columns but the query returned only %s", name, columnList(rows.Columns))
		}
	}
	list := make([]cty.Value, 0, len(rows.Rows))
	for _, r := range rows.Rows {
		v, err := rowValue(r, cols, present)
		if err != nil {
			return cty.NilVal, err
		}
		list = append(list, v)
	}
	lv := cty.ListValEmpty(cty.Object(cols))
	if len(list) > 0 {
		lv = cty.ListVal(list)
	}
	return cty.ObjectVal(map[string]cty.Value{"rows": lv, "row_count": cty.NumberIntVal(int64(len(list)))}), nil
}

func scalarValue(rows mssql.Rows, cols map[string]cty.Type, declared bool) (cty.Value, error) {
	if len(rows.Columns) == 0 {
		return cty.NilVal, errors.New("scalar = true but the query returned no result set: end it with a SELECT")
	}
	first := rows.Columns[0].Name
	ty, ok := cols[first]
	if !ok {
		if declared && len(cols) == 1 {
			for _, t := range cols {
				ty = t
			}
		} else {
			return cty.NilVal, fmt.Errorf("the first column %q is not declared in columns", first)
		}
	}
	if len(rows.Rows) == 0 {
		return cty.NullVal(ty), nil
	}
	v, err := toCty(rows.Rows[0][first], ty)
	if err != nil {
		return cty.NilVal, fmt.Errorf("column %q: the value %w; fix its type in columns", first, err)
	}
	return v, nil
}

func columnList(cols []mssql.Column) string {
	if len(cols) == 0 {
		return "no columns"
	}
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = fmt.Sprintf("%q", c.Name)
	}
	return strings.Join(names, ", ")
}
