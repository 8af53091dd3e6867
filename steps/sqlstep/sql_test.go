package sqlstep

import (
	"context"
	"database/sql"
	"errors"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/DATA-DOG/go-sqlmock"
	"github.com/batonhq/baton/internal/golden"
	"github.com/batonhq/baton/steps"
	"github.com/batonhq/baton/steps/mssql"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	mssqldrv "github.com/microsoft/go-mssqldb"
	"github.com/zclconf/go-cty/cty"
)

// decode decodes HCL with spec; vars become var.<name>, and names listed
// in sensitive are marked as the engine marks sensitive variables.
func decode(t *testing.T, spec hcldec.Spec, src string, vars map[string]cty.Value) cty.Value {
	t.Helper()
	f, diags := hclsyntax.ParseConfig([]byte(src), "test.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	ctx := &hcl.EvalContext{Variables: map[string]cty.Value{"var": cty.ObjectVal(vars)}}
	if vars == nil {
		ctx.Variables["var"] = cty.EmptyObjectVal
	}
	v, diags := hcldec.Decode(f.Body, spec, ctx)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return v
}

func describe(d steps.Description) string {
	var b strings.Builder
	b.WriteString(d.Summary + "\n")
	for _, det := range d.Details {
		b.WriteString("--- " + det.Label + "\n" + det.Text + "\n")
	}
	return b.String()
}

var vars = map[string]cty.Value{
	"site":     cty.StringVal("ABC"),
	"password": cty.StringVal("s3cret-pw").Mark(steps.Sensitive),
	"server":   cty.UnknownVal(cty.String),
}

func TestDescribeGolden(t *testing.T) {
	tests := []struct {
		name string
		kind steps.Kind
		src  string
	}{
		{"sql_rows", SQL(), `
query = <<EOT
SELECT ServerName, IsActive
FROM dbo.v_SiteServers
WHERE SiteCode = @site AND Password = @pw
EOT
params  = { site = var.site, pw = var.password, since = var.server, limit = 5, on = true, none = null }
columns = { ServerName = "string", IsActive = "bool" }
`},
		{"sql_scalar", SQLQuery(), `
query  = "SELECT COUNT(*) AS n FROM dbo.Distributions WHERE State <> 0"
scalar = true
columns = { n = "number" }
max_rows = 1
`},
		{"sql_unknown", SQL(), `
query  = "EXEC dbo.spFailover @site = @site"
params = var.server
scalar = var.server == "x"
`},
		{"sql_sensitive_query", SQL(), `query = "ALTER LOGIN baton WITH PASSWORD = '${var.password}'"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := describe(tt.kind.Describe(decode(t, tt.kind.Spec(), tt.src, vars)))
			golden.Check(t, filepath.Join("testdata", tt.name+".golden"), []byte(got))
			if strings.Contains(got, "s3cret") {
				t.Error("the password leaked into Describe")
			}
		})
	}
}

func TestTargetDescribe(t *testing.T) {
	tk := TargetKind{}
	tests := []struct{ name, src string }{
		{"target", `
server   = "sql01.contoso.com"
database = "CM_ABC"
auth     = "sql"
user     = "baton"
password = "literal-s3cret"
encrypt  = "strict"
port     = 1433
`},
		{"target_dsn", `dsn = "sqlserver://sa:literal-s3cret@sql01?database=CM_ABC"`},
		{"target_unknown", `
server   = var.server
password = var.password
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := describe(tk.Describe(decode(t, tk.Spec(), tt.src, vars)))
			golden.Check(t, filepath.Join("testdata", tt.name+".golden"), []byte(got))
			if strings.Contains(got, "s3cret") {
				t.Errorf("password leaked:\n%s", got)
			}
		})
	}
}

func TestOutputTypeFor(t *testing.T) {
	k := SQL()
	tests := []struct {
		src  string
		want cty.Type
	}{
		{`query = "x"`, cty.DynamicPseudoType},
		{`
query = "x"
columns = { n = "number", s = "string" }`, rowsType(map[string]cty.Type{"n": cty.Number, "s": cty.String})},
		{`
query = "x"
scalar = true
columns = { n = "number" }`, cty.Number},
		{`
query = "x"
scalar = true
columns = { n = "number", b = "bool" }`, cty.DynamicPseudoType},
		{`
query = "x"
columns = { n = "date" }`, cty.DynamicPseudoType},
		{`
query = "x"
scalar = var.server == ""
columns = { n = "number" }`, cty.DynamicPseudoType},
	}
	for _, tt := range tests {
		got := k.OutputTypeFor(decode(t, k.Spec(), tt.src, vars))
		if !got.Equals(tt.want) {
			t.Errorf("%s: got %s, want %s", tt.src, got.FriendlyName(), tt.want.FriendlyName())
		}
	}
	if k.OutputType() != cty.DynamicPseudoType {
		t.Error("OutputType must be dynamic")
	}
}

func mockTarget(t *testing.T) (*Target, sqlmock.Sqlmock) {
	t.Helper()
	db, mock, err := sqlmock.New(sqlmock.QueryMatcherOption(sqlmock.QueryMatcherEqual))
	if err != nil {
		t.Fatal(err)
	}
	tgt := NewTarget(db, "sql01:1433")
	t.Cleanup(func() { tgt.Close() })
	return tgt, mock
}

func unmark(v cty.Value) cty.Value {
	u, _ := v.UnmarkDeep()
	return u
}

func TestRun(t *testing.T) {
	const q = "SELECT ServerName, IsActive, Cores FROM dbo.v_SiteServers WHERE SiteCode = @site AND Pw = @pw AND N = @n AND F = @f"
	known := map[string]cty.Value{"site": cty.StringVal("ABC"), "password": cty.StringVal("pw").Mark(steps.Sensitive), "server": cty.StringVal("x")}
	resultRows := func() *sqlmock.Rows {
		return sqlmock.NewRowsWithColumnDefinition(
			sqlmock.NewColumn("ServerName").OfType("NVARCHAR", ""),
			sqlmock.NewColumn("IsActive").OfType("BIT", false),
			sqlmock.NewColumn("Cores").OfType("DECIMAL", []byte{}),
		).AddRow("m1", true, []byte("8")).AddRow("m2", false, nil)
	}
	row := func(name string, active bool, cores cty.Value) cty.Value {
		return cty.ObjectVal(map[string]cty.Value{"ServerName": cty.StringVal(name), "IsActive": cty.BoolVal(active), "Cores": cores})
	}
	tests := []struct {
		name string
		src  string
		want cty.Value
		err  string
	}{
		{"inferred types", `
query  = "` + q + `"
params = { site = var.site, pw = var.password, n = 5, f = 1.5 }`,
			cty.ObjectVal(map[string]cty.Value{
				"rows":      cty.ListVal([]cty.Value{row("m1", true, cty.NumberIntVal(8)), row("m2", false, cty.NullVal(cty.Number))}),
				"row_count": cty.NumberIntVal(2),
			}), ""},
		{"declared types", `
query   = "` + q + `"
params  = { site = var.site, pw = var.password, n = 5, f = 1.5 }
columns = { ServerName = "string", Cores = "string" }`,
			cty.ObjectVal(map[string]cty.Value{
				"rows": cty.ListVal([]cty.Value{
					cty.ObjectVal(map[string]cty.Value{"ServerName": cty.StringVal("m1"), "Cores": cty.StringVal("8")}),
					cty.ObjectVal(map[string]cty.Value{"ServerName": cty.StringVal("m2"), "Cores": cty.NullVal(cty.String)}),
				}),
				"row_count": cty.NumberIntVal(2),
			}), ""},
		{"scalar", `
query  = "` + q + `"
params = { site = var.site, pw = var.password, n = 5, f = 1.5 }
scalar = true`, cty.StringVal("m1"), ""},
		{"missing declared column", `
query   = "` + q + `"
params  = { site = var.site, pw = var.password, n = 5, f = 1.5 }
columns = { Nope = "string" }`, cty.NilVal, `column "Nope" is declared in columns but the query returned only "ServerName", "IsActive", "Cores"`},
		{"wrong declared type", `
query   = "` + q + `"
params  = { site = var.site, pw = var.password, n = 5, f = 1.5 }
columns = { ServerName = "number" }`, cty.NilVal, `column "ServerName": the value "m1" is not a number; fix its type in columns`},
		{"row cap", `
query    = "` + q + `"
params   = { site = var.site, pw = var.password, n = 5, f = 1.5 }
max_rows = 1`, cty.NilVal, "more than 1 rows"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tgt, mock := mockTarget(t)
			mock.ExpectQuery(q).WithArgs(sql.Named("f", 1.5), sql.Named("n", int64(5)), sql.Named("pw", "pw"), sql.Named("site", "ABC")).WillReturnRows(resultRows())
			args := unmark(decode(t, SQL().Spec(), tt.src, known))
			got, err := SQL().Run(t.Context(), steps.Request{Args: args, Target: tgt})
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !got.RawEquals(tt.want) {
				t.Errorf("got  %s\nwant %s", steps.Show(got), steps.Show(tt.want))
			}
			if err := mock.ExpectationsWereMet(); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestRunEmptyAndScalarNull(t *testing.T) {
	tgt, mock := mockTarget(t)
	mock.ExpectQuery("SELECT n FROM t").WillReturnRows(sqlmock.NewRows([]string{"n"}))
	args := unmark(decode(t, SQL().Spec(), "query = \"SELECT n FROM t\"\ncolumns = { n = \"number\" }", nil))
	got, err := SQL().Run(t.Context(), steps.Request{Args: args, Target: tgt})
	if err != nil {
		t.Fatal(err)
	}
	want := cty.ObjectVal(map[string]cty.Value{"rows": cty.ListValEmpty(cty.Object(map[string]cty.Type{"n": cty.Number})), "row_count": cty.NumberIntVal(0)})
	if !got.RawEquals(want) {
		t.Errorf("got %s", steps.Show(got))
	}
	mock.ExpectQuery("SELECT n FROM t").WillReturnRows(sqlmock.NewRows([]string{"n"}))
	args = unmark(decode(t, SQL().Spec(), "query = \"SELECT n FROM t\"\nscalar = true\ncolumns = { n = \"number\" }", nil))
	got, err = SQL().Run(t.Context(), steps.Request{Args: args, Target: tgt})
	if err != nil || !got.RawEquals(cty.NullVal(cty.Number)) {
		t.Errorf("scalar of no rows: %s, %v", steps.Show(got), err)
	}
}

func TestRunErrors(t *testing.T) {
	tests := []struct {
		name   string
		src    string
		target steps.Target
		setup  func(sqlmock.Sqlmock)
		err    string
		class  mssql.Class
	}{
		{"no target", `query = "SELECT 1"`, nil, nil, "needs an mssql target", 0},
		{"list param", `
query  = "SELECT 1"
params = { ids = [1, 2] }`, nil, nil, "STRING_SPLIT", 0},
		{"params not object", `
query  = "SELECT 1"
params = "x"`, nil, nil, "params must be an object", 0},
		{"bad columns", `
query   = "SELECT 1"
columns = { a = "date" }`, nil, nil, `columns must map column names`, 0},
		{"deadlock", `query = "UPDATE t SET a = 1"`, nil, func(m sqlmock.Sqlmock) {
			m.ExpectQuery("UPDATE t SET a = 1").WillReturnError(mssqldrv.Error{Number: 1205, Message: "deadlock victim"})
		}, "on sql01:1433: deadlock victim (SQL Server error 1205): the statement was chosen as a deadlock victim", mssql.Deadlock},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tgt, mock := mockTarget(t)
			var target steps.Target = tgt
			if tt.name == "no target" {
				target = nil
			}
			if tt.setup != nil {
				tt.setup(mock)
			}
			args := unmark(decode(t, SQL().Spec(), tt.src, nil))
			_, err := SQL().Run(t.Context(), steps.Request{Args: args, Target: target})
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("err = %v, want %q", err, tt.err)
			}
			if tt.class != 0 {
				var e *mssql.Error
				if !errors.As(err, &e) || e.Class != tt.class || !e.Retryable() {
					t.Errorf("err %v: not a retryable %v", err, tt.class)
				}
			}
		})
	}
}

func TestSQLQueryRollsBack(t *testing.T) {
	tgt, mock := mockTarget(t)
	mock.ExpectBegin()
	mock.ExpectQuery("UPDATE t SET a = 1 OUTPUT inserted.a").WillReturnRows(sqlmock.NewRows([]string{"a"}).AddRow(int64(1)))
	mock.ExpectRollback()
	args := unmark(decode(t, SQLQuery().Spec(), `query = "UPDATE t SET a = 1 OUTPUT inserted.a"`+"\nscalar = true", nil))
	got, err := SQLQuery().Run(t.Context(), steps.Request{Args: args, Target: tgt})
	if err != nil || !got.RawEquals(cty.StringVal("1")) && !got.RawEquals(cty.NumberIntVal(1)) {
		t.Fatalf("got %s, %v", steps.Show(got), err)
	}
	if err := mock.ExpectationsWereMet(); err != nil {
		t.Error(err)
	}
	if SQLQuery().Effect() != steps.ReadOnly || SQL().Effect() != steps.Mutating {
		t.Error("effects")
	}
}

func TestRunHonoursContext(t *testing.T) {
	tgt, mock := mockTarget(t)
	mock.ExpectQuery("WAITFOR DELAY '01:00'").WillDelayFor(time.Second).WillReturnRows(sqlmock.NewRows([]string{"x"}))
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	args := unmark(decode(t, SQL().Spec(), `query = "WAITFOR DELAY '01:00'"`, nil))
	start := time.Now()
	_, err := SQL().Run(ctx, steps.Request{Args: args, Target: tgt})
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 500*time.Millisecond {
		t.Fatalf("err = %v after %s", err, time.Since(start))
	}
}

func TestTargetOpen(t *testing.T) {
	tk := TargetKind{}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	args := decode(t, tk.Spec(), `
server   = "127.0.0.1"
port     = `+strconv.Itoa(port)+`
user     = "sa"
password = "open-s3cret"
connect_timeout = "1s"
dial_timeout    = "1s"
`, nil)
	_, err := tk.Open(t.Context(), args, nil)
	var e *mssql.Error
	if !errors.As(err, &e) || e.Class != mssql.Unreachable {
		t.Fatalf("err = %v, want Unreachable", err)
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Error("password leaked")
	}
	_, err = tk.Open(t.Context(), decode(t, tk.Spec(), `
server = "x"
connect_timeout = "soon"`, nil), nil)
	if err == nil || !strings.Contains(err.Error(), "not a duration") {
		t.Errorf("err = %v", err)
	}
}

func TestConfig(t *testing.T) {
	args := decode(t, TargetKind{}.Spec(), `
server = "sql01"
port = 1433
instance = "I"
database = "CM_ABC"
auth = "windows"
user = "CONTOSO\\svc"
password = "p"
encrypt = "strict"
trust_server_certificate = true
connect_timeout = "1m"
dial_timeout = "5s"
app_name = "baton-test"
krb5_config_file = "/etc/krb5.conf"
krb5_keytab = "/k"
krb5_realm = "CONTOSO.COM"
entra_method = "ActiveDirectoryMSI"
`, nil)
	got, err := Config(args)
	if err != nil {
		t.Fatal(err)
	}
	want := mssql.Config{Server: "sql01", Port: 1433, Instance: "I", Database: "CM_ABC", Auth: "windows", User: `CONTOSO\svc`, Password: "p",
		Encrypt: "strict", TrustServerCertificate: true, ConnectTimeout: time.Minute, DialTimeout: 5 * time.Second, AppName: "baton-test",
		Krb5ConfigFile: "/etc/krb5.conf", Krb5Keytab: "/k", Krb5Realm: "CONTOSO.COM", EntraMethod: "ActiveDirectoryMSI"}
	if got != want {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}
