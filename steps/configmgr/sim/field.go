package sim

import (
	"context"
	"crypto/sha256"
	"fmt"
	"sort"
	"strings"

	"github.com/batonhq/baton/steps/configmgr"
)

// The simulated side of the field failure modes (domain reference §8):
// what PowerShell remoting reads on a server, the boot images, and the
// late-stage regression of a passive installation (F3).

// ServerConfigs reads each server as PowerShell remoting would; it does not
// need the site database.
func (s *Site) ServerConfigs(ctx context.Context, servers []string) ([]configmgr.ServerConfig, error) {
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	out := make([]configmgr.ServerConfig, 0, len(servers))
	for _, name := range servers {
		out = append(out, s.serverConfig(name))
	}
	return out, nil
}

func (s *Site) serverConfig(name string) configmgr.ServerConfig {
	m := s.machine(name)
	switch {
	case m == nil:
		return configmgr.ServerConfig{Server: name, Error: fmt.Sprintf("Connecting to remote server %s failed: the server name cannot be resolved", name)}
	case !m.online:
		return configmgr.ServerConfig{Server: m.name, Error: fmt.Sprintf("Connecting to remote server %s failed: the WinRM client cannot complete the operation (the server does not answer)", m.name)}
	case !m.host.remoting:
		return configmgr.ServerConfig{Server: m.name, Error: fmt.Sprintf("Connecting to remote server %s failed: Access is denied (WinRM)", m.name)}
	}
	return configmgr.ServerConfig{
		Server: m.name, Readable: true,
		SQLNativeClient:    m.host.nativeClient && !s.unfixed("sql_native_client_missing", m.name),
		SMBSigningRequired: m.host.smbSigning, ClusterNode: m.host.clusterNode,
		ConfigMgrVersion: m.host.version, Administrators: s.administrators(m),
		ConfigurationMOF: s.configurationMOF(m), Signals: append([]configmgr.LogSignal(nil), m.signals...),
	}
}

// unfixed tells whether a problem of kind is still there on server.
func (s *Site) unfixed(kind, server string) bool {
	for _, p := range s.problems {
		if p.kind == kind && !p.fixed && (p.server == "" || p.server == server) {
			return true
		}
	}
	return false
}

// computerAccount is the simulation's DOMAIN\HOST$ for a server FQDN: the
// first label of the DNS domain stands for the NetBIOS domain name.
func computerAccount(fqdn string) string {
	host, domain, _ := strings.Cut(fqdn, ".")
	nb, _, _ := strings.Cut(domain, ".")
	return strings.ToUpper(nb) + `\` + strings.ToUpper(host) + "$"
}

// administrators lists the local Administrators of m: the computer
// accounts of every other server of its site, except those the fixture
// names in admins_missing.
func (s *Site) administrators(m *machine) []string {
	out := []string{`BUILTIN\Administrator`}
	for _, o := range s.machines {
		if o == m || o.site != m.site || hasRole(m.host.adminsMissing, o.name) {
			continue
		}
		out = append(out, computerAccount(o.name))
	}
	sort.Strings(out)
	return out
}

// configurationMOF is the SHA-256 of a site server's configuration.mof:
// the version's default, or the customized one on the server where the
// fixture's hardware inventory was customized (the first active server).
// The passive server does not receive it (F9, release notes 1910).
func (s *Site) configurationMOF(m *machine) string {
	if m.mode == "" || m.host.version == "" {
		return ""
	}
	text := "configuration.mof " + m.host.version
	if s.w.site.hinvCustom && m.name == s.firstActive {
		text += " customized"
	}
	return fmt.Sprintf("%X", sha256.Sum256([]byte(text)))
}

// BootImages returns the default boot images when the fixture has them:
// their source stays on the first active server, whoever is active now
// (F10, release notes 1810).
func (s *Site) BootImages(ctx context.Context) ([]configmgr.BootImage, error) {
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	if err := s.dbErr(); err != nil {
		return nil, err
	}
	if !s.w.site.bootImages {
		return nil, nil
	}
	code := s.w.site.code
	return []configmgr.BootImage{
		{PackageID: code + "00004", Name: "Boot image (x64)", SourcePath: fmt.Sprintf(`\\%s\SMS_%s\osd\boot\x64\boot.wim`, s.firstActive, code)},
		{PackageID: code + "00005", Name: "Boot image (x86)", SourcePath: fmt.Sprintf(`\\%s\SMS_%s\osd\boot\i386\boot.wim`, s.firstActive, code)},
	}, nil
}

// logSignal writes a known log line's signal on m (once).
func (s *Site) logSignal(m *machine, id string) {
	if m == nil {
		return
	}
	for _, g := range m.signals {
		if g.ID == id {
			return
		}
	}
	for _, k := range configmgr.KnownLogSignals {
		if k.ID == id {
			m.signals = append(m.signals, k.LogSignal)
			s.event("", "log: %s on %s: %q", k.Log, m.name, k.Pattern)
		}
	}
}

// lateStages schedules the asynchronous stages 14/15 after a passive
// installation reported OK: install SMS_FAILOVER_MANAGER on the passive
// and validate access to the remote site systems. A late_stage_blip
// problem makes the server regress to installation failed (ServerState
// 0x0003xxxx -> 0x0001FFFF); the blip passes, but ConfigMgr does not
// retry by itself (F3).
func (s *Site) lateStages(in *install) {
	t := in.target
	p, ok := s.problemAt("PSV-LATE", t.name)
	if !ok {
		return
	}
	gen := in.gen
	s.after(s.w.durations.LateStages, func() {
		if s.install != in || in.gen != gen || t.status != configmgr.StatusOK || t.mode != configmgr.ModePassive {
			return
		}
		t.status, t.components = configmgr.StatusInstallFailed, false
		t.detail = p.message()
		p.fixed = true // the blip is over; a retry succeeds
		s.event("PSV-05", "install: %s regressed from OK to InstallFailed in the asynchronous stages 14/15 (ServerState 0x0001FFFF): %s (F3, problem %q)", t.name, problemKinds[p.kind].cause, p.name)
	})
}

// checkAdminOnSQLKinds are the problem kinds whose prerequisite failure
// FailoverMgr.log reports as "CheckAdminOnSQL has failed" (F1).
var checkAdminOnSQLKinds = map[string]bool{"sql_native_client_missing": true, "not_sysadmin": true}

// siteSystemsMissing tells whether a remote site system of the site lacks
// the computer account of server m in its local Administrators (F7).
func (s *Site) siteSystemsMissing(m *machine) bool {
	for _, o := range s.machines {
		if o != m && o.site == s.w.site.code && o.mode == "" && len(o.roles) > 0 && hasRole(o.host.adminsMissing, m.name) {
			return true
		}
	}
	return false
}
