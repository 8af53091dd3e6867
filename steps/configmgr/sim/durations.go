package sim

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Durations are the virtual durations of everything the simulation does.
// DefaultDurations gives realistic values; a fixture's durations block
// overrides any of them by its HCL name (the `hcl` comment on each field).
type Durations struct {
	// Passive installation (PSV).
	PrereqCheck   time.Duration // prereq_check: PSV-01/PSV-D2, failover manager checks
	Prepare       time.Duration // prepare: PSV-02, install job on the active server
	SourceCopy    time.Duration // source_copy: PSV-03a, compressed CD.Latest pushed to M2
	SourceNetwork time.Duration // source_network: PSV-03b, UNC (or local) source handed to M2
	Install       time.Duration // install: PSV-04, site server setup on M2
	PostInstall   time.Duration // post_install: PSV-05
	LateStages    time.Duration // late_stages: asynchronous stages 14/15 after OK, where F3 regresses

	// Content library move.
	ContentMovePerGB time.Duration // content_move_per_gb: move time per GB (at least 1m in all)
	ContentMoveFail  time.Duration // content_move_fail: until a move to a share root fails

	// Planned promotion (PRP-01..PRP-07).
	PRP [7]time.Duration // prp_01 .. prp_07

	// Unplanned promotion.
	PRURetry  time.Duration    // pru_retry: PRU-01 interval between attempts to reach M1
	PRUWindow time.Duration    // pru_window: PRU-D1, 30 minutes in the product
	PRU       [4]time.Duration // pru_03 .. pru_06
	PRUM1     [3]time.Duration // pru_m1_2 .. pru_m1_4: old active server demoting itself

	// Other actions.
	RemoveSiteServer   time.Duration // remove_site_server
	RemoveRole         time.Duration // remove_role
	ReimportCert       time.Duration // reimport_certificate
	Redistribute       time.Duration // redistribute
	Reinitialize       time.Duration // reinitialize
	ReconnectStore     time.Duration // reconnect_store
	RecentUpdateWindow time.Duration // recent_update_window: PP-07 applies to updates this recent
}

// DefaultDurations returns the built-in virtual durations. The product
// documents none of them except the 30-minute unplanned window; the others
// are typical lab observations (a passive install takes about 40 minutes,
// a planned promotion about a quarter of an hour).
func DefaultDurations() Durations {
	return Durations{
		PrereqCheck:        4 * time.Minute,
		Prepare:            3 * time.Minute,
		SourceCopy:         5 * time.Minute,
		SourceNetwork:      1 * time.Minute,
		Install:            25 * time.Minute,
		PostInstall:        5 * time.Minute,
		LateStages:         8 * time.Minute,
		ContentMovePerGB:   20 * time.Second,
		ContentMoveFail:    1 * time.Minute,
		PRP:                [7]time.Duration{2 * time.Minute, 1 * time.Minute, 3 * time.Minute, 1 * time.Minute, 3 * time.Minute, 2 * time.Minute, 2 * time.Minute},
		PRURetry:           1 * time.Minute,
		PRUWindow:          30 * time.Minute,
		PRU:                [4]time.Duration{1 * time.Minute, 3 * time.Minute, 2 * time.Minute, 2 * time.Minute},
		PRUM1:              [3]time.Duration{1 * time.Minute, 2 * time.Minute, 1 * time.Minute},
		RemoveSiteServer:   10 * time.Minute,
		RemoveRole:         5 * time.Minute,
		ReimportCert:       2 * time.Minute,
		Redistribute:       15 * time.Minute,
		Reinitialize:       20 * time.Minute,
		ReconnectStore:     2 * time.Minute,
		RecentUpdateWindow: 7 * 24 * time.Hour,
	}
}

// durationFields maps the durations block's attribute names to the fields.
func (d *Durations) fields() map[string]*time.Duration {
	m := map[string]*time.Duration{
		"prereq_check":         &d.PrereqCheck,
		"prepare":              &d.Prepare,
		"source_copy":          &d.SourceCopy,
		"source_network":       &d.SourceNetwork,
		"install":              &d.Install,
		"post_install":         &d.PostInstall,
		"late_stages":          &d.LateStages,
		"content_move_per_gb":  &d.ContentMovePerGB,
		"content_move_fail":    &d.ContentMoveFail,
		"pru_retry":            &d.PRURetry,
		"pru_window":           &d.PRUWindow,
		"remove_site_server":   &d.RemoveSiteServer,
		"remove_role":          &d.RemoveRole,
		"reimport_certificate": &d.ReimportCert,
		"redistribute":         &d.Redistribute,
		"reinitialize":         &d.Reinitialize,
		"reconnect_store":      &d.ReconnectStore,
		"recent_update_window": &d.RecentUpdateWindow,
	}
	for i := range d.PRP {
		m[fmt.Sprintf("prp_%02d", i+1)] = &d.PRP[i]
	}
	for i := range d.PRU {
		m[fmt.Sprintf("pru_%02d", i+3)] = &d.PRU[i]
	}
	for i := range d.PRUM1 {
		m[fmt.Sprintf("pru_m1_%d", i+2)] = &d.PRUM1[i]
	}
	return m
}

// DurationNames lists the names a fixture's durations block accepts.
func DurationNames() []string {
	var d Durations
	names := make([]string, 0, 32)
	for n := range d.fields() {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// maxOffset bounds fixture offsets and durations (about 11 years), so that
// time arithmetic never overflows.
const maxOffset = 100000 * time.Hour

// parseOffset parses a duration relative to the rehearsal start: a Go
// duration ("45m", "1h30m", "-90s") with an extra day unit ("-2d",
// "1d12h"). An empty string is an error.
func parseOffset(s string) (time.Duration, error) {
	in := strings.TrimSpace(s)
	if in == "" {
		return 0, fmt.Errorf("empty duration; write e.g. \"45m\", \"-2d\" or \"1h30m\"")
	}
	neg := false
	rest := in
	switch rest[0] {
	case '-':
		neg, rest = true, rest[1:]
	case '+':
		rest = rest[1:]
	}
	if rest == "" {
		return 0, fmt.Errorf("invalid duration %q: write e.g. \"45m\", \"-2d\" or \"1h30m\"", in)
	}
	var total time.Duration
	if i := strings.IndexByte(rest, 'd'); i >= 0 {
		days, err := strconv.ParseUint(rest[:i], 10, 32)
		if err != nil || i == 0 {
			return 0, fmt.Errorf("invalid duration %q: the day count must be a whole number, as in \"-2d\" or \"1d12h\"", in)
		}
		if days > uint64(maxOffset/(24*time.Hour)) {
			return 0, fmt.Errorf("invalid duration %q: more than %v", in, maxOffset)
		}
		total = time.Duration(days) * 24 * time.Hour
		rest = rest[i+1:]
	}
	if rest != "" {
		d, err := time.ParseDuration(rest)
		if err != nil || d < 0 || strings.ContainsAny(rest, "+-") {
			return 0, fmt.Errorf("invalid duration %q: write e.g. \"45m\", \"-2d\" or \"1h30m\"", in)
		}
		total += d
	}
	if total > maxOffset {
		return 0, fmt.Errorf("invalid duration %q: more than %v", in, maxOffset)
	}
	if neg {
		total = -total
	}
	return total, nil
}

// fmtOffset renders an offset from the start compactly: "+14m", "-2d3h".
func fmtOffset(d time.Duration) string {
	sign := "+"
	if d < 0 {
		sign, d = "-", -d
	}
	var b strings.Builder
	b.WriteString(sign)
	if days := d / (24 * time.Hour); days > 0 {
		fmt.Fprintf(&b, "%dd", days)
		d -= days * 24 * time.Hour
	}
	if h := d / time.Hour; h > 0 {
		fmt.Fprintf(&b, "%dh", h)
		d -= h * time.Hour
	}
	if m := d / time.Minute; m > 0 {
		fmt.Fprintf(&b, "%dm", m)
		d -= m * time.Minute
	}
	if d > 0 || b.Len() == 1 {
		s := d.Seconds()
		fmt.Fprintf(&b, "%ss", strconv.FormatFloat(s, 'f', -1, 64))
	}
	return b.String()
}
