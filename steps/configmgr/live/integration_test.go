package live

import (
	"context"
	"database/sql"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/steps/configmgr"
	"github.com/batonhq/baton/steps/mssql"
)

// TestIntegrationSiteDatabase runs every fact query against a real
// ConfigMgr site database. It only reads. It is skipped unless
// BATON_TEST_MSSQL_DSN holds a go-mssqldb connection string to a site
// database (CM_<code>) and BATON_TEST_CONFIGMGR_SITE its site code:
//
//	BATON_TEST_MSSQL_DSN='sqlserver://reader:pw@sql1.contoso.com?database=CM_ABC' \
//	BATON_TEST_CONFIGMGR_SITE=ABC go test ./steps/configmgr/live -run Integration -v
//
// The log lists each query's columns and database types and the decoded
// facts, to be compared with the console: this is where the [UNVERIFIED]
// assumptions of configmgr/queries.go get checked.
func TestIntegrationSiteDatabase(t *testing.T) {
	dsn := os.Getenv("BATON_TEST_MSSQL_DSN")
	code := strings.ToUpper(os.Getenv("BATON_TEST_CONFIGMGR_SITE"))
	if dsn == "" {
		t.Skip("BATON_TEST_MSSQL_DSN is not set: no site database to test against (CI has none)")
	}
	if !configmgr.ValidSiteCode(code) {
		t.Fatalf("BATON_TEST_CONFIGMGR_SITE %q is not a site code; set it with BATON_TEST_MSSQL_DSN", code)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	db, err := mssql.Open(ctx, mssql.Config{DSN: dsn})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cfg := configmgr.TargetConfig{SiteCode: code, Database: "CM_" + code, QueryTimeout: time.Minute}
	s := New(db, cfg, nil)

	// Every query compiles and runs; log what it returns.
	for _, q := range configmgr.Queries {
		t.Run("query/"+q.Name, func(t *testing.T) {
			n := 0
			err := s.query(ctx, q, func(r *sql.Rows) error {
				if n == 0 {
					cols, err := r.ColumnTypes()
					if err != nil {
						return err
					}
					var desc []string
					for _, c := range cols {
						desc = append(desc, c.Name()+" "+c.DatabaseTypeName())
					}
					t.Logf("columns: %s", strings.Join(desc, ", "))
				}
				n++
				return nil
			})
			if err != nil {
				t.Fatalf("%v\n%s", err, q.Notes)
			}
			t.Logf("%d rows", n)
		})
	}

	// The facts decode.
	if si, err := s.Site(ctx); err != nil {
		t.Errorf("Site: %v", err)
	} else {
		t.Logf("site: %+v", si)
	}
	facts := map[string]func() (any, error){
		"Hierarchy":        func() (any, error) { return s.Hierarchy(ctx) },
		"SiteServers":      func() (any, error) { return s.SiteServers(ctx) },
		"Roles":            func() (any, error) { return s.Roles(ctx) },
		"ReplicationLinks": func() (any, error) { return s.ReplicationLinks(ctx) },
		"Updates":          func() (any, error) { return s.Updates(ctx) },
		"Distributions":    func() (any, error) { return s.Distributions(ctx) },
		"Components":       func() (any, error) { return s.Components(ctx) },
		"Features":         func() (any, error) { return s.Features(ctx) },
	}
	for name, f := range facts {
		v, err := f()
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		t.Logf("%s: %+v", name, v)
	}
}
