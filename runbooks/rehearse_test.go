package runbooks

import (
	"context"
	"encoding/json"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/engine/rehearse"
	"github.com/batonhq/baton/engine/rehearse/simsite"
	"github.com/batonhq/baton/engine/runbook"
	"github.com/batonhq/baton/fixtures"
	"github.com/batonhq/baton/state"
	"github.com/batonhq/baton/steps/configmgr/sim"
	"github.com/zclconf/go-cty/cty"
)

// rehearsal is one runbook rehearsed against one scenario of the contoso
// fixture, with every approval and manual step approved at once.
type rehearsal struct {
	runbook  string
	scenario string
	vars     []string
	status   string            // want: succeeded, failed, backed_out, paused
	steps    map[string]string // want: step -> final status
	// answers, when set, replace "approve everything at once".
	answers *rehearse.Answers
	// notes must each appear in a notification the rehearsal records.
	notes []string
}

func rehearseOne(t *testing.T, c rehearsal) *rehearse.Report {
	t.Helper()
	rb, diags := load(t, c.runbook)
	if diags.HasErrors() {
		t.Fatalf("%s: %s", c.runbook, diags.Error())
	}
	fx, err := sim.Load(fixtures.FS, "contoso")
	if err != nil {
		t.Fatal(err)
	}
	// As baton rehearse does: the fixture's inputs, then the case's own.
	vars, diags := runbook.ResolveInputs(rb, runbook.Inputs{Vars: c.vars, Defaults: fx.Inputs(c.scenario)})
	if diags.HasErrors() {
		t.Fatalf("inputs: %s", diags.Error())
	}
	answers := rehearse.Answers{All: true}
	if c.answers != nil {
		answers = *c.answers
	}
	return rehearseWith(t, rb, vars, fx, c.scenario, answers, c.runbook)
}

// rehearseWith rehearses rb against a fixture scenario with a fresh state
// file.
func rehearseWith(t testing.TB, rb *runbook.Runbook, vars map[string]cty.Value, fx *sim.Fixture, scenario string, answers rehearse.Answers, path string) *rehearse.Report {
	t.Helper()
	store, err := state.Open(filepath.Join(t.TempDir(), "state.db"), state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	// A rehearsal takes milliseconds of real time; the bound turns an
	// engine hang into a clear failure instead of the test binary's timeout
	// (generous for -race on a busy machine).
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	rep, err := rehearse.Run(ctx, rb, vars, rehearse.Options{
		Site: simsite.Factory(fx), FixtureName: fx.Name, Scenario: scenario, Store: store,
		Answers: answers, RunbookPath: path,
	})
	if ctx.Err() != nil {
		t.Fatalf("the rehearsal did not finish within 60s of real time: the executor or its virtual clock hung (an engine bug, not a runbook one)")
	}
	if err != nil {
		t.Fatalf("rehearse: %v", err)
	}
	return rep
}

func describe(rep *rehearse.Report) string {
	var b strings.Builder
	b.WriteString(rep.Status + ": " + rep.Reason + "\n")
	for _, l := range rep.Timeline {
		if l.Step == "" || l.Status == "" {
			continue
		}
		b.WriteString("  " + l.At.String() + " " + l.Step + " " + l.Status)
		if l.Message != "" {
			b.WriteString(" — " + l.Message)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// TestRehearsals rehearses each runbook against the contoso scenarios that
// exercise its branches, and checks the outcome and the path taken.
func TestRehearsals(t *testing.T) {
	if testing.Short() {
		t.Skip("rehearsals take a few seconds")
	}
	cases := []rehearsal{
		{runbook: "planned_promotion.hcl", scenario: "healthy", status: "succeeded",
			steps: map[string]string{"promote": "succeeded", "switch_complete": "succeeded", "promote_again": "skipped", "promotion_verified": "succeeded", "old_active_is_passive": "skipped", "repoint_boot_image": "succeeded", "boot_image_sources": "succeeded"}},
		{runbook: "planned_promotion.hcl", scenario: "recent-site-update", status: "failed",
			steps: map[string]string{"updates": "failed", "promote": "skipped"}},
		{runbook: "planned_promotion.hcl", scenario: "secondary-replication-degraded", status: "failed",
			steps: map[string]string{"replication": "failed", "promote": "skipped"}},
		{runbook: "planned_promotion.hcl", scenario: "scp-on-site-server", status: "failed",
			steps: map[string]string{"site_server_roles": "failed", "promote": "skipped"}},
		{runbook: "planned_promotion.hcl", scenario: "content-distribution-in-progress", status: "failed",
			steps: map[string]string{"distributions": "failed", "promote": "skipped"}},
		{runbook: "planned_promotion.hcl", scenario: "pre-production-client", vars: []string{"update_quiet_period=1d"}, status: "failed",
			steps: map[string]string{"pre_production_client": "failed", "promote": "skipped"}},
		{runbook: "planned_promotion.hcl", scenario: "sql-down", status: "failed",
			steps: map[string]string{"hierarchy": "failed", "promote": "skipped"}},
		{runbook: "planned_promotion.hcl", scenario: "promotion-fails-midway", status: "succeeded",
			steps: map[string]string{"promote_again": "succeeded", "promotion_verified": "succeeded"}},
		// The retry fails too: the back-out path runs, rehearsed like the
		// forward one, and the site ends as before the change.
		{runbook: "planned_promotion.hcl", scenario: "promotion-fails-twice", status: "backed_out",
			steps: map[string]string{"promote_again": "succeeded", "switch_complete_after_retry": "failed", "old_active_is_passive": "succeeded", "promote_back": "succeeded", "switched_back": "succeeded", "promotion_verified": "skipped"}},
		{runbook: "planned_promotion.hcl", scenario: "dp-pki-certificates", status: "succeeded",
			vars:  []string{"pki_dp_server=dp01.contoso.com", `pki_dp_certificate_path=\\fs01\pki\dp01.pfx`, "pki_dp_certificate_password=canary-secret"},
			steps: map[string]string{"reimport_dp_certificates_by_hand": "succeeded", "reimport_dp_certificate": "succeeded"}},

		{runbook: "unplanned_failover.hcl", scenario: "active-offline-for-good", status: "succeeded",
			steps: map[string]string{"switch_forced": "succeeded", "switch_planned_path": "skipped", "rebuild_ha": "succeeded", "old_active_demoted": "failed"}},
		{runbook: "unplanned_failover.hcl", scenario: "active-offline-returns-after-45m", status: "succeeded",
			steps: map[string]string{"switch_forced": "succeeded", "old_active_demoted": "succeeded"}},
		{runbook: "unplanned_failover.hcl", scenario: "active-offline-back-in-10m", status: "succeeded",
			steps: map[string]string{"switch_forced": "succeeded", "promotion_verified": "succeeded"}},
		{runbook: "unplanned_failover.hcl", scenario: "healthy", status: "succeeded",
			steps: map[string]string{"use_planned_path": "succeeded", "switch_planned_path": "succeeded", "switch_forced": "skipped"}},
		{runbook: "unplanned_failover.hcl", scenario: "content-distribution-in-progress", status: "succeeded",
			steps: map[string]string{"switch_planned_path": "succeeded", "redistribute_site_to_site_content": "succeeded"}},
		{runbook: "unplanned_failover.hcl", scenario: "secondary-replication-degraded", status: "succeeded",
			steps: map[string]string{"switch_planned_path": "succeeded", "reinitialize_secondary": "succeeded", "reinitialize_other_secondaries": "skipped"}},
		{runbook: "planned_promotion.hcl", scenario: "store-for-business", status: "succeeded",
			steps: map[string]string{"reconnect_store_for_business": "succeeded"}},
		{runbook: "unplanned_failover.hcl", scenario: "promotion-fails-midway", status: "succeeded",
			steps: map[string]string{"switch_planned_path": "succeeded", "planned_path_failed": "succeeded", "promote_again": "succeeded", "switch_after_retry": "succeeded", "promotion_verified": "succeeded"}},
		{runbook: "unplanned_failover.hcl", scenario: "provider-only-on-active", status: "failed",
			steps: map[string]string{"providers": "failed", "promote": "skipped"}},

		{runbook: "install_passive.hcl", scenario: "no-passive-yet", status: "succeeded",
			steps: map[string]string{"move_content_library": "skipped", "add_passive": "succeeded", "retry_install": "skipped", "passive_ready": "succeeded"}},
		{runbook: "install_passive.hcl", scenario: "content-library-local", status: "succeeded",
			steps: map[string]string{"move_content_library": "succeeded", "content_library_moved": "succeeded", "passive_ready": "succeeded"}},
		{runbook: "install_passive.hcl", scenario: "content-library-move-in-progress", status: "succeeded",
			steps: map[string]string{"move_content_library": "skipped", "content_library_moved": "succeeded", "passive_ready": "succeeded"}},
		{runbook: "install_passive.hcl", scenario: "content-library-share-root", status: "failed",
			steps: map[string]string{"library_destination": "failed", "cab": "skipped", "move_content_library": "skipped", "add_passive": "skipped"}},
		{runbook: "install_passive.hcl", scenario: "passive-already-installed", status: "failed",
			steps: map[string]string{"site_servers_before": "failed", "add_passive": "skipped"}},
		{runbook: "install_passive.hcl", scenario: "dp-on-site-server", status: "failed",
			steps: map[string]string{"site_server_roles": "failed", "add_passive": "skipped"}},
		{runbook: "install_passive.hcl", scenario: "secondary-site-target", status: "failed",
			steps: map[string]string{"hierarchy_target": "failed", "add_passive": "skipped"}},
		{runbook: "install_passive.hcl", scenario: "passive-install-account-not-admin", status: "backed_out",
			steps: map[string]string{"fix_install_failure": "succeeded", "restart_executive": "succeeded", "retry_install": "succeeded", "passive_install_retried": "failed", "remove_failed_passive": "succeeded"}},

		// The field failure modes (§8).
		// F1 prevented: remoting sees the missing Native Client before
		// anything changes.
		{runbook: "install_passive.hcl", scenario: "passive-install-prereq-fails", status: "failed",
			steps: map[string]string{"site_server_hosts": "failed", "cab": "skipped", "add_passive": "skipped"}},
		// F1 classified: CheckAdminOnSQL with the Native Client present is
		// the real SQL permission (P22); reported, and the retry path runs.
		{runbook: "install_passive.hcl", scenario: "passive-install-not-sysadmin", status: "backed_out",
			steps: map[string]string{"site_server_hosts": "succeeded", "install_failed": "succeeded", "classify_install_failure": "failed", "fix_install_failure": "succeeded", "remove_failed_passive": "succeeded"}},
		// F3: the first OK regresses; the settled wait sees it and the
		// retry, after the blip, succeeds.
		{runbook: "install_passive.hcl", scenario: "passive-regresses-after-ready", status: "succeeded",
			steps: map[string]string{"passive_install_settled": "succeeded", "fix_install_failure": "succeeded", "restart_executive": "succeeded", "retry_install": "succeeded", "passive_install_retried": "succeeded", "passive_ready": "succeeded"}},
		{runbook: "install_passive.hcl", scenario: "passive-on-cluster-node", status: "failed",
			steps: map[string]string{"site_server_hosts": "failed", "add_passive": "skipped"}},
		{runbook: "planned_promotion.hcl", scenario: "passive-lags-site-version", status: "failed",
			steps: map[string]string{"update_passive_by_hand": "succeeded", "passive_version": "failed", "promote": "skipped"}},
		{runbook: "unplanned_failover.hcl", scenario: "passive-lags-site-version", status: "failed",
			steps: map[string]string{"passive_version": "failed", "promote": "skipped"}},
		{runbook: "planned_promotion.hcl", scenario: "site-system-admin-missing", status: "failed",
			steps: map[string]string{"site_system_admins": "failed", "promote": "skipped"}},
		{runbook: "planned_promotion.hcl", scenario: "smb-signing-not-required", status: "failed",
			steps: map[string]string{"site_server_hosts": "failed", "promote": "skipped"}},
		{runbook: "planned_promotion.hcl", scenario: "scp-on-passive", status: "failed",
			steps: map[string]string{"site_server_roles": "failed", "promote": "skipped"}},
		{runbook: "planned_promotion.hcl", scenario: "hinv-customized", status: "succeeded",
			steps: map[string]string{"configuration_mof_before": "succeeded", "backup_configuration_mof": "succeeded", "promote": "succeeded", "configuration_mof_after": "failed"}},
		{runbook: "planned_promotion.hcl", scenario: "default-boot-images", status: "succeeded",
			steps: map[string]string{"promote": "succeeded", "repoint_boot_image[PS100004]": "succeeded", "repoint_boot_image[PS100005]": "succeeded", "boot_image_sources": "failed"}},
		{runbook: "unplanned_failover.hcl", scenario: "default-boot-images", status: "succeeded",
			steps: map[string]string{"promote": "succeeded", "repoint_boot_image[PS100004]": "succeeded", "repoint_boot_image[PS100005]": "succeeded", "boot_image_sources": "failed"}},
		{runbook: "daily_monitoring.hcl", scenario: "hinv-customized", status: "failed",
			steps: map[string]string{"configuration_mof_in_sync": "failed", "versions_match": "succeeded"}},
		{runbook: "daily_monitoring.hcl", scenario: "passive-lags-site-version", status: "failed",
			steps: map[string]string{"versions_match": "failed", "both_servers_ok": "succeeded"}},

		{runbook: "daily_monitoring.hcl", scenario: "healthy", status: "succeeded",
			steps: map[string]string{"both_servers_ok": "succeeded", "one_passive": "succeeded", "role_placement": "succeeded"}},
		// A rule that fails fails the run (the scheduler sees exit 1), every
		// other rule still runs, and the report goes out (always).
		{runbook: "daily_monitoring.hcl", scenario: "scp-on-site-server", status: "failed",
			vars:  []string{"webhook_url=https://hooks.example.invalid/ha"},
			steps: map[string]string{"role_placement": "failed", "both_servers_ok": "succeeded", "replication_healthy": "succeeded", "daily_report": "succeeded"},
			notes: []string{"DP or SCP on a site server"}},
		// The site database is down: every read fails, and the report says
		// the site could not be checked.
		{runbook: "daily_monitoring.hcl", scenario: "sql-down", status: "failed",
			vars:  []string{"webhook_url=https://hooks.example.invalid/ha"},
			steps: map[string]string{"site": "failed", "site_servers": "failed", "both_servers_ok": "skipped", "daily_report": "succeeded"},
			notes: []string{"could not be checked"}},

		// F11: nobody really removed the provider in a rehearsal, so the
		// verification reports it and the server is not offered for deletion.
		{runbook: "remove_passive.hcl", scenario: "healthy", status: "succeeded",
			steps: map[string]string{"remove_site_server": "succeeded", "removed": "succeeded", "remove_leftover_provider": "succeeded", "provider_removed": "failed", "delete_server": "skipped"}},

		// Timed answers: when people answer changes what happens.
		// The active server's account is made admin on cm02 at 30m: an
		// admin who confirms the fix after 45m gets a retry that works...
		{runbook: "install_passive.hcl", scenario: "passive-install-account-not-admin", status: "succeeded",
			answers: &rehearse.Answers{All: true, Steps: map[string][]rehearse.Answer{
				"fix_install_failure": {{By: "alice", Decision: "approved", After: 45 * time.Minute}}}},
			steps: map[string]string{"fix_install_failure": "succeeded", "retry_install": "succeeded", "passive_install_retried": "succeeded", "remove_failed_passive": "skipped"}},
		// F11: the provider is removed through Site Maintenance at 30m; a
		// confirmation after that is verified and the server may go.
		{runbook: "remove_passive.hcl", scenario: "provider-removed-by-hand", status: "succeeded",
			answers: &rehearse.Answers{All: true, Steps: map[string][]rehearse.Answer{
				"remove_leftover_provider": {{By: "alice", Decision: "approved", After: 35 * time.Minute}}}},
			steps: map[string]string{"remove_leftover_provider": "succeeded", "provider_removed": "succeeded", "delete_server": "succeeded"}},
		// ...and a change board that answers after 9 hours lets the 8-hour
		// approval expire: nothing is promoted.
		{runbook: "planned_promotion.hcl", scenario: "healthy", status: "failed",
			answers: &rehearse.Answers{All: true, Steps: map[string][]rehearse.Answer{
				"cab": {{By: "cab-chair", Decision: "approved", After: time.Hour}, {By: "configmgr-service-owner", Decision: "approved", After: 9 * time.Hour}}}},
			steps: map[string]string{"cab": "failed", "promote": "skipped"}},
		// One of two approvals and nobody else: the rehearsal stops where a
		// real run would wait for the second.
		{runbook: "planned_promotion.hcl", scenario: "healthy", status: "paused",
			answers: &rehearse.Answers{All: true, Steps: map[string][]rehearse.Answer{
				"cab": {{By: "cab-chair", Decision: "approved", After: 30 * time.Minute}}}},
			steps: map[string]string{"cab": "awaiting_approval", "promote": "pending"}},
	}
	for _, c := range cases {
		name := strings.TrimSuffix(c.runbook, ".hcl") + "/" + c.scenario
		if c.answers != nil {
			name += "/timed-answers"
		}
		t.Run(name, func(t *testing.T) {
			rep := rehearseOne(t, c)
			ok := rep.Status == c.status
			names := make([]string, 0, len(c.steps))
			for n := range c.steps {
				names = append(names, n)
			}
			sort.Strings(names)
			for _, n := range names {
				if rep.Steps[n] != c.steps[n] {
					t.Errorf("step %s: %s, want %s", n, rep.Steps[n], c.steps[n])
					ok = false
				}
			}
			if rep.Status != c.status {
				t.Errorf("run %s, want %s", rep.Status, c.status)
			}
			for _, n := range c.notes {
				found := false
				for _, sent := range rep.Notifications {
					found = found || strings.Contains(sent.Message, n)
				}
				if !found {
					t.Errorf("no notification says %q: %+v", n, rep.Notifications)
				}
			}
			if !ok {
				t.Logf("rehearsal:\n%s", describe(rep))
			}
			for _, v := range c.vars {
				if strings.HasPrefix(v, "pki_dp_certificate_password=") {
					js, _ := json.Marshal(rep)
					if secret := strings.TrimPrefix(v, "pki_dp_certificate_password="); strings.Contains(string(js), secret) {
						t.Errorf("the sensitive certificate password appears in the rehearsal report")
					}
				}
			}
		})
	}
}

// TestRehearsalRepeats: a shipped runbook rehearsed twice against the same
// scenario with the same answers gives the same report byte for byte, in
// text and JSON, run id and journal head included (parallel checks that
// end at the same virtual instant included).
func TestRehearsalRepeats(t *testing.T) {
	for _, c := range []rehearsal{
		{runbook: "planned_promotion.hcl", scenario: "healthy"},
		{runbook: "unplanned_failover.hcl", scenario: "default-boot-images"},
		{runbook: "install_passive.hcl", scenario: "passive-regresses-after-ready"},
	} {
		t.Run(c.runbook+"/"+c.scenario, func(t *testing.T) {
			render := func(rep *rehearse.Report) string {
				var b strings.Builder
				if err := rep.WriteText(&b); err != nil {
					t.Fatal(err)
				}
				js, err := json.Marshal(rep)
				if err != nil {
					t.Fatal(err)
				}
				return b.String() + string(js)
			}
			first := render(rehearseOne(t, c))
			if again := render(rehearseOne(t, c)); again != first {
				t.Errorf("the second rehearsal differs from the first:\n%s\n---\n%s", first, again)
			}
		})
	}
}
