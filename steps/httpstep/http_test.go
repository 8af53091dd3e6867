package httpstep

import (
	"bytes"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/golden"
	"github.com/batonhq/baton/steps"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

func decode(t *testing.T, spec hcldec.Spec, src string, vars map[string]cty.Value) cty.Value {
	t.Helper()
	f, diags := hclsyntax.ParseConfig([]byte(src), "test.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	v, diags := hcldec.Decode(f.Body, spec, &hcl.EvalContext{Variables: map[string]cty.Value{"var": cty.ObjectVal(vars)}})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return v
}

var vars = map[string]cty.Value{
	"token": cty.StringVal("tok-s3cret").Mark(steps.Sensitive),
	"hook":  cty.StringVal("https://hooks.example/s3cret-path").Mark(steps.Sensitive),
	"later": cty.UnknownVal(cty.String),
}

func run(t *testing.T, k steps.Kind, src string, v map[string]cty.Value) (cty.Value, error) {
	t.Helper()
	args, _ := decode(t, k.Spec(), src, v).UnmarkDeep()
	var out bytes.Buffer
	return k.Run(t.Context(), steps.Request{Args: args, Output: &out})
}

// adminService imitates the ConfigMgr AdminService routes the runbooks use.
func adminService(t *testing.T) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /AdminService/wmi/SMS_Site", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok-s3cret" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if got := r.URL.Query().Get("$filter"); got != "SiteCode eq 'ABC'" {
			http.Error(w, "bad filter "+got, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json; odata.metadata=minimal")
		io.WriteString(w, `{"@odata.context":"x","value":[{"SiteCode":"ABC","SiteName":"Primary","Status":1,"BuildNumber":9128}]}`)
	})
	mux.HandleFunc("GET /AdminService/wmi/SMS_SiteServer", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"error":{"code":"500","message":"Internal error"}}`, http.StatusInternalServerError)
	})
	mux.HandleFunc("GET /slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Second):
		}
	})
	mux.HandleFunc("POST /echo", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Method", r.Method)
		w.Header().Set("Content-Type", r.Header.Get("Content-Type"))
		io.Copy(w, r.Body)
	})
	mux.HandleFunc("GET /text", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "hello world")
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestHTTPGetAdminService(t *testing.T) {
	srv := adminService(t)
	v := map[string]cty.Value{"token": cty.StringVal("tok-s3cret").Mark(steps.Sensitive), "base": cty.StringVal(srv.URL)}
	got, err := run(t, HTTPGet(), `
url          = "${var.base}/AdminService/wmi/SMS_Site?$filter=SiteCode eq 'ABC'"
bearer_token = var.token
`, v)
	if err != nil {
		t.Fatal(err)
	}
	if s := got.GetAttr("status"); !s.RawEquals(cty.NumberIntVal(200)) {
		t.Errorf("status %s", steps.Show(s))
	}
	site := got.GetAttr("json").GetAttr("value").Index(cty.NumberIntVal(0))
	if !site.GetAttr("SiteCode").RawEquals(cty.StringVal("ABC")) || !site.GetAttr("BuildNumber").RawEquals(cty.NumberIntVal(9128)) {
		t.Errorf("site %s", steps.Show(site))
	}
	if ct := got.GetAttr("headers").Index(cty.StringVal("Content-Type")); !strings.HasPrefix(ct.AsString(), "application/json") {
		t.Errorf("headers %s", steps.Show(got.GetAttr("headers")))
	}
	if errs := got.Type().TestConformance(Output); errs != nil {
		t.Errorf("type %s does not conform to %s: %v", got.Type().FriendlyName(), Output.FriendlyName(), errs)
	}
}

func TestHTTPErrors(t *testing.T) {
	srv := adminService(t)
	v := map[string]cty.Value{"token": cty.StringVal("tok-s3cret"), "base": cty.StringVal(srv.URL)}
	tests := []struct {
		name string
		kind steps.Kind
		src  string
		err  string
	}{
		{"401", HTTPGet(), `url = "${var.base}/AdminService/wmi/SMS_Site?$filter=x&token=q-s3cret"`, "returned 401 Unauthorized, expected 2xx: the credentials were refused"},
		{"500", HTTPGet(), `url = "${var.base}/AdminService/wmi/SMS_SiteServer"`, "returned 500 Internal Server Error, expected 2xx: the server failed"},
		{"404 with expected", HTTP(), `
url = "${var.base}/nope"
expected_status = [200]`, "returned 404 Not Found, expected [200]: check the URL's path"},
		{"slow", HTTPGet(), `
url     = "${var.base}/slow"
request_timeout = "50ms"`, "did not answer within the timeout"},
		{"not json", HTTPGet(), `
url        = "${var.base}/text"
parse_json = true`, "is not JSON"},
		{"body and json", HTTP(), `
url    = "${var.base}/echo"
body   = "x"
json   = {a = 1}`, "either body or json"},
		{"bad url", HTTPGet(), `url = "ftp://x"`, "not an http(s) URL"},
		{"windows auth", HTTPGet(), `
url  = "${var.base}/text"
auth = "windows"`, `auth = "windows" (Negotiate/NTLM) is not`},
		{"bad ca", HTTPGet(), `
url     = "${var.base}/text"
ca_file = "/nonexistent.pem"`, "reading ca_file"},
		{"truncated json", HTTP(), `
method   = "POST"
url      = "${var.base}/echo"
json     = {a = "long enough"}
max_body = 5`, "longer than max_body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			_, err := run(t, tt.kind, tt.src, v)
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("err = %v, want %q", err, tt.err)
			}
			if strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), "/AdminService") {
				t.Errorf("error shows the URL: %v", err)
			}
			if time.Since(start) > 5*time.Second {
				t.Errorf("took %s", time.Since(start))
			}
		})
	}
}

func TestHTTPPostJSONAndText(t *testing.T) {
	srv := adminService(t)
	v := map[string]cty.Value{"base": cty.StringVal(srv.URL)}
	got, err := run(t, HTTP(), `
method  = "post"
url     = "${var.base}/echo"
json    = { site = "ABC", servers = ["m1", "m2"] }
headers = { "X-Request-Id" = "1" }
`, v)
	if err != nil {
		t.Fatal(err)
	}
	if b := got.GetAttr("body").AsString(); b != `{"servers":["m1","m2"],"site":"ABC"}` {
		t.Errorf("body %q", b)
	}
	if !got.GetAttr("json").GetAttr("site").RawEquals(cty.StringVal("ABC")) {
		t.Errorf("json %s", steps.Show(got.GetAttr("json")))
	}
	got, err = run(t, HTTPGet(), `url = "${var.base}/text"`, v)
	if err != nil {
		t.Fatal(err)
	}
	if !got.GetAttr("json").IsNull() || got.GetAttr("body").AsString() != "hello world" {
		t.Errorf("text response: %s", steps.Show(got))
	}
	got, err = run(t, HTTPGet(), "url = \"${var.base}/text\"\nmax_body = 5", v)
	if err != nil || got.GetAttr("body").AsString() != "hello" {
		t.Errorf("bounded body: %v %v", steps.Show(got), err)
	}
}

func TestHTTPTLS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600)
	v := map[string]cty.Value{"base": cty.StringVal(srv.URL), "ca": cty.StringVal(ca)}
	if _, err := run(t, HTTPGet(), `url = var.base`, v); err == nil || !strings.Contains(err.Error(), "certificate is not trusted") {
		t.Errorf("untrusted: err = %v", err)
	}
	if _, err := run(t, HTTPGet(), "url = var.base\nca_file = var.ca", v); err != nil {
		t.Errorf("with ca_file: %v", err)
	}
	if _, err := run(t, HTTPGet(), "url = var.base\ntls_insecure_skip_verify = true", v); err != nil {
		t.Errorf("insecure: %v", err)
	}
}

func TestNotify(t *testing.T) {
	var got map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/hooks/broken" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		if r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("content type %q", r.Header.Get("Content-Type"))
		}
		json.NewDecoder(r.Body).Decode(&got)
		io.WriteString(w, "1")
	}))
	defer srv.Close()
	v := map[string]cty.Value{"hook": cty.StringVal(srv.URL + "/hooks/s3cret-path").Mark(steps.Sensitive), "broken": cty.StringVal(srv.URL + "/hooks/broken")}
	out, err := run(t, Notify{}, `
webhook_url = var.hook
message     = "Failover of ABC started"
fields      = { run = "r1", by = "alice" }
`, v)
	if err != nil {
		t.Fatal(err)
	}
	if !out.RawEquals(cty.ObjectVal(map[string]cty.Value{"status": cty.NumberIntVal(200)})) {
		t.Errorf("out %s", steps.Show(out))
	}
	if got["text"] != "Failover of ABC started\nby: alice\nrun: r1" {
		t.Errorf("text %q", got["text"])
	}
	if f, _ := got["fields"].(map[string]any); f["run"] != "r1" {
		t.Errorf("fields %v", got["fields"])
	}
	_, err = run(t, Notify{}, "webhook_url = var.broken\nmessage = \"x\"", v)
	if err == nil || !strings.Contains(err.Error(), "returned 400") || strings.Contains(err.Error(), "/hooks") {
		t.Errorf("err = %v", err)
	}
}

func TestDescribeGolden(t *testing.T) {
	tests := []struct {
		name string
		kind steps.Kind
		src  string
	}{
		{"http_get", HTTPGet(), `
url          = "https://sms01.contoso.com/AdminService/wmi/SMS_Site?$filter=SiteCode eq 'ABC'"
bearer_token = var.token
headers      = { Accept = "application/json", authorization = "Basic literal-s3cret" }
ca_file      = "/etc/baton/ca.pem"`},
		{"http_post", HTTP(), `
method          = "POST"
url             = var.later
json            = { site = "ABC", token = var.token }
expected_status = [200, 202]
tls_insecure_skip_verify = true`},
		{"notify", Notify{}, `
webhook_url = var.hook
message     = "Promoted ${var.later}"
fields      = { run = "r1", secret = var.token }`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := tt.kind.Describe(decode(t, tt.kind.Spec(), tt.src, vars))
			var b strings.Builder
			b.WriteString(d.Summary + "\n")
			for _, det := range d.Details {
				b.WriteString("--- " + det.Label + "\n" + det.Text + "\n")
			}
			got := b.String()
			if strings.Contains(got, "s3cret") {
				t.Errorf("secret leaked:\n%s", got)
			}
			path := filepath.Join("testdata", tt.name+".golden")
			golden.Check(t, path, []byte(got))
		})
	}
}

func TestKinds(t *testing.T) {
	if HTTP().Effect() != steps.Mutating || HTTPGet().Effect() != steps.ReadOnly || (Notify{}).Effect() != steps.Mutating {
		t.Error("effects")
	}
	if !strings.Contains(HTTPGet().Doc(), "Negotiate") {
		t.Error("Doc must say Windows auth is unsupported")
	}
	if _, ok := HTTPGet().Spec().(hcldec.ObjectSpec)["method"]; ok {
		t.Error("http_get must not accept method")
	}
	_ = runtime.GOOS
}
