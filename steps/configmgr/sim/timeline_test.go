package sim_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/batonhq/baton/steps/configmgr/sim"
)

func TestTimelineDatabaseLinksAndComponents(t *testing.T) {
	f := loadInline(t, `
site {
  code       = "AB1"
  type       = "primary"
  sql_server = "sql.example.com"
}
server "a.example.com" {
  mode  = "active"
  roles = ["provider", "mp"]
}
related_site "S01" {
  type   = "secondary"
  parent = "AB1"
  server = "s.example.com"
}
content_library {
  location = "//fs/c/AB1"
}
replication_link "up" {
  from  = "S01"
  to    = "AB1"
  state = "degraded"
}
component "a.example.com" "SMS_MP_CONTROL_MANAGER" {
  status = 1
}
component "a.example.com" "SMS_POLICY_PROVIDER" {
  status = 2
}
event "db-down" {
  at   = "10m"
  kind = "sql_down"
}
event "db-up" {
  at   = "20m"
  kind = "sql_up"
}
event "link-ok" {
  at    = "25m"
  kind  = "link_state"
  link  = "up"
  state = "active"
}
event "sql-box-off" {
  at     = "30m"
  kind   = "server_offline"
  server = "sql.example.com"
}
scenario "x" {
  description = "x"
}`)
	r := newRigFrom(t, f, "x")
	if c := component(t, r, "a.example.com", "SMS_MP_CONTROL_MANAGER"); c.Status != 1 || !c.Available {
		t.Errorf("override %+v", c)
	}
	if c := component(t, r, "a.example.com", "SMS_POLICY_PROVIDER"); c.Status != 2 {
		t.Errorf("added component %+v", c)
	}
	r.to(10 * m)
	if _, err := r.s.Site(r.ctx); !errors.Is(err, sim.ErrDatabaseUnavailable) {
		t.Fatalf("at 10m: %v", err)
	}
	if r.s.Snapshot().DatabaseUp {
		t.Error("snapshot says the database is up")
	}
	r.to(20 * m)
	if l := link(t, r, "S01", "AB1"); l.State != "degraded" {
		t.Fatalf("link %+v", l)
	}
	r.to(25 * m)
	if l := link(t, r, "S01", "AB1"); l.State != "active" || l.Status != 2 || !l.UpdatedAt.Equal(t0.Add(25*m)) {
		t.Fatalf("link %+v", l)
	}
	r.to(30 * m)
	if _, err := r.s.Roles(r.ctx); !errors.Is(err, sim.ErrDatabaseUnavailable) || !containsAll(err.Error(), "sql.example.com", "CM_AB1") {
		t.Fatalf("SQL machine offline: %v", err)
	}
	for _, step := range []string{"db-down", "db-up", "link-ok", "sql-box-off"} {
		if !r.hasEvent(step) {
			t.Errorf("no event for %s:\n%s", step, r.dump())
		}
	}
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
