// Package httpstep holds the HTTP step types: http (any request,
// mutating), http_get (GET, read-only, for checks such as the ConfigMgr
// AdminService) and notify (a JSON message to a Teams or Slack incoming
// webhook).
package httpstep

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/batonhq/baton/steps"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/gocty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// Defaults.
const (
	DefaultTimeout = 30 * time.Second
	DefaultMaxBody = 1 << 20
)

// Kinds returns the step types of this package.
func Kinds() []steps.Kind { return []steps.Kind{HTTP(), HTTPGet(), Notify{}} }

// Output is the output type of http and http_get.
var Output = cty.Object(map[string]cty.Type{
	"status": cty.Number, "headers": cty.Map(cty.String), "body": cty.String, "json": cty.DynamicPseudoType,
})

// Kind is an HTTP step type; see HTTP and HTTPGet.
type Kind struct {
	name    string
	getOnly bool
}

// HTTP is the "http" step type: any method (mutating).
func HTTP() Kind { return Kind{name: "http"} }

// HTTPGet is the "http_get" step type: GET only (read-only).
func HTTPGet() Kind { return Kind{name: "http_get", getOnly: true} }

func (k Kind) Name() string { return k.name }
func (k Kind) Doc() string {
	d := "send an HTTP request; output status, headers, body, json"
	if k.getOnly {
		d = "send an HTTP GET (read-only); output status, headers, body, json"
	}
	return d + ". Windows integrated auth (Negotiate/NTLM) is not supported: use bearer_token or headers"
}
func (k Kind) Effect() steps.Effect {
	if k.getOnly {
		return steps.ReadOnly
	}
	return steps.Mutating
}
func (Kind) TargetType() string   { return "" }
func (Kind) OutputType() cty.Type { return Output }

func (k Kind) Spec() hcldec.Spec {
	s := hcldec.ObjectSpec{
		"url":                      &hcldec.AttrSpec{Name: "url", Type: cty.String, Required: true},
		"headers":                  &hcldec.AttrSpec{Name: "headers", Type: cty.Map(cty.String)},
		"bearer_token":             &hcldec.AttrSpec{Name: "bearer_token", Type: cty.String},
		"expected_status":          &hcldec.AttrSpec{Name: "expected_status", Type: cty.List(cty.Number)},
		"tls_insecure_skip_verify": &hcldec.AttrSpec{Name: "tls_insecure_skip_verify", Type: cty.Bool},
		"ca_file":                  &hcldec.AttrSpec{Name: "ca_file", Type: cty.String},
		"parse_json":               &hcldec.AttrSpec{Name: "parse_json", Type: cty.Bool},
		"request_timeout":          &hcldec.AttrSpec{Name: "request_timeout", Type: cty.String},
		"max_body":                 &hcldec.AttrSpec{Name: "max_body", Type: cty.Number},
		"auth":                     &hcldec.AttrSpec{Name: "auth", Type: cty.String},
	}
	if !k.getOnly {
		s["method"] = &hcldec.AttrSpec{Name: "method", Type: cty.String}
		s["body"] = &hcldec.AttrSpec{Name: "body", Type: cty.String}
		s["json"] = &hcldec.AttrSpec{Name: "json", Type: cty.DynamicPseudoType}
	}
	return s
}

// hiddenHeaders are never shown in plans, marked or not.
var hiddenHeaders = map[string]bool{"Authorization": true, "Proxy-Authorization": true, "Cookie": true}

func (k Kind) Describe(args cty.Value) steps.Description {
	method := steps.Attr(args, "method")
	if method.IsKnown() && method.IsNull() {
		method = cty.StringVal("GET")
	}
	var req []string
	req = append(req, text(method)+" "+text(steps.Attr(args, "url")))
	if h := steps.Attr(args, "headers"); !h.IsKnown() || h.IsMarked() {
		req = append(req, "headers: "+steps.Show(h))
	} else if !h.IsNull() {
		var lines []string
		for it := h.ElementIterator(); it.Next(); {
			name, v := it.Element()
			shown := steps.Show(v)
			if hiddenHeaders[http.CanonicalHeaderKey(name.AsString())] {
				shown = "(sensitive)"
			}
			lines = append(lines, http.CanonicalHeaderKey(name.AsString())+": "+shown)
		}
		sort.Strings(lines)
		req = append(req, lines...)
	}
	if b := steps.Attr(args, "bearer_token"); !(b.IsKnown() && b.IsNull()) {
		req = append(req, "Authorization: Bearer (sensitive)")
	}
	if b := steps.Attr(args, "body"); !(b.IsKnown() && b.IsNull()) {
		req = append(req, "", steps.Show(b))
	}
	if j := steps.Attr(args, "json"); !(j.IsKnown() && j.IsNull()) {
		req = append(req, "Content-Type: application/json", "", steps.Show(j))
	}
	details := []steps.Detail{{Label: "request", Text: strings.Join(req, "\n")}}
	exp := steps.Attr(args, "expected_status")
	expText := "2xx"
	if !(exp.IsKnown() && exp.IsNull()) {
		expText = steps.Show(exp)
	}
	details = append(details, steps.Detail{Label: "expected status", Text: expText})
	if tv := steps.Attr(args, "tls_insecure_skip_verify"); !tv.IsKnown() || tv.IsMarked() || (!tv.IsNull() && tv.True()) {
		details = append(details, steps.Detail{Label: "TLS", Text: "certificate verification OFF: " + steps.Show(tv)})
	}
	return steps.Description{Summary: text(method) + " " + text(steps.Attr(args, "url")), Details: details}
}

// text renders a string verbatim when known and not sensitive.
func text(v cty.Value) string {
	if v.IsKnown() && !v.IsNull() && !v.IsMarked() && v.Type() == cty.String {
		return v.AsString()
	}
	return steps.Show(v)
}

func (k Kind) Run(ctx context.Context, req steps.Request) (cty.Value, error) {
	args, err := steps.RunArgs(req)
	if err != nil {
		return cty.NilVal, err
	}
	if a := steps.ArgString(args, "auth", ""); a != "" {
		return cty.NilVal, authError(a)
	}
	method := strings.ToUpper(steps.ArgString(args, "method", http.MethodGet))
	var body io.Reader
	headers := steps.ArgStringMap(args, "headers")
	if b := steps.Attr(args, "body"); !b.IsNull() {
		body = strings.NewReader(b.AsString())
	}
	if j := steps.Attr(args, "json"); !j.IsNull() {
		if body != nil {
			return cty.NilVal, errors.New("give either body or json, not both")
		}
		doc, err := ctyjson.Marshal(j, j.Type())
		if err != nil {
			return cty.NilVal, fmt.Errorf("json cannot be encoded: %w", err)
		}
		body = bytes.NewReader(doc)
		if headers == nil {
			headers = map[string]string{}
		}
		headers["Content-Type"] = "application/json"
	}
	client, err := newClient(args)
	if err != nil {
		return cty.NilVal, err
	}
	maxBody, err := steps.ArgInt(args, "max_body", DefaultMaxBody)
	if err != nil {
		return cty.NilVal, err
	}
	expected, err := expectedStatus(args)
	if err != nil {
		return cty.NilVal, err
	}
	res, err := do(ctx, client, method, steps.ArgString(args, "url", ""), headers, steps.ArgString(args, "bearer_token", ""), body, maxBody)
	if err != nil {
		return cty.NilVal, err
	}
	if req.Output != nil {
		fmt.Fprintf(req.Output, "%s %s: %d\n", method, res.host, res.status)
	}
	if !slices.Contains(expected, res.status) {
		return cty.NilVal, statusError(method, res.host, res.status, expected)
	}
	js := cty.NullVal(cty.DynamicPseudoType)
	parse := steps.Attr(args, "parse_json")
	want := res.isJSON
	if !parse.IsNull() {
		want = parse.True()
	}
	if want && len(bytes.TrimSpace(res.body)) > 0 {
		if res.truncated {
			return cty.NilVal, fmt.Errorf("the response from %s is longer than max_body (%d bytes), so it cannot be parsed as JSON: raise max_body", res.host, maxBody)
		}
		if js, err = parseJSON(res.body); err != nil {
			return cty.NilVal, fmt.Errorf("the response from %s %w; set parse_json = false to keep it as text", res.host, err)
		}
	}
	hv := map[string]cty.Value{}
	for k, v := range res.headers {
		hv[k] = cty.StringVal(strings.Join(v, ", "))
	}
	headersVal := cty.MapValEmpty(cty.String)
	if len(hv) > 0 {
		headersVal = cty.MapVal(hv)
	}
	return cty.ObjectVal(map[string]cty.Value{
		"status":  cty.NumberIntVal(int64(res.status)),
		"headers": headersVal,
		"body":    cty.StringVal(strings.ToValidUTF8(string(res.body), "\uFFFD")),
		"json":    js,
	}), nil
}

func authError(a string) error {
	if a == "windows" {
		if runtime.GOOS != "windows" {
			return errors.New(`auth = "windows" (Negotiate/NTLM) is not available on this runner (not Windows), and baton's HTTP client does not implement it: use a bearer_token or an Authorization header, or run the request with the powershell step type (Invoke-RestMethod -UseDefaultCredentials) on a Windows runner`)
		}
		return errors.New(`auth = "windows" (Negotiate/NTLM) is not implemented by baton's HTTP client: run the request with the powershell step type (Invoke-RestMethod -UseDefaultCredentials), or use a bearer_token`)
	}
	return fmt.Errorf("auth %q is not known: leave auth out and use bearer_token or headers", a)
}

func expectedStatus(args cty.Value) ([]int, error) {
	v := steps.Attr(args, "expected_status")
	if v.IsNull() {
		codes := make([]int, 0, 100)
		for c := 200; c < 300; c++ {
			codes = append(codes, c)
		}
		return codes, nil
	}
	var codes []int
	if err := gocty.FromCtyValue(v, &codes); err != nil {
		return nil, fmt.Errorf("expected_status must be whole numbers: %w", err)
	}
	return codes, nil
}

func newClient(args cty.Value) (*http.Client, error) {
	timeout, err := steps.ArgDuration(args, "request_timeout", DefaultTimeout)
	if err != nil {
		return nil, err
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	if steps.ArgBool(args, "tls_insecure_skip_verify", false) {
		tr.TLSClientConfig.InsecureSkipVerify = true
	}
	if f := steps.ArgString(args, "ca_file", ""); f != "" {
		pem, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("reading ca_file: check the path: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("ca_file %s holds no PEM certificate: export the CA certificate as Base64 (PEM)", f)
		}
		tr.TLSClientConfig.RootCAs = pool
	}
	return &http.Client{Timeout: timeout, Transport: tr}, nil
}

type response struct {
	host      string
	status    int
	headers   http.Header
	body      []byte
	truncated bool
	isJSON    bool
}

// do sends the request. Errors name the method and host only: URLs may
// carry secrets (webhook paths, query tokens).
func do(ctx context.Context, client *http.Client, method, rawURL string, headers map[string]string, bearer string, body io.Reader, maxBody int) (response, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return response{}, errors.New("url is not an http(s) URL: write it like https://host/path")
	}
	res := response{host: u.Host}
	// OData filters are written with literal spaces ($filter=SiteCode eq
	// 'ABC'); a request line cannot carry them.
	u.RawQuery = strings.ReplaceAll(u.RawQuery, " ", "%20")
	hreq, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return res, fmt.Errorf("building the %s request to %s: check method and url", method, u.Host)
	}
	for k, v := range headers {
		hreq.Header.Set(k, v)
	}
	if bearer != "" {
		hreq.Header.Set("Authorization", "Bearer "+bearer)
	}
	hreq.Header.Set("User-Agent", "baton")
	resp, err := client.Do(hreq)
	if err != nil {
		return res, requestError(ctx, method, u.Host, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, int64(maxBody)+1))
	if err != nil {
		return res, requestError(ctx, method, u.Host, err)
	}
	if len(b) > maxBody {
		b, res.truncated = b[:maxBody], true
	}
	res.status, res.headers, res.body = resp.StatusCode, resp.Header, b
	if mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type")); err == nil {
		res.isJSON = mt == "application/json" || strings.HasSuffix(mt, "+json")
	}
	return res, nil
}

func requestError(ctx context.Context, method, host string, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // url.Error repeats the whole URL
	}
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("%s %s was stopped: %w", method, host, ctx.Err())
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return fmt.Errorf("%s %s did not answer within the timeout: check the server or raise timeout: %w", method, host, err)
	case errors.As(err, new(*tls.CertificateVerificationError)) || strings.Contains(err.Error(), "x509:"):
		return fmt.Errorf("%s %s: the server's certificate is not trusted: give its CA in ca_file (tls_insecure_skip_verify only for tests): %w", method, host, err)
	default:
		return fmt.Errorf("%s %s failed: check the URL, the server and the network: %w", method, host, err)
	}
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

func statusError(method, host string, status int, expected []int) error {
	hint := "see the response in the step's output"
	switch {
	case status == http.StatusUnauthorized:
		hint = "the credentials were refused: check bearer_token or the Authorization header"
	case status == http.StatusForbidden:
		hint = "the account lacks permission: grant it the role the API needs"
	case status == http.StatusNotFound:
		hint = "check the URL's path (and for the AdminService, the class name and $filter)"
	case status >= 500:
		hint = "the server failed; check its logs, or retry"
	}
	exp := "2xx"
	if len(expected) > 0 && (len(expected) != 100 || expected[0] != 200) {
		exp = fmt.Sprint(expected)
	}
	return fmt.Errorf("%s %s returned %d %s, expected %s: %s", method, host, status, http.StatusText(status), exp, hint)
}

// parseJSON converts a JSON document into a cty value of its implied type.
func parseJSON(b []byte) (cty.Value, error) {
	ty, err := ctyjson.ImpliedType(b)
	if err != nil {
		return cty.NilVal, fmt.Errorf("is not JSON: %w", err)
	}
	v, err := ctyjson.Unmarshal(b, ty)
	if err != nil {
		return cty.NilVal, fmt.Errorf("is not JSON: %w", err)
	}
	return v, nil
}
