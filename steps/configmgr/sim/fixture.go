package sim

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"reflect"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"

	"github.com/batonhq/baton/engine/lang"
	"github.com/batonhq/baton/internal/inputfile"
)

// maxFixtureSize bounds a fixture file; real ones are a few kilobytes.
const maxFixtureSize = 1 << 20

// Fixture is a loaded fixture file: a base site and named scenarios that
// patch it. Every scenario has been merged and checked by Load, so New only
// fails on an unknown scenario name.
type Fixture struct {
	// Name is the file's base name without ".hcl" ("contoso").
	Name string
	// Path is the file's path inside the fs.FS it was loaded from.
	Path string
	// Description is the fixture's top-level description.
	Description string

	order  []string
	scens  map[string]*world
	descrs map[string]string
	inputs map[string]map[string]string // scenario -> runbook inputs
}

// Inputs returns the runbook inputs that fit the scenario (its server
// names, site code...): the fixture's, overridden by the scenario's.
// Rehearsals use them in place of a runbook's defaults; the operator's own
// -var, -var-file and environment values still win.
func (f *Fixture) Inputs(scenario string) map[string]string {
	in, ok := f.inputs[scenario]
	if !ok {
		in = f.inputs[""] // the fixture's own, for an unknown scenario
	}
	out := map[string]string{}
	for k, v := range in {
		out[k] = v
	}
	return out
}

// Scenarios returns the fixture's scenario names in file order.
func (f *Fixture) Scenarios() []string {
	return append([]string(nil), f.order...)
}

// ScenarioDescription returns what a rehearsal of scenario should observe,
// or "" for an unknown scenario.
func (f *Fixture) ScenarioDescription(scenario string) string {
	return f.descrs[scenario]
}

// FixtureError is a fixture that cannot be used. Its message gives every
// problem as file:line:col: summary: detail.
type FixtureError struct {
	Diags hcl.Diagnostics
}

func (e *FixtureError) Error() string {
	var b strings.Builder
	n := 0
	for _, d := range e.Diags {
		if d.Severity != hcl.DiagError {
			continue
		}
		if n > 0 {
			b.WriteString("\n")
		}
		n++
		if d.Subject != nil {
			fmt.Fprintf(&b, "%s:%d:%d: ", d.Subject.Filename, d.Subject.Start.Line, d.Subject.Start.Column)
		}
		b.WriteString(d.Summary)
		if d.Detail != "" {
			b.WriteString(": ")
			b.WriteString(d.Detail)
		}
	}
	return b.String()
}

// Load reads and checks the fixture name from fsys. name is a path in fsys
// ("sites/contoso.hcl"); a bare name ("contoso") is also looked up as
// name+".hcl" and "sites/"+name+".hcl". Malformed fixtures give a
// *FixtureError (wrapped) that points at file:line:col.
func Load(fsys fs.FS, name string) (*Fixture, error) {
	if fsys == nil {
		return nil, errors.New("load fixture: no file system given; pass fixtures.FS or os.DirFS(dir)")
	}
	var src []byte
	var err error
	var used string
	for _, cand := range candidates(name) {
		src, err = readBounded(fsys, cand)
		if err == nil {
			used = cand
			break
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("load fixture %q: %w", name, err)
		}
	}
	if used == "" {
		return nil, fmt.Errorf("load fixture %q: %w (tried %s; list the available ones with fixtures.Names())",
			name, fs.ErrNotExist, strings.Join(candidates(name), ", "))
	}
	f, err := parseFixture(src, used)
	if err != nil {
		return nil, fmt.Errorf("load fixture %q: %w", name, err)
	}
	return f, nil
}

func candidates(name string) []string {
	c := []string{name}
	if !strings.HasSuffix(name, ".hcl") {
		c = append(c, name+".hcl", path.Join("sites", name+".hcl"))
	}
	var out []string
	for _, n := range c {
		if fs.ValidPath(n) {
			out = append(out, n)
		}
	}
	return out
}

func readBounded(fsys fs.FS, name string) ([]byte, error) {
	st, err := fs.Stat(fsys, name)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s is a directory, not a fixture file", name)
	}
	if st.Size() > maxFixtureSize {
		return nil, fmt.Errorf("%s is %d bytes; fixtures are limited to %d", name, st.Size(), maxFixtureSize)
	}
	return inputfile.ReadFS(fsys, name, inputfile.FixtureLimit, "fixture file")
}

// parseFixture parses and checks one fixture file's source. filename is
// used in positions.
func parseFixture(src []byte, filename string) (f *Fixture, err error) {
	defer func() {
		// gohcl panics only on programming errors in the spec types; turn
		// any such panic into an error rather than crash a rehearsal.
		if r := recover(); r != nil {
			f, err = nil, fmt.Errorf("%s: internal error decoding the fixture: %v", filename, r)
		}
	}()
	if len(src) > maxFixtureSize {
		return nil, fmt.Errorf("%s is %d bytes; fixtures are limited to %d", filename, len(src), maxFixtureSize)
	}
	// lang.ParseConfig checks nesting depth and expression size before
	// hcl parses, so a hostile fixture cannot take the machine.
	file, diags := lang.ParseConfig(src, filename, hcl.InitialPos)
	if diags.HasErrors() {
		return nil, &FixtureError{Diags: diags}
	}
	var spec fileSpec
	if diags := gohcl.DecodeBody(file.Body, nil, &spec); diags.HasErrors() {
		return nil, &FixtureError{Diags: diags}
	}
	base := filepathBase(filename)
	f = &Fixture{
		Name:   strings.TrimSuffix(base, ".hcl"),
		Path:   filename,
		scens:  map[string]*world{},
		descrs: map[string]string{},
		inputs: map[string]map[string]string{},
	}
	if spec.Description != nil {
		f.Description = *spec.Description
	}
	f.inputs[""] = spec.Inputs
	var ds diagSet
	fileRange := hcl.Range{Filename: filename, Start: hcl.InitialPos, End: hcl.InitialPos}
	if len(spec.Scenarios) == 0 {
		ds.add(fileRange, "No scenarios", `a fixture needs at least one scenario block, e.g. scenario "healthy" { description = "..." }`)
	}
	checkLayer(&ds, &spec.Body)
	for i := range spec.Scenarios {
		sc := &spec.Scenarios[i]
		if sc.Name == "" {
			ds.add(sc.DefRange, "Empty scenario name", "give the scenario a name, e.g. scenario \"healthy\"")
			continue
		}
		if _, dup := f.scens[sc.Name]; dup {
			ds.add(sc.DefRange, "Duplicate scenario", fmt.Sprintf("scenario %q is defined twice; rename one", sc.Name))
			continue
		}
		checkLayer(&ds, &sc.Body)
		merged := mergeBody(spec.Body, sc.Body)
		w := compile(&ds, &merged, sc.DefRange)
		if w == nil {
			continue
		}
		w.description = sc.Description
		f.scens[sc.Name] = w
		f.descrs[sc.Name] = sc.Description
		f.order = append(f.order, sc.Name)
		in := map[string]string{}
		for k, v := range spec.Inputs {
			in[k] = v
		}
		for k, v := range sc.Inputs {
			in[k] = v
		}
		f.inputs[sc.Name] = in
	}
	if ds.HasErrors() {
		return nil, &FixtureError{Diags: ds.Diagnostics}
	}
	return f, nil
}

func filepathBase(p string) string {
	p = strings.ReplaceAll(p, "\\", "/")
	return path.Base(p)
}

// diagSet collects diagnostics; scenarios share the base, so the same base
// problem is reported once.
type diagSet struct {
	hcl.Diagnostics
	seen map[string]bool
}

func (d *diagSet) add(rng hcl.Range, summary, detail string) {
	key := fmt.Sprintf("%s|%s|%s", rng.String(), summary, detail)
	if d.seen == nil {
		d.seen = map[string]bool{}
	}
	if d.seen[key] {
		return
	}
	d.seen[key] = true
	r := rng
	d.Diagnostics = append(d.Diagnostics, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: &r})
}

// The HCL schema. Every attribute is optional and a pointer, so that a
// scenario block patches only what it sets.

type fileSpec struct {
	Description *string           `hcl:"description,optional"`
	Inputs      map[string]string `hcl:"inputs,optional"`
	Scenarios   []scenarioSpec    `hcl:"scenario,block"`
	Body        bodySpec          `hcl:",remain"`
}

type scenarioSpec struct {
	Name        string            `hcl:"name,label"`
	Description string            `hcl:"description"`
	Inputs      map[string]string `hcl:"inputs,optional"`
	Body        bodySpec          `hcl:",remain"`
	DefRange    hcl.Range         `hcl:",def_range"`
}

type bodySpec struct {
	Site            *siteSpec           `hcl:"site,block"`
	Servers         []serverSpec        `hcl:"server,block"`
	RelatedSites    []relatedSiteSpec   `hcl:"related_site,block"`
	ContentLibrary  *contentLibrarySpec `hcl:"content_library,block"`
	Links           []linkSpec          `hcl:"replication_link,block"`
	Updates         []updateSpec        `hcl:"update,block"`
	Distributions   []distributionSpec  `hcl:"distribution,block"`
	Components      []componentSpec     `hcl:"component,block"`
	Features        *featuresSpec       `hcl:"features,block"`
	Problems        []problemSpec       `hcl:"problem,block"`
	Events          []eventSpec         `hcl:"event,block"`
	Durations       *durationsSpec      `hcl:"durations,block"`
	FailPromotionAt *string             `hcl:"fail_promotion_at,optional"`
	FailRange       hcl.Range           `hcl:"fail_promotion_at,attr_value_range"`
	FailTimes       *int                `hcl:"fail_promotion_times,optional"`
	FailTimesRange  hcl.Range           `hcl:"fail_promotion_times,attr_value_range"`
}

type siteSpec struct {
	Code                *string   `hcl:"code,optional"`
	Name                *string   `hcl:"name,optional"`
	Type                *string   `hcl:"type,optional"`
	Version             *string   `hcl:"version,optional"`
	Build               *int      `hcl:"build,optional"`
	Parent              *string   `hcl:"parent,optional"`
	SQLServer           *string   `hcl:"sql_server,optional"`
	SQLDown             *bool     `hcl:"sql_down,optional"`
	Maintenance         *bool     `hcl:"maintenance,optional"`
	ClientVersion       *string   `hcl:"client_version,optional"`
	PreProductionClient *string   `hcl:"pre_production_client_version,optional"`
	HinvCustomized      *bool     `hcl:"hinv_customized,optional"`
	DefaultBootImages   *bool     `hcl:"default_boot_images,optional"`
	DefRange            hcl.Range `hcl:",def_range"`
}

type serverSpec struct {
	Name     string    `hcl:"name,label"`
	Site     *string   `hcl:"site,optional"`
	Mode     *string   `hcl:"mode,optional"`
	Status   *string   `hcl:"status,optional"`
	Detail   *string   `hcl:"detail,optional"`
	Roles    *[]string `hcl:"roles,optional"`
	Online   *bool     `hcl:"online,optional"`
	Remove   *bool     `hcl:"remove,optional"`
	DefRange hcl.Range `hcl:",def_range"`

	// What PowerShell remoting reads on the server (§8).
	Remoting        *bool     `hcl:"remoting,optional"`
	SQLNativeClient *bool     `hcl:"sql_native_client,optional"`
	SMBSigning      *bool     `hcl:"smb_signing_required,optional"`
	ClusterNode     *bool     `hcl:"cluster_node,optional"`
	Version         *string   `hcl:"version,optional"`
	AdminsMissing   *[]string `hcl:"admins_missing,optional"`
}

type relatedSiteSpec struct {
	Code        string    `hcl:"code,label"`
	Name        *string   `hcl:"name,optional"`
	Type        *string   `hcl:"type,optional"`
	Server      *string   `hcl:"server,optional"`
	Parent      *string   `hcl:"parent,optional"`
	Status      *int      `hcl:"status,optional"`
	Version     *string   `hcl:"version,optional"`
	Build       *int      `hcl:"build,optional"`
	Maintenance *bool     `hcl:"maintenance,optional"`
	Remove      *bool     `hcl:"remove,optional"`
	DefRange    hcl.Range `hcl:",def_range"`
}

type contentLibrarySpec struct {
	Location     *string   `hcl:"location,optional"`
	SizeGB       *float64  `hcl:"size_gb,optional"`
	MoveTo       *string   `hcl:"move_to,optional"`
	MoveProgress *int      `hcl:"move_progress,optional"`
	DefRange     hcl.Range `hcl:",def_range"`
}

type linkSpec struct {
	Name         string    `hcl:"name,label"`
	From         *string   `hcl:"from,optional"`
	To           *string   `hcl:"to,optional"`
	Group        *string   `hcl:"group,optional"`
	State        *string   `hcl:"state,optional"`
	Updated      *string   `hcl:"updated,optional"`
	UpdatedRange hcl.Range `hcl:"updated,attr_value_range"`
	Remove       *bool     `hcl:"remove,optional"`
	DefRange     hcl.Range `hcl:",def_range"`
}

type updateSpec struct {
	Name     string    `hcl:"name,label"`
	Version  *string   `hcl:"version,optional"`
	State    *string   `hcl:"state,optional"`
	At       *string   `hcl:"at,optional"`
	AtRange  hcl.Range `hcl:"at,attr_value_range"`
	Remove   *bool     `hcl:"remove,optional"`
	DefRange hcl.Range `hcl:",def_range"`
}

type distributionSpec struct {
	Name           string    `hcl:"name,label"`
	Package        *string   `hcl:"package,optional"`
	Server         *string   `hcl:"server,optional"`
	SiteToSite     *bool     `hcl:"site_to_site,optional"`
	InProgress     *int      `hcl:"in_progress,optional"`
	Errors         *int      `hcl:"errors,optional"`
	CompletesAt    *string   `hcl:"completes_at,optional"`
	CompletesRange hcl.Range `hcl:"completes_at,attr_value_range"`
	Remove         *bool     `hcl:"remove,optional"`
	DefRange       hcl.Range `hcl:",def_range"`
}

type componentSpec struct {
	Server    string    `hcl:"server,label"`
	Name      string    `hcl:"name,label"`
	Status    *int      `hcl:"status,optional"`
	Available *bool     `hcl:"available,optional"`
	Remove    *bool     `hcl:"remove,optional"`
	DefRange  hcl.Range `hcl:",def_range"`
}

type featuresSpec struct {
	DPCertificateMode   *string   `hcl:"dp_certificate_mode,optional"`
	PKIClients          *bool     `hcl:"pki_clients,optional"`
	StoreForBusiness    *bool     `hcl:"store_for_business,optional"`
	PreProductionClient *bool     `hcl:"pre_production_client,optional"`
	PXE                 *bool     `hcl:"pxe,optional"`
	BootMedia           *bool     `hcl:"boot_media,optional"`
	DefRange            hcl.Range `hcl:",def_range"`
}

type problemSpec struct {
	Name     string    `hcl:"name,label"`
	Kind     *string   `hcl:"kind,optional"`
	Server   *string   `hcl:"server,optional"`
	Detail   *string   `hcl:"detail,optional"`
	Remove   *bool     `hcl:"remove,optional"`
	DefRange hcl.Range `hcl:",def_range"`
}

type eventSpec struct {
	Name     string    `hcl:"name,label"`
	At       *string   `hcl:"at,optional"`
	AtRange  hcl.Range `hcl:"at,attr_value_range"`
	Kind     *string   `hcl:"kind,optional"`
	Server   *string   `hcl:"server,optional"`
	Problem  *string   `hcl:"problem,optional"`
	Link     *string   `hcl:"link,optional"`
	State    *string   `hcl:"state,optional"`
	Remove   *bool     `hcl:"remove,optional"`
	DefRange hcl.Range `hcl:",def_range"`
}

type durationsSpec struct {
	Attrs    hcl.Attributes `hcl:",remain"`
	DefRange hcl.Range      `hcl:",def_range"`
}

// checkLayer reports duplicate keyed blocks within one layer (the base or
// one scenario), where a later block would silently win.
func checkLayer(ds *diagSet, b *bodySpec) {
	dup := func(kind string, keys []string, ranges []hcl.Range) {
		seen := map[string]bool{}
		for i, k := range keys {
			if seen[k] {
				ds.add(ranges[i], "Duplicate "+kind, fmt.Sprintf("%s %q is defined twice in the same block; merge the two", kind, k))
			}
			seen[k] = true
		}
	}
	var keys []string
	var rs []hcl.Range
	reset := func() { keys, rs = nil, nil }
	for _, s := range b.Servers {
		keys, rs = append(keys, strings.ToLower(s.Name)), append(rs, s.DefRange)
	}
	dup("server", keys, rs)
	reset()
	for _, s := range b.RelatedSites {
		keys, rs = append(keys, strings.ToUpper(s.Code)), append(rs, s.DefRange)
	}
	dup("related_site", keys, rs)
	reset()
	for _, s := range b.Links {
		keys, rs = append(keys, s.Name), append(rs, s.DefRange)
	}
	dup("replication_link", keys, rs)
	reset()
	for _, s := range b.Updates {
		keys, rs = append(keys, s.Name), append(rs, s.DefRange)
	}
	dup("update", keys, rs)
	reset()
	for _, s := range b.Distributions {
		keys, rs = append(keys, s.Name), append(rs, s.DefRange)
	}
	dup("distribution", keys, rs)
	reset()
	for _, s := range b.Components {
		keys, rs = append(keys, strings.ToLower(s.Server)+"/"+s.Name), append(rs, s.DefRange)
	}
	dup("component", keys, rs)
	reset()
	for _, s := range b.Problems {
		keys, rs = append(keys, s.Name), append(rs, s.DefRange)
	}
	dup("problem", keys, rs)
	reset()
	for _, s := range b.Events {
		keys, rs = append(keys, s.Name), append(rs, s.DefRange)
	}
	dup("event", keys, rs)
}

// mergeBody returns base patched by over. Singleton blocks are patched
// attribute by attribute; labelled blocks are matched by label, patched, or
// deleted with remove = true; new labels are appended.
func mergeBody(base, over bodySpec) bodySpec {
	out := bodySpec{
		Site:            mergeOne(base.Site, over.Site),
		Servers:         mergeKeyed(base.Servers, over.Servers, func(s *serverSpec) string { return strings.ToLower(s.Name) }, func(s *serverSpec) *bool { return s.Remove }),
		RelatedSites:    mergeKeyed(base.RelatedSites, over.RelatedSites, func(s *relatedSiteSpec) string { return strings.ToUpper(s.Code) }, func(s *relatedSiteSpec) *bool { return s.Remove }),
		ContentLibrary:  mergeOne(base.ContentLibrary, over.ContentLibrary),
		Links:           mergeKeyed(base.Links, over.Links, func(s *linkSpec) string { return s.Name }, func(s *linkSpec) *bool { return s.Remove }),
		Updates:         mergeKeyed(base.Updates, over.Updates, func(s *updateSpec) string { return s.Name }, func(s *updateSpec) *bool { return s.Remove }),
		Distributions:   mergeKeyed(base.Distributions, over.Distributions, func(s *distributionSpec) string { return s.Name }, func(s *distributionSpec) *bool { return s.Remove }),
		Components:      mergeKeyed(base.Components, over.Components, func(s *componentSpec) string { return strings.ToLower(s.Server) + "/" + s.Name }, func(s *componentSpec) *bool { return s.Remove }),
		Features:        mergeOne(base.Features, over.Features),
		Problems:        mergeKeyed(base.Problems, over.Problems, func(s *problemSpec) string { return s.Name }, func(s *problemSpec) *bool { return s.Remove }),
		Events:          mergeKeyed(base.Events, over.Events, func(s *eventSpec) string { return s.Name }, func(s *eventSpec) *bool { return s.Remove }),
		FailPromotionAt: base.FailPromotionAt,
		FailRange:       base.FailRange,
		FailTimes:       base.FailTimes,
		FailTimesRange:  base.FailTimesRange,
	}
	if over.FailTimes != nil {
		out.FailTimes, out.FailTimesRange = over.FailTimes, over.FailTimesRange
	}
	if over.FailPromotionAt != nil {
		out.FailPromotionAt, out.FailRange = over.FailPromotionAt, over.FailRange
	}
	switch {
	case base.Durations == nil:
		out.Durations = over.Durations
	case over.Durations == nil:
		out.Durations = base.Durations
	default:
		d := &durationsSpec{Attrs: hcl.Attributes{}, DefRange: over.Durations.DefRange}
		for k, v := range base.Durations.Attrs {
			d.Attrs[k] = v
		}
		for k, v := range over.Durations.Attrs {
			d.Attrs[k] = v
		}
		out.Durations = d
	}
	return out
}

func mergeOne[T any](base, over *T) *T {
	switch {
	case base == nil && over == nil:
		return nil
	case base == nil:
		c := *over
		return &c
	}
	c := *base
	if over != nil {
		overlay(reflect.ValueOf(&c).Elem(), reflect.ValueOf(over).Elem())
	}
	return &c
}

func mergeKeyed[T any](base, over []T, key func(*T) string, remove func(*T) *bool) []T {
	out := make([]T, 0, len(base)+len(over))
	out = append(out, base...)
	for i := range over {
		o := &over[i]
		k := key(o)
		idx := -1
		for j := range out {
			if key(&out[j]) == k {
				idx = j
				break
			}
		}
		if r := remove(o); r != nil && *r {
			if idx >= 0 {
				out = append(out[:idx], out[idx+1:]...)
			}
			continue
		}
		if idx < 0 {
			out = append(out, *o)
			continue
		}
		overlay(reflect.ValueOf(&out[idx]).Elem(), reflect.ValueOf(o).Elem())
	}
	return out
}

var rangeType = reflect.TypeFor[hcl.Range]()

// overlay copies every set pointer/slice/map field and every non-empty
// range of src onto dst (both the same struct type).
func overlay(dst, src reflect.Value) {
	for i := 0; i < src.NumField(); i++ {
		sf, df := src.Field(i), dst.Field(i)
		switch {
		case sf.Type() == rangeType:
			if r := sf.Interface().(hcl.Range); r.Filename != "" {
				df.Set(sf)
			}
		case sf.Kind() == reflect.Pointer || sf.Kind() == reflect.Slice || sf.Kind() == reflect.Map:
			if !sf.IsNil() {
				df.Set(sf)
			}
		}
	}
}

// Keys used in messages.
func knownList(m map[string]bool) string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return strings.Join(ks, ", ")
}
