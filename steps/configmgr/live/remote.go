package live

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/batonhq/baton/steps/configmgr"
	"github.com/batonhq/baton/steps/shell"
)

// maxBody bounds what is read of an AdminService answer.
const maxBody = 4 << 20

// adminSite is the part of an AdminService SMS_Site instance the content
// library fact reads. ContentLibrary* are undocumented SMS_Site properties
// [UNVERIFIED]; numbers may come as JSON numbers or strings.
type adminSite struct {
	SiteCode                   string          `json:"SiteCode"`
	ContentLibraryLocation     *string         `json:"ContentLibraryLocation"`
	ContentLibraryMoveProgress json.RawMessage `json:"ContentLibraryMoveProgress"`
	ContentLibraryStatus       json.RawMessage `json:"ContentLibraryStatus"`
}

// ContentLibraryURL is the AdminService request of the content library
// fact for the target's provider.
func (s *Site) ContentLibraryURL() string {
	return s.AdminServiceBase(s.cfg.Provider) + configmgr.AdminServiceSiteRoute + "?" + configmgr.AdminServiceSiteQuery(s.cfg.SiteCode)
}

// ContentLibrary reads SMS_Site from the target provider's AdminService.
// When the AdminService answers 401 (it wants Windows authentication,
// which Go's HTTP client does not do), the same request is made from
// PowerShell with the runner's Windows credentials
// (configmgr.ScriptContentLibraryFallback).
func (s *Site) ContentLibrary(ctx context.Context) (configmgr.ContentLibrary, error) {
	if s.cfg.Provider == "" {
		return configmgr.ContentLibrary{}, errors.New("the content library location comes from the AdminService: set provider (the SMS Provider's FQDN) in the configmgr target")
	}
	uri := s.ContentLibraryURL()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, uri, nil)
	if err != nil {
		return configmgr.ContentLibrary{}, fmt.Errorf("AdminService request %s: %w", uri, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := s.HTTPClient.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return configmgr.ContentLibrary{}, fmt.Errorf("AdminService %s: stopped: %w", s.cfg.Provider, ctx.Err())
		}
		return configmgr.ContentLibrary{}, fmt.Errorf("AdminService GET %s: %w; check that the provider runs the AdminService (SMS_REST_PROVIDER) and that the runner trusts its HTTPS certificate", uri, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return configmgr.ContentLibrary{}, fmt.Errorf("AdminService GET %s: reading the answer: %w", uri, err)
	}
	switch {
	case resp.StatusCode == http.StatusUnauthorized:
		s.log.Debug("configmgr: AdminService wants Windows authentication; reading through PowerShell", "provider", s.cfg.Provider)
		return s.contentLibraryFromPowerShell(ctx, uri)
	case resp.StatusCode != http.StatusOK:
		return configmgr.ContentLibrary{}, fmt.Errorf("AdminService GET %s: HTTP %d: %s; check the provider's AdminService (SMS_REST_PROVIDER component, AdminService.log)", uri, resp.StatusCode, bounded(string(body), 300))
	}
	var doc struct {
		Value []adminSite `json:"value"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return configmgr.ContentLibrary{}, fmt.Errorf("AdminService GET %s: the answer is not the expected OData JSON: %w", uri, err)
	}
	if len(doc.Value) == 0 {
		return configmgr.ContentLibrary{}, fmt.Errorf("AdminService GET %s: no SMS_Site instance for site %s: check the target's site_code and provider", uri, s.cfg.SiteCode)
	}
	return contentLibraryOf(doc.Value[0])
}

func (s *Site) contentLibraryFromPowerShell(ctx context.Context, uri string) (configmgr.ContentLibrary, error) {
	sc := configmgr.ScriptContentLibraryFallback
	out, err := s.runScript(ctx, sc, map[string]string{"Uri": uri}, false)
	if err != nil {
		return configmgr.ContentLibrary{}, fmt.Errorf("AdminService answered 401 to baton and the PowerShell fallback failed: %w", err)
	}
	var site adminSite
	if err := json.Unmarshal(out, &site); err != nil || string(out) == "null" {
		return configmgr.ContentLibrary{}, fmt.Errorf("AdminService (through PowerShell) returned no SMS_Site instance for site %s: check the target's site_code and provider", s.cfg.SiteCode)
	}
	return contentLibraryOf(site)
}

func contentLibraryOf(a adminSite) (configmgr.ContentLibrary, error) {
	progress, err := jsonInt(a.ContentLibraryMoveProgress)
	if err != nil {
		return configmgr.ContentLibrary{}, fmt.Errorf("SMS_Site.ContentLibraryMoveProgress: %w", err)
	}
	c := configmgr.ContentLibrary{MoveProgress: progress}
	if a.ContentLibraryLocation != nil {
		c.Location = strings.TrimSpace(*a.ContentLibraryLocation)
	}
	c.Remote = strings.HasPrefix(c.Location, `\\`)
	switch {
	case progress > 0 && progress < 100:
		c.MoveStatus = "moving"
	case progress == 100 && c.Remote:
		c.MoveStatus = "done"
	}
	return c, nil
}

// jsonInt reads a JSON number, a numeric string or null (0).
func jsonInt(raw json.RawMessage) (int, error) {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" {
		return 0, nil
	}
	s = strings.Trim(s, `"`)
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number", bounded(s, 40))
	}
	return int(f), nil
}

// Providers lists the SMS Providers (configmgr.QueryProviders) and probes
// each one concurrently with Reachable.
func (s *Site) Providers(ctx context.Context) ([]configmgr.Provider, error) {
	var names []string
	if err := s.query(ctx, configmgr.QueryProviders, func(r *sql.Rows) error {
		var n sql.NullString
		if err := r.Scan(&n); err != nil {
			return err
		}
		if v := nstr(n); v != "" {
			names = append(names, v)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	out := make([]configmgr.Provider, len(names))
	var wg sync.WaitGroup
	for i, n := range names {
		out[i].Server = n
		if !configmgr.ValidHost(n) {
			continue // not probed: not a host name
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := s.Reachable(ctx, n)
			out[i].Reachable = err == nil && r.Reachable
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("probing SMS Providers: stopped: %w", err)
	}
	return out, nil
}

// Reachable probes server from the runner: TCP 445 (SMB), TCP 135 (RPC
// endpoint mapper) and GET of the AdminService's SMS_Site route, each
// bounded by ProbeTimeout, concurrently. The server is reachable when at
// least one probe answered; Detail lists every probe's result.
func (s *Site) Reachable(ctx context.Context, server string) (configmgr.Reachability, error) {
	if !configmgr.ValidHost(server) {
		return configmgr.Reachability{}, fmt.Errorf("server %q is not a host name: give the server's FQDN", server)
	}
	type probe struct {
		name string
		run  func(context.Context) (bool, string)
	}
	probes := []probe{
		{"smb 445", func(c context.Context) (bool, string) { return s.tcpProbe(c, server, configmgr.PortSMB) }},
		{"rpc 135", func(c context.Context) (bool, string) { return s.tcpProbe(c, server, configmgr.PortRPC) }},
		{"adminservice", func(c context.Context) (bool, string) { return s.httpProbe(c, server) }},
	}
	results := make([]string, len(probes))
	oks := make([]bool, len(probes))
	var wg sync.WaitGroup
	for i, p := range probes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pctx, cancel := context.WithTimeout(ctx, s.ProbeTimeout)
			defer cancel()
			ok, detail := p.run(pctx)
			oks[i], results[i] = ok, p.name+": "+detail
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return configmgr.Reachability{}, fmt.Errorf("probing %s: stopped: %w", server, err)
	}
	r := configmgr.Reachability{Server: server, Detail: strings.Join(results, "; ")}
	for _, ok := range oks {
		r.Reachable = r.Reachable || ok
	}
	return r, nil
}

func (s *Site) tcpProbe(ctx context.Context, server string, port int) (bool, string) {
	conn, err := s.Dial(ctx, "tcp", net.JoinHostPort(server, strconv.Itoa(port)))
	if err != nil {
		return false, probeError(ctx, err)
	}
	conn.Close()
	return true, "open"
}

func (s *Site) httpProbe(ctx context.Context, server string) (bool, string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.AdminServiceBase(server)+configmgr.AdminServiceSiteRoute, nil)
	if err != nil {
		return false, err.Error()
	}
	resp, err := s.HTTPClient.Do(req)
	if err != nil {
		return false, probeError(ctx, err)
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return true, "HTTP " + strconv.Itoa(resp.StatusCode)
}

func probeError(ctx context.Context, err error) string {
	if ctx.Err() != nil {
		return "no answer within the probe timeout"
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return "name does not resolve"
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "refused"):
		return "connection refused"
	case strings.Contains(msg, "certificate"):
		return "TLS failed (certificate not trusted by the runner)"
	}
	return bounded(msg, 120)
}

// runScript runs one script through RunScript and returns its JSON
// result. configMgr says whether the ConfigurationManager module and site
// drive are needed. A non-zero exit or a missing result is an error that
// carries stderr (bounded, with sensitive values removed) and a hint.
func (s *Site) runScript(ctx context.Context, sc configmgr.Script, params map[string]string, configMgr bool) (json.RawMessage, error) {
	for _, p := range sc.Params {
		if _, ok := params[p.Name]; !ok {
			return nil, fmt.Errorf("script %s: no value for $BatonParams.%s (a bug in baton)", sc.Name, p.Name)
		}
	}
	if len(params) != len(sc.Params) {
		return nil, fmt.Errorf("script %s: %d parameters given, %d declared (a bug in baton)", sc.Name, len(params), len(sc.Params))
	}
	opts := shell.PSOptions{Executable: s.cfg.PowerShell}
	if configMgr {
		if s.cfg.Provider == "" {
			return nil, errors.New("actions run the ConfigurationManager cmdlets against an SMS Provider: set provider (the provider's FQDN) in the configmgr target")
		}
		opts.ImportConfigMgr, opts.SiteCode, opts.ProviderMachine = true, s.cfg.SiteCode, s.cfg.Provider
	}
	var secrets []string
	for _, p := range sc.Params {
		if p.Sensitive && params[p.Name] != "" {
			secrets = append(secrets, params[p.Name])
		}
	}
	s.log.Debug("configmgr: running PowerShell", "script", sc.Name, "provider", s.cfg.Provider)
	res, err := s.RunScript(ctx, sc.Text, params, opts)
	if err != nil {
		return nil, fmt.Errorf("PowerShell script %s: %w", sc.Name, redactErr(err, secrets))
	}
	if res.ExitCode != 0 {
		return nil, fmt.Errorf("PowerShell script %s exited with status %d: %s; %s", sc.Name, res.ExitCode,
			stderrText(res, secrets), scriptHint(s.cfg))
	}
	out, _, err := shell.PowerShellJSON(res.Stdout)
	if err != nil {
		return nil, fmt.Errorf("PowerShell script %s: %w; stderr: %s", sc.Name, err, stderrText(res, secrets))
	}
	return out, nil
}

// stderrText is PowerShell's stderr for a message: CLIXML decoded, then
// sensitive values removed (a value escaped in the XML would not match),
// then bounded.
func stderrText(res shell.Result, secrets []string) string {
	return bounded(redact(strings.TrimSpace(shell.DecodeCLIXML(res.Stderr)), secrets), 2000)
}

func scriptHint(cfg configmgr.TargetConfig) string {
	return fmt.Sprintf("the script ran as the runner's account through SMS Provider %s; check the message above, that the account is a ConfigMgr administrator with rights on site %s, and that the Configuration Manager console is installed on the runner", cfg.Provider, cfg.SiteCode)
}

// bounded cuts s to at most n bytes (on a rune boundary) and says so.
func bounded(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && (s[cut]&0xC0) == 0x80 {
		cut--
	}
	return s[:cut] + fmt.Sprintf("… (%d more bytes)", len(s)-cut)
}

func redact(s string, secrets []string) string {
	for _, sec := range secrets {
		s = strings.ReplaceAll(s, sec, "(sensitive)")
	}
	return s
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

func redactErr(err error, secrets []string) error {
	msg := err.Error()
	if r := redact(msg, secrets); r != msg {
		return &redactedError{msg: r, err: err}
	}
	return err
}
