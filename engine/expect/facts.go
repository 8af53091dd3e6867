package expect

import (
	"path"
	"slices"
	"strings"

	"github.com/batonhq/baton/steps/configmgr/sim"
	"github.com/zclconf/go-cty/cty"
)

// factPatterns are the fact paths Facts produces; "*" stands for one name
// (a server, a package, a site code pair). docs/testing.md lists them.
var factPatterns = []string{
	"site/code", "site/type", "site/name", "site/status", "site/active_server",
	"site/version", "site/build", "site/maintenance", "database/up",
	"site_servers", "site_server/*/mode", "site_server/*/status", "site_server/*/detail",
	"server/*/online", "server/*/site", "server/*/roles",
	"content_library/location", "content_library/remote", "content_library/move_status",
	"content_library/move_progress", "content_library/old_copy",
	"replication/*/*", "update/*",
	"distributions", "distribution/*/*/in_progress", "distribution/*/*/errors",
	"provider/*/reachable", "component/*/*/status", "component/*/*/available",
	"operations",
	"post_promotion/promoted_at", "post_promotion/dp_certificates_to_reimport",
	"post_promotion/store_for_business_disconnected", "post_promotion/packages_to_redistribute",
	"post_promotion/secondaries_to_reinitialize", "post_promotion/client_folder_wrong",
	"post_promotion/production_client_version", "post_promotion/pre_production_client_version",
}

// KnownFact reports whether fact has the shape of a fact path: one of
// factPatterns, with no name empty.
func KnownFact(fact string) bool {
	if slices.Contains(strings.Split(fact, "/"), "") {
		return false
	}
	return slices.ContainsFunc(factPatterns, func(p string) bool {
		ok, _ := path.Match(p, fact)
		return ok
	})
}

// Facts are the facts of a simulated site by path: "site/code",
// "site_server/cm02.contoso.com/mode", "replication/SS1->PS1/Secondary
// Site Data" (the link's state), "post_promotion/promoted_at" (virtual time
// since the start, absent before a promotion)... Lists are sorted.
func Facts(s sim.State) map[string]cty.Value {
	f := facts{}
	si := s.Site
	f.str("site/code", si.Code)
	f.str("site/type", si.Type.String())
	f.str("site/name", si.Name)
	f.num("site/status", si.Status)
	f.str("site/active_server", si.ServerName)
	f.str("site/version", si.Version)
	f.num("site/build", si.BuildNumber)
	f.boolean("site/maintenance", si.Maintenance)
	f.boolean("database/up", s.DatabaseUp)
	var names []string
	for _, ss := range s.SiteServers {
		names = append(names, ss.Name)
		f.str("site_server/"+ss.Name+"/mode", ss.Mode)
		f.str("site_server/"+ss.Name+"/status", ss.Status)
		f.str("site_server/"+ss.Name+"/detail", ss.Detail)
	}
	f.list("site_servers", names)
	for _, m := range s.Servers {
		f.boolean("server/"+m.Name+"/online", m.Online)
		f.str("server/"+m.Name+"/site", m.Site)
		f.list("server/"+m.Name+"/roles", m.Roles)
	}
	cl := s.ContentLibrary
	f.str("content_library/location", cl.Location)
	f.boolean("content_library/remote", cl.Remote)
	f.str("content_library/move_status", cl.MoveStatus)
	f.num("content_library/move_progress", cl.MoveProgress)
	f.str("content_library/old_copy", s.OldContentCopy)
	for _, l := range s.ReplicationLinks {
		f.str("replication/"+l.From+"->"+l.To+"/"+l.Group, l.State)
	}
	for _, u := range s.Updates {
		f.str("update/"+u.Name, u.StateName)
	}
	f.distributions(s)
	for _, p := range s.Providers {
		f.boolean("provider/"+p.Server+"/reachable", p.Reachable)
	}
	for _, c := range s.Components {
		f.num("component/"+c.Server+"/"+c.Name+"/status", c.Status)
		f.boolean("component/"+c.Server+"/"+c.Name+"/available", c.Available)
	}
	f.list("operations", s.Operations)
	f.postPromotion(s)
	return f
}

func (f facts) distributions(s sim.State) {
	var all []string
	for _, d := range s.Distributions {
		to := d.Server
		if d.SiteToSite {
			to = "site-to-site"
		}
		all = append(all, d.PackageID+" -> "+to)
		f.num("distribution/"+d.PackageID+"/"+to+"/in_progress", d.InProgress)
		f.num("distribution/"+d.PackageID+"/"+to+"/errors", d.Errors)
	}
	f.list("distributions", all)
}

func (f facts) postPromotion(s sim.State) {
	pp := s.PostPromotion
	if !pp.PromotedAt.IsZero() {
		f.str("post_promotion/promoted_at", pp.PromotedAt.Sub(s.At.Add(-s.Elapsed)).String())
	}
	f.list("post_promotion/dp_certificates_to_reimport", pp.DPCertificatesToReimport)
	f.boolean("post_promotion/store_for_business_disconnected", pp.StoreForBusinessDisconnected)
	f.list("post_promotion/packages_to_redistribute", pp.PackagesToRedistribute)
	f.list("post_promotion/secondaries_to_reinitialize", pp.SecondariesToReinitialize)
	f.boolean("post_promotion/client_folder_wrong", pp.ClientFolderWrong)
	f.str("post_promotion/production_client_version", pp.ProductionClientVersion)
	f.str("post_promotion/pre_production_client_version", pp.PreProductionClientVersion)
}

type facts map[string]cty.Value

func (f facts) str(k, v string)          { f[k] = cty.StringVal(v) }
func (f facts) num(k string, v int)      { f[k] = cty.NumberIntVal(int64(v)) }
func (f facts) boolean(k string, v bool) { f[k] = cty.BoolVal(v) }

func (f facts) list(k string, v []string) { f[k] = stringList(slices.Sorted(slices.Values(v))) }

// SummaryFacts are the paths of the facts baton test -update writes for a
// new case, out of all the facts of a site: what the project's matrix
// shows (the site servers, content library, replication links,
// distributions, operations in flight and what a promotion left to do).
func SummaryFacts(all map[string]cty.Value) []string {
	keys := []string{"site/code", "site/type", "site/active_server", "database/up", "site_servers",
		"content_library/location", "distributions", "operations",
		"post_promotion/promoted_at", "post_promotion/dp_certificates_to_reimport",
		"post_promotion/store_for_business_disconnected", "post_promotion/packages_to_redistribute",
		"post_promotion/secondaries_to_reinitialize", "post_promotion/client_folder_wrong"}
	if ms := all["content_library/move_status"]; ms != cty.NilVal && ms.AsString() != "" {
		keys = append(keys, "content_library/move_status", "content_library/move_progress")
	}
	if ss := all["site_servers"]; ss != cty.NilVal {
		for it := ss.ElementIterator(); it.Next(); {
			_, n := it.Element()
			name := n.AsString()
			keys = append(keys, "site_server/"+name+"/mode", "site_server/"+name+"/status", "server/"+name+"/online")
		}
	}
	for k := range all {
		if strings.HasPrefix(k, "replication/") {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}
