package sim_test

import (
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/steps/configmgr"
	"github.com/batonhq/baton/steps/configmgr/sim"
)

// TestPassiveRegressesAfterReady: F3. The installation shows OK, then the
// asynchronous stages 14/15 make it regress to InstallFailed (0x0001FFFF);
// nothing retries by itself, and a retry after the blip succeeds.
func TestPassiveRegressesAfterReady(t *testing.T) {
	r := newRig(t, "passive-regresses-after-ready")
	r.must(r.s.AddPassiveSiteServer(r.ctx, network))
	r.checks([]check{
		{38 * m, cm02, "passive", "OK", "Completed with warning"},
		{46*m - time.Second, cm02, "passive", "OK", "Completed with warning"},
		{46 * m, cm02, "passive", "InstallFailed", "install.map"},
		{3 * time.Hour, cm02, "passive", "InstallFailed", "install.map"},
	})
	if got := r.server(cm02).ServerState; got != sim.ServerStateInstallFailed {
		t.Errorf("ServerState %d, want 0x0001FFFF", got)
	}
	if !r.hasEvent("regressed from OK to InstallFailed") {
		t.Errorf("no regression event:\n%s", r.dump())
	}
	r.must(r.s.RetryPassiveInstall(r.ctx))
	r.to(3*time.Hour + 38*m + 8*m + time.Minute)
	if got := r.server(cm02); got.Status != configmgr.StatusOK {
		t.Errorf("after the retry: %+v\n%s", got, r.dump())
	}
}

// TestCheckAdminOnSQLSignal: F1. A prerequisite failure on the SQL check
// writes "CheckAdminOnSQL has failed" to FailoverMgr.log on the active
// server, whether the Native Client is missing or the account lacks
// sysadmin; only remoting tells the two apart.
func TestCheckAdminOnSQLSignal(t *testing.T) {
	for _, tc := range []struct {
		scenario     string
		nativeClient bool
	}{{"passive-install-prereq-fails", false}, {"passive-install-not-sysadmin", true}, {"passive-install-account-not-admin", true}} {
		t.Run(tc.scenario, func(t *testing.T) {
			r := newRig(t, tc.scenario)
			r.must(r.s.AddPassiveSiteServer(r.ctx, network))
			r.to(5 * m)
			cfgs, err := r.s.ServerConfigs(r.ctx, []string{cm01, cm02})
			r.must(err)
			signalled := len(cfgs[0].Signals) == 1 && cfgs[0].Signals[0].ID == "CheckAdminOnSQL"
			if want := tc.scenario != "passive-install-account-not-admin"; signalled != want {
				t.Errorf("CheckAdminOnSQL on cm01: %v, want %v (%+v)", signalled, want, cfgs[0].Signals)
			}
			if cfgs[1].SQLNativeClient != tc.nativeClient {
				t.Errorf("Native Client on cm02: %v, want %v", cfgs[1].SQLNativeClient, tc.nativeClient)
			}
		})
	}
}

// TestPromotionLeavesFieldProblems: F9, F10 and F7 after a planned
// promotion.
func TestPromotionLeavesFieldProblems(t *testing.T) {
	mof := func(r *rig, server string) string {
		cfgs, err := r.s.ServerConfigs(r.ctx, []string{server})
		r.must(err)
		return cfgs[0].ConfigurationMOF
	}
	r := newRig(t, "hinv-customized")
	before := mof(r, cm01)
	r.must(r.s.Promote(r.ctx, cm02))
	r.to(time.Hour)
	if r.site().ServerName != cm02 || mof(r, cm02) == before || mof(r, cm01) != before {
		t.Errorf("F9: the new active must lack the customized configuration.mof: %s", r.dump())
	}

	r = newRig(t, "default-boot-images")
	r.must(r.s.Promote(r.ctx, cm02))
	r.to(time.Hour)
	imgs, err := r.s.BootImages(r.ctx)
	r.must(err)
	if len(imgs) != 2 || !strings.Contains(imgs[0].SourcePath, cm01) {
		t.Errorf("F10: boot images after the promotion: %+v", imgs)
	}

	r = newRig(t, "site-system-admin-missing")
	r.must(r.s.Promote(r.ctx, cm02))
	r.to(time.Hour)
	if c := critical(t, r, cm02, "SMS_SITE_SYSTEM_STATUS_SUMMARIZER"); !c {
		t.Errorf("F7: the new active cannot reach dp02, its summarizer must be critical: %s", r.dump())
	}
}

func critical(t *testing.T, r *rig, server, name string) bool {
	t.Helper()
	cs, err := r.s.Components(r.ctx)
	r.must(err)
	for _, c := range cs {
		if c.Server == server && c.Name == name {
			return c.Status == 2
		}
	}
	return false
}

func TestServerConfigUnreadable(t *testing.T) {
	r := newRig(t, "active-offline-for-good")
	cfgs, err := r.s.ServerConfigs(r.ctx, []string{cm01, "nowhere.contoso.com"})
	r.must(err)
	if cfgs[0].Readable || !strings.Contains(cfgs[0].Error, "does not answer") || cfgs[1].Readable || !strings.Contains(cfgs[1].Error, "cannot be resolved") {
		t.Errorf("%+v", cfgs)
	}
}

// TestProviderRemovedByHand: F11. The provider setup put on the passive
// server stays after the role is removed, until Site Maintenance removes
// it (a timeline event).
func TestProviderRemovedByHand(t *testing.T) {
	r := newRig(t, "provider-removed-by-hand")
	r.must(r.s.RemoveSiteServerRole(r.ctx, cm02))
	r.to(20 * m)
	hasProvider := func() bool {
		roles, err := r.s.Roles(r.ctx)
		r.must(err)
		for _, x := range roles {
			if x.Server == cm02 && x.Role == configmgr.RoleProvider {
				return true
			}
		}
		return false
	}
	if !hasProvider() {
		t.Fatalf("the provider must stay after the role is removed:\n%s", r.dump())
	}
	r.to(30 * m)
	if hasProvider() {
		t.Errorf("Site Maintenance removed it at 30m:\n%s", r.dump())
	}
}

// TestMoveRefusedWithDPOnSiteServer: F5. The console greys out Manage
// Content Library while the site server has the DP role.
func TestMoveRefusedWithDPOnSiteServer(t *testing.T) {
	r := newRig(t, "dp-on-site-server")
	err := r.s.MoveContentLibrary(r.ctx, `\\fs01\cmcontent\PS1b`)
	refusedWith(t, err, sim.ErrRefused, "distribution point role", "F5")
	r.must(r.s.RemoveRole(r.ctx, cm01, configmgr.RoleDistributionPoint))
	r.to(10 * m)
	r.must(r.s.MoveContentLibrary(r.ctx, `\\fs01\cmcontent\PS1b`))
}
