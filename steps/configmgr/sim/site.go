// Package sim is a simulated ConfigMgr site: a configmgr.Site whose state
// comes from a fixture and moves on a steps.Clock, so that a runbook can be
// rehearsed against it, with the product's timings, on a virtual clock.
//
// State is evaluated lazily: actions schedule timed transitions, and every
// call first applies the transitions (and fixture timeline events) due at
// clk.Now(). There are no goroutines; a mutex makes the Site safe for steps
// running in parallel. The package never reads the wall clock.
package sim

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/batonhq/baton/steps"
	"github.com/batonhq/baton/steps/configmgr"
)

// Errors the simulated site returns (wrapped, with what to do).
var (
	// ErrDatabaseUnavailable: the site database cannot be reached (the
	// fixture's SQL server is down), so no fact can be read.
	ErrDatabaseUnavailable = errors.New("cannot connect to the site database")
	// ErrNoActiveSiteServer: site administration is impossible because no
	// active site server answers (§6).
	ErrNoActiveSiteServer = errors.New("no active site server is available")
	// ErrNoProvider: no SMS Provider answers, so the console and the
	// cmdlets cannot connect (R07).
	ErrNoProvider = errors.New("no SMS Provider is reachable")
	// ErrRefused: the site refused the request (a wizard check, a wrong
	// state, an invalid argument).
	ErrRefused = errors.New("request refused")
	// ErrClosed: the Site was closed.
	ErrClosed = errors.New("simulated site is closed")
)

// Site statuses (SMS_Site.Status) the simulation reports.
const (
	SiteStatusActive  = 1 // an active site server answers
	SiteStatusPending = 2 // a promotion is switching the active site server
	SiteStatusFailed  = 3 // no active site server answers
)

// ServerState values (SMS_SCI_SysResUse.ServerState, community semantics,
// §3.2) the simulation reports.
const (
	ServerStateOK            = 196611 // 0x00030003 ready
	ServerStateInstallFailed = 131071 // 0x0001FFFF
	ServerStatePrereqFailed  = 196607 // 0x0002FFFF
)

// Event is one thing the simulation did, at a virtual time.
type Event struct {
	At      time.Time
	Offset  time.Duration // since the rehearsal start
	Step    string        // the flowchart/checklist id ("PRP-01", "PSV-D1", "PP-05"), or ""
	Message string
}

func (e Event) String() string {
	return fmt.Sprintf("%s %s", fmtOffset(e.Offset), e.Message)
}

// Server is one machine of the fixture as the simulation sees it.
type Server struct {
	Name   string
	Site   string
	Online bool
	Mode   string // configmgr.ModeActive, ModePassive, or "" for other systems
	Status string // console status, "" for other systems
	Detail string
	Roles  []string
	// Version is the installed ConfigMgr version, "" when none (F2).
	Version string
}

// PostPromotion is what a promotion left to do (§5).
type PostPromotion struct {
	PromotedAt                   time.Time // zero until a promotion completed
	DPCertificatesToReimport     []string  // PP-01
	StoreForBusinessDisconnected bool      // PP-02
	PackagesToRedistribute       []string  // PP-05, "pkg -> dp"
	SecondariesToReinitialize    []string  // PP-06
	ProductionClientVersion      string    // PP-07: what clients upgrade to
	PreProductionClientVersion   string
	ClientFolderWrong            bool // PP-07 applies: the pre-production client became production
}

// State is the whole simulated state at one virtual time.
type State struct {
	At                time.Time
	Elapsed           time.Duration
	Fixture, Scenario string
	DatabaseUp        bool

	Site             configmgr.SiteInfo
	Hierarchy        []configmgr.SiteInfo
	Servers          []Server
	SiteServers      []configmgr.SiteServer
	Roles            []configmgr.Role
	ContentLibrary   configmgr.ContentLibrary
	OldContentCopy   string // left behind by a completed move, never deleted
	ReplicationLinks []configmgr.ReplicationLink
	Updates          []configmgr.SiteUpdate
	Distributions    []configmgr.Distribution
	Providers        []configmgr.Provider
	Components       []configmgr.Component
	Features         configmgr.Features
	Operations       []string // what is in flight: install, promotion, move...
	PostPromotion    PostPromotion
}

// Site is a simulated ConfigMgr site. It implements configmgr.Site.
type Site struct {
	mu sync.Mutex

	clk      steps.Clock
	w        *world
	fixture  string
	scenario string
	start    time.Time
	cur      time.Time
	seq      uint64
	queue    transitionHeap
	events   []Event
	closed   bool

	serverName    string // v_Site.ServerName
	firstActive   string // the active site server at the start (F9, F10)
	sqlDown       bool
	machines      []*machine
	byName        map[string]*machine
	lib           library
	links         []*link
	updates       []configmgr.SiteUpdate
	dists         []*dist
	problems      map[string]*problem
	install       *install
	promo         *promotion
	failsDone     int // promotion attempts failed by fail_promotion_at
	post          post
	clientVersion string
	pendingRemove map[string]bool // "server|role" and "server|site server"
}

var _ configmgr.Site = (*Site)(nil)

type machine struct {
	name, site           string
	online               bool
	mode, status, detail string
	roles                []string
	stopped              int  // 0 running, 1 every ConfigMgr service stopped, 2 all but SMS_EXECUTIVE
	components           bool // has the site server components
	demotePending        bool // old active after a forced promotion
	demoteGen            int
	removing             bool
	host                 hostDef               // what PowerShell remoting reads (§8)
	signals              []configmgr.LogSignal // known lines in its ConfigMgr logs
}

type library struct {
	location           string
	sizeGB             float64
	moveTo             string
	moveStart, moveEnd time.Time
	status             string // "", "moving", "failed", "done"
	progress           int
	oldCopy            string
}

type link struct {
	linkDef
	updatedAt time.Time
	gen       int
}

type dist struct {
	pkg, server        string
	siteToSite         bool
	inProgress, errors int
	gen                int
}

type problem struct {
	problemDef
	fixed bool
}

type post struct {
	promotedAt  time.Time
	certs       map[string]bool
	storeDown   bool
	clientWrong bool
}

type transition struct {
	at  time.Time
	seq uint64
	fn  func()
}

type transitionHeap []*transition

func (h transitionHeap) Len() int { return len(h) }
func (h transitionHeap) Less(i, j int) bool {
	if h[i].at.Equal(h[j].at) {
		return h[i].seq < h[j].seq
	}
	return h[i].at.Before(h[j].at)
}
func (h transitionHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *transitionHeap) Push(x any)   { *h = append(*h, x.(*transition)) }
func (h *transitionHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	*h = old[:len(old)-1]
	return t
}

// New builds a fresh simulated site for one of the fixture's scenarios;
// the rehearsal starts at clk.Now(), to which every fixture offset is
// relative.
func New(f *Fixture, scenario string, clk steps.Clock) (*Site, error) {
	if f == nil {
		return nil, errors.New("new simulated site: no fixture; load one with sim.Load")
	}
	if clk == nil {
		return nil, errors.New("new simulated site: no clock; pass the run's steps.Clock (clock.NewVirtual in tests)")
	}
	w, ok := f.scens[scenario]
	if !ok {
		return nil, fmt.Errorf("new simulated site: fixture %s has no scenario %q; known scenarios: %s",
			f.Name, scenario, strings.Join(f.order, ", "))
	}
	now := clk.Now()
	s := &Site{
		clk: clk, w: w, fixture: f.Name, scenario: scenario, start: now, cur: now,
		sqlDown: w.site.sqlDown, byName: map[string]*machine{}, problems: map[string]*problem{},
		clientVersion: w.site.clientVersion, pendingRemove: map[string]bool{},
		post: post{certs: map[string]bool{}},
	}
	for _, md := range w.machines {
		m := &machine{
			name: md.name, site: md.site, online: md.online, mode: md.mode,
			status: md.status, detail: md.detail, roles: append([]string(nil), md.roles...),
			host: md.host,
		}
		if m.mode == "" {
			m.status = ""
		} else {
			m.components = m.status == configmgr.StatusOK || m.status == configmgr.StatusPromoting || m.status == configmgr.StatusFailed
		}
		if m.mode == configmgr.ModeActive {
			s.serverName = m.name
		}
		s.machines = append(s.machines, m)
		s.byName[m.name] = m
	}
	s.firstActive = s.serverName
	s.lib = library{location: w.library.location, sizeGB: w.library.sizeGB}
	if w.library.moveTo != "" {
		total := s.moveDuration()
		remaining := total * time.Duration(100-w.library.moveProgress) / 100
		s.lib.moveTo = w.library.moveTo
		s.lib.moveEnd = now.Add(remaining)
		s.lib.moveStart = s.lib.moveEnd.Add(-total)
		s.lib.status = "moving"
		s.after(remaining, s.finishMove)
	}
	for _, ld := range w.links {
		s.links = append(s.links, &link{linkDef: ld, updatedAt: now.Add(ld.updated)})
	}
	for _, ud := range w.updates {
		s.updates = append(s.updates, configmgr.SiteUpdate{
			Name: ud.name, Version: ud.version, State: updateStates[ud.state], StateName: ud.state,
			UpdatedAt: now.Add(ud.at),
		})
	}
	for _, dd := range w.dists {
		d := &dist{pkg: dd.pkg, server: dd.server, siteToSite: dd.siteToSite, inProgress: dd.inProgress, errors: dd.errors}
		s.dists = append(s.dists, d)
		if dd.completes && d.inProgress > 0 {
			s.scheduleDistDone(d, dd.completesAt)
		}
	}
	for _, pd := range w.problems {
		s.problems[pd.name] = &problem{problemDef: pd}
	}
	for _, ed := range w.events {
		s.at(now.Add(ed.at), func() { s.applyTimeline(ed) })
	}
	s.event("", "rehearsal start: fixture %s, scenario %q, site %s, active site server %s", f.Name, scenario, w.site.code, s.serverName)
	return s, nil
}

// Close ends the simulation; later calls fail with ErrClosed.
func (s *Site) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return nil
}

// Events returns what the simulation did so far, in order.
func (s *Site) Events() []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.syncLocked()
	return append([]Event(nil), s.events...)
}

// lock takes the mutex and applies every transition due at Now.
func (s *Site) lock(ctx context.Context) error {
	if ctx == nil {
		return errors.New("simulated site: nil context")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	s.syncLocked()
	return nil
}

func (s *Site) syncLocked() {
	now := s.clk.Now()
	for len(s.queue) > 0 && !s.queue[0].at.After(now) {
		t := heap.Pop(&s.queue).(*transition)
		if t.at.After(s.cur) {
			s.cur = t.at
		}
		t.fn()
	}
	if now.After(s.cur) {
		s.cur = now
	}
}

// at schedules fn at t (with s.cur set to t when it runs).
func (s *Site) at(t time.Time, fn func()) {
	s.seq++
	heap.Push(&s.queue, &transition{at: t, seq: s.seq, fn: fn})
}

func (s *Site) after(d time.Duration, fn func()) { s.at(s.cur.Add(d), fn) }

func (s *Site) event(step, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	s.events = append(s.events, Event{At: s.cur, Offset: s.cur.Sub(s.start), Step: step, Message: msg})
}

func (s *Site) machine(name string) *machine {
	return s.byName[strings.ToLower(strings.TrimSpace(name))]
}

// active returns the server the site database names active, or nil.
func (s *Site) active() *machine {
	for _, m := range s.machines {
		if m.mode == configmgr.ModeActive && m.site == s.w.site.code {
			return m
		}
	}
	return nil
}

func (s *Site) passive() *machine {
	for _, m := range s.machines {
		if m.mode == configmgr.ModePassive && m.site == s.w.site.code {
			return m
		}
	}
	return nil
}

func (s *Site) dbDown() bool {
	if s.sqlDown {
		return true
	}
	if m := s.machine(s.w.site.sqlServer); m != nil && !m.online {
		return true
	}
	return false
}

func (s *Site) dbErr() error {
	if !s.dbDown() {
		return nil
	}
	host := s.w.site.sqlServer
	if host == "" {
		host = "the site database server"
	}
	return fmt.Errorf("%w CM_%s on %s: the SQL Server instance does not answer; nothing can be read or changed until it is back (check the SQL Server service and the network to %s)",
		ErrDatabaseUnavailable, s.w.site.code, host, host)
}

func (s *Site) anyProviderUp() bool {
	for _, m := range s.machines {
		if m.site == s.w.site.code && m.online && hasRole(m.roles, configmgr.RoleProvider) {
			return true
		}
	}
	return false
}

func (s *Site) siteStatus() int {
	a := s.active()
	switch {
	case a != nil && !a.online:
		return SiteStatusFailed
	case s.promo != nil && s.promo.running:
		return SiteStatusPending
	case a == nil || a.stopped != 0:
		return SiteStatusFailed
	}
	return SiteStatusActive
}

// Facts.

// Site returns the site (v_Site).
func (s *Site) Site(ctx context.Context) (configmgr.SiteInfo, error) {
	if err := s.lock(ctx); err != nil {
		return configmgr.SiteInfo{}, err
	}
	defer s.mu.Unlock()
	if err := s.dbErr(); err != nil {
		return configmgr.SiteInfo{}, err
	}
	return s.siteInfo(), nil
}

func (s *Site) siteInfo() configmgr.SiteInfo {
	d := s.w.site
	return configmgr.SiteInfo{
		Code: d.code, Name: d.name, Type: d.typ, Status: s.siteStatus(), ServerName: s.serverName,
		Version: d.version, BuildNumber: d.build, ReportingSite: d.parent, Maintenance: d.maintenance,
	}
}

// Hierarchy returns the related sites of the fixture.
func (s *Site) Hierarchy(ctx context.Context) ([]configmgr.SiteInfo, error) {
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	if err := s.dbErr(); err != nil {
		return nil, err
	}
	return s.hierarchy(), nil
}

func (s *Site) hierarchy() []configmgr.SiteInfo {
	out := make([]configmgr.SiteInfo, 0, len(s.w.related))
	for _, r := range s.w.related {
		out = append(out, configmgr.SiteInfo{
			Code: r.code, Name: r.name, Type: r.typ, Status: r.status, ServerName: r.server,
			Version: r.version, BuildNumber: r.build, ReportingSite: r.parent, Maintenance: r.maintenance,
		})
	}
	return out
}

// SiteServers returns the active and passive site servers, active first.
func (s *Site) SiteServers(ctx context.Context) ([]configmgr.SiteServer, error) {
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	if err := s.dbErr(); err != nil {
		return nil, err
	}
	return s.siteServers(), nil
}

func (s *Site) siteServers() []configmgr.SiteServer {
	var out []configmgr.SiteServer
	for _, m := range s.machines {
		if m.mode == "" || m.site != s.w.site.code {
			continue
		}
		st, detail := m.status, m.detail
		if !m.online && st == configmgr.StatusOK {
			st = configmgr.StatusUnknown
			if detail == "" {
				detail = "not responding: no heartbeat from " + m.name
			}
		}
		out = append(out, configmgr.SiteServer{Name: m.name, Mode: m.mode, Status: st, ServerState: serverState(st), Detail: detail})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Mode != out[j].Mode {
			return out[i].Mode == configmgr.ModeActive
		}
		return out[i].Name < out[j].Name
	})
	return out
}

func serverState(status string) int {
	switch status {
	case configmgr.StatusOK:
		return ServerStateOK
	case configmgr.StatusInstallFailed:
		return ServerStateInstallFailed
	case configmgr.StatusPrereqFailed:
		return ServerStatePrereqFailed
	}
	return 0
}

func (m *machine) allRoles() []string {
	var rs []string
	if m.mode != "" {
		rs = append(rs, configmgr.RoleSiteServer)
	}
	rs = append(rs, m.roles...)
	if len(rs) > 0 && !hasRole(rs, configmgr.RoleSiteSystem) {
		rs = append(rs, configmgr.RoleSiteSystem)
	}
	return rs
}

// Roles returns every site system role of every server of the fixture
// (this site's and the related sites'), so that P07 "no role from any
// site" can be checked.
func (s *Site) Roles(ctx context.Context) ([]configmgr.Role, error) {
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	if err := s.dbErr(); err != nil {
		return nil, err
	}
	return s.roles(), nil
}

func (s *Site) roles() []configmgr.Role {
	var out []configmgr.Role
	for _, m := range s.machines {
		for _, r := range m.allRoles() {
			out = append(out, configmgr.Role{SiteCode: m.site, Server: m.name, Role: r})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Server != out[j].Server {
			return out[i].Server < out[j].Server
		}
		return out[i].Role < out[j].Role
	})
	return out
}

// ContentLibrary returns the content library location and move state.
func (s *Site) ContentLibrary(ctx context.Context) (configmgr.ContentLibrary, error) {
	if err := s.lock(ctx); err != nil {
		return configmgr.ContentLibrary{}, err
	}
	defer s.mu.Unlock()
	if err := s.dbErr(); err != nil {
		return configmgr.ContentLibrary{}, err
	}
	return s.contentLibrary(), nil
}

func (s *Site) contentLibrary() configmgr.ContentLibrary {
	c := configmgr.ContentLibrary{Location: s.lib.location, Remote: isUNC(s.lib.location), MoveStatus: s.lib.status}
	switch s.lib.status {
	case "moving":
		total := s.lib.moveEnd.Sub(s.lib.moveStart)
		p := 0
		if total > 0 {
			p = int(100 * s.cur.Sub(s.lib.moveStart) / total)
		}
		c.MoveProgress = min(max(p, 0), 99)
	case "done":
		c.MoveProgress = 100
	case "failed":
		c.MoveProgress = s.lib.progress
	default:
		if c.Remote {
			c.MoveProgress = 100
		}
	}
	return c
}

// ReplicationLinks returns the fixture's replication links.
func (s *Site) ReplicationLinks(ctx context.Context) ([]configmgr.ReplicationLink, error) {
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	if err := s.dbErr(); err != nil {
		return nil, err
	}
	return s.replicationLinks(), nil
}

func (s *Site) replicationLinks() []configmgr.ReplicationLink {
	out := make([]configmgr.ReplicationLink, 0, len(s.links))
	for _, l := range s.links {
		up := l.updatedAt
		if l.state == "active" {
			// A healthy link reports every 5 minutes.
			beat := s.start.Add(s.cur.Sub(s.start) / (5 * time.Minute) * (5 * time.Minute))
			if beat.After(up) {
				up = beat
			}
		}
		out = append(out, configmgr.ReplicationLink{From: l.from, To: l.to, Group: l.group, Status: linkStates[l.state], State: l.state, UpdatedAt: up})
	}
	return out
}

// Updates returns the Updates and Servicing history.
func (s *Site) Updates(ctx context.Context) ([]configmgr.SiteUpdate, error) {
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	if err := s.dbErr(); err != nil {
		return nil, err
	}
	return append([]configmgr.SiteUpdate(nil), s.updates...), nil
}

// Distributions returns the distributions not yet complete.
func (s *Site) Distributions(ctx context.Context) ([]configmgr.Distribution, error) {
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	if err := s.dbErr(); err != nil {
		return nil, err
	}
	return s.distributions(), nil
}

func (s *Site) distributions() []configmgr.Distribution {
	var out []configmgr.Distribution
	for _, d := range s.dists {
		if d.inProgress == 0 && d.errors == 0 {
			continue
		}
		server := d.server
		if d.siteToSite {
			server = ""
		}
		out = append(out, configmgr.Distribution{PackageID: d.pkg, Server: server, InProgress: d.inProgress, Errors: d.errors, SiteToSite: d.siteToSite})
	}
	return out
}

// Providers returns the site's SMS Providers; one is reachable when its
// server is online.
func (s *Site) Providers(ctx context.Context) ([]configmgr.Provider, error) {
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	if err := s.dbErr(); err != nil {
		return nil, err
	}
	return s.providers(), nil
}

func (s *Site) providers() []configmgr.Provider {
	var out []configmgr.Provider
	for _, m := range s.machines {
		if m.site == s.w.site.code && hasRole(m.roles, configmgr.RoleProvider) {
			out = append(out, configmgr.Provider{Server: m.name, Reachable: m.online})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Server < out[j].Server })
	return out
}

// Components returns component status (v_ComponentSummarizer).
func (s *Site) Components(ctx context.Context) ([]configmgr.Component, error) {
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	if err := s.dbErr(); err != nil {
		return nil, err
	}
	return s.components(), nil
}

func (s *Site) components() []configmgr.Component {
	var out []configmgr.Component
	add := func(m *machine, name string, status int) {
		c := configmgr.Component{Server: m.name, Name: name, Status: status, Available: true}
		for _, o := range s.w.comps {
			if o.server == m.name && o.name == name {
				c.Status, c.Available = o.status, o.available
			}
		}
		switch {
		case !m.online:
			c.Status, c.Available = 2, false
		case m.stopped == 1 || (m.stopped == 2 && name != "SMS_EXECUTIVE"):
			c.Status, c.Available = max(c.Status, 1), false
		}
		out = append(out, c)
	}
	for _, m := range s.machines {
		if m.mode != "" && m.components {
			add(m, "SMS_EXECUTIVE", 0)
			add(m, "SMS_SITE_COMPONENT_MANAGER", 0)
			add(m, "SMS_FAILOVER_MANAGER", 0)
			dm := 0
			if m.mode == configmgr.ModeActive && (len(s.post.certs) > 0 || s.lib.status == "failed") {
				dm = 2
			}
			add(m, "SMS_DISTRIBUTION_MANAGER", dm)
			if s.w.features.StoreForBusiness {
				cs := 0
				if m.mode == configmgr.ModeActive && s.post.storeDown {
					cs = 2
				}
				add(m, "SMS_CLOUD_SERVICES_MANAGER", cs)
			}
			if m.mode == configmgr.ModeActive && s.siteSystemsMissing(m) {
				// F7: it cannot reach a remote site system that lacks its
				// account (listed only then, like the other generated
				// components, which are those a runbook looks at).
				add(m, "SMS_SITE_SYSTEM_STATUS_SUMMARIZER", 2)
			}
		}
		if hasRole(m.roles, configmgr.RoleProvider) {
			add(m, "SMS_REST_PROVIDER", 0)
		}
		if m.mode == configmgr.ModePassive && hasRole(m.roles, configmgr.RoleServiceConnection) {
			// F8: the service connection point beside the passive server
			// never starts (1806 release note).
			out = append(out, configmgr.Component{Server: m.name, Name: "SMS_CLOUD_SERVICES_MANAGER", Status: 2})
		}
		if hasRole(m.roles, configmgr.RoleManagementPoint) {
			add(m, "SMS_MP_CONTROL_MANAGER", 0)
		}
		if hasRole(m.roles, configmgr.RoleSoftwareUpdate) {
			add(m, "SMS_WSUS_CONTROL_MANAGER", 0)
		}
	}
	// Overrides naming components the simulation does not generate.
	for _, o := range s.w.comps {
		found := false
		for _, c := range out {
			if c.Server == o.server && c.Name == o.name {
				found = true
				break
			}
		}
		if !found {
			if m := s.machine(o.server); m != nil {
				add(m, o.name, o.status)
			}
		}
	}
	return out
}

// Features returns the site settings that decide post-promotion tasks.
func (s *Site) Features(ctx context.Context) (configmgr.Features, error) {
	if err := s.lock(ctx); err != nil {
		return configmgr.Features{}, err
	}
	defer s.mu.Unlock()
	if err := s.dbErr(); err != nil {
		return configmgr.Features{}, err
	}
	return s.w.features, nil
}

// Reachable probes a server from the runner; it does not need the site
// database.
func (s *Site) Reachable(ctx context.Context, server string) (configmgr.Reachability, error) {
	if err := s.lock(ctx); err != nil {
		return configmgr.Reachability{}, err
	}
	defer s.mu.Unlock()
	m := s.machine(server)
	switch {
	case m == nil:
		return configmgr.Reachability{Server: server, Detail: fmt.Sprintf("%s: no such host (DNS lookup failed)", server)}, nil
	case !m.online:
		return configmgr.Reachability{Server: m.name, Detail: fmt.Sprintf("%s: no answer on SMB (445), RPC (135) or HTTPS (443)", m.name)}, nil
	}
	what := "SMB (445) and RPC (135) answered"
	if hasRole(m.roles, configmgr.RoleProvider) {
		what += "; AdminService answered"
	}
	return configmgr.Reachability{Server: m.name, Reachable: true, Detail: m.name + ": " + what}, nil
}

// Snapshot returns the whole current state, whether or not the site
// database is up.
func (s *Site) Snapshot() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.syncLocked()
	st := State{
		At: s.cur, Elapsed: s.cur.Sub(s.start), Fixture: s.fixture, Scenario: s.scenario,
		DatabaseUp: !s.dbDown(), Site: s.siteInfo(), Hierarchy: s.hierarchy(),
		SiteServers: s.siteServers(), Roles: s.roles(), ContentLibrary: s.contentLibrary(),
		OldContentCopy: s.lib.oldCopy, ReplicationLinks: s.replicationLinks(),
		Updates: append([]configmgr.SiteUpdate(nil), s.updates...), Distributions: s.distributions(),
		Providers: s.providers(), Components: s.components(), Features: s.w.features,
	}
	for _, m := range s.machines {
		st.Servers = append(st.Servers, Server{Name: m.name, Site: m.site, Online: m.online, Mode: m.mode, Status: m.status, Detail: m.detail, Roles: m.allRoles(), Version: m.host.version})
	}
	if in := s.install; in != nil && in.running {
		st.Operations = append(st.Operations, fmt.Sprintf("passive install of %s: %s", in.target.name, in.stage))
	}
	if p := s.promo; p != nil && p.running {
		kind := "planned"
		if !p.planned {
			kind = "unplanned"
		}
		st.Operations = append(st.Operations, fmt.Sprintf("%s promotion of %s: %s", kind, p.target.name, p.stage))
	}
	if s.lib.status == "moving" {
		st.Operations = append(st.Operations, fmt.Sprintf("content library move to %s: %d%%", s.lib.moveTo, st.ContentLibrary.MoveProgress))
	}
	for _, m := range s.machines {
		if m.demotePending {
			st.Operations = append(st.Operations, fmt.Sprintf("%s demotes itself to passive when it is back (PRU-M1)", m.name))
		}
	}
	var removals []string
	for k := range s.pendingRemove {
		server, role, _ := strings.Cut(k, "|")
		removals = append(removals, fmt.Sprintf("removal of %s from %s", role, server))
	}
	sort.Strings(removals)
	st.Operations = append(st.Operations, removals...)
	pp := &st.PostPromotion
	pp.PromotedAt = s.post.promotedAt
	for dp := range s.post.certs {
		pp.DPCertificatesToReimport = append(pp.DPCertificatesToReimport, dp)
	}
	sort.Strings(pp.DPCertificatesToReimport)
	pp.StoreForBusinessDisconnected = s.post.storeDown
	for _, d := range s.dists {
		if d.errors > 0 {
			pp.PackagesToRedistribute = append(pp.PackagesToRedistribute, d.pkg+" -> "+d.server)
		}
	}
	for _, l := range s.links {
		if l.state == "failed" {
			for _, r := range s.w.related {
				if r.typ == configmgr.SiteSecondary && (r.code == l.from || r.code == l.to) {
					pp.SecondariesToReinitialize = appendUnique(pp.SecondariesToReinitialize, r.code)
				}
			}
		}
	}
	pp.ProductionClientVersion = s.clientVersion
	pp.PreProductionClientVersion = s.w.site.preProdClient
	pp.ClientFolderWrong = s.post.clientWrong
	return st
}

// applyTimeline applies one fixture timeline event.
func (s *Site) applyTimeline(e eventDef) {
	switch e.kind {
	case "server_offline":
		m := s.machine(e.server)
		if m == nil || !m.online {
			return
		}
		m.online = false
		m.demoteGen++ // an interrupted demotion starts over when it is back
		s.event("", "timeline: %s goes offline (%s)", m.name, e.name)
	case "server_online":
		m := s.machine(e.server)
		if m == nil || m.online {
			return
		}
		m.online = true
		s.event("", "timeline: %s is back online (%s)", m.name, e.name)
		if m.demotePending {
			s.startDemotion(m)
		}
	case "provider_removed":
		m := s.machine(e.server)
		if m == nil || !hasRole(m.roles, configmgr.RoleProvider) {
			return
		}
		var keep []string
		for _, r := range m.roles {
			if r != configmgr.RoleProvider {
				keep = append(keep, r)
			}
		}
		m.roles = keep
		s.event("RMV", "timeline: the SMS Provider on %s was removed through Setup > Site Maintenance (%s, F11)", m.name, e.name)
	case "fix_problem":
		if p := s.problems[e.problem]; p != nil && !p.fixed {
			p.fixed = true
			s.event("", "timeline: problem %q fixed (%s)", p.name, problemKinds[p.kind].cause)
		}
	case "sql_down":
		if !s.sqlDown {
			s.sqlDown = true
			s.event("", "timeline: the site database server goes down (%s)", e.name)
		}
	case "sql_up":
		if s.sqlDown {
			s.sqlDown = false
			s.event("", "timeline: the site database server is back (%s)", e.name)
		}
	case "link_state":
		for _, l := range s.links {
			if l.name == e.link && l.state != e.state {
				l.state, l.updatedAt = e.state, s.cur
				l.gen++
				s.event("", "timeline: replication link %s (%s -> %s) is %s (%s)", l.name, l.from, l.to, l.state, e.name)
			}
		}
	}
}

func (s *Site) scheduleDistDone(d *dist, at time.Duration) {
	d.gen++
	gen := d.gen
	s.at(s.start.Add(at), func() {
		if d.gen != gen || d.inProgress == 0 {
			return
		}
		d.inProgress = 0
		kind := "distribution"
		if d.siteToSite {
			kind = "site-to-site replication"
		}
		s.event("", "content: %s of %s to %s completed", kind, d.pkg, d.server)
	})
}

func (s *Site) moveDuration() time.Duration {
	per := s.w.durations.ContentMovePerGB
	gb := s.lib.sizeGB
	total := time.Duration(float64(per) * gb)
	if total < time.Minute || gb != gb { // NaN guard
		total = time.Minute
	}
	if total > maxOffset {
		total = maxOffset
	}
	return total
}

func (s *Site) finishMove() {
	if s.lib.status != "moving" {
		return
	}
	s.lib.oldCopy = s.lib.location
	s.lib.location = s.lib.moveTo
	s.lib.moveTo = ""
	s.lib.status = "done"
	s.event("P04", "content library: move to %s completed (100%%); the old copy at %s was not deleted, remove it by hand (§7.7)", s.lib.location, s.lib.oldCopy)
}
