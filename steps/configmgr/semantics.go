package configmgr

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// This file decodes ConfigMgr status codes into the strings the facts
// carry. Where a decoding is not documented by Microsoft it says so; the
// live backend uses these functions, and a simulated backend may too.

// ErrNotAutomated is returned by a backend for an action it cannot
// perform and that an administrator must do by hand; the error's text
// says how. Test with errors.Is.
var ErrNotAutomated = errors.New("not automated")

// NotAutomatedError returns an error wrapping ErrNotAutomated whose text
// is what the administrator must do instead.
func NotAutomatedError(action, instructions string) error {
	return fmt.Errorf("%s is %w by baton on a live site: %s", action, ErrNotAutomated, instructions)
}

// Well-known ServerState values of the "SMS Site Server" rows
// (SMS_SCI_SysResUse.ServerState). [COMMUNITY]: a memlabs fork states
// them as "verified against ConfigMgr source", which cannot be confirmed.
const (
	ServerStateInstallFailed = 131071 // 0x0001FFFF
	ServerStatePrereqFailed  = 196607 // 0x0002FFFF
	serverStateOKMask        = 0xFFFF0000
	serverStateOK            = 0x00030000
)

// DecodeServerState maps a site server's ServerState to a console-like
// status (StatusOK, StatusInstalling...) and a detail text. [COMMUNITY]
// decoding: 131071 installation failed, 196607 prerequisite error, any
// 0x0003xxxx OK; 0 (or NULL) is unknown; anything else is reported as
// still installing.
func DecodeServerState(state int) (status, detail string) {
	switch {
	case state == 0:
		return StatusUnknown, "ServerState not set"
	case state == ServerStateInstallFailed:
		return StatusInstallFailed, fmt.Sprintf("ServerState %d (0x%08X): installation failed [community decoding]; see ConfigMgrSetup.log on the server and FailoverMgr.log on both servers", state, state)
	case state == ServerStatePrereqFailed:
		return StatusPrereqFailed, fmt.Sprintf("ServerState %d (0x%08X): prerequisite check failed [community decoding]; see FailoverMgr.log on the active server", state, state)
	case state&serverStateOKMask == serverStateOK:
		return StatusOK, fmt.Sprintf("ServerState %d (0x%08X): ready [community decoding]", state, state)
	}
	return StatusInstalling, fmt.Sprintf("ServerState %d (0x%08X): not ready yet [community decoding]", state, state)
}

// Updates and Servicing states (CM_UpdatePackageSiteStatus.State), from
// Microsoft's "Understand and troubleshoot Updates and Servicing" article
// (domain reference §4.8).
const (
	UpdateInstallInProgress = 196609
	UpdateInstalled         = 196612
	UpdateInstallFailed     = 262143
	UpdatePrereqInProgress  = 131073
	UpdateReplicating       = 65537
)

var updateStateNames = map[int]string{
	0:      "unknown",
	2:      "enabled",
	65537:  "replicating",
	65538:  "replicated",
	131071: "replication_failed",
	131073: "prereq_running",
	131074: "prereq_passed",
	131075: "prereq_warning",
	196607: "prereq_failed",
	196609: "installing",
	196610: "waiting_service_window",
	196611: "waiting_parent",
	196612: "installed",
	196613: "pending_reboot",
	262142: "failed",
	262143: "failed",
	262145: "downloading",
	262146: "downloaded",
	327679: "download_failed",
	327681: "checking_applicability",
	327682: "applicable",
	393213: "hidden",
	393214: "not_applicable",
	393215: "applicability_failed",
}

// UpdateStateName returns the name baton gives an Updates and Servicing
// state: "installed", "installing", "failed", "prereq_running"...
func UpdateStateName(state int) string {
	if n, ok := updateStateNames[state]; ok {
		return n
	}
	if state >= 196614 && state <= 196629 {
		return "installing" // CMU and detailed install steps
	}
	return fmt.Sprintf("state_%d", state)
}

// UpdateIsInstalled reports whether u is installed: State 196612, or,
// when a backend gives no state code, StateName "installed".
func UpdateIsInstalled(u SiteUpdate) bool {
	if u.State != 0 {
		return u.State == UpdateInstalled
	}
	return u.StateName == "installed"
}

// UpdateIsInProgress reports whether u is being installed, prerequisite-checked or
// replicated, the in-flight set of PF-01: install steps 196609–196629
// except 196612, prerequisite check 131073, content replication 65537.
// Without a state code, StateName decides.
func UpdateIsInProgress(u SiteUpdate) bool {
	if u.State != 0 {
		s := u.State
		return (s >= UpdateInstallInProgress && s <= 196629 && s != UpdateInstalled) ||
			s == UpdatePrereqInProgress || s == UpdateReplicating
	}
	switch u.StateName {
	case "installing", "waiting_service_window", "waiting_parent", "pending_reboot", "prereq_running", "replicating":
		return true
	}
	return false
}

// ReplicationLinkState names a RCM_ReplicationLinkStatus / SMS_ReplicationLinkSummary
// link status. 8 and 9 (degraded, failed) are documented; the rest of the
// list is [COMMUNITY].
func ReplicationLinkState(status int) string {
	switch status {
	case 0:
		return "deleted"
	case 1:
		return "tombstoned"
	case 2, 3:
		return "active"
	case 4:
		return "initializing"
	case 5:
		return "not_started"
	case 6:
		return "error"
	case 8:
		return "degraded"
	case 9:
		return "failed"
	}
	return "unknown"
}

var (
	siteCodeRE  = regexp.MustCompile(`^[A-Za-z0-9]{3}$`)
	packageIDRE = regexp.MustCompile(`^[A-Za-z0-9]{8}$`)
	hostRE      = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*$`)
)

// ValidSiteCode reports whether s is a ConfigMgr site code: three letters
// or digits.
func ValidSiteCode(s string) bool { return siteCodeRE.MatchString(s) }

// ValidPackageID reports whether s is a ConfigMgr package id: eight
// letters or digits (site code + 5 hex digits).
func ValidPackageID(s string) bool { return packageIDRE.MatchString(s) }

// ValidHost reports whether s is a DNS host name (NetBIOS or FQDN), the
// form site system servers are named in.
func ValidHost(s string) bool { return len(s) <= 253 && hostRE.MatchString(s) }

// ServerFromNALPath returns the server a NAL path names:
// `["Display=\\dp1.contoso.com\"]MSWNET:["SMS_SITE=ABC"]\\dp1.contoso.com\`
// gives "dp1.contoso.com". It returns the input unchanged when it has no
// \\server\ part.
func ServerFromNALPath(nal string) string {
	i := strings.LastIndex(nal, `\\`)
	if i < 0 {
		return nal
	}
	rest := nal[i+2:]
	if j := strings.IndexByte(rest, '\\'); j >= 0 {
		rest = rest[:j]
	}
	if rest == "" {
		return nal
	}
	return rest
}
