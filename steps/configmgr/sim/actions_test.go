package sim_test

import (
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/steps/configmgr"
	"github.com/batonhq/baton/steps/configmgr/sim"
)

func library(t *testing.T, r *rig) configmgr.ContentLibrary {
	t.Helper()
	c, err := r.s.ContentLibrary(r.ctx)
	r.must(err)
	return c
}

func component(t *testing.T, r *rig, server, name string) configmgr.Component {
	t.Helper()
	cs, err := r.s.Components(r.ctx)
	r.must(err)
	for _, c := range cs {
		if c.Server == server && c.Name == name {
			return c
		}
	}
	t.Fatalf("no component %s on %s in %+v", name, server, cs)
	return configmgr.Component{}
}

func TestMoveContentLibrary(t *testing.T) {
	r := newRig(t, "content-library-local")
	for _, bad := range []struct{ dest, want string }{
		{`E:\Content`, "not a network path"},
		{`\\fs01`, "names no share"},
		{`\\fs01\`, "names no share"},
	} {
		refusedWith(t, r.s.MoveContentLibrary(r.ctx, bad.dest), sim.ErrRefused, bad.want)
	}
	// The share root is accepted, then fails with 0x800700a1 (§7.7).
	r.must(r.s.MoveContentLibrary(r.ctx, `\\fs01\cmcontent`))
	if c := library(t, r); c.MoveStatus != "moving" || c.Remote || c.Location != `D:\SCCMContentLib` {
		t.Fatalf("after start: %+v", c)
	}
	refusedWith(t, r.s.AddPassiveSiteServer(r.ctx, network), sim.ErrRefused, "Content library move is in progress, please try again after the move is completed")
	refusedWith(t, r.s.MoveContentLibrary(r.ctx, `\\fs02\x\y`), sim.ErrRefused, "already in progress")
	r.to(1 * m)
	if c := library(t, r); c.MoveStatus != "failed" || c.MoveProgress != 0 || c.Location != `D:\SCCMContentLib` {
		t.Fatalf("share root move: %+v", c)
	}
	if !r.hasEvent("0x800700a1") {
		t.Fatalf("no 0x800700a1 event:\n%s", r.dump())
	}
	if c := component(t, r, cm01, "SMS_DISTRIBUTION_MANAGER"); c.Status != 2 {
		t.Errorf("distmgr after a failed move: %+v", c)
	}
	// A sub-folder: 120 GB at 20 s/GB = 40 minutes.
	r.to(5 * m)
	r.must(r.s.MoveContentLibrary(r.ctx, `//fs01/cmcontent/PS1`))
	for _, c := range []struct {
		at       time.Duration
		progress int
		status   string
	}{{5 * m, 0, "moving"}, {15 * m, 25, "moving"}, {35 * m, 75, "moving"}, {45*m - time.Second, 99, "moving"}, {45 * m, 100, "done"}} {
		r.to(c.at)
		got := library(t, r)
		if got.MoveProgress != c.progress || got.MoveStatus != c.status {
			t.Fatalf("at %v: %+v, want %d%% %s", c.at, got, c.progress, c.status)
		}
	}
	c := library(t, r)
	if c.Location != `\\fs01\cmcontent\PS1` || !c.Remote {
		t.Fatalf("after the move: %+v", c)
	}
	st := r.s.Snapshot()
	if st.OldContentCopy != `D:\SCCMContentLib` || !r.hasEvent("was not deleted") {
		t.Errorf("old copy %q", st.OldContentCopy)
	}
	if c := component(t, r, cm01, "SMS_DISTRIBUTION_MANAGER"); c.Status != 0 {
		t.Errorf("distmgr after a good move: %+v", c)
	}
	// Same destination again: nothing to do.
	r.must(r.s.MoveContentLibrary(r.ctx, `\\fs01\cmcontent\PS1\`))
	// Now the wizard lets the install through.
	r.must(r.s.AddPassiveSiteServer(r.ctx, network))
	r.checks([]check{{45*m + 38*m, cm02, "passive", "OK", ""}})
}

func TestMoveAlreadyInProgress(t *testing.T) {
	r := newRig(t, "content-library-move-in-progress")
	if c := library(t, r); c.MoveStatus != "moving" || c.MoveProgress != 35 || c.Remote {
		t.Fatalf("at start: %+v", c)
	}
	r.to(30 * m)
	if c := library(t, r); c.MoveProgress != 65 {
		t.Fatalf("at 30m: %+v", c)
	}
	r.to(65*m - time.Second)
	refusedWith(t, r.s.AddPassiveSiteServer(r.ctx, network), sim.ErrRefused, "Content library move is in progress")
	r.to(65 * m)
	if c := library(t, r); c.MoveStatus != "done" || !c.Remote || c.MoveProgress != 100 {
		t.Fatalf("at 65m: %+v", c)
	}
	r.must(r.s.AddPassiveSiteServer(r.ctx, network))
}

func roleSet(t *testing.T, r *rig) map[string]bool {
	t.Helper()
	rs, err := r.s.Roles(r.ctx)
	r.must(err)
	out := map[string]bool{}
	for _, x := range rs {
		out[x.SiteCode+"|"+x.Server+"|"+x.Role] = true
	}
	return out
}

func TestRemoveRole(t *testing.T) {
	r := newRig(t, "scp-on-site-server")
	refusedWith(t, r.s.RemoveRole(r.ctx, cm01, "mp"), sim.ErrRefused, "only the distribution point")
	refusedWith(t, r.s.RemoveRole(r.ctx, "ghost.contoso.com", "scp"), sim.ErrRefused, "no server")
	r.must(r.s.RemoveRole(r.ctx, cm01, "SMS Dmp Connector"))
	r.must(r.s.RemoveRole(r.ctx, cm01, "scp")) // already pending: no-op
	if len(r.s.Snapshot().Operations) != 1 {
		t.Errorf("operations %v", r.s.Snapshot().Operations)
	}
	r.to(5*m - time.Second)
	if !roleSet(t, r)["PS1|cm01.contoso.com|SMS Dmp Connector"] {
		t.Fatal("SCP gone too early")
	}
	r.to(5 * m)
	if roleSet(t, r)["PS1|cm01.contoso.com|SMS Dmp Connector"] {
		t.Fatal("SCP still there")
	}
	r.eventAt("P06", 5*m)
	r.must(r.s.RemoveRole(r.ctx, cm01, "scp")) // absent: no-op

	// Removing the last DP warns (§7.7) and drops its distributions.
	f := loadInline(t, baseFixture+`
distribution "P1" {
  server = "dp.example.com"
}
scenario "x" {
  description = "x"
}`)
	r = newRigFrom(t, f, "x")
	r.must(r.s.RemoveRole(r.ctx, "dp.example.com", "dp"))
	r.to(5 * m)
	if !r.hasEvent("no distribution point at all") {
		t.Errorf("no §7.7 warning:\n%s", r.dump())
	}
	if d, _ := r.s.Distributions(r.ctx); len(d) != 0 {
		t.Errorf("distributions to a removed DP: %+v", d)
	}
}

func TestRemoveSiteServerRole(t *testing.T) {
	r := newRig(t, "healthy")
	refusedWith(t, r.s.RemoveSiteServerRole(r.ctx, cm01), sim.ErrRefused, "active site server")
	refusedWith(t, r.s.RemoveSiteServerRole(r.ctx, "mp01.contoso.com"), sim.ErrRefused, "not a site server")
	r.must(r.s.RemoveSiteServerRole(r.ctx, cm02))
	r.must(r.s.RemoveSiteServerRole(r.ctx, cm02)) // already removing
	refusedWith(t, r.s.Promote(r.ctx, cm02), sim.ErrRefused, "being removed")
	r.checks([]check{{10*m - time.Second, cm02, "passive", "OK", "removing"}})
	r.to(10 * m)
	if got := r.server(cm02); got.Name != "" {
		t.Fatalf("cm02 still a site server: %+v", got)
	}
	// The provider stays behind (§7.3), which blocks a new install on it (P07).
	ps, _ := r.s.Providers(r.ctx)
	if len(ps) != 2 {
		t.Errorf("providers %+v", ps)
	}
	r.must(r.s.AddPassiveSiteServer(r.ctx, network))
	r.checks([]check{{14 * m, cm02, "passive", "PrereqFailed", "SMS Provider"}})
}

func TestPostPromotionTasks(t *testing.T) {
	t.Run("PP-01 DP certificates", func(t *testing.T) {
		r := newRig(t, "dp-pki-certificates")
		r.must(r.s.Promote(r.ctx, cm02))
		r.to(14 * m)
		if c := component(t, r, cm02, "SMS_DISTRIBUTION_MANAGER"); c.Status != 2 {
			t.Fatalf("distmgr %+v", c)
		}
		if got := r.s.Snapshot().PostPromotion.DPCertificatesToReimport; strings.Join(got, ",") != "dp01.contoso.com,dp02.contoso.com" {
			t.Fatalf("certs %v", got)
		}
		r.eventAt("PP-01", 14*m)
		refusedWith(t, r.s.ReimportDPCertificate(r.ctx, "mp01.contoso.com", `C:\c.pfx`, "pw"), sim.ErrRefused, "not a distribution point")
		refusedWith(t, r.s.ReimportDPCertificate(r.ctx, "dp01.contoso.com", `C:\c.pfx`, ""), sim.ErrRefused, "password")
		r.must(r.s.ReimportDPCertificate(r.ctx, "dp01.contoso.com", `C:\dp01.pfx`, "s3cret!"))
		r.must(r.s.ReimportDPCertificate(r.ctx, "dp02.contoso.com", `C:\dp02.pfx`, "s3cret!"))
		r.to(16 * m)
		if c := component(t, r, cm02, "SMS_DISTRIBUTION_MANAGER"); c.Status != 0 {
			t.Fatalf("distmgr after reimport %+v", c)
		}
		for _, e := range r.s.Events() {
			if strings.Contains(e.Message, "s3cret") {
				t.Fatalf("password in event: %s", e)
			}
		}
	})
	t.Run("PP-02 Store for Business", func(t *testing.T) {
		r := newRig(t, "healthy")
		refusedWith(t, r.s.ReconnectStoreForBusiness(r.ctx), sim.ErrRefused, "PP-02 does not apply")
		r = newRig(t, "store-for-business")
		r.must(r.s.Promote(r.ctx, cm02))
		r.to(14 * m)
		if c := component(t, r, cm02, "SMS_CLOUD_SERVICES_MANAGER"); c.Status != 2 {
			t.Fatalf("cloud services %+v", c)
		}
		r.must(r.s.ReconnectStoreForBusiness(r.ctx))
		r.to(16 * m)
		if c := component(t, r, cm02, "SMS_CLOUD_SERVICES_MANAGER"); c.Status != 0 || r.s.Snapshot().PostPromotion.StoreForBusinessDisconnected {
			t.Fatalf("cloud services after reconnect %+v", c)
		}
	})
	t.Run("PP-05 redistribute", func(t *testing.T) {
		r := newRig(t, "content-distribution-in-progress")
		d, err := r.s.Distributions(r.ctx)
		r.must(err)
		if len(d) != 2 {
			t.Fatalf("distributions %+v", d)
		}
		r.must(r.s.Promote(r.ctx, cm02))
		r.to(10 * m)
		d, _ = r.s.Distributions(r.ctx)
		want := []configmgr.Distribution{
			{PackageID: "PS100045", Server: "dp01.contoso.com", InProgress: 1},
			{PackageID: "PS100046", Server: "", Errors: 1, SiteToSite: true},
		}
		if len(d) != 2 || d[0] != want[0] || d[1] != want[1] {
			t.Fatalf("after PRP-05: %+v", d)
		}
		r.eventAt("PP-05", 10*m)
		r.to(14 * m)
		refusedWith(t, r.s.RedistributeContent(r.ctx, nil, "ss1.contoso.com"), sim.ErrRefused, "no package")
		refusedWith(t, r.s.RedistributeContent(r.ctx, []string{"PS100046"}, "mp01.contoso.com"), sim.ErrRefused, "not a distribution point")
		r.must(r.s.RedistributeContent(r.ctx, []string{"PS100046"}, "ss1.contoso.com"))
		d, _ = r.s.Distributions(r.ctx)
		if len(d) != 2 || d[1].InProgress != 1 || d[1].Errors != 0 {
			t.Fatalf("redistributing: %+v", d)
		}
		r.to(29 * m)
		d, _ = r.s.Distributions(r.ctx)
		if len(d) != 1 || d[0].PackageID != "PS100045" {
			t.Fatalf("after redistribution: %+v", d)
		}
		r.to(50 * m)
		if d, _ = r.s.Distributions(r.ctx); len(d) != 0 {
			t.Fatalf("at 50m: %+v", d)
		}
	})
	t.Run("PP-06 reinitialize secondary", func(t *testing.T) {
		r := newRig(t, "secondary-replication-degraded")
		r.must(r.s.Promote(r.ctx, cm02))
		r.to(14 * m)
		if got := link(t, r, "SS1", "PS1"); got.State != "failed" || got.Status != 9 {
			t.Fatalf("link after promotion %+v", got)
		}
		if got := r.s.Snapshot().PostPromotion.SecondariesToReinitialize; len(got) != 1 || got[0] != "SS1" {
			t.Fatalf("to reinitialize %v", got)
		}
		refusedWith(t, r.s.ReinitializeSecondary(r.ctx, "PS1"), sim.ErrRefused, "not a secondary")
		r.must(r.s.ReinitializeSecondary(r.ctx, "ss1"))
		if got := link(t, r, "SS1", "PS1"); got.State != "initializing" || got.Status != 4 {
			t.Fatalf("link reinitializing %+v", got)
		}
		r.to(34 * m)
		if got := link(t, r, "SS1", "PS1"); got.State != "active" || got.Status != 2 || !got.UpdatedAt.Equal(t0.Add(34*m)) {
			t.Fatalf("link after reinit %+v", got)
		}
	})
	t.Run("PP-07 pre-production client", func(t *testing.T) {
		r := newRig(t, "pre-production-client")
		r.must(r.s.Promote(r.ctx, cm02))
		r.to(14 * m)
		pp := r.s.Snapshot().PostPromotion
		if !pp.ClientFolderWrong || pp.ProductionClientVersion != "5.00.9135.1003" {
			t.Fatalf("post promotion %+v", pp)
		}
		r.eventAt("PP-07", 14*m)
		r.eventAt("R05", 14*m)
	})
	t.Run("R05 without pre-production client", func(t *testing.T) {
		r := newRig(t, "recent-site-update")
		r.must(r.s.Promote(r.ctx, cm02))
		r.to(14 * m)
		r.eventAt("R05", 14*m)
		if pp := r.s.Snapshot().PostPromotion; pp.ClientFolderWrong {
			t.Fatalf("PP-07 without pre-production client: %+v", pp)
		}
	})
	t.Run("healthy has no post-promotion task", func(t *testing.T) {
		r := newRig(t, "healthy")
		r.must(r.s.Promote(r.ctx, cm02))
		r.to(14 * m)
		for _, e := range r.s.Events() {
			if strings.HasPrefix(e.Step, "PP-") || e.Step == "R05" {
				t.Errorf("unexpected %s", e)
			}
		}
	})
	t.Run("PP-03 PP-04 non-PKI media and PXE", func(t *testing.T) {
		f := loadInline(t, haFixture+`
features {
  pxe        = true
  boot_media = true
}
scenario "x" {
  description = "x"
}`)
		r := newRigFrom(t, f, "x")
		r.must(r.s.Promote(r.ctx, "b.example.com"))
		r.to(14 * m)
		r.eventAt("PP-03", 14*m)
		r.eventAt("PP-04", 14*m)
	})
}

func link(t *testing.T, r *rig, from, to string) configmgr.ReplicationLink {
	t.Helper()
	ls, err := r.s.ReplicationLinks(r.ctx)
	r.must(err)
	for _, l := range ls {
		if l.From == from && l.To == to {
			return l
		}
	}
	t.Fatalf("no link %s -> %s", from, to)
	return configmgr.ReplicationLink{}
}

func TestActionsNeedTheDatabase(t *testing.T) {
	r := newRig(t, "sql-down")
	for name, err := range map[string]error{
		"move":         r.s.MoveContentLibrary(r.ctx, `\\fs01\c\PS1`),
		"add":          r.s.AddPassiveSiteServer(r.ctx, network),
		"retry":        r.s.RetryPassiveInstall(r.ctx),
		"promote":      r.s.Promote(r.ctx, cm02),
		"remove ss":    r.s.RemoveSiteServerRole(r.ctx, cm02),
		"remove role":  r.s.RemoveRole(r.ctx, "dp01.contoso.com", "dp"),
		"reimport":     r.s.ReimportDPCertificate(r.ctx, "dp01.contoso.com", "x.pfx", "pw"),
		"redistribute": r.s.RedistributeContent(r.ctx, []string{"P"}, "dp01.contoso.com"),
		"reinit":       r.s.ReinitializeSecondary(r.ctx, "SS1"),
		"store":        r.s.ReconnectStoreForBusiness(r.ctx),
	} {
		t.Run(name, func(t *testing.T) {
			refusedWith(t, err, sim.ErrDatabaseUnavailable, "CM_PS1")
		})
	}
}
