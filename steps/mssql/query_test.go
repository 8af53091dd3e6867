package mssql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/DATA-DOG/go-sqlmock"
	"github.com/google/go-cmp/cmp"
	mssqldrv "github.com/microsoft/go-mssqldb"
)

func newMock(t *testing.T) (*sql.DB, sqlmock.Sqlmock) {
	t.Helper()
	db, mock, err := sqlmock.New(sqlmock.QueryMatcherOption(sqlmock.QueryMatcherEqual))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db.Close()
	})
	return db, mock
}

func TestQuery(t *testing.T) {
	const q = "SELECT ServerName, Role, Count, Price, Id, Hash FROM dbo.Servers WHERE SiteCode = @SiteCode AND Active = @active"
	db, mock := newMock(t)
	mock.ExpectQuery(q).
		WithArgs(sql.Named("SiteCode", "ABC"), sql.Named("active", true)).
		WillReturnRows(sqlmock.NewRowsWithColumnDefinition(
			sqlmock.NewColumn("ServerName").OfType("NVARCHAR", ""),
			sqlmock.NewColumn("Role").OfType("nvarchar", ""),
			sqlmock.NewColumn("Count").OfType("INT", int64(0)),
			sqlmock.NewColumn("Price").OfType("DECIMAL", []byte{}),
			sqlmock.NewColumn("Id").OfType("UNIQUEIDENTIFIER", []byte{}),
			sqlmock.NewColumn("Hash").OfType("VARBINARY", []byte{}),
		).
			AddRow("m1.contoso.com", "active", int64(3), []byte("12.50"), []byte{0x78, 0x56, 0x34, 0x12, 0x34, 0x12, 0x78, 0x56, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0}, []byte{0xde, 0xad}).
			AddRow("m2.contoso.com", nil, int64(0), nil, nil, nil))

	got, err := Query(t.Context(), db, q, map[string]any{"active": true, "@SiteCode": "ABC"}, 10)
	if err != nil {
		t.Fatal(err)
	}
	want := Rows{
		Columns: []Column{{"ServerName", "NVARCHAR"}, {"Role", "NVARCHAR"}, {"Count", "INT"}, {"Price", "DECIMAL"}, {"Id", "UNIQUEIDENTIFIER"}, {"Hash", "VARBINARY"}},
		Rows: []map[string]any{
			{"ServerName": "m1.contoso.com", "Role": "active", "Count": int64(3), "Price": "12.50", "Id": "12345678-1234-5678-1234-56789ABCDEF0", "Hash": "0xDEAD"},
			{"ServerName": "m2.contoso.com", "Role": nil, "Count": int64(0), "Price": nil, "Id": nil, "Hash": nil},
		},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("rows (-want +got):\n%s", d)
	}
	if err := mock.ExpectationsWereMet(); err != nil {
		t.Error(err)
	}
}

func TestQueryColumnNames(t *testing.T) {
	db, mock := newMock(t)
	mock.ExpectQuery("SELECT COUNT(*), 1 AS n, 2 AS n").WillReturnRows(sqlmock.NewRows([]string{"", "n", "n"}).AddRow(int64(1), int64(1), int64(2)))
	got, err := Query(t.Context(), db, "SELECT COUNT(*), 1 AS n, 2 AS n", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]map[string]any{{"column1": int64(1), "n": int64(1), "n_2": int64(2)}}, got.Rows); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if got.Columns[0].Name != "column1" || got.Columns[2].Name != "n_2" {
		t.Errorf("columns %v", got.Columns)
	}
}

func TestQueryEmptyResult(t *testing.T) {
	db, mock := newMock(t)
	mock.ExpectQuery("SELECT 1 WHERE 0 = 1").WillReturnRows(sqlmock.NewRows([]string{"x"}))
	got, err := Query(t.Context(), db, "SELECT 1 WHERE 0 = 1", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got.Rows == nil || len(got.Rows) != 0 {
		t.Errorf("rows = %#v, want empty non-nil", got.Rows)
	}
}

func TestQueryRowCap(t *testing.T) {
	tests := []struct {
		rows, max int
		wantErr   bool
	}{
		{3, 3, false},
		{4, 3, true},
		{0, 1, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d rows max %d", tt.rows, tt.max), func(t *testing.T) {
			db, mock := newMock(t)
			rows := sqlmock.NewRows([]string{"i"})
			for i := range tt.rows {
				rows.AddRow(int64(i))
			}
			mock.ExpectQuery("SELECT i FROM t").WillReturnRows(rows)
			got, err := Query(t.Context(), db, "SELECT i FROM t", nil, tt.max)
			if tt.wantErr {
				if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("more than %d rows", tt.max)) || !strings.Contains(err.Error(), "max_rows") {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if err != nil || len(got.Rows) != tt.rows {
				t.Fatalf("got %d rows, err %v", len(got.Rows), err)
			}
		})
	}
}

func TestQueryErrors(t *testing.T) {
	deadlock := mssqldrv.Error{Number: 1205, Message: "Transaction (Process ID 52) was deadlocked on lock resources with another process and has been chosen as the deadlock victim. Rerun the transaction."}
	tests := []struct {
		name      string
		setup     func(*sqlmock.ExpectedQuery)
		rowErr    error
		class     Class
		retryable bool
		number    int32
	}{
		{"deadlock", func(e *sqlmock.ExpectedQuery) { e.WillReturnError(deadlock) }, nil, Deadlock, true, 1205},
		{"deadlock while reading rows", func(e *sqlmock.ExpectedQuery) {
			e.WillReturnRows(sqlmock.NewRows([]string{"a"}).AddRow(int64(1)).AddRow(int64(2)).RowError(1, deadlock))
		}, nil, Deadlock, true, 1205},
		{"permission", func(e *sqlmock.ExpectedQuery) {
			e.WillReturnError(mssqldrv.Error{Number: 229, Message: "The SELECT permission was denied on the object 'Sites'"})
		}, nil, PermissionDenied, false, 229},
		{"syntax", func(e *sqlmock.ExpectedQuery) {
			e.WillReturnError(mssqldrv.Error{Number: 102, Message: "Incorrect syntax near 'FORM'."})
		}, nil, Syntax, false, 102},
		{"server error wrapped", func(e *sqlmock.ExpectedQuery) {
			e.WillReturnError(fmt.Errorf("batch: %w", mssqldrv.Error{Number: 208, Message: "Invalid object name 'dbo.Nope'."}))
		}, nil, Syntax, false, 208},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, mock := newMock(t)
			tt.setup(mock.ExpectQuery("SELECT a FROM t"))
			_, err := Query(t.Context(), db, "SELECT a FROM t", nil, 0)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err %T %v is not *Error", err, err)
			}
			if e.Class != tt.class || e.Retryable() != tt.retryable || e.Number != tt.number {
				t.Errorf("got class %v retryable %v number %d; want %v %v %d", e.Class, e.Retryable(), e.Number, tt.class, tt.retryable, tt.number)
			}
			if !strings.Contains(err.Error(), e.Hint) || e.Hint == "" {
				t.Errorf("Error() %q lacks the hint", err)
			}
		})
	}
}

func TestQueryContextCancelled(t *testing.T) {
	db, mock := newMock(t)
	mock.ExpectQuery("WAITFOR DELAY '00:10'").WillDelayFor(30 * time.Second).WillReturnRows(sqlmock.NewRows([]string{"x"}))
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := Query(ctx, db, "WAITFOR DELAY '00:10'", nil, 0)
	if time.Since(start) > 5*time.Second {
		t.Errorf("Query did not return on ctx: %s", time.Since(start))
	}
	var e *Error
	if !errors.As(err, &e) || e.Class != Timeout || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want a Timeout wrapping DeadlineExceeded", err)
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "read tcp: i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestClassify(t *testing.T) {
	tests := []struct {
		name  string
		err   error
		class Class
	}{
		{"login failed", mssqldrv.Error{Number: 18456, Message: "Login failed for user 'baton'."}, LoginFailed},
		{"cannot open db", mssqldrv.Error{Number: 4060, Message: "Cannot open database"}, LoginFailed},
		{"server error unwraps", mssqldrv.Error{Number: 230}, PermissionDenied},
		{"query timeout -2", mssqldrv.Error{Number: -2}, Timeout},
		{"lock timeout", mssqldrv.Error{Number: 1222}, Timeout},
		{"azure unavailable", mssqldrv.Error{Number: 40613}, Unreachable},
		{"unknown number", mssqldrv.Error{Number: 50000, Message: "raiserror"}, Other},
		{"deadline", fmt.Errorf("x: %w", context.DeadlineExceeded), Timeout},
		{"cancelled", context.Canceled, Other},
		{"net timeout", &net.OpError{Op: "read", Err: timeoutErr{}}, Timeout},
		{"refused", &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}, Unreachable},
		{"dns", &net.DNSError{Err: "no such host", Name: "nope"}, Unreachable},
		{"eof", io.EOF, Unreachable},
		{"tls", errors.New("tls: failed to verify certificate: x509: certificate signed by unknown authority"), Other},
		{"stream", mssqldrv.StreamError{InnerError: errors.New("bad")}, Other},
		{"plain", errors.New("something"), Other},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Classify(tt.err)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("%T", err)
			}
			if e.Class != tt.class {
				t.Errorf("class %v, want %v (%v)", e.Class, tt.class, err)
			}
			if !errors.Is(err, tt.err) && !errors.As(err, new(mssqldrv.Error)) {
				t.Errorf("the original error is not wrapped")
			}
			if Classify(err) != err {
				t.Errorf("Classify is not idempotent")
			}
		})
	}
	if Classify(nil) != nil {
		t.Error("Classify(nil) != nil")
	}
}

func TestRedactErr(t *testing.T) {
	inner := errors.New("login for pw=" + testSecret + " failed")
	err := redactErr(&Error{Class: LoginFailed, Msg: "connecting: " + inner.Error(), Hint: "h", Err: inner}, testSecret)
	assertNoSecretText(t, err.Error())
	assertNoSecretText(t, errors.Unwrap(err).Error())
	if !errors.Is(err, inner) {
		t.Error("chain lost")
	}
}

func assertNoSecretText(t *testing.T, s string) {
	t.Helper()
	if strings.Contains(s, "leak-me") {
		t.Errorf("secret in %q", s)
	}
}
