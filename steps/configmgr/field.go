package configmgr

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"

	"github.com/batonhq/baton/steps"
)

// This file holds the facts behind the field failure modes of the domain
// reference (§8, F1-F14): what the site database does not say about a
// server (its Native Client, SMB signing, cluster membership, ConfigMgr
// version, local Administrators, configuration.mof and known log lines),
// the local Administrators of every remote site system (F7), and the
// boot images' package sources (F10).

// ServerConfig is what baton reads of one server's own configuration
// through PowerShell remoting.
type ServerConfig struct {
	Server string
	// Readable is false when the server could not be read (WinRM closed,
	// access denied, offline); Error says why.
	Readable bool
	Error    string
	// SQLNativeClient: SQL Server 2012 Native Client installed (F1, P15).
	SQLNativeClient bool
	// SMBSigningRequired: the SMB server requires signing (F14).
	SMBSigningRequired bool
	// ClusterNode: the Failover Clustering service is installed, as on
	// every Always On AG or failover cluster node (F12).
	ClusterNode bool
	// ConfigMgrVersion: the site server's installed ConfigMgr version,
	// "" when ConfigMgr is not installed (F2).
	ConfigMgrVersion string
	// Administrators: the members of the local Administrators group
	// ("CONTOSO\CM01$"), for F7.
	Administrators []string
	// ConfigurationMOF: SHA-256 of the hardware inventory's
	// configuration.mof in the site server's inboxes, "" when absent (F9).
	ConfigurationMOF string
	// Signals are the known failure lines found in its ConfigMgr logs.
	Signals []LogSignal
}

// LogSignal is a known log line found on a server (KnownLogSignals).
type LogSignal struct {
	ID      string // "CheckAdminOnSQL"
	Log     string // "FailoverMgr.log"
	Pattern string // the text searched for
}

// KnownLogSignals are the log lines the server configuration fact looks
// for. Each names the failure mode it points at.
var KnownLogSignals = []struct {
	LogSignal
	Refs string
}{
	// F1 [ISSUE SCCMdocs#2290]: the prerequisite check's SQL permission
	// test; it also fails when the SQL Server 2012 Native Client is
	// missing on the passive server, which is then the real cause.
	{LogSignal{ID: "CheckAdminOnSQL", Log: "FailoverMgr.log", Pattern: "CheckAdminOnSQL has failed"}, "F1, P22"},
}

// BootImage is a boot image package and where its source is (F10).
type BootImage struct {
	PackageID  string
	Name       string
	SourcePath string // PkgSourcePath, a UNC path
}

var (
	logSignalType = cty.Object(map[string]cty.Type{
		"id": cty.String, "log": cty.String, "pattern": cty.String,
	})
	serverConfigType = cty.Object(map[string]cty.Type{
		"server":               cty.String,
		"readable":             cty.Bool,
		"error":                cty.String,
		"sql_native_client":    cty.Bool,
		"smb_signing_required": cty.Bool,
		"cluster_node":         cty.Bool,
		"configmgr_version":    cty.String,
		"administrators":       cty.List(cty.String),
		"configuration_mof":    cty.String,
		"signals":              cty.List(logSignalType),
	})
	serverConfigsType = cty.Object(map[string]cty.Type{
		"servers":      cty.List(serverConfigType),
		"all_readable": cty.Bool,
	})
	siteSystemAdminType = cty.Object(map[string]cty.Type{
		"server":   cty.String,
		"readable": cty.Bool,
		"error":    cty.String,
		"missing":  cty.List(cty.String),
	})
	siteSystemAdminsType = cty.Object(map[string]cty.Type{
		"systems": cty.List(siteSystemAdminType),
		"failing": cty.List(cty.String),
		"checked": cty.Number,
	})
	bootImageType = cty.Object(map[string]cty.Type{
		"package_id":    cty.String,
		"name":          cty.String,
		"source_path":   cty.String,
		"source_server": cty.String,
	})
	bootImagesType = cty.Object(map[string]cty.Type{
		"images": cty.List(bootImageType),
	})
)

func fieldFactKinds() []steps.Kind {
	return []steps.Kind{
		&kind{
			name: "configmgr_server_config", effect: steps.ReadOnly, out: serverConfigsType,
			spec: hcldec.ObjectSpec{"servers": reqStringList("servers")},
			doc:  "Reads each server's own configuration through PowerShell remoting: SQL Native Client, SMB signing, cluster node, ConfigMgr version, local Administrators, configuration.mof hash, known log lines (§8).",
			desc: func(args cty.Value) steps.Description {
				return describeScript("read the configuration of "+steps.Show(attr(args, "servers"))+" through PowerShell remoting (WinRM)",
					ScriptServerConfig, map[string]string{ParamServers: steps.Show(attr(args, "servers"))})
			},
			run: func(ctx context.Context, s Site, req steps.Request) (cty.Value, error) {
				servers, err := hostList(strs(req.Args, "servers"))
				if err != nil {
					return cty.NilVal, err
				}
				cfgs, err := s.ServerConfigs(ctx, servers)
				if err != nil {
					return cty.NilVal, err
				}
				return serverConfigsValue(cfgs), nil
			},
		},
		&kind{
			name: "configmgr_site_system_admins", effect: steps.ReadOnly, out: siteSystemAdminsType,
			spec: hcldec.ObjectSpec{"accounts": reqStringList("accounts")},
			doc:  "Checks that every account (the HA site servers' computer accounts) is in the local Administrators group of every remote site system of the site; failing lists the systems where one is missing or that cannot be read (F7, P19).",
			desc: func(args cty.Value) steps.Description {
				d := describeQuery("list the remote site systems of the target site (its code from v_Site, as configmgr_site reads it; the roles from v_SystemResourceList), then read their local Administrators through PowerShell remoting", QueryRoles)
				sc := describeScript("", ScriptServerConfig, map[string]string{ParamServers: "every server of the target site with a role, except its HA site servers"})
				d.Details = append(d.Details, sc.Details...)
				d.Details = append(d.Details, steps.Detail{Label: "evaluation", Text: fmt.Sprintf(`remote site systems = servers of this site with a role, minus those with "SMS Site Server"
a system fails when an account is not among its Administrators (case-insensitive), or it cannot be read
accounts = %s`, steps.Show(attr(args, "accounts")))})
				return d
			},
			run: runSiteSystemAdmins,
		},
		&kind{
			name: "configmgr_boot_images", effect: steps.ReadOnly, spec: hcldec.ObjectSpec{}, out: bootImagesType,
			doc: "Reads the boot image packages and their package source paths (F10: default boot images keep the old active server as source).",
			desc: func(cty.Value) steps.Description {
				return describeQuery("read the boot image packages of the target site and their sources (v_Package)", QueryBootImages,
					steps.Detail{Label: "evaluation", Text: `source_server = the host of the UNC source path (lower case), "" when the path is not UNC`})
			},
			run: func(ctx context.Context, s Site, _ steps.Request) (cty.Value, error) {
				imgs, err := s.BootImages(ctx)
				if err != nil {
					return cty.NilVal, err
				}
				return bootImagesValue(imgs), nil
			},
		},
	}
}

// hostList checks that every server is a host name.
func hostList(servers []string) ([]string, error) {
	if len(servers) == 0 {
		return nil, fmt.Errorf("servers is empty: list the servers to read, e.g. [\"cm02.contoso.com\"]")
	}
	for _, s := range servers {
		if !ValidHost(s) {
			return nil, fmt.Errorf("server %q is not a host name: give the server's FQDN", s)
		}
	}
	return servers, nil
}

// runSiteSystemAdmins lists the remote site systems of the site and reads
// their local Administrators.
func runSiteSystemAdmins(ctx context.Context, s Site, req steps.Request) (cty.Value, error) {
	accounts := strs(req.Args, "accounts")
	if len(accounts) == 0 {
		return cty.NilVal, fmt.Errorf(`accounts is empty: give the HA site servers' computer accounts, e.g. ["CONTOSO\\CM01$", "CONTOSO\\CM02$"]`)
	}
	info, err := s.Site(ctx)
	if err != nil {
		return cty.NilVal, err
	}
	roles, err := s.Roles(ctx)
	if err != nil {
		return cty.NilVal, err
	}
	systems := RemoteSiteSystems(info.Code, roles)
	var cfgs []ServerConfig
	if len(systems) > 0 {
		if cfgs, err = s.ServerConfigs(ctx, systems); err != nil {
			return cty.NilVal, err
		}
	}
	return siteSystemAdminsValue(cfgs, accounts), nil
}

// RemoteSiteSystems returns the servers of site code that hold a role,
// except its HA site servers, sorted and lower-cased.
func RemoteSiteSystems(code string, roles []Role) []string {
	siteServers, all := map[string]bool{}, map[string]bool{}
	for _, r := range roles {
		if !strings.EqualFold(r.SiteCode, code) || r.Server == "" {
			continue
		}
		name := strings.ToLower(r.Server)
		all[name] = true
		if r.Role == RoleSiteServer {
			siteServers[name] = true
		}
	}
	var out []string
	for n := range all {
		if !siteServers[n] {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

func strList(ss []string) cty.Value {
	vals := make([]cty.Value, len(ss))
	for i, s := range ss {
		vals[i] = cty.StringVal(s)
	}
	return listOf(cty.String, vals)
}

func serverConfigsValue(cfgs []ServerConfig) cty.Value {
	var vals []cty.Value
	all := len(cfgs) > 0
	for _, c := range cfgs {
		var sig []cty.Value
		for _, g := range c.Signals {
			sig = append(sig, cty.ObjectVal(map[string]cty.Value{
				"id": cty.StringVal(g.ID), "log": cty.StringVal(g.Log), "pattern": cty.StringVal(g.Pattern),
			}))
		}
		vals = append(vals, cty.ObjectVal(map[string]cty.Value{
			"server":               cty.StringVal(c.Server),
			"readable":             cty.BoolVal(c.Readable),
			"error":                cty.StringVal(c.Error),
			"sql_native_client":    cty.BoolVal(c.SQLNativeClient),
			"smb_signing_required": cty.BoolVal(c.SMBSigningRequired),
			"cluster_node":         cty.BoolVal(c.ClusterNode),
			"configmgr_version":    cty.StringVal(c.ConfigMgrVersion),
			"administrators":       strList(c.Administrators),
			"configuration_mof":    cty.StringVal(c.ConfigurationMOF),
			"signals":              listOf(logSignalType, sig),
		}))
		all = all && c.Readable
	}
	return cty.ObjectVal(map[string]cty.Value{
		"servers":      listOf(serverConfigType, vals),
		"all_readable": cty.BoolVal(all),
	})
}

// siteSystemAdminsValue judges each system: failing when an account is
// missing from its Administrators or it could not be read.
func siteSystemAdminsValue(cfgs []ServerConfig, accounts []string) cty.Value {
	var vals, failing []cty.Value
	for _, c := range cfgs {
		var missing []string
		if c.Readable {
			for _, a := range accounts {
				if !containsFold(c.Administrators, a) {
					missing = append(missing, a)
				}
			}
		}
		vals = append(vals, cty.ObjectVal(map[string]cty.Value{
			"server":   cty.StringVal(c.Server),
			"readable": cty.BoolVal(c.Readable),
			"error":    cty.StringVal(c.Error),
			"missing":  strList(missing),
		}))
		if !c.Readable || len(missing) > 0 {
			failing = append(failing, cty.StringVal(c.Server))
		}
	}
	return cty.ObjectVal(map[string]cty.Value{
		"systems": listOf(siteSystemAdminType, vals),
		"failing": listOf(cty.String, failing),
		"checked": cty.NumberIntVal(int64(len(cfgs))),
	})
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(strings.TrimSpace(x), strings.TrimSpace(s)) {
			return true
		}
	}
	return false
}

func bootImagesValue(imgs []BootImage) cty.Value {
	var vals []cty.Value
	for _, b := range imgs {
		host := UNCHost(b.SourcePath)
		vals = append(vals, cty.ObjectVal(map[string]cty.Value{
			"package_id":    cty.StringVal(b.PackageID),
			"name":          cty.StringVal(b.Name),
			"source_path":   cty.StringVal(b.SourcePath),
			"source_server": cty.StringVal(host),
		}))
	}
	return cty.ObjectVal(map[string]cty.Value{"images": listOf(bootImageType, vals)})
}

// UNCHost returns the lower-cased host of a UNC path (\\host\share\...),
// or "" when the path is not UNC.
func UNCHost(p string) string {
	p = strings.ReplaceAll(strings.TrimSpace(p), "/", `\`)
	if !strings.HasPrefix(p, `\\`) {
		return ""
	}
	host, _, _ := strings.Cut(p[2:], `\`)
	return strings.ToLower(host)
}
