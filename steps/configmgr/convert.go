package configmgr

import (
	"sort"
	"strings"
	"time"

	"github.com/zclconf/go-cty/cty"
)

// Output types of the fact step types. Times are RFC 3339 strings ("" when
// unknown).
var (
	siteType = cty.Object(map[string]cty.Type{
		"code":           cty.String,
		"name":           cty.String,
		"type":           cty.String,
		"status":         cty.Number,
		"server_name":    cty.String,
		"version":        cty.String,
		"build_number":   cty.Number,
		"reporting_site": cty.String,
		"maintenance":    cty.Bool,
	})
	hierarchyType = cty.Object(map[string]cty.Type{
		"sites":       cty.List(siteType),
		"secondaries": cty.List(siteType),
	})
	siteServerType = cty.Object(map[string]cty.Type{
		"name":         cty.String,
		"mode":         cty.String,
		"status":       cty.String,
		"server_state": cty.Number,
		"detail":       cty.String,
	})
	siteServersType = cty.Object(map[string]cty.Type{
		"servers":       cty.List(siteServerType),
		"active":        cty.String,
		"passive":       cty.String,
		"passive_count": cty.Number,
		"all_ok":        cty.Bool,
	})
	roleType = cty.Object(map[string]cty.Type{
		"site_code": cty.String,
		"server":    cty.String,
		"role":      cty.String,
	})
	rolesType = cty.Object(map[string]cty.Type{
		"roles": cty.List(roleType),
		"count": cty.Number,
	})
	contentLibraryType = cty.Object(map[string]cty.Type{
		"location":      cty.String,
		"remote":        cty.Bool,
		"move_progress": cty.Number,
		"move_status":   cty.String,
	})
	linkType = cty.Object(map[string]cty.Type{
		"from":       cty.String,
		"to":         cty.String,
		"group":      cty.String,
		"status":     cty.Number,
		"state":      cty.String,
		"updated_at": cty.String,
	})
	replicationType = cty.Object(map[string]cty.Type{
		"links":     cty.List(linkType),
		"unhealthy": cty.List(linkType),
		"healthy":   cty.Bool,
	})
	updateType = cty.Object(map[string]cty.Type{
		"name":       cty.String,
		"version":    cty.String,
		"state":      cty.Number,
		"state_name": cty.String,
		"updated_at": cty.String,
	})
	updatesType = cty.Object(map[string]cty.Type{
		"updates":     cty.List(updateType),
		"recent":      cty.List(updateType),
		"in_progress": cty.List(updateType),
		"clear":       cty.Bool,
	})
	distributionType = cty.Object(map[string]cty.Type{
		"package_id":   cty.String,
		"server":       cty.String,
		"in_progress":  cty.Number,
		"errors":       cty.Number,
		"site_to_site": cty.Bool,
	})
	distributionsType = cty.Object(map[string]cty.Type{
		"in_progress":  cty.Number,
		"errors":       cty.Number,
		"packages":     cty.List(distributionType),
		"site_to_site": cty.List(cty.String),
		"clear":        cty.Bool,
	})
	providerType = cty.Object(map[string]cty.Type{
		"server":    cty.String,
		"reachable": cty.Bool,
	})
	providersType = cty.Object(map[string]cty.Type{
		"providers":       cty.List(providerType),
		"reachable_count": cty.Number,
	})
	componentType = cty.Object(map[string]cty.Type{
		"server":    cty.String,
		"name":      cty.String,
		"status":    cty.Number,
		"available": cty.Bool,
	})
	componentsType = cty.Object(map[string]cty.Type{
		"components": cty.List(componentType),
		"critical":   cty.List(componentType),
		"healthy":    cty.Bool,
	})
	featuresType = cty.Object(map[string]cty.Type{
		"dp_certificate_mode":   cty.String,
		"pki_clients":           cty.Bool,
		"store_for_business":    cty.Bool,
		"pre_production_client": cty.Bool,
		"pxe_distribution":      cty.Bool,
		"boot_media_in_use":     cty.Bool,
	})
	reachableType = cty.Object(map[string]cty.Type{
		"server":    cty.String,
		"reachable": cty.Bool,
		"detail":    cty.String,
	})
	actionType = cty.Object(map[string]cty.Type{
		"submitted": cty.Bool,
		"detail":    cty.String,
	})
)

// listOf builds a list of elem-typed values; an empty input gives an empty
// list of that type (never a null).
func listOf(elem cty.Type, vals []cty.Value) cty.Value {
	if len(vals) == 0 {
		return cty.ListValEmpty(elem)
	}
	return cty.ListVal(vals)
}

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func siteValue(s SiteInfo) cty.Value {
	return cty.ObjectVal(map[string]cty.Value{
		"code":           cty.StringVal(s.Code),
		"name":           cty.StringVal(s.Name),
		"type":           cty.StringVal(s.Type.String()),
		"status":         cty.NumberIntVal(int64(s.Status)),
		"server_name":    cty.StringVal(s.ServerName),
		"version":        cty.StringVal(s.Version),
		"build_number":   cty.NumberIntVal(int64(s.BuildNumber)),
		"reporting_site": cty.StringVal(s.ReportingSite),
		"maintenance":    cty.BoolVal(s.Maintenance),
	})
}

func hierarchyValue(sites []SiteInfo) cty.Value {
	var all, secondaries []cty.Value
	for _, s := range sites {
		v := siteValue(s)
		all = append(all, v)
		if s.Type == SiteSecondary {
			secondaries = append(secondaries, v)
		}
	}
	return cty.ObjectVal(map[string]cty.Value{
		"sites":       listOf(siteType, all),
		"secondaries": listOf(siteType, secondaries),
	})
}

func siteServersValue(servers []SiteServer) cty.Value {
	var vals []cty.Value
	active, passive := "", ""
	passives := 0
	allOK := len(servers) > 0
	for _, s := range servers {
		vals = append(vals, cty.ObjectVal(map[string]cty.Value{
			"name":         cty.StringVal(s.Name),
			"mode":         cty.StringVal(s.Mode),
			"status":       cty.StringVal(s.Status),
			"server_state": cty.NumberIntVal(int64(s.ServerState)),
			"detail":       cty.StringVal(s.Detail),
		}))
		switch s.Mode {
		case ModeActive:
			if active == "" {
				active = s.Name
			}
		case ModePassive:
			passives++
			if passive == "" {
				passive = s.Name
			}
		}
		if s.Status != StatusOK {
			allOK = false
		}
	}
	return cty.ObjectVal(map[string]cty.Value{
		"servers":       listOf(siteServerType, vals),
		"active":        cty.StringVal(active),
		"passive":       cty.StringVal(passive),
		"passive_count": cty.NumberIntVal(int64(passives)),
		"all_ok":        cty.BoolVal(allOK),
	})
}

// rolesValue keeps the roles whose server is in servers and whose role is
// in roles (case-insensitively); an empty filter keeps everything.
func rolesValue(roles []Role, servers, names []string) cty.Value {
	var vals []cty.Value
	for _, r := range roles {
		if !matchAny(r.Server, servers) || !matchAny(r.Role, names) {
			continue
		}
		vals = append(vals, cty.ObjectVal(map[string]cty.Value{
			"site_code": cty.StringVal(r.SiteCode),
			"server":    cty.StringVal(r.Server),
			"role":      cty.StringVal(r.Role),
		}))
	}
	return cty.ObjectVal(map[string]cty.Value{
		"roles": listOf(roleType, vals),
		"count": cty.NumberIntVal(int64(len(vals))),
	})
}

func matchAny(s string, filter []string) bool {
	if len(filter) == 0 {
		return true
	}
	for _, f := range filter {
		if strings.EqualFold(s, f) {
			return true
		}
	}
	return false
}

func contentLibraryValue(c ContentLibrary) cty.Value {
	return cty.ObjectVal(map[string]cty.Value{
		"location":      cty.StringVal(c.Location),
		"remote":        cty.BoolVal(c.Remote),
		"move_progress": cty.NumberIntVal(int64(c.MoveProgress)),
		"move_status":   cty.StringVal(c.MoveStatus),
	})
}

// replicationValue reports a link unhealthy when its state is not
// "active" or when it was last updated more than staleAfter before now (a
// link without a timestamp is not judged on age).
func replicationValue(links []ReplicationLink, now time.Time, staleAfter time.Duration) cty.Value {
	var all, bad []cty.Value
	for _, l := range links {
		state := l.State
		if state == "" {
			state = ReplicationLinkState(l.Status)
		}
		v := cty.ObjectVal(map[string]cty.Value{
			"from":       cty.StringVal(l.From),
			"to":         cty.StringVal(l.To),
			"group":      cty.StringVal(l.Group),
			"status":     cty.NumberIntVal(int64(l.Status)),
			"state":      cty.StringVal(state),
			"updated_at": cty.StringVal(rfc3339(l.UpdatedAt)),
		})
		all = append(all, v)
		stale := !l.UpdatedAt.IsZero() && now.Sub(l.UpdatedAt) > staleAfter
		if state != "active" || stale {
			bad = append(bad, v)
		}
	}
	return cty.ObjectVal(map[string]cty.Value{
		"links":     listOf(linkType, all),
		"unhealthy": listOf(linkType, bad),
		"healthy":   cty.BoolVal(len(bad) == 0),
	})
}

// updatesValue: recent = installed within the window before now;
// in_progress = UpdateIsInProgress; clear = neither.
func updatesValue(updates []SiteUpdate, now time.Time, within time.Duration) cty.Value {
	var all, recent, running []cty.Value
	for _, u := range updates {
		name := u.StateName
		if name == "" {
			name = UpdateStateName(u.State)
		}
		v := cty.ObjectVal(map[string]cty.Value{
			"name":       cty.StringVal(u.Name),
			"version":    cty.StringVal(u.Version),
			"state":      cty.NumberIntVal(int64(u.State)),
			"state_name": cty.StringVal(name),
			"updated_at": cty.StringVal(rfc3339(u.UpdatedAt)),
		})
		all = append(all, v)
		if UpdateIsInstalled(u) && !u.UpdatedAt.IsZero() && !u.UpdatedAt.Before(now.Add(-within)) {
			recent = append(recent, v)
		}
		if UpdateIsInProgress(u) {
			running = append(running, v)
		}
	}
	return cty.ObjectVal(map[string]cty.Value{
		"updates":     listOf(updateType, all),
		"recent":      listOf(updateType, recent),
		"in_progress": listOf(updateType, running),
		"clear":       cty.BoolVal(len(recent) == 0 && len(running) == 0),
	})
}

// distributionsValue sums the in-progress and error counts; clear means
// nothing is in progress (errors are reported but do not block).
func distributionsValue(ds []Distribution) cty.Value {
	var vals []cty.Value
	inProgress, errs := 0, 0
	seen := map[string]bool{}
	var s2s []string
	for _, d := range ds {
		inProgress += d.InProgress
		errs += d.Errors
		vals = append(vals, cty.ObjectVal(map[string]cty.Value{
			"package_id":   cty.StringVal(d.PackageID),
			"server":       cty.StringVal(d.Server),
			"in_progress":  cty.NumberIntVal(int64(d.InProgress)),
			"errors":       cty.NumberIntVal(int64(d.Errors)),
			"site_to_site": cty.BoolVal(d.SiteToSite),
		}))
		if d.SiteToSite && !seen[d.PackageID] {
			seen[d.PackageID] = true
			s2s = append(s2s, d.PackageID)
		}
	}
	sort.Strings(s2s)
	ids := make([]cty.Value, len(s2s))
	for i, id := range s2s {
		ids[i] = cty.StringVal(id)
	}
	return cty.ObjectVal(map[string]cty.Value{
		"in_progress":  cty.NumberIntVal(int64(inProgress)),
		"errors":       cty.NumberIntVal(int64(errs)),
		"packages":     listOf(distributionType, vals),
		"site_to_site": listOf(cty.String, ids),
		"clear":        cty.BoolVal(inProgress == 0),
	})
}

func providersValue(ps []Provider) cty.Value {
	var vals []cty.Value
	n := 0
	for _, p := range ps {
		if p.Reachable {
			n++
		}
		vals = append(vals, cty.ObjectVal(map[string]cty.Value{
			"server":    cty.StringVal(p.Server),
			"reachable": cty.BoolVal(p.Reachable),
		}))
	}
	return cty.ObjectVal(map[string]cty.Value{
		"providers":       listOf(providerType, vals),
		"reachable_count": cty.NumberIntVal(int64(n)),
	})
}

// componentsValue: critical = Status 2; healthy = no critical component.
func componentsValue(cs []Component) cty.Value {
	var all, critical []cty.Value
	for _, c := range cs {
		v := cty.ObjectVal(map[string]cty.Value{
			"server":    cty.StringVal(c.Server),
			"name":      cty.StringVal(c.Name),
			"status":    cty.NumberIntVal(int64(c.Status)),
			"available": cty.BoolVal(c.Available),
		})
		all = append(all, v)
		if c.Status == 2 {
			critical = append(critical, v)
		}
	}
	return cty.ObjectVal(map[string]cty.Value{
		"components": listOf(componentType, all),
		"critical":   listOf(componentType, critical),
		"healthy":    cty.BoolVal(len(critical) == 0),
	})
}

func featuresValue(f Features) cty.Value {
	return cty.ObjectVal(map[string]cty.Value{
		"dp_certificate_mode":   cty.StringVal(f.DPCertificateMode),
		"pki_clients":           cty.BoolVal(f.PKIClients),
		"store_for_business":    cty.BoolVal(f.StoreForBusiness),
		"pre_production_client": cty.BoolVal(f.PreProductionClient),
		"pxe_distribution":      cty.BoolVal(f.PXEDistribution),
		"boot_media_in_use":     cty.BoolVal(f.BootMediaInUse),
	})
}

func reachableValue(r Reachability) cty.Value {
	return cty.ObjectVal(map[string]cty.Value{
		"server":    cty.StringVal(r.Server),
		"reachable": cty.BoolVal(r.Reachable),
		"detail":    cty.StringVal(r.Detail),
	})
}

func actionValue(detail string) cty.Value {
	return cty.ObjectVal(map[string]cty.Value{
		"submitted": cty.True,
		"detail":    cty.StringVal(detail),
	})
}
