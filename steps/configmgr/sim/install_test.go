package sim_test

import (
	"testing"
	"time"

	"github.com/batonhq/baton/steps/configmgr"
	"github.com/batonhq/baton/steps/configmgr/sim"
)

func TestAddPassiveInstallsStageByStage(t *testing.T) {
	for _, tc := range []struct {
		name   string
		req    configmgr.AddPassive
		stage3 string
		done   time.Duration
	}{
		{"network source", network, "PSV-03b", 38 * m},
		{"copy from active", configmgr.AddPassive{Server: cm02, SourceOption: "copy"}, "PSV-03a", 42 * m},
		{"local source", configmgr.AddPassive{Server: cm02, SourceOption: "local", SourcePath: `D:\CD.Latest`}, "PSV-03b", 38 * m},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, "no-passive-yet")
			if got := r.server(cm02); got.Name != "" {
				t.Fatalf("cm02 is a site server before the install: %+v", got)
			}
			r.must(r.s.AddPassiveSiteServer(r.ctx, tc.req))
			src := 1 * m
			if tc.req.SourceOption == "copy" {
				src = 5 * m
			}
			r.checks([]check{
				{0, cm02, "passive", "Installing", "PSV-01"},
				{4*m - time.Second, cm02, "passive", "Installing", "PSV-01"},
				{4 * m, cm02, "passive", "Installing", "PSV-02"},
				{7 * m, cm02, "passive", "Installing", tc.stage3},
				{7*m + src, cm02, "passive", "Installing", "PSV-04"},
				{tc.done - time.Second, cm02, "passive", "Installing", "PSV-05"},
				{tc.done, cm02, "passive", "OK", "Completed with warning"},
				{tc.done, cm01, "active", "OK", ""},
			})
			r.eventAt("PSV-D2", 4*m)
			r.eventAt("PSV-02", 7*m)
			r.eventAt(tc.stage3, 7*m+src)
			r.eventAt("PSV-04", tc.done-5*m)
			if got := r.server(cm02).ServerState; got != sim.ServerStateOK {
				t.Errorf("ServerState = %d", got)
			}
			// Setup put an SMS Provider on the passive server (§7.3).
			ps, err := r.s.Providers(r.ctx)
			r.must(err)
			if len(ps) != 2 || ps[1].Server != cm02 || !ps[1].Reachable {
				t.Errorf("providers = %+v, want cm01 and cm02", ps)
			}
		})
	}
}

func TestAddPassiveWizardRefusals(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		req      configmgr.AddPassive
		want     []string
	}{
		{"passive-already-installed", network, []string{"PSV-D1 c", "already a passive site server", "P03"}},
		{"passive-already-installed", configmgr.AddPassive{Server: cm03, SourceOption: "copy"}, []string{"PSV-D1 c", "already has a passive", "cm02"}},
		{"secondary-site-target", configmgr.AddPassive{Server: "ss1.contoso.com", SourceOption: "copy"}, []string{"PSV-D1 b", "secondary site SS1", "P02"}},
		{"content-library-local", network, []string{"PSV-D1 a", "not on a remote share", "MoveContentLibrary"}},
		{"content-library-move-in-progress", network, []string{"Content library move is in progress, please try again after the move is completed"}},
		{"no-passive-yet", configmgr.AddPassive{Server: cm02, SourceOption: "network", SourcePath: `D:\x`}, []string{"UNC"}},
		{"no-passive-yet", configmgr.AddPassive{Server: cm02, SourceOption: "ftp"}, []string{"source option"}},
		{"no-passive-yet", configmgr.AddPassive{SourceOption: "copy"}, []string{"no server"}},
		{"no-passive-yet", configmgr.AddPassive{Server: cm01, SourceOption: "copy"}, []string{"is the active site server"}},
		{"no-passive-yet", configmgr.AddPassive{Server: "ss2.contoso.com", SourceOption: "copy"}, []string{"PSV-D1 b"}},
	} {
		t.Run(tc.scenario+"/"+tc.req.Server, func(t *testing.T) {
			r := newRig(t, tc.scenario)
			before := r.s.Snapshot().SiteServers
			err := r.s.AddPassiveSiteServer(r.ctx, tc.req)
			refusedWith(t, err, sim.ErrRefused, tc.want...)
			r.to(time.Hour)
			after := r.s.Snapshot().SiteServers
			if len(after) != len(before) {
				t.Errorf("a refused request changed the site servers: %+v -> %+v", before, after)
			}
		})
	}
}

func TestAddPassiveWhileActiveOfflineOrDatabaseDown(t *testing.T) {
	r := newRig(t, "active-offline-for-good")
	refusedWith(t, r.s.AddPassiveSiteServer(r.ctx, configmgr.AddPassive{Server: cm03, SourceOption: "copy"}), sim.ErrNoActiveSiteServer, "site administration is unavailable")
	r = newRig(t, "sql-down")
	refusedWith(t, r.s.AddPassiveSiteServer(r.ctx, network), sim.ErrDatabaseUnavailable, "CM_PS1", "sql01.contoso.com")
}

func TestPrereqFailsThenRetryAfterFix(t *testing.T) {
	r := newRig(t, "passive-install-prereq-fails")
	refusedWith(t, r.s.RetryPassiveInstall(r.ctx), sim.ErrRefused, "no passive site server")
	r.must(r.s.AddPassiveSiteServer(r.ctx, network))
	refusedWith(t, r.s.RetryPassiveInstall(r.ctx), sim.ErrRefused, "Installing")
	r.checks([]check{
		{3 * m, cm02, "passive", "Installing", "PSV-01"},
		{4 * m, cm02, "passive", "PrereqFailed", "SQL Server sysadmin rights"},
	})
	if got := r.server(cm02).ServerState; got != sim.ServerStatePrereqFailed {
		t.Errorf("ServerState = %d, want %d", got, sim.ServerStatePrereqFailed)
	}
	if !r.hasEvent("SQL Server Native Client is not installed") {
		t.Errorf("events do not name the real cause:\n%s", r.dump())
	}
	// Retry before the fix (at 40m): fails again.
	r.to(20 * m)
	r.must(r.s.RetryPassiveInstall(r.ctx))
	r.checks([]check{
		{20 * m, cm02, "passive", "Installing", "PSV-01"},
		{24 * m, cm02, "passive", "PrereqFailed", "sysadmin"},
	})
	// Retry after the fix: goes through.
	r.to(41 * m)
	r.must(r.s.RetryPassiveInstall(r.ctx))
	r.checks([]check{
		{45 * m, cm02, "passive", "Installing", "PSV-02"},
		{41*m + 38*m, cm02, "passive", "OK", ""},
	})
}

func TestPrereqMisleadingOSVersion(t *testing.T) {
	r := newRig(t, "passive-install-account-not-admin")
	r.must(r.s.AddPassiveSiteServer(r.ctx, network))
	r.checks([]check{{4 * m, cm02, "passive", "PrereqFailed", "operating system version"}})
	if !r.hasEvent("not a local administrator") {
		t.Errorf("real cause missing:\n%s", r.dump())
	}
	r.to(30 * m)
	r.must(r.s.RetryPassiveInstall(r.ctx))
	r.checks([]check{{68 * m, cm02, "passive", "OK", ""}})
}

func TestPrereqDPOnSiteServerFixedByRemovingIt(t *testing.T) {
	r := newRig(t, "dp-on-site-server")
	r.must(r.s.AddPassiveSiteServer(r.ctx, network))
	r.checks([]check{{4 * m, cm02, "passive", "PrereqFailed", "P05"}})
	r.must(r.s.RemoveRole(r.ctx, cm01, "SMS Distribution Point"))
	r.must(r.s.RetryPassiveInstall(r.ctx)) // checked at 8m, the DP is gone at 9m
	r.checks([]check{{8 * m, cm02, "passive", "PrereqFailed", "P05"}})
	r.to(9 * m)
	r.must(r.s.RetryPassiveInstall(r.ctx))
	r.checks([]check{{47 * m, cm02, "passive", "OK", ""}})
}

func TestPrereqTargetWithRoleAndOffline(t *testing.T) {
	r := newRig(t, "no-passive-yet")
	r.must(r.s.AddPassiveSiteServer(r.ctx, configmgr.AddPassive{Server: "mp01.contoso.com", SourceOption: "copy"}))
	r.checks([]check{{4 * m, "mp01.contoso.com", "passive", "PrereqFailed", "P07"}})

	// An unknown name is accepted by the wizard and fails the check.
	r = newRig(t, "no-passive-yet")
	r.must(r.s.AddPassiveSiteServer(r.ctx, configmgr.AddPassive{Server: "typo.contoso.com", SourceOption: "copy"}))
	r.checks([]check{{4 * m, "typo.contoso.com", "passive", "PrereqFailed", "cannot connect"}})
}

func TestInstallFailureStagesAndWarnings(t *testing.T) {
	for _, tc := range []struct {
		kind, source string
		status       string
		at           time.Duration
		detail       string
	}{
		{"site_to_site_group_empty", "network", "InstallFailed", 7 * m, "SMS_SiteToSiteConnection"},
		{"smb_blocked", "copy", "InstallFailed", 12 * m, "network path was not found"},
		{"smb_blocked", "network", "OK", 38 * m, "Completed"}, // a UNC source needs no SMB into the target
		{"wsus_console_missing", "network", "InstallFailed", 33 * m, "WSUS"},
		{"not_admin_on_site_systems", "network", "OK", 38 * m, "Completed with warning"},
		{"adk_missing", "network", "PrereqFailed", 4 * m, "ADK"},
		{"not_sysadmin", "network", "PrereqFailed", 4 * m, "P22"},
		{"ag_replica", "network", "PrereqFailed", 4 * m, "P08"},
		{"passive_not_admin_on_active", "network", "PrereqFailed", 4 * m, "P16"},
	} {
		t.Run(tc.kind+"/"+tc.source, func(t *testing.T) {
			f := loadInline(t, baseFixture+`
scenario "x" {
  description = "x"
  problem "p" {
    kind = "`+tc.kind+`"
  }
}`)
			r := newRigFrom(t, f, "x")
			req := configmgr.AddPassive{Server: "b.example.com", SourceOption: tc.source, SourcePath: `\\a.example.com\SMS_AB1\CD.Latest`}
			r.must(r.s.AddPassiveSiteServer(r.ctx, req))
			r.to(tc.at - time.Second)
			if got := r.server("b.example.com").Status; got != "Installing" {
				t.Fatalf("just before %v status %s", tc.at, got)
			}
			r.checks([]check{{tc.at, "b.example.com", "passive", tc.status, tc.detail}})
			if tc.status == "InstallFailed" && r.server("b.example.com").ServerState != sim.ServerStateInstallFailed {
				t.Errorf("ServerState = %d", r.server("b.example.com").ServerState)
			}
		})
	}
}

func TestInstallTargetGoesOfflineMidway(t *testing.T) {
	f := loadInline(t, baseFixture+`
scenario "x" {
  description = "x"
  event "b-down" {
    at     = "20m"
    kind   = "server_offline"
    server = "b.example.com"
  }
  event "b-up" {
    at     = "50m"
    kind   = "server_online"
    server = "b.example.com"
  }
}`)
	r := newRigFrom(t, f, "x")
	r.must(r.s.AddPassiveSiteServer(r.ctx, configmgr.AddPassive{Server: "b.example.com", SourceOption: "copy"}))
	r.checks([]check{
		{20 * m, "b.example.com", "passive", "Installing", "PSV-04"},
		{37 * m, "b.example.com", "passive", "InstallFailed", "cannot connect"},
	})
	r.to(55 * m)
	r.must(r.s.RetryPassiveInstall(r.ctx))
	r.checks([]check{{55*m + 42*m, "b.example.com", "passive", "OK", ""}})
}
