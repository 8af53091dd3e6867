package sim

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/batonhq/baton/steps/configmgr"
)

// install is a passive site server installation (PSV).
type install struct {
	target  *machine
	req     configmgr.AddPassive
	gen     int
	running bool
	stage   string
	// setupProvider: setup (PSV-04) installed the SMS Provider on the
	// target, so a retry's prerequisite check does not count it (P07).
	setupProvider bool
}

// promotion is a promotion of the passive server (PRP or PRU).
type promotion struct {
	target   *machine // M2
	old      *machine // M1
	planned  bool
	gen      int
	running  bool
	stage    string
	deadline time.Time // end of the PRU-01 window
	asked    time.Time
	attempts int
}

// stage is one timed step of a state machine: after dur, done runs and
// returns "" to go on or a failure text to stop.
type stage struct {
	id     string
	dur    time.Duration
	detail string
	done   func() string
}

// runStages runs stages[i:] one after the other while alive() holds; fail
// gets the failing stage's id and text; finish runs after the last stage.
func (s *Site) runStages(st []stage, i int, alive func() bool, setStage func(id, detail string), fail func(id, msg string), finish func()) {
	if i >= len(st) {
		finish()
		return
	}
	cur := st[i]
	setStage(cur.id, cur.detail)
	s.after(cur.dur, func() {
		if !alive() {
			return
		}
		if msg := cur.done(); msg != "" {
			fail(cur.id, msg)
			return
		}
		s.runStages(st, i+1, alive, setStage, fail, finish)
	})
}

func refused(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrRefused, fmt.Sprintf(format, args...))
}

// adminGate is what every administrative action needs: the site database,
// an SMS Provider, an active site server that answers, and no promotion.
func (s *Site) adminGate(action string) error {
	if err := s.dbErr(); err != nil {
		return fmt.Errorf("%s: %w", action, err)
	}
	if !s.anyProviderUp() {
		return fmt.Errorf("%s: %w: every SMS Provider of site %s is offline; bring one back (R07)", action, ErrNoProvider, s.w.site.code)
	}
	if p := s.promo; p != nil && p.running {
		return fmt.Errorf("%s: %w: a promotion of %s is in progress (%s); wait until it completes", action, ErrRefused, p.target.name, p.stage)
	}
	a := s.active()
	if a == nil || !a.online || a.stopped != 0 {
		name := s.serverName
		return fmt.Errorf("%s: %w: the active site server %s does not answer, so site administration is unavailable (§6); bring it back or promote the passive server",
			action, ErrNoActiveSiteServer, name)
	}
	return nil
}

// MoveContentLibrary starts moving the content library to a UNC path. A
// share root is accepted and then fails as in the product (0x800700a1).
func (s *Site) MoveContentLibrary(ctx context.Context, destination string) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	const action = "move content library"
	if err := s.adminGate(action); err != nil {
		return err
	}
	dest := normUNC(destination)
	if !isUNC(dest) {
		return fmt.Errorf("%s: %w: %q is not a network path; give a UNC path such as \\\\fs01\\cmcontent\\%s (P04)", action, ErrRefused, destination, s.w.site.code)
	}
	parts := strings.Split(strings.Trim(strings.TrimPrefix(dest, `\\`), `\`), `\`)
	if len(parts) < 2 || parts[0] == "" || parts[1] == "" {
		return fmt.Errorf("%s: %w: %q names no share; give \\\\server\\share\\folder", action, ErrRefused, destination)
	}
	if s.lib.status == "moving" {
		return fmt.Errorf("%s: %w: a content library move to %s is already in progress; wait until ContentLibrary().MoveStatus is done", action, ErrRefused, s.lib.moveTo)
	}
	if a := s.active(); a != nil && hasRole(a.roles, configmgr.RoleDistributionPoint) {
		// The console greys out Manage Content Library and says nothing (F5).
		s.event("P05", "content library: Manage Content Library is unavailable: the site server %s has the distribution point role (F5)", a.name)
		return fmt.Errorf("%s: %w: Manage Content Library is unavailable while the site server %s has the distribution point role (P05, F5); move the DP to another server first", action, ErrRefused, a.name)
	}
	if strings.EqualFold(strings.TrimRight(dest, `\`), strings.TrimRight(s.lib.location, `\`)) {
		s.event("P04", "content library: already at %s; nothing to move", dest)
		return nil
	}
	s.lib.moveTo = dest
	s.lib.moveStart = s.cur
	s.lib.status = "moving"
	s.lib.progress = 0
	if len(parts) == 2 {
		// The share root: distmgr fails after a while (§7.7).
		s.lib.moveEnd = s.cur.Add(s.moveDuration())
		s.event("P04", "content library: move from %s to %s started", s.lib.location, dest)
		s.after(s.w.durations.ContentMoveFail, func() {
			if s.lib.status != "moving" || s.lib.moveTo != dest {
				return
			}
			s.lib.status = "failed"
			s.lib.moveTo = ""
			s.event("P04", "content library: move to %s failed: CContentDefinition::SyncFolder failed; 0x800700a1 (distmgr.log): the destination is the root of a share; use a sub-folder such as %s\\%s (§7.7)",
				dest, dest, s.w.site.code)
		})
		return nil
	}
	total := s.moveDuration()
	s.lib.moveEnd = s.cur.Add(total)
	s.event("P04", "content library: move from %s to %s started (%.0f GB, about %s)", s.lib.location, dest, s.lib.sizeGB, total)
	s.after(total, func() {
		if s.lib.moveTo == dest {
			s.finishMove()
		}
	})
	return nil
}

// AddPassiveSiteServer adds the passive site server role: the wizard
// checks (PSV-D1) answer at once; the rest is observed through SiteServers.
func (s *Site) AddPassiveSiteServer(ctx context.Context, req configmgr.AddPassive) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	const action = "add passive site server"
	if err := s.adminGate(action); err != nil {
		return err
	}
	target := strings.ToLower(strings.TrimSpace(req.Server))
	if target == "" {
		return fmt.Errorf("%s: %w: no server given; pass the target's FQDN", action, ErrRefused)
	}
	switch req.SourceOption {
	case "network":
		if !isUNC(req.SourcePath) {
			return fmt.Errorf("%s: %w: source option \"network\" needs a UNC SourcePath such as \\\\%s\\SMS_%s\\CD.Latest", action, ErrRefused, s.serverName, s.w.site.code)
		}
	case "local":
		if strings.TrimSpace(req.SourcePath) == "" {
			return fmt.Errorf("%s: %w: source option \"local\" needs SourcePath, a CD.Latest folder on the target of the same version", action, ErrRefused)
		}
	case "copy":
	default:
		return fmt.Errorf("%s: %w: source option %q must be \"network\" (recommended), \"copy\" or \"local\"", action, ErrRefused, req.SourceOption)
	}
	if s.lib.status == "moving" {
		s.event("PSV-D1", "wizard: refused %s: content library move in progress", target)
		return fmt.Errorf("%s: %w: Content library move is in progress, please try again after the move is completed", action, ErrRefused)
	}
	// PSV-D1: the wizard's checks.
	if s.w.site.typ == configmgr.SiteSecondary {
		s.event("PSV-D1", "wizard: blocked: site %s is a secondary site (P01)", s.w.site.code)
		return refused("%s: wizard check failed (PSV-D1): site %s is a secondary site; a passive site server is only supported at a CAS or primary site (P01)", action, s.w.site.code)
	}
	if !isUNC(s.lib.location) {
		s.event("PSV-D1", "wizard: blocked: content library is local (%s)", s.lib.location)
		return refused("%s: wizard check failed (PSV-D1 a): the content library is not on a remote share (%s); move it with MoveContentLibrary first (P04)", action, s.lib.location)
	}
	for _, r := range s.w.related {
		if r.typ == configmgr.SiteSecondary && r.server == target {
			s.event("PSV-D1", "wizard: blocked: %s is the site server of secondary site %s", target, r.code)
			return refused("%s: wizard check failed (PSV-D1 b): %s is the site server of secondary site %s; choose a server that is not a secondary site server (P02)", action, target, r.code)
		}
	}
	if p := s.passive(); p != nil {
		s.event("PSV-D1", "wizard: blocked: site already has passive site server %s", p.name)
		if p.name == target {
			return refused("%s: wizard check failed (PSV-D1 c): %s is already a passive site server (status %s); use RetryPassiveInstall if its installation failed (P03)", action, target, p.status)
		}
		return refused("%s: wizard check failed (PSV-D1 c): site %s already has a passive site server (%s); a site has at most one (P03)", action, s.w.site.code, p.name)
	}
	if a := s.active(); a != nil && a.name == target {
		return refused("%s: %s is the active site server; choose another server", action, target)
	}
	m := s.machine(target)
	if m == nil {
		// New-CMSiteSystemServer accepts any name; the prerequisite check
		// then cannot reach it.
		m = &machine{name: target, site: s.w.site.code, online: false}
		s.machines = append(s.machines, m)
		s.byName[target] = m
	}
	if m.site != s.w.site.code {
		return refused("%s: %s belongs to site %s; a passive site server must be a server of site %s", action, target, m.site, s.w.site.code)
	}
	m.mode, m.status, m.detail = configmgr.ModePassive, configmgr.StatusInstalling, ""
	m.components = false
	in := &install{target: m, req: req}
	s.install = in
	s.event("PSV-00", "install: passive site server role added to %s (source %s); status Installing", target, req.SourceOption)
	s.runInstall(in)
	return nil
}

// RetryPassiveInstall retries a failed passive installation from the
// prerequisite check.
func (s *Site) RetryPassiveInstall(ctx context.Context) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	const action = "retry passive install"
	if err := s.adminGate(action); err != nil {
		return err
	}
	p := s.passive()
	if p == nil {
		return refused("%s: site %s has no passive site server; add one with AddPassiveSiteServer", action, s.w.site.code)
	}
	if p.status != configmgr.StatusInstallFailed && p.status != configmgr.StatusPrereqFailed {
		return refused("%s: the passive site server %s has status %s; only InstallFailed or PrereqFailed can be retried", action, p.name, p.status)
	}
	in := s.install
	if in == nil || in.target != p {
		in = &install{target: p, req: configmgr.AddPassive{Server: p.name, SourceOption: "network",
			SourcePath: fmt.Sprintf(`\\%s\SMS_%s\CD.Latest`, s.serverName, s.w.site.code)}}
		s.install = in
	}
	in.gen++
	p.status, p.detail = configmgr.StatusInstalling, ""
	s.event("PSV-00", "install: retry of the passive installation on %s requested", p.name)
	s.runInstall(in)
	return nil
}

func (s *Site) problemAt(stage, target string) (*problem, bool) {
	for _, pd := range s.w.problems {
		p := s.problems[pd.name]
		if p.fixed || problemKinds[p.kind].stage != stage || (p.server != "" && p.server != target) {
			continue
		}
		if p.kind == "smb_blocked" && s.install != nil && s.install.req.SourceOption != "copy" {
			continue // only the push from the active server needs SMB into the target
		}
		return p, true
	}
	return nil, false
}

func (p *problem) message() string {
	if p.detail != "" {
		return p.detail
	}
	return problemKinds[p.kind].message
}

// runInstall runs PSV-01..PSV-05 for in.
func (s *Site) runInstall(in *install) {
	t := in.target
	gen := in.gen
	in.running = true
	d := s.w.durations
	activeName := s.serverName
	alive := func() bool { return s.install == in && in.gen == gen && in.running }
	reach := func(phase string) string {
		a := s.active()
		switch {
		case !t.online:
			return fmt.Sprintf("cannot connect to %s (%s): the network path was not found", t.name, phase)
		case a == nil || !a.online:
			return fmt.Sprintf("lost contact with the active site server during %s", phase)
		case s.dbDown():
			return fmt.Sprintf("cannot connect to the site database during %s", phase)
		}
		return ""
	}
	stageFail := func(id string) string {
		if p, ok := s.problemAt(id, t.name); ok {
			s.event(id, "install: sim: real cause of the failure: %s (problem %q)", problemKinds[p.kind].cause, p.name)
			if checkAdminOnSQLKinds[p.kind] {
				s.logSignal(s.active(), "CheckAdminOnSQL")
			}
			return p.message()
		}
		return ""
	}
	source := stage{id: "PSV-03b", dur: d.SourceNetwork,
		detail: fmt.Sprintf("PSV-03b: %s uses the installation source at %s", t.name, in.req.SourcePath)}
	sourceEvent := fmt.Sprintf("install: %s will use the source files at %s (PSV-03b)", t.name, in.req.SourcePath)
	if in.req.SourceOption == "copy" {
		source = stage{id: "PSV-03a", dur: d.SourceCopy,
			detail: fmt.Sprintf("PSV-03a: %s is sending a compressed package of CD.Latest to %s", activeName, t.name)}
		sourceEvent = fmt.Sprintf("install: %s sent a compressed package of CD.Latest to %s (PSV-03a)", activeName, t.name)
	}
	source.done = func() string {
		if msg := reach(source.id); msg != "" {
			return "Installation failed: " + msg
		}
		if msg := stageFail("PSV-03"); msg != "" {
			return msg
		}
		s.event(source.id, "%s", sourceEvent)
		return ""
	}
	st := []stage{
		{id: "PSV-01", dur: d.PrereqCheck,
			detail: fmt.Sprintf("PSV-01: SMS_Failover_Manager on %s is checking setup prerequisites on %s (FailoverMgr.log)", activeName, t.name),
			done: func() string {
				if msg := reach("the prerequisite check"); msg != "" {
					return "Prerequisite check failed: " + msg
				}
				if msg := s.builtinPrereq(t); msg != "" {
					return msg
				}
				if msg := stageFail("PSV-01"); msg != "" {
					return msg
				}
				s.event("PSV-D2", "install: setup prerequisite checks on %s passed (PSV-01, PSV-D2)", t.name)
				return ""
			}},
		{id: "PSV-02", dur: d.Prepare,
			detail: fmt.Sprintf("PSV-02: %s is preparing the install job for %s (Scheduler.log, Sender.log)", activeName, t.name),
			done: func() string {
				if msg := reach("PSV-02"); msg != "" {
					return "Installation failed: " + msg
				}
				if msg := stageFail("PSV-02"); msg != "" {
					return msg
				}
				s.event("PSV-02", "install: %s prepared the install job for %s (PSV-02); source option %s (PSV-D3)", activeName, t.name, in.req.SourceOption)
				return ""
			}},
		source,
		{id: "PSV-04", dur: d.Install,
			detail: fmt.Sprintf("PSV-04: site server setup is running on %s (ConfigMgrSetup.log)", t.name),
			done: func() string {
				if msg := reach("PSV-04"); msg != "" {
					return "Installation failed: " + msg
				}
				if msg := stageFail("PSV-04"); msg != "" {
					return msg
				}
				if !hasRole(t.roles, configmgr.RoleProvider) {
					in.setupProvider = true
				}
				t.roles = appendUnique(t.roles, configmgr.RoleProvider)
				s.event("PSV-04", "install: site server setup finished on %s; setup also installed an SMS Provider there (PSV-04, §7.3)", t.name)
				return ""
			}},
		{id: "PSV-05", dur: d.PostInstall,
			detail: fmt.Sprintf("PSV-05: post-installation on %s (SiteComp.log, FailoverMgr.log)", t.name),
			done: func() string {
				if msg := reach("PSV-05"); msg != "" {
					return "Installation failed: " + msg
				}
				return ""
			}},
	}
	s.runStages(st, 0, alive,
		func(id, detail string) {
			in.stage = id
			t.status, t.detail = configmgr.StatusInstalling, detail
		},
		func(id, msg string) {
			in.running = false
			in.stage = id + " failed"
			t.status = configmgr.StatusInstallFailed
			if id == "PSV-01" {
				t.status = configmgr.StatusPrereqFailed
			}
			t.detail = msg
			step := id
			if id == "PSV-01" {
				step = "PSV-D2"
			}
			s.event(step, "install: %s on %s: %s; fix it, then RetryPassiveInstall", t.status, t.name, msg)
		},
		func() {
			in.running = false
			in.stage = "done"
			t.status = configmgr.StatusOK
			t.components = true
			t.host.version = s.w.site.version
			// By design a fresh passive server cannot decrypt site secrets
			// before it is promoted, so post-installation ends with this
			// warning (F4).
			t.detail = "Completed with warning: Validate if the passive site server can be validated by the active site server. Check failovermgr.log on both passive and active site server for details."
			if p, ok := s.problemAt("PSV-05", t.name); ok {
				t.detail = p.message()
				s.event("PSV-05", "install: sim: post-installation warning cause: %s (problem %q)", problemKinds[p.kind].cause, p.name)
			}
			s.event("PSV-05", "install: %s is the passive site server, status OK (PSV-05)", t.name)
			s.lateStages(in)
		})
}

// builtinPrereq checks P07, P05 and P06 as the failover manager does.
func (s *Site) builtinPrereq(t *machine) string {
	var other []string
	bySetup := s.install != nil && s.install.target == t && s.install.setupProvider
	for _, r := range t.roles {
		if r == configmgr.RoleProvider && bySetup {
			continue // setup put it there in an earlier attempt
		}
		if r != configmgr.RoleSiteServer && r != configmgr.RoleSiteSystem {
			other = append(other, r)
		}
	}
	if len(other) > 0 {
		s.event("PSV-D2", "install: %s already has site system roles %s (P07)", t.name, strings.Join(other, ", "))
		return fmt.Sprintf("Prerequisite check failed: %s already has site system roles (%s); a passive site server cannot have other roles before it is installed (P07)", t.name, strings.Join(other, ", "))
	}
	for _, m := range s.machines {
		if m.mode != configmgr.ModeActive || m.site != s.w.site.code {
			continue
		}
		if hasRole(m.roles, configmgr.RoleDistributionPoint) {
			s.event("PSV-D2", "install: the site server %s has a distribution point (P05)", m.name)
			return fmt.Sprintf("Prerequisite check failed: the site server %s has the distribution point role; remove it first (P05)", m.name)
		}
		if hasRole(m.roles, configmgr.RoleServiceConnection) {
			s.event("PSV-D2", "install: the site server %s has the service connection point (P06)", m.name)
			return fmt.Sprintf("Prerequisite check failed: the site server %s has the service connection point role; move it to another site system first (P06)", m.name)
		}
	}
	return ""
}

// Promote promotes the passive server to active: planned when the active
// server answers, unplanned (PRU, 30-minute window) when it does not.
func (s *Site) Promote(ctx context.Context, server string) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	const action = "promote"
	if err := s.dbErr(); err != nil {
		return fmt.Errorf("%s: %w", action, err)
	}
	if !s.anyProviderUp() {
		return fmt.Errorf("%s: %w: the console cannot connect to site %s; every SMS Provider is offline (R07)", action, ErrNoProvider, s.w.site.code)
	}
	m := s.machine(server)
	if m == nil || m.site != s.w.site.code || m.mode == "" {
		return refused("%s: %s is not a site server of site %s; promote its passive site server", action, server, s.w.site.code)
	}
	if p := s.promo; p != nil && p.running {
		if p.target == m {
			s.event("PRP-00", "promotion: %s is already being promoted (%s); request ignored", m.name, p.stage)
			return nil
		}
		return refused("%s: a promotion of %s is in progress", action, p.target.name)
	}
	if m.mode == configmgr.ModeActive && m.status != configmgr.StatusFailed {
		return refused("%s: %s is already the active site server", action, m.name)
	}
	if m.status != configmgr.StatusOK && m.status != configmgr.StatusFailed {
		return refused("%s: the passive site server %s has status %s; it must be OK before it can be promoted (R08)", action, m.name, m.status)
	}
	if m.removing {
		return refused("%s: the site server role is being removed from %s", action, m.name)
	}
	if !m.online {
		return refused("%s: %s does not answer; it cannot promote itself", action, m.name)
	}
	var old *machine
	for _, x := range s.machines {
		if x != m && x.mode != "" && x.site == s.w.site.code {
			old = x
		}
	}
	gen := 1
	if s.promo != nil {
		gen = s.promo.gen + 1
	}
	p := &promotion{target: m, old: old, gen: gen, running: true, asked: s.cur}
	s.promo = p
	m.status = configmgr.StatusPromoting
	if old != nil && old.online && !old.demotePending {
		p.planned = true
		s.event("PRP-00", "promotion: promote %s (M2) to active requested; %s (M1) answers, so this is a planned promotion", m.name, old.name)
		s.runPlanned(p)
		return nil
	}
	oldName := s.serverName
	if old != nil {
		oldName = old.name
	}
	p.deadline = s.cur.Add(s.w.durations.PRUWindow)
	s.event("PRU-00", "promotion: promote %s (M2) to active requested; %s (M1) does not answer, so this is an unplanned promotion: no active site server until it completes (§6)", m.name, oldName)
	s.pruAttempt(p)
	return nil
}

func (s *Site) promoAlive(p *promotion) func() bool {
	gen := p.gen
	return func() bool { return s.promo == p && p.gen == gen && p.running }
}

func (s *Site) setPromoStage(p *promotion) func(id, detail string) {
	return func(id, detail string) {
		p.stage = id
		p.target.detail = detail
	}
}

func (s *Site) failPromotion(p *promotion) func(id, msg string) {
	return func(id, msg string) {
		p.running = false
		p.stage = id + " failed"
		p.target.status = configmgr.StatusFailed
		p.target.detail = fmt.Sprintf("Promotion failed at %s: %s; see FailoverMgr.log on %s, fix the cause and promote again", id, msg, p.target.name)
		s.event(id, "promotion: FAILED at %s: %s (M2 %s mode %s, M1 %s mode %s)", id, msg, p.target.name, p.target.mode, nameOf(p.old), modeOf(p.old))
	}
}

func nameOf(m *machine) string {
	if m == nil {
		return "(none)"
	}
	return m.name
}

func modeOf(m *machine) string {
	if m == nil {
		return "(none)"
	}
	return m.mode
}

// injected returns the injected failure text when the fixture fails id.
func (s *Site) injected(id string) string {
	if s.failsDone >= s.w.failTimes || s.w.failAt != id {
		return ""
	}
	s.failsDone++
	s.event(id, "promotion: sim: the fixture fails the promotion at %s (fail_promotion_at, attempt %d of the %d that fail)", id, s.failsDone, s.w.failTimes)
	return "the failover manager could not complete the stage (injected by the fixture)"
}

func (s *Site) runPlanned(p *promotion) {
	d := s.w.durations
	m2, m1 := p.target, p.old
	needM1 := func(id string) string {
		if !m2.online {
			return "lost contact with " + m2.name
		}
		if !m1.online {
			return fmt.Sprintf("lost contact with %s (M1) during %s", m1.name, id)
		}
		return s.injected(id)
	}
	needM2 := func(id string) string {
		if !m2.online {
			return "lost contact with " + m2.name
		}
		if s.dbDown() {
			return "cannot connect to the site database"
		}
		return s.injected(id)
	}
	st := []stage{
		{"PRP-01", d.PRP[0], fmt.Sprintf("PRP-01: stopping the ConfigMgr services on %s", m1.name), func() string {
			if msg := needM1("PRP-01"); msg != "" {
				return msg
			}
			m1.stopped = 1
			m1.detail = "ConfigMgr services stopped by " + m2.name + " (PRP-01)"
			s.event("PRP-01", "promotion: %s (M2) stopped the ConfigMgr services on %s (M1) (PRP-01)", m2.name, m1.name)
			return ""
		}},
		{"PRP-02", d.PRP[1], fmt.Sprintf("PRP-02: modifying the active configuration on %s", m1.name), func() string {
			if msg := needM1("PRP-02"); msg != "" {
				return msg
			}
			m1.detail = "registry settings changed by " + m2.name + " (PRP-02)"
			s.event("PRP-02", "promotion: %s (M2) changed registry settings on %s (M1) (PRP-02)", m2.name, m1.name)
			return ""
		}},
		{"PRP-03", d.PRP[2], fmt.Sprintf("PRP-03: restarting the ConfigMgr services on %s", m1.name), func() string {
			if msg := needM1("PRP-03"); msg != "" {
				return msg
			}
			m1.stopped = 0
			m1.mode = configmgr.ModePassive
			m1.detail = "now the site server in passive mode (PRP-03)"
			s.event("PRP-03", "promotion: %s (M2) restarted the services on %s (M1); %s is now the site server in passive mode (PRP-03)", m2.name, m1.name, m1.name)
			return ""
		}},
		{"PRP-04", d.PRP[3], fmt.Sprintf("PRP-04: stopping the ConfigMgr services on %s except SMS_Executive", m2.name), func() string {
			if msg := needM2("PRP-04"); msg != "" {
				return msg
			}
			m2.stopped = 2
			s.event("PRP-04", "promotion: %s (M2) stopped its ConfigMgr services except SMS_Executive (PRP-04)", m2.name)
			return ""
		}},
		{"PRP-05", d.PRP[4], fmt.Sprintf("PRP-05: modifying the registry on %s and the site database", m2.name), func() string {
			if msg := needM2("PRP-05"); msg != "" {
				return msg
			}
			m2.mode = configmgr.ModeActive
			s.serverName = m2.name
			s.event("PRP-05", "promotion: %s (M2) changed its registry and the site database: it is the active site server in the database (PRP-05)", m2.name)
			s.databaseSwitched()
			return ""
		}},
		{"PRP-06", d.PRP[5], fmt.Sprintf("PRP-06: restarting the ConfigMgr services on %s", m2.name), func() string {
			if msg := needM2("PRP-06"); msg != "" {
				return msg
			}
			m2.stopped = 0
			s.event("PRP-06", "promotion: %s (M2) restarted its ConfigMgr services (PRP-06)", m2.name)
			return ""
		}},
		{"PRP-07", d.PRP[6], "PRP-07: notifying SiteComp to reset", func() string {
			if msg := needM2("PRP-07"); msg != "" {
				return msg
			}
			s.event("PRP-07", "promotion: SiteComp on %s reset and told every remote site system about the new site server (PRP-07)", m2.name)
			return ""
		}},
	}
	s.runStages(st, 0, s.promoAlive(p), s.setPromoStage(p), s.failPromotion(p), func() {
		p.running = false
		p.stage = "done"
		m2.status, m2.detail = configmgr.StatusOK, "now the site server in active mode"
		m1.status = configmgr.StatusOK
		s.event("PRP-END", "promotion: complete: %s is the active site server and %s the passive one; both OK", m2.name, m1.name)
		s.promotionDone(p)
	})
}

// pruAttempt is one PRU-01 attempt to reach M1, then PRU-D1.
func (s *Site) pruAttempt(p *promotion) {
	alive := s.promoAlive(p)
	m1 := p.old
	if m1 != nil && m1.online && !m1.demotePending {
		s.event("PRU-01", "promotion: %s (M1) answers again after %s: successful connection, continuing with the planned flow (PRU-01 -> PRP-01)", m1.name, fmtOffset(s.cur.Sub(p.asked))[1:])
		p.planned = true
		s.runPlanned(p)
		return
	}
	if !s.cur.Before(p.deadline) {
		s.event("PRU-D1", "promotion: 30 minutes elapsed without reaching %s (PRU-D1)", nameOf(m1))
		s.runForced(p)
		return
	}
	p.attempts++
	p.stage = "PRU-01"
	p.target.detail = fmt.Sprintf("PRU-01: trying to reconfigure %s (attempt %d); forcing the promotion in %s", nameOf(m1), p.attempts, p.deadline.Sub(s.cur))
	if p.attempts == 1 {
		s.event("PRU-01", "promotion: %s (M2) tries to reconfigure %s (M1) and will keep trying for %s (PRU-01)", p.target.name, nameOf(m1), s.w.durations.PRUWindow)
	}
	next := s.cur.Add(s.w.durations.PRURetry)
	if next.After(p.deadline) {
		next = p.deadline
	}
	s.at(next, func() {
		if alive() {
			s.pruAttempt(p)
		}
	})
}

func (s *Site) runForced(p *promotion) {
	d := s.w.durations
	m2, m1 := p.target, p.old
	s.event("PRU-02", "promotion: %s (M2) continues the promotion without reconfiguring %s (PRU-02)", m2.name, nameOf(m1))
	need := func(id string) string {
		if !m2.online {
			return "lost contact with " + m2.name
		}
		if s.dbDown() {
			return "cannot connect to the site database"
		}
		return s.injected(id)
	}
	st := []stage{
		{"PRU-03", d.PRU[0], fmt.Sprintf("PRU-03: stopping the ConfigMgr services on %s except SMS_Executive", m2.name), func() string {
			if msg := need("PRU-03"); msg != "" {
				return msg
			}
			m2.stopped = 2
			s.event("PRU-03", "promotion: %s (M2) stopped its ConfigMgr services except SMS_Executive (PRU-03)", m2.name)
			return ""
		}},
		{"PRU-04", d.PRU[1], fmt.Sprintf("PRU-04: modifying the registry on %s and the site database", m2.name), func() string {
			if msg := need("PRU-04"); msg != "" {
				return msg
			}
			m2.mode = configmgr.ModeActive
			s.serverName = m2.name
			if m1 != nil {
				m1.mode = configmgr.ModePassive
				m1.status = configmgr.StatusUnknown
				m1.detail = "offline; demotes itself to passive when it returns (PRU-M1)"
				m1.demotePending = true
			}
			s.event("PRU-04", "promotion: %s (M2) changed its registry and the site database: it is the active site server in the database (PRU-04)", m2.name)
			s.databaseSwitched()
			if m1 != nil && m1.online {
				s.startDemotion(m1)
			}
			return ""
		}},
		{"PRU-05", d.PRU[2], fmt.Sprintf("PRU-05: restarting the ConfigMgr services on %s", m2.name), func() string {
			if msg := need("PRU-05"); msg != "" {
				return msg
			}
			m2.stopped = 0
			s.event("PRU-05", "promotion: %s (M2) restarted its ConfigMgr services (PRU-05)", m2.name)
			return ""
		}},
		{"PRU-06", d.PRU[3], "PRU-06: notifying SiteComp to reset", func() string {
			if msg := need("PRU-06"); msg != "" {
				return msg
			}
			s.event("PRU-06", "promotion: SiteComp on %s reset and told every remote site system about the new site server (PRU-06)", m2.name)
			return ""
		}},
	}
	s.runStages(st, 0, s.promoAlive(p), s.setPromoStage(p), s.failPromotion(p), func() {
		p.running = false
		p.stage = "done"
		m2.status, m2.detail = configmgr.StatusOK, "now the site server in active mode"
		s.event("PRU-06", "promotion: complete (forced): %s is the active site server", m2.name)
		if m1 != nil && m1.demotePending && !m1.online {
			s.event("PP-08", "promotion: %s has not returned; if it is lost, remove its site server role and add a new passive site server (PP-08)", m1.name)
		}
		s.promotionDone(p)
	})
}

// startDemotion runs PRU-M1-1..4 on the old active server that is back.
func (s *Site) startDemotion(m *machine) {
	d := s.w.durations
	m.demoteGen++
	gen := m.demoteGen
	alive := func() bool { return m.demoteGen == gen && m.online && m.demotePending }
	active := s.serverName
	s.event("PRU-M1-1", "promotion: %s restored (PRU-M1-1)", m.name)
	m.detail = "PRU-M1-1: restored; checking the site database"
	st := []stage{
		{"PRU-M1-2", d.PRUM1[0], "PRU-M1-2: checking the site database", func() string {
			s.event("PRU-M1-2", "promotion: %s checked the site database: %s is the active site server (PRU-M1-2)", m.name, active)
			return ""
		}},
		{"PRU-M1-3", d.PRUM1[1], "PRU-M1-3: reconfiguring itself as passive", func() string {
			s.event("PRU-M1-3", "promotion: %s reconfigures itself (PRU-M1-3)", m.name)
			return ""
		}},
		{"PRU-M1-4", d.PRUM1[2], "PRU-M1-4: entering passive mode", func() string { return "" }},
	}
	s.runStages(st, 0, alive, func(id, detail string) { m.detail = detail }, func(string, string) {}, func() {
		m.demotePending = false
		m.mode, m.status = configmgr.ModePassive, configmgr.StatusOK
		m.detail = "now the site server in passive mode (PRU-M1-4)"
		m.stopped = 0
		m.components = true
		s.event("PRU-M1-4", "promotion: %s is now the site server in passive mode, status OK (PRU-M1-4)", m.name)
	})
}

// databaseSwitched applies what happens to work in flight when the site
// database changes hands (PRP-05 / PRU-04): PP-05 and PP-06.
func (s *Site) databaseSwitched() {
	for _, d := range s.dists {
		if d.siteToSite && d.inProgress > 0 {
			d.errors += d.inProgress
			d.inProgress = 0
			d.gen++
			s.event("PP-05", "promotion: file replication of %s to %s was in progress and failed; redistribute it (PP-05)", d.pkg, d.server)
		}
	}
	for _, l := range s.links {
		if l.state != "active" {
			was := l.state
			l.state, l.updatedAt = "failed", s.cur
			l.gen++
			s.event("PP-06", "promotion: replication link %s (%s -> %s) was %s during failover and failed; reinitialize the secondary site (PP-06)", l.name, l.from, l.to, was)
		}
	}
}

// promotionDone applies the post-promotion consequences (§5).
func (s *Site) promotionDone(p *promotion) {
	s.post.promotedAt = s.cur
	f := s.w.features
	if f.DPCertificateMode == "pki-imported" {
		for _, m := range s.machines {
			if m.site == s.w.site.code && hasRole(m.roles, configmgr.RoleDistributionPoint) {
				s.post.certs[m.name] = true
				s.event("PP-01", "promotion: distmgr.log on %s: Failed to decrypt cert PFX data for %s; reimport its PKI certificate (PP-01)", p.target.name, m.name)
			}
		}
	}
	if f.StoreForBusiness {
		s.post.storeDown = true
		s.event("PP-02", "promotion: the Microsoft Store for Business connection no longer syncs; reconnect it (PP-02)")
	}
	if !f.PKIClients && f.BootMediaInUse {
		s.event("PP-03", "promotion: bootable and prestaged media carry %s's self-signed certificate; recreate them (PP-03)", nameOf(p.old))
	}
	if !f.PKIClients && f.PXEDistribution {
		s.event("PP-04", "promotion: refresh the self-signed certificate on PXE-enabled distribution points (PP-04)")
	}
	var recent *configmgr.SiteUpdate
	for i := range s.updates {
		u := &s.updates[i]
		if u.StateName == "installed" && s.cur.Sub(u.UpdatedAt) <= s.w.durations.RecentUpdateWindow {
			recent = u
		}
	}
	if recent != nil {
		s.event("R05", "promotion: %s was installed %s before the promotion; its follow-on tasks may clash with it (R05)", recent.Name, fmtOffset(s.cur.Sub(recent.UpdatedAt))[1:])
		if f.PreProductionClient && s.w.site.preProdClient != "" {
			s.clientVersion = s.w.site.preProdClient
			s.post.clientWrong = true
			s.event("PP-07", "promotion: the pre-production client %s in %s's Client folder became the production client; every client will upgrade to it unless the Client folder is fixed by hand (R06, PP-07)", s.w.site.preProdClient, p.target.name)
		}
	}
}

// RemoveSiteServerRole removes the passive site server role.
func (s *Site) RemoveSiteServerRole(ctx context.Context, server string) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	const action = "remove site server role"
	if err := s.adminGate(action); err != nil {
		return err
	}
	m := s.machine(server)
	if m == nil || m.site != s.w.site.code || m.mode == "" {
		return refused("%s: %s is not a site server of site %s", action, server, s.w.site.code)
	}
	if m.mode == configmgr.ModeActive {
		return refused("%s: %s is the active site server; its role cannot be removed (promote the passive server first)", action, m.name)
	}
	if m.removing {
		return nil
	}
	if m.status == configmgr.StatusInstalling || m.status == configmgr.StatusPromoting {
		return refused("%s: %s has status %s; wait until it finishes", action, m.name, m.status)
	}
	if s.install != nil && s.install.target == m {
		s.install.running = false
		s.install = nil
	}
	m.removing = true
	m.detail = "removing the site server role (SMS_FAILOVER_MANAGER)"
	key := m.name + "|site server"
	s.pendingRemove[key] = true
	s.event("RMV", "remove: SMS_FAILOVER_MANAGER is removing the passive site server role from %s", m.name)
	s.after(s.w.durations.RemoveSiteServer, func() {
		delete(s.pendingRemove, key)
		m.removing = false
		m.mode, m.status, m.detail = "", "", ""
		m.components, m.demotePending, m.stopped = false, false, 0
		msg := fmt.Sprintf("remove: the site server role was removed from %s", m.name)
		if hasRole(m.roles, configmgr.RoleProvider) {
			msg += fmt.Sprintf("; the SMS Provider on %s was NOT removed: remove it with Setup > Site Maintenance before deleting the server (§7.3)", m.name)
		}
		s.event("RMV", "%s", msg)
	})
	return nil
}

// RemoveRole removes a distribution point or service connection point.
func (s *Site) RemoveRole(ctx context.Context, server, role string) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	const action = "remove role"
	if err := s.adminGate(action); err != nil {
		return err
	}
	r, ok := canonicalRole(role)
	if !ok || (r != configmgr.RoleDistributionPoint && r != configmgr.RoleServiceConnection) {
		return refused("%s: %q: only the distribution point (%q) and the service connection point (%q) can be removed this way", action, role, configmgr.RoleDistributionPoint, configmgr.RoleServiceConnection)
	}
	m := s.machine(server)
	if m == nil {
		return refused("%s: no server %s in site %s", action, server, s.w.site.code)
	}
	key := m.name + "|" + r
	if !hasRole(m.roles, r) || s.pendingRemove[key] {
		s.event("", "remove: %s has no %s role (or its removal is pending); nothing to do", m.name, r)
		return nil
	}
	s.pendingRemove[key] = true
	s.event("", "remove: removing %s from %s (sitecomp)", r, m.name)
	s.after(s.w.durations.RemoveRole, func() {
		delete(s.pendingRemove, key)
		var keep []string
		for _, x := range m.roles {
			if x != r {
				keep = append(keep, x)
			}
		}
		m.roles = keep
		step := "P06"
		if r == configmgr.RoleDistributionPoint {
			step = "P05"
			var ds []*dist
			for _, d := range s.dists {
				if d.server != m.name {
					ds = append(ds, d)
				}
			}
			s.dists = ds
			delete(s.post.certs, m.name)
		}
		s.event(step, "remove: %s removed from %s", r, m.name)
		if r == configmgr.RoleDistributionPoint && !s.siteHasDP() {
			s.event("P05", "remove: WARNING: site %s now has no distribution point at all; clients cannot get content (§7.7)", s.w.site.code)
		}
	})
	return nil
}

func (s *Site) siteHasDP() bool {
	for _, m := range s.machines {
		if m.site == s.w.site.code && hasRole(m.roles, configmgr.RoleDistributionPoint) {
			return true
		}
	}
	return false
}

func (s *Site) dpMachine(action, dp string) (*machine, error) {
	m := s.machine(dp)
	if m == nil || !hasRole(m.roles, configmgr.RoleDistributionPoint) {
		return nil, refused("%s: %s is not a distribution point; list them with Roles (%s)", action, dp, configmgr.RoleDistributionPoint)
	}
	return m, nil
}

// ReimportDPCertificate reimports a distribution point's PKI certificate
// (PP-01). The password is never recorded.
func (s *Site) ReimportDPCertificate(ctx context.Context, dp string, pfxPath string, password string) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	const action = "reimport DP certificate"
	if err := s.adminGate(action); err != nil {
		return err
	}
	m, err := s.dpMachine(action, dp)
	if err != nil {
		return err
	}
	if strings.TrimSpace(pfxPath) == "" || password == "" {
		return refused("%s: a PFX path and its password are both needed", action)
	}
	s.event("PP-01", "post-promotion: reimporting the PKI certificate of %s from %s", m.name, pfxPath)
	s.after(s.w.durations.ReimportCert, func() {
		was := s.post.certs[m.name]
		delete(s.post.certs, m.name)
		if was {
			s.event("PP-01", "post-promotion: certificate of %s reimported; distmgr can decrypt it again (PP-01)", m.name)
		} else {
			s.event("PP-01", "post-promotion: certificate of %s reimported (it did not need it)", m.name)
		}
	})
	return nil
}

// RedistributeContent redistributes packages to a distribution point
// (PP-05).
func (s *Site) RedistributeContent(ctx context.Context, packageIDs []string, dp string) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	const action = "redistribute content"
	if err := s.adminGate(action); err != nil {
		return err
	}
	if len(packageIDs) == 0 {
		return refused("%s: no package IDs given", action)
	}
	m, err := s.dpMachine(action, dp)
	if err != nil {
		return err
	}
	for _, pkg := range packageIDs {
		pkg = strings.TrimSpace(pkg)
		if pkg == "" {
			return refused("%s: empty package ID", action)
		}
		var d *dist
		for _, x := range s.dists {
			if x.pkg == pkg && x.server == m.name {
				d = x
			}
		}
		if d == nil {
			d = &dist{pkg: pkg, server: m.name, siteToSite: m.site != s.w.site.code}
			s.dists = append(s.dists, d)
		}
		d.inProgress, d.errors = 1, 0
		d.gen++
		gen := d.gen
		s.event("PP-05", "content: redistributing %s to %s", pkg, m.name)
		s.after(s.w.durations.Redistribute, func() {
			if d.gen == gen && d.inProgress > 0 {
				d.inProgress = 0
				s.event("PP-05", "content: redistribution of %s to %s completed", d.pkg, d.server)
			}
		})
	}
	return nil
}

// ReinitializeSecondary reinitializes the replication of a secondary site
// (PP-06): its links go initializing, then active.
func (s *Site) ReinitializeSecondary(ctx context.Context, siteCode string) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	const action = "reinitialize secondary"
	if err := s.adminGate(action); err != nil {
		return err
	}
	code := strings.ToUpper(strings.TrimSpace(siteCode))
	found := false
	for _, r := range s.w.related {
		if r.code == code && r.typ == configmgr.SiteSecondary && r.parent == s.w.site.code {
			found = true
		}
	}
	if !found {
		return refused("%s: %q is not a secondary site of %s; list them with Hierarchy", action, siteCode, s.w.site.code)
	}
	s.event("PP-06", "replication: reinitializing secondary site %s", code)
	for _, l := range s.links {
		if l.from != code && l.to != code {
			continue
		}
		l.state, l.updatedAt = "initializing", s.cur
		l.gen++
		gen := l.gen
		s.after(s.w.durations.Reinitialize, func() {
			if l.gen == gen {
				l.state, l.updatedAt = "active", s.cur
				s.event("PP-06", "replication: link %s (%s -> %s) is active again after reinitialization", l.name, l.from, l.to)
			}
		})
	}
	return nil
}

// ReconnectStoreForBusiness redoes the Microsoft Store for Business
// connection (PP-02).
func (s *Site) ReconnectStoreForBusiness(ctx context.Context) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	const action = "reconnect Store for Business"
	if err := s.adminGate(action); err != nil {
		return err
	}
	if !s.w.features.StoreForBusiness {
		return refused("%s: site %s does not use Microsoft Store for Business; PP-02 does not apply", action, s.w.site.code)
	}
	s.event("PP-02", "post-promotion: reconnecting Microsoft Store for Business (Azure Services wizard)")
	s.after(s.w.durations.ReconnectStore, func() {
		s.post.storeDown = false
		s.event("PP-02", "post-promotion: Microsoft Store for Business connected again (PP-02)")
	})
	return nil
}
