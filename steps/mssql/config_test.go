package mssql

import (
	"strings"
	"testing"
	"time"

	"github.com/microsoft/go-mssqldb/msdsn"
)

func TestConnectionStringRoundTrip(t *testing.T) {
	type want struct {
		host, instance, database, user, password, appName string
		port                                              uint64
		encryption                                        msdsn.Encryption
		dial, conn                                        time.Duration
		params                                            map[string]string
	}
	tests := []struct {
		name string
		cfg  Config
		want want
	}{
		{"sql login", Config{Server: "sql01.contoso.com", Port: 1433, Database: "CM_ABC", User: "baton", Password: "pw"},
			want{host: "sql01.contoso.com", port: 1433, database: "CM_ABC", user: "baton", password: "pw", appName: "baton", dial: 10 * time.Second, conn: 30 * time.Second}},
		{"instance", Config{Server: "sql01", Instance: "CMINST", User: "u", Password: "p"},
			want{host: "sql01", instance: "CMINST", user: "u", password: "p", appName: "baton", dial: 10 * time.Second, conn: 30 * time.Second}},
		{"hard password", Config{Server: "sql01", User: "u", Password: `a;b{c}d@e"f'g%h\i:j/k?l#m n+o=p&q`},
			want{host: "sql01", user: "u", password: `a;b{c}d@e"f'g%h\i:j/k?l#m n+o=p&q`, appName: "baton", dial: 10 * time.Second, conn: 30 * time.Second}},
		{"encrypt strict", Config{Server: "sql01", User: "u", Password: "p", Encrypt: "strict"},
			want{host: "sql01", user: "u", password: "p", appName: "baton", encryption: msdsn.EncryptionStrict, dial: 10 * time.Second, conn: 30 * time.Second}},
		{"encrypt true + trust", Config{Server: "sql01", User: "u", Password: "p", Encrypt: "TRUE", TrustServerCertificate: true},
			want{host: "sql01", user: "u", password: "p", appName: "baton", encryption: msdsn.EncryptionRequired, dial: 10 * time.Second, conn: 30 * time.Second,
				params: map[string]string{"trustservercertificate": "true"}}},
		{"encrypt disable", Config{Server: "sql01", User: "u", Password: "p", Encrypt: "disable"},
			want{host: "sql01", user: "u", password: "p", appName: "baton", encryption: msdsn.EncryptionDisabled, dial: 10 * time.Second, conn: 30 * time.Second}},
		{"timeouts rounded up", Config{Server: "sql01", User: "u", Password: "p", ConnectTimeout: 1500 * time.Millisecond, DialTimeout: 300 * time.Millisecond, AppName: "baton/test run"},
			want{host: "sql01", user: "u", password: "p", appName: "baton/test run", dial: time.Second, conn: 2 * time.Second}},
		{"windows ntlm", Config{Server: "sql01", Auth: "windows", User: `CONTOSO\svc-baton`, Password: "p@ss"},
			want{host: "sql01", user: `CONTOSO\svc-baton`, password: "p@ss", appName: "baton", dial: 10 * time.Second, conn: 30 * time.Second}},
		{"windows current identity", Config{Server: "sql01", Auth: "windows"},
			want{host: "sql01", appName: "baton", dial: 10 * time.Second, conn: 30 * time.Second}},
		{"kerberos keytab", Config{Server: "sql01.contoso.com", Auth: "windows", User: "svc-baton", Krb5ConfigFile: "/etc/krb5.conf", Krb5Keytab: "/etc/baton.keytab", Krb5Realm: "CONTOSO.COM"},
			want{host: "sql01.contoso.com", user: "svc-baton", appName: "baton", dial: 10 * time.Second, conn: 30 * time.Second,
				params: map[string]string{"authenticator": "krb5", "krb5-configfile": "/etc/krb5.conf", "krb5-keytabfile": "/etc/baton.keytab", "krb5-realm": "CONTOSO.COM"}}},
		{"entra default", Config{Server: "x.database.windows.net", Auth: "entra"},
			want{host: "x.database.windows.net", appName: "baton", dial: 10 * time.Second, conn: 30 * time.Second, params: map[string]string{"fedauth": "ActiveDirectoryDefault"}}},
		{"entra service principal", Config{Server: "x.database.windows.net", Auth: "entra", EntraMethod: "ActiveDirectoryServicePrincipal", User: "id@tenant", Password: "sec;ret"},
			want{host: "x.database.windows.net", user: "id@tenant", password: "sec;ret", appName: "baton", dial: 10 * time.Second, conn: 30 * time.Second, params: map[string]string{"fedauth": "ActiveDirectoryServicePrincipal"}}},
		{"ipv6", Config{Server: "::1", Port: 1433, User: "u", Password: "p"},
			want{host: "::1", port: 1433, user: "u", password: "p", appName: "baton", dial: 10 * time.Second, conn: 30 * time.Second}},
		{"dsn ado gets timeouts", Config{DSN: `server=sql01,1444;user id=u;password="a;b";database=CM_ABC`},
			want{host: "sql01", port: 1444, user: "u", password: "a;b", database: "CM_ABC", dial: 10 * time.Second, conn: 30 * time.Second}},
		{"dsn url keeps its timeouts", Config{DSN: "sqlserver://u:p%40ss@sql01?database=db&dial+timeout=3&connection+timeout=7"},
			want{host: "sql01", user: "u", password: "p@ss", database: "db", dial: 3 * time.Second, conn: 7 * time.Second}},
		{"dsn url gets timeouts", Config{DSN: "sqlserver://u:p%40ss@sql01:1433?database=db", ConnectTimeout: 60 * time.Second},
			want{host: "sql01", port: 1433, user: "u", password: "p@ss", database: "db", dial: 10 * time.Second, conn: 60 * time.Second}},
		{"dsn odbc", Config{DSN: "odbc:server=sql01;user id=u;password={x;}}y}"},
			want{host: "sql01", user: "u", password: "x;}y", dial: 10 * time.Second, conn: 30 * time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := tt.cfg.ConnectionString()
			if err != nil {
				t.Fatalf("ConnectionString: %v", err)
			}
			p, err := msdsn.Parse(s)
			if err != nil {
				t.Fatalf("msdsn.Parse(%q): %v", s, err)
			}
			w := tt.want
			if p.Host != w.host || p.Port != w.port || p.Instance != w.instance || p.Database != w.database ||
				p.User != w.user || p.Password != w.password || p.Encryption != w.encryption ||
				p.DialTimeout != w.dial || p.ConnTimeout != w.conn {
				t.Errorf("parsed %q:\nhost=%q port=%d instance=%q db=%q user=%q pwd-ok=%v enc=%d dial=%s conn=%s\nwant %+v",
					s, p.Host, p.Port, p.Instance, p.Database, p.User, p.Password == w.password, p.Encryption, p.DialTimeout, p.ConnTimeout, w)
			}
			if w.appName != "" && p.AppName != w.appName {
				t.Errorf("app name %q, want %q", p.AppName, w.appName)
			}
			for k, v := range w.params {
				if p.Parameters[k] != v {
					t.Errorf("parameter %q = %q, want %q", k, p.Parameters[k], v)
				}
			}
		})
	}
}

func TestConnectionStringErrors(t *testing.T) {
	const secret = "Sup3r;Secr{et}@"
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no server", Config{User: "u", Password: secret}, "no SQL Server given"},
		{"no user", Config{Server: "s", Password: secret}, "needs a user"},
		{"bad auth", Config{Server: "s", Auth: "kerberos", Password: secret}, `auth "kerberos" is not known`},
		{"bad encrypt", Config{Server: "s", User: "u", Password: secret, Encrypt: "maybe"}, `encrypt "maybe" is not known`},
		{"bad port", Config{Server: "s", User: "u", Password: secret, Port: 70000}, "is not a TCP port"},
		{"instance in server", Config{Server: `s\INST`, User: "u", Password: secret}, "give the instance separately"},
		{"bad dsn", Config{DSN: "sqlserver://u:" + secret + "@s:notaport"}, "not a valid SQL Server connection string"},
		{"bad dsn ado", Config{DSN: "server=s;user id=u;password=" + secret + ";port=x"}, "not a valid SQL Server connection string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.cfg.ConnectionString()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "Sup3r") {
				t.Errorf("error leaks the password: %v", err)
			}
		})
	}
}

func TestRedacted(t *testing.T) {
	const secret = "Sup3r;Secr{et}@"
	tests := []struct {
		cfg  Config
		want string
	}{
		{Config{Server: "sql01", Port: 1433, Database: "CM_ABC", User: "baton", Password: secret},
			"sql01:1433 database CM_ABC auth sql user baton password (sensitive)"},
		{Config{Server: "sql01", Instance: "CM", Auth: "windows"}, `sql01\CM auth windows`},
		{Config{DSN: `server=sql01;user id=u;password="` + secret + `"`}, "sql01 auth dsn user u password (sensitive)"},
		{Config{DSN: "sqlserver://u:" + secret + "@s:bad"}, "(unparsable dsn, hidden)"},
	}
	for _, tt := range tests {
		got := tt.cfg.Redacted()
		if got != tt.want {
			t.Errorf("Redacted() = %q, want %q", got, tt.want)
		}
		if strings.Contains(got, "Sup3r") {
			t.Errorf("Redacted leaks the password: %q", got)
		}
	}
}
