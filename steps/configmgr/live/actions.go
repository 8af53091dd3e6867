package live

import (
	"context"
	"fmt"
	"strings"

	"github.com/batonhq/baton/steps/configmgr"
)

// Actions run the scripts of configmgr/scripts.go through RunScript with
// the ConfigurationManager module; each returns once the cmdlet returned,
// i.e. the site accepted the request.

// MoveContentLibrary runs Move-CMContentLibrary.
func (s *Site) MoveContentLibrary(ctx context.Context, destination string) error {
	return s.action(ctx, configmgr.ScriptMoveContentLibrary, map[string]string{
		configmgr.ParamSiteCode:    s.cfg.SiteCode,
		configmgr.ParamDestination: destination,
	})
}

// AddPassiveSiteServer runs New-CMSiteSystemServer (when needed) and
// Add-CMPassiveSite.
func (s *Site) AddPassiveSiteServer(ctx context.Context, req configmgr.AddPassive) error {
	if err := configmgr.ValidateAddPassive(req); err != nil {
		return err
	}
	sc, err := configmgr.ScriptAddPassive(req.SourceOption)
	if err != nil {
		return err
	}
	params := map[string]string{
		configmgr.ParamSiteCode:         s.cfg.SiteCode,
		configmgr.ParamServer:           req.Server,
		configmgr.ParamInstallDirectory: req.InstallDirectory,
	}
	if req.SourceOption != configmgr.SourceCopy {
		params[configmgr.ParamSourcePath] = req.SourcePath
	}
	return s.action(ctx, sc, params)
}

// RetryPassiveInstall runs Set-CMSite -RetryInstallPassiveSite.
func (s *Site) RetryPassiveInstall(ctx context.Context) error {
	return s.action(ctx, configmgr.ScriptRetryPassiveInstall, map[string]string{configmgr.ParamSiteCode: s.cfg.SiteCode})
}

// Promote runs Set-CMSite -PromotePassiveSiteToActive after checking the
// server through the provider.
func (s *Site) Promote(ctx context.Context, server string) error {
	if err := checkHost("server", server); err != nil {
		return err
	}
	return s.action(ctx, configmgr.ScriptPromote, map[string]string{
		configmgr.ParamSiteCode: s.cfg.SiteCode,
		configmgr.ParamServer:   server,
	})
}

// RemoveSiteServerRole runs Remove-CMSiteRole for the "SMS Site Server"
// role; the script refuses the active server.
func (s *Site) RemoveSiteServerRole(ctx context.Context, server string) error {
	if err := checkHost("server", server); err != nil {
		return err
	}
	return s.action(ctx, configmgr.ScriptRemoveSiteServer, map[string]string{
		configmgr.ParamSiteCode: s.cfg.SiteCode,
		configmgr.ParamServer:   server,
	})
}

// RemoveRole runs Remove-CMSiteRole.
func (s *Site) RemoveRole(ctx context.Context, server, role string) error {
	if err := checkHost("server", server); err != nil {
		return err
	}
	if strings.EqualFold(role, configmgr.RoleSiteServer) {
		return fmt.Errorf("role %q is removed with RemoveSiteServerRole", role)
	}
	return s.action(ctx, configmgr.ScriptRemoveRole, map[string]string{
		configmgr.ParamSiteCode: s.cfg.SiteCode,
		configmgr.ParamServer:   server,
		configmgr.ParamRoleName: role,
	})
}

// ReimportDPCertificate runs Set-CMDistributionPoint -CertificatePath
// -CertificatePassword. The password travels on stdin; it is removed from
// any error text.
func (s *Site) ReimportDPCertificate(ctx context.Context, dp string, pfxPath string, password string) error {
	if err := checkHost("dp", dp); err != nil {
		return err
	}
	return s.action(ctx, configmgr.ScriptReimportDPCertificate, map[string]string{
		configmgr.ParamSiteCode:            s.cfg.SiteCode,
		configmgr.ParamDistributionPoint:   dp,
		configmgr.ParamCertificatePath:     pfxPath,
		configmgr.ParamCertificatePassword: password,
	})
}

// RedistributeContent sets RefreshNow on the packages' SMS_DistributionPoint
// instances for dp. Package ids and dp are validated here because the
// script puts them in a WQL filter.
func (s *Site) RedistributeContent(ctx context.Context, packageIDs []string, dp string) error {
	if err := checkHost("dp", dp); err != nil {
		return err
	}
	if len(packageIDs) == 0 {
		return fmt.Errorf("no package to redistribute")
	}
	for _, id := range packageIDs {
		if !configmgr.ValidPackageID(id) {
			return fmt.Errorf("package id %q is not 8 letters or digits (e.g. ABC00012)", id)
		}
	}
	return s.action(ctx, configmgr.ScriptRedistributeContent, map[string]string{
		configmgr.ParamSiteCode:          s.cfg.SiteCode,
		configmgr.ParamPackageIDs:        strings.Join(packageIDs, ","),
		configmgr.ParamDistributionPoint: dp,
		configmgr.ParamProvider:          s.cfg.Provider,
	})
}

// ReinitializeSecondary is not automated: it returns an error wrapping
// configmgr.ErrNotAutomated with the console procedure.
func (s *Site) ReinitializeSecondary(ctx context.Context, siteCode string) error {
	return configmgr.NotAutomatedError("reinitializing secondary site "+siteCode, configmgr.InstructionsReinitSecondary)
}

// ReconnectStoreForBusiness is not automated: it returns an error wrapping
// configmgr.ErrNotAutomated with the console procedure.
func (s *Site) ReconnectStoreForBusiness(ctx context.Context) error {
	return configmgr.NotAutomatedError("reconnecting Microsoft Store for Business", configmgr.InstructionsStoreForBusiness)
}

func (s *Site) action(ctx context.Context, sc configmgr.Script, params map[string]string) error {
	_, err := s.runScript(ctx, sc, params, true)
	return err
}

func checkHost(name, v string) error {
	if !configmgr.ValidHost(v) {
		return fmt.Errorf("%s %q is not a host name: give the server's FQDN", name, v)
	}
	return nil
}
