package mssql

import (
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	mssqldrv "github.com/microsoft/go-mssqldb"
)

// DefaultMaxRows is the row cap Query uses when maxRows is 0.
const DefaultMaxRows = 1000

// Querier runs a query; *sql.DB, *sql.Conn and *sql.Tx satisfy it.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Column is one result column.
type Column struct {
	Name string
	// Type is the server's type name, e.g. "INT", "NVARCHAR", "DECIMAL".
	Type string
}

// Rows is the first result set of a query.
type Rows struct {
	// Columns are in the query's order. An unnamed column is called
	// columnN (N counting from 1) and a repeated name gets a _2, _3 suffix.
	Columns []Column
	// Rows holds one map per row, keyed by column name. Values are nil,
	// bool, int64, float64, string or time.Time: DECIMAL/NUMERIC/MONEY
	// come as their exact decimal text, UNIQUEIDENTIFIER as its canonical
	// text, other binary values as 0x-prefixed upper-case hex.
	Rows []map[string]any
}

// Query runs query with params as named parameters (@name; a leading @ in
// a key is ignored) and returns its first result set. It fails when the
// result has more than maxRows rows (0 means DefaultMaxRows), so that a
// runaway query cannot flood a run. Errors are classified (*Error).
func Query(ctx context.Context, q Querier, query string, params map[string]any, maxRows int) (Rows, error) {
	if maxRows <= 0 {
		maxRows = DefaultMaxRows
	}
	names := make([]string, 0, len(params))
	for n := range params {
		names = append(names, n)
	}
	sort.Strings(names)
	args := make([]any, 0, len(names))
	for _, n := range names {
		args = append(args, sql.Named(strings.TrimPrefix(n, "@"), params[n]))
	}

	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return Rows{}, queryErr(ctx, err)
	}
	defer rows.Close()

	types, err := rows.ColumnTypes()
	if err != nil {
		return Rows{}, queryErr(ctx, err)
	}
	cols := make([]Column, len(types))
	seen := map[string]bool{}
	for i, t := range types {
		name := t.Name()
		if name == "" {
			name = fmt.Sprintf("column%d", i+1)
		}
		for base, n := name, 2; seen[name]; n++ {
			name = fmt.Sprintf("%s_%d", base, n)
		}
		seen[name] = true
		cols[i] = Column{Name: name, Type: strings.ToUpper(t.DatabaseTypeName())}
	}
	out := Rows{Columns: cols, Rows: []map[string]any{}}
	for rows.Next() {
		if len(out.Rows) == maxRows {
			return Rows{}, &Error{Class: Other, Msg: fmt.Sprintf("the query returned more than %d rows", maxRows),
				Hint: "narrow it (TOP, WHERE) or raise max_rows"}
		}
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return Rows{}, queryErr(ctx, err)
		}
		row := make(map[string]any, len(cols))
		for i, c := range cols {
			row[c.Name] = normalize(vals[i], c.Type)
		}
		out.Rows = append(out.Rows, row)
	}
	if err := rows.Err(); err != nil {
		return Rows{}, queryErr(ctx, err)
	}
	return out, nil
}

// normalize turns driver values into the documented set of Go types.
func normalize(v any, dbType string) any {
	switch x := v.(type) {
	case []byte:
		switch dbType {
		case "DECIMAL", "NUMERIC", "MONEY", "SMALLMONEY":
			return string(x)
		case "UNIQUEIDENTIFIER":
			var u mssqldrv.UniqueIdentifier
			if err := u.Scan(x); err == nil {
				return u.String()
			}
		}
		return "0x" + strings.ToUpper(hex.EncodeToString(x))
	case int32:
		return int64(x)
	case int16:
		return int64(x)
	case uint8:
		return int64(x)
	case float32:
		return float64(x)
	}
	return v
}

// queryErr classifies err, preferring the context's error when the query
// failed because ctx ended (drivers report that in their own words).
func queryErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return Classify(fmt.Errorf("the query was stopped: %w", context.Cause(ctx)))
	}
	return Classify(err)
}
