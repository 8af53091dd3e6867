package configmgr

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"

	"github.com/batonhq/baton/steps"
)

// Instructions of the actions the live backend does not automate; the
// live backend's error carries them and the plans show them.
const (
	InstructionsReinitSecondary = `no cmdlet or API to reinitialize a secondary site's database replication is documented. ` +
		`In the console, Monitoring > Database Replication, select the link to the secondary site and run the Replication Link Analyzer, ` +
		`which detects and reinitializes the replication (memdocs "Reinit missing message", version 1902 and later); ` +
		`then wait until configmgr_replication reports the links healthy`
	InstructionsStoreForBusiness = `no cmdlet redoes the Microsoft Store for Business connection. ` +
		`In the console, Administration > Cloud Services > Azure Services, open the Microsoft Store for Business service and redo its connection ` +
		`(web app, store content share path, languages). The feature is deprecated since November 2021 (domain reference §5 PP-02)`
)

func actionKinds() []steps.Kind {
	return []steps.Kind{
		&kind{
			name: "configmgr_move_content_library", effect: steps.Mutating, out: actionType,
			spec: hcldec.ObjectSpec{"destination": reqString("destination")},
			doc:  "Starts moving the content library to a UNC path (Move-CMContentLibrary).",
			desc: func(args cty.Value) steps.Description {
				return describeScript("move the content library of the target site to "+steps.Show(attr(args, "destination")),
					ScriptMoveContentLibrary, map[string]string{ParamDestination: steps.Show(attr(args, "destination"))})
			},
			run: func(ctx context.Context, s Site, req steps.Request) (cty.Value, error) {
				dest := str(req.Args, "destination")
				if !isUNC(dest) {
					return cty.NilVal, fmt.Errorf("destination %q is not a UNC path: give a sub-folder of a share, e.g. \\\\files.contoso.com\\SCCMContentLib$\\ABC", dest)
				}
				if err := s.MoveContentLibrary(ctx, dest); err != nil {
					return cty.NilVal, err
				}
				return actionValue("content library move to " + dest + " submitted; follow it with configmgr_content_library (move_progress)"), nil
			},
		},
		&kind{
			name: "configmgr_add_passive", effect: steps.Mutating, out: actionType,
			spec: hcldec.ObjectSpec{
				"server":            reqString("server"),
				"install_directory": reqString("install_directory"),
				"source_option":     reqString("source_option"),
				"source_path":       optString("source_path"),
			},
			doc:  "Adds a site server in passive mode (New-CMSiteSystemServer + Add-CMPassiveSite); source_option is network, copy or local.",
			desc: describeAddPassive,
			run: func(ctx context.Context, s Site, req steps.Request) (cty.Value, error) {
				a := AddPassive{
					Server:           str(req.Args, "server"),
					InstallDirectory: str(req.Args, "install_directory"),
					SourceOption:     str(req.Args, "source_option"),
					SourcePath:       str(req.Args, "source_path"),
				}
				if err := ValidateAddPassive(a); err != nil {
					return cty.NilVal, err
				}
				if err := s.AddPassiveSiteServer(ctx, a); err != nil {
					return cty.NilVal, err
				}
				return actionValue("passive site server " + a.Server + " submitted; follow its installation with configmgr_site_servers"), nil
			},
		},
		&kind{
			name: "configmgr_retry_passive_install", effect: steps.Mutating, out: actionType, spec: hcldec.ObjectSpec{},
			doc: "Retries a failed passive site server installation (Set-CMSite -RetryInstallPassiveSite).",
			desc: func(cty.Value) steps.Description {
				return describeScript("retry the passive site server installation of the target site", ScriptRetryPassiveInstall, nil)
			},
			run: func(ctx context.Context, s Site, _ steps.Request) (cty.Value, error) {
				if err := s.RetryPassiveInstall(ctx); err != nil {
					return cty.NilVal, err
				}
				return actionValue("retry of the passive installation submitted; follow it with configmgr_site_servers"), nil
			},
		},
		&kind{
			name: "configmgr_promote", effect: steps.Mutating, out: actionType,
			spec: hcldec.ObjectSpec{"server": reqString("server")},
			doc:  "Promotes the passive site server to active (Set-CMSite -PromotePassiveSiteToActive).",
			desc: func(args cty.Value) steps.Description {
				return describeScript("promote "+steps.Show(attr(args, "server"))+" to active site server",
					ScriptPromote, map[string]string{ParamServer: steps.Show(attr(args, "server"))})
			},
			run: func(ctx context.Context, s Site, req steps.Request) (cty.Value, error) {
				server, err := hostArg(req.Args, "server")
				if err != nil {
					return cty.NilVal, err
				}
				if err := s.Promote(ctx, server); err != nil {
					return cty.NilVal, err
				}
				return actionValue("promotion of " + server + " submitted; follow it with configmgr_site_servers and configmgr_site (server_name)"), nil
			},
		},
		&kind{
			name: "configmgr_remove_site_server", effect: steps.Mutating, out: actionType,
			spec: hcldec.ObjectSpec{"server": reqString("server")},
			doc:  "Removes the (passive) site server role from a server.",
			desc: func(args cty.Value) steps.Description {
				return describeScript("remove the site server role from "+steps.Show(attr(args, "server")),
					ScriptRemoveSiteServer, map[string]string{ParamServer: steps.Show(attr(args, "server"))})
			},
			run: func(ctx context.Context, s Site, req steps.Request) (cty.Value, error) {
				server, err := hostArg(req.Args, "server")
				if err != nil {
					return cty.NilVal, err
				}
				if err := s.RemoveSiteServerRole(ctx, server); err != nil {
					return cty.NilVal, err
				}
				return actionValue("removal of the site server role from " + server + " submitted; watch the SMS_FAILOVER_MANAGER component"), nil
			},
		},
		&kind{
			name: "configmgr_remove_role", effect: steps.Mutating, out: actionType,
			spec: hcldec.ObjectSpec{"server": reqString("server"), "role": reqString("role")},
			doc:  "Removes a site system role (e.g. \"SMS Distribution Point\", \"SMS Dmp Connector\") from a server (Remove-CMSiteRole).",
			desc: func(args cty.Value) steps.Description {
				return describeScript("remove role "+steps.Show(attr(args, "role"))+" from "+steps.Show(attr(args, "server")),
					ScriptRemoveRole, map[string]string{ParamServer: steps.Show(attr(args, "server")), ParamRoleName: steps.Show(attr(args, "role"))})
			},
			run: func(ctx context.Context, s Site, req steps.Request) (cty.Value, error) {
				server, err := hostArg(req.Args, "server")
				if err != nil {
					return cty.NilVal, err
				}
				role := str(req.Args, "role")
				switch {
				case strings.TrimSpace(role) == "":
					return cty.NilVal, fmt.Errorf("role is empty: give a role name as in v_SystemResourceList, e.g. %q", RoleDistributionPoint)
				case strings.EqualFold(role, RoleSiteServer):
					return cty.NilVal, fmt.Errorf("role %q is removed with configmgr_remove_site_server, which refuses the active server", role)
				}
				if err := s.RemoveRole(ctx, server, role); err != nil {
					return cty.NilVal, err
				}
				return actionValue("removal of " + role + " from " + server + " submitted; follow it with configmgr_roles"), nil
			},
		},
		&kind{
			name: "configmgr_reimport_dp_certificate", effect: steps.Mutating, out: actionType,
			spec: hcldec.ObjectSpec{
				"dp":                   reqString("dp"),
				"certificate_path":     reqString("certificate_path"),
				"certificate_password": reqString("certificate_password"),
			},
			doc: "Reimports a distribution point's PKI certificate (Set-CMDistributionPoint -CertificatePath); the password is sensitive.",
			desc: func(args cty.Value) steps.Description {
				return describeScript("reimport the PKI certificate of distribution point "+steps.Show(attr(args, "dp")),
					ScriptReimportDPCertificate, map[string]string{
						ParamDistributionPoint: steps.Show(attr(args, "dp")),
						ParamCertificatePath:   steps.Show(attr(args, "certificate_path")),
					})
			},
			run: func(ctx context.Context, s Site, req steps.Request) (cty.Value, error) {
				dp, err := hostArg(req.Args, "dp")
				if err != nil {
					return cty.NilVal, err
				}
				path := str(req.Args, "certificate_path")
				if strings.TrimSpace(path) == "" {
					return cty.NilVal, fmt.Errorf("certificate_path is empty: give the .pfx path, a UNC path the SMS Provider can read")
				}
				password := str(req.Args, "certificate_password")
				if password == "" {
					return cty.NilVal, fmt.Errorf("certificate_password is empty: give the .pfx password from a sensitive variable")
				}
				if err := s.ReimportDPCertificate(ctx, dp, path, password); err != nil {
					return cty.NilVal, err
				}
				return actionValue("certificate reimport for " + dp + " submitted; check distmgr.log no longer reports \"Failed to decrypt cert PFX data\""), nil
			},
		},
		&kind{
			name: "configmgr_redistribute_content", effect: steps.Mutating, out: actionType,
			spec: hcldec.ObjectSpec{"packages": reqStringList("packages"), "dp": reqString("dp")},
			doc:  "Redistributes packages to a distribution point.",
			desc: func(args cty.Value) steps.Description {
				return describeScript("redistribute "+steps.Show(attr(args, "packages"))+" to "+steps.Show(attr(args, "dp")),
					ScriptRedistributeContent, map[string]string{
						ParamPackageIDs:        steps.Show(attr(args, "packages")) + " (joined with commas)",
						ParamDistributionPoint: steps.Show(attr(args, "dp")),
					})
			},
			run: func(ctx context.Context, s Site, req steps.Request) (cty.Value, error) {
				dp, err := hostArg(req.Args, "dp")
				if err != nil {
					return cty.NilVal, err
				}
				pkgs := strs(req.Args, "packages")
				if len(pkgs) == 0 {
					return cty.NilVal, fmt.Errorf("packages is empty: give package ids, e.g. from configmgr_distributions' site_to_site")
				}
				for _, p := range pkgs {
					if !ValidPackageID(p) {
						return cty.NilVal, fmt.Errorf("package id %q is not 8 letters or digits (e.g. ABC00012)", p)
					}
				}
				if err := s.RedistributeContent(ctx, pkgs, dp); err != nil {
					return cty.NilVal, err
				}
				return actionValue(fmt.Sprintf("redistribution of %d package(s) to %s submitted; follow it with configmgr_distributions", len(pkgs), dp)), nil
			},
		},
		&kind{
			name: "configmgr_reinit_secondary", effect: steps.Mutating, out: actionType,
			spec: hcldec.ObjectSpec{"site_code": reqString("site_code")},
			doc:  "Reinitializes a secondary site's database replication; not automated on a live site (fails with instructions).",
			desc: func(args cty.Value) steps.Description {
				return steps.Description{
					Summary: "reinitialize the replication of secondary site " + steps.Show(attr(args, "site_code")),
					Details: []steps.Detail{
						{Label: "live backend", Text: "runs nothing: the step fails with these instructions for the administrator:\n" + InstructionsReinitSecondary},
						{Label: "parameters", Text: "site_code = " + steps.Show(attr(args, "site_code"))},
					},
				}
			},
			run: func(ctx context.Context, s Site, req steps.Request) (cty.Value, error) {
				code := str(req.Args, "site_code")
				if !ValidSiteCode(code) {
					return cty.NilVal, fmt.Errorf("site_code %q is not a site code (three letters or digits)", code)
				}
				if err := s.ReinitializeSecondary(ctx, code); err != nil {
					return cty.NilVal, err
				}
				return actionValue("reinitialization of secondary site " + code + " submitted; follow it with configmgr_replication"), nil
			},
		},
		&kind{
			name: "configmgr_reconnect_store_for_business", effect: steps.Mutating, out: actionType, spec: hcldec.ObjectSpec{},
			doc: "Redoes the Microsoft Store for Business connection; not automated on a live site (fails with instructions).",
			desc: func(cty.Value) steps.Description {
				return steps.Description{
					Summary: "reconnect the Microsoft Store for Business Azure service",
					Details: []steps.Detail{
						{Label: "live backend", Text: "runs nothing: the step fails with these instructions for the administrator:\n" + InstructionsStoreForBusiness},
					},
				}
			},
			run: func(ctx context.Context, s Site, _ steps.Request) (cty.Value, error) {
				if err := s.ReconnectStoreForBusiness(ctx); err != nil {
					return cty.NilVal, err
				}
				return actionValue("Microsoft Store for Business reconnection submitted"), nil
			},
		},
	}
}

func describeAddPassive(args cty.Value) steps.Description {
	server := steps.Show(attr(args, "server"))
	values := map[string]string{
		ParamServer:           server,
		ParamInstallDirectory: steps.Show(attr(args, "install_directory")),
		ParamSourcePath:       steps.Show(attr(args, "source_path")),
	}
	summary := "add " + server + " as passive site server"
	opt := attr(args, "source_option")
	if opt.IsKnown() && !opt.IsNull() && !opt.IsMarked() && opt.Type() == cty.String {
		if s, err := ScriptAddPassive(opt.AsString()); err == nil {
			return describeScript(summary+" (source_option "+steps.Show(opt)+")", s, values)
		}
		return steps.Description{Summary: summary, Details: []steps.Detail{{Label: "error",
			Text: fmt.Sprintf("source_option %s is not %q, %q or %q: the step will fail", steps.Show(opt), SourceNetwork, SourceCopy, SourceLocal)}}}
	}
	// The option is not known yet: show the network script, the
	// recommended one, and say that it depends.
	s, _ := ScriptAddPassive(SourceNetwork)
	d := describeScript(summary+" (source_option "+steps.Show(opt)+")", s, values)
	d.Details = append(d.Details, steps.Detail{Label: "source_option", Text: "known at run time: the Add-CMPassiveSite line above is for \"network\"; \"copy\" uses -SourceFilePathOption CopySourceFileFromActiveSite without a path, \"local\" uses UseLocalSourceDirectory -LocalSourceDirectory"})
	return d
}

// ValidateAddPassive checks an AddPassive request before any backend sees
// it.
func ValidateAddPassive(a AddPassive) error {
	if !ValidHost(a.Server) {
		return fmt.Errorf("server %q is not a host name: give the new server's FQDN", a.Server)
	}
	if strings.TrimSpace(a.InstallDirectory) == "" {
		return fmt.Errorf("install_directory is empty: give the local install path on the new server, e.g. C:\\Program Files\\Configuration Manager")
	}
	switch a.SourceOption {
	case SourceNetwork:
		if !isUNC(a.SourcePath) {
			return fmt.Errorf("source_option \"network\" needs source_path, a UNC path to CD.Latest, e.g. \\\\active.contoso.com\\SMS_ABC\\CD.Latest")
		}
	case SourceLocal:
		if strings.TrimSpace(a.SourcePath) == "" {
			return fmt.Errorf("source_option \"local\" needs source_path, a local path on the new server holding the same version's CD.Latest")
		}
	case SourceCopy:
		if a.SourcePath != "" {
			return fmt.Errorf("source_option \"copy\" takes no source_path (the active server sends its files); remove source_path or use \"network\"")
		}
	default:
		return fmt.Errorf("source_option %q is not %q (recommended), %q or %q", a.SourceOption, SourceNetwork, SourceCopy, SourceLocal)
	}
	return nil
}

func hostArg(args cty.Value, name string) (string, error) {
	v := str(args, name)
	if !ValidHost(v) {
		return "", fmt.Errorf("%s %q is not a host name: give the server's FQDN", name, v)
	}
	return v, nil
}

func isUNC(p string) bool {
	return strings.HasPrefix(p, `\\`) && len(strings.TrimLeft(p, `\`)) > 0
}
