package main

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"unicode/utf16"
)

// init makes the test binary, started by the canary runbook's exec steps
// with BATON_TEST_SECRET_ECHO=1, print every SECRET_* variable of its
// environment in plain text, base64, hex and UTF-16LE, on stdout and
// stderr: a program that leaks everything it is given.
func init() {
	if os.Getenv("BATON_TEST_SECRET_ECHO") != "1" {
		return
	}
	var names []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "SECRET_") {
			names = append(names, kv)
		}
	}
	if os.Getenv("SECRET_READ_STDIN") == "1" {
		in, _ := io.ReadAll(os.Stdin)
		names = append(names, "SECRET_STDIN="+string(in))
	}
	sort.Strings(names)
	for _, kv := range names {
		name, v, _ := strings.Cut(kv, "=")
		for _, w := range []io.Writer{os.Stdout, os.Stderr} {
			fmt.Fprintf(w, "%s plain=%s b64=%s hex=%s utf16=%s b64utf16=%s\n", name, v,
				base64.StdEncoding.EncodeToString([]byte(v)), hex.EncodeToString([]byte(v)),
				utf16le(v), base64.StdEncoding.EncodeToString([]byte(utf16le(v))))
		}
	}
	os.Exit(0)
}

func utf16le(s string) string {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return string(b)
}

// receiver is a loopback webhook: it records every request it gets.
type receiver struct {
	mu       sync.Mutex
	requests []string // method, URL, non-credential headers and body
	auth     []string // Authorization headers (a declared secret sink)
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var head []string
	for k, v := range r.Header {
		if k != "Authorization" {
			head = append(head, k+": "+strings.Join(v, ","))
		}
	}
	sort.Strings(head)
	rc.mu.Lock()
	rc.requests = append(rc.requests, r.Method+" "+r.URL.String()+"\n"+strings.Join(head, "\n")+"\n\n"+string(body))
	rc.auth = append(rc.auth, r.Header.Get("Authorization"))
	rc.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

// leakForms are the texts that reveal secret s: s itself, hex (both
// cases), UTF-16LE, URL escapes, and base64 (standard and URL alphabets)
// at each of the three alignments s can have in a longer text. Written
// apart from internal/redact, so that the test does not grade the
// redactor with its own answers.
func leakForms(s string) map[string]string {
	forms := map[string]string{
		"plain": s, "hex": hex.EncodeToString([]byte(s)), "HEX": strings.ToUpper(hex.EncodeToString([]byte(s))),
		"utf16le": utf16le(s), "url": url.QueryEscape(s),
	}
	for shift := 0; shift < 3; shift++ {
		for name, enc := range map[string]*base64.Encoding{"base64": base64.StdEncoding, "base64url": base64.URLEncoding} {
			for _, text := range map[string]string{"": s, "utf16-": utf16le(s)} {
				full := enc.EncodeToString([]byte(strings.Repeat("x", shift) + text + "yyy"))
				// Skip the characters that mix in the prefix, and the last
				// ones that mix in the suffix.
				from := (8*shift + 5) / 6
				to := (8 * (shift + len(text))) / 6
				if to-from >= 4 {
					kind := name
					if text != s {
						kind = "utf16-" + name
					}
					forms[fmt.Sprintf("%s+%d", kind, shift)] = full[from:to]
				}
			}
		}
	}
	return forms
}

// derived are the values the canary runbook derives from the secret and
// the number, each of which is a secret too.
func derived(secret, pin string, pinTimes7 string) map[string]string {
	rev := []rune(secret)
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	return map[string]string{
		"secret":       secret,
		"upper":        strings.ToUpper(secret),
		"strrev":       string(rev),
		"replace":      strings.ReplaceAll(secret, "-", "_"),
		"lower":        strings.ToLower(secret),
		"base64encode": base64.StdEncoding.EncodeToString([]byte(secret)),
		"urlencode":    url.QueryEscape(secret),
		"number":       pin,
		"number*7":     pinTimes7,
	}
}

// batonProc runs the test binary as baton in dir with env added, and
// returns its exit code, stdout and stderr.
func batonProc(t *testing.T, dir string, env []string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(plainBaton(t), args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("baton %v: %v", args, err)
	}
	return code, out.String(), errb.String()
}

var runIDRE = regexp.MustCompile(`\b[0-9]{8}T[0-9]{6}Z-[0-9a-f]+\b`)

// TestSecretsCanary runs every command over the canary runbook, with the
// secret given by -var, by -var-file and by BATON_VAR_, and scans
// everything baton writes (stdout, stderr, the debug log in text and
// JSON, the state file, the plan file, the reviews, the journal, and the
// requests the webhook receives) for the secret and each value derived
// from it, in plain text, base64, hex and UTF-16.
func TestSecretsCanary(t *testing.T) {
	if testing.Short() {
		t.Skip("starts baton processes")
	}
	src, err := os.ReadFile("testdata/secrets/canary.hcl")
	if err != nil {
		t.Fatal(err)
	}
	const pin, pinTimes7 = "48151623", "337061361"
	for _, form := range []string{"-var", "-var-file", "BATON_VAR_"} {
		t.Run(form, func(t *testing.T) {
			secret := "Canary-7f3a9-" + strings.Trim(form, "-_") + "-Zq"
			rc := &receiver{}
			srv := httptest.NewServer(rc)
			defer srv.Close()
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "main.hcl"), src, 0o600); err != nil {
				t.Fatal(err)
			}
			inputs := []string{"-var", "hook=" + srv.URL + "/hook", "-var", "program=" + os.Args[0]}
			var env []string
			switch form {
			case "-var":
				inputs = append(inputs, "-var", "secret="+secret, "-var", "pin="+pin)
			case "-var-file":
				body := fmt.Sprintf("secret = %q\npin = %s\n", secret, pin)
				if err := os.WriteFile(filepath.Join(dir, "secrets.hcl"), []byte(body), 0o600); err != nil {
					t.Fatal(err)
				}
				inputs = append(inputs, "-var-file", "secrets.hcl")
			case "BATON_VAR_":
				env = append(env, "BATON_VAR_secret="+secret, "BATON_VAR_pin="+pin)
			}
			var texts []struct{ where, text string }
			add := func(where, text string) { texts = append(texts, struct{ where, text string }{where, text}) }
			n := 0
			// baton runs one command, once per log mode (BATON_LOG=debug,
			// json), and returns the stdout and stderr of the first.
			baton := func(wantCode int, modes []string, args ...string) string {
				t.Helper()
				n++
				first := ""
				for i, mode := range modes {
					logFile := filepath.Join(dir, fmt.Sprintf("log-%d-%s.txt", n, mode))
					code, out, errs := batonProc(t, dir, append([]string{"BATON_LOG=" + mode, "BATON_LOG_PATH=" + logFile}, env...), args...)
					cmdline := strings.Join(args, " ")
					if code != wantCode {
						t.Fatalf("baton %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", cmdline, code, wantCode, out, errs)
					}
					logText, err := os.ReadFile(logFile)
					if err != nil || !strings.Contains(string(logText), "command finished") {
						t.Errorf("baton %s: BATON_LOG=%s wrote no log to BATON_LOG_PATH (%v)", args[0], mode, err)
					}
					add("stdout of baton "+cmdline, out)
					add("stderr of baton "+cmdline, errs)
					add(mode+" log of baton "+cmdline, string(logText))
					if i == 0 {
						first = out + errs
					}
				}
				return first
			}
			debug, both, jsonLog := []string{"debug"}, []string{"debug", "json"}, []string{"json"}
			with := func(args ...string) []string { return append(args, inputs...) }

			baton(0, both, "validate", "main.hcl")
			baton(0, both, with("plan", "main.hcl", "-out", "plan.json")...)
			baton(0, debug, with("plan", "main.hcl", "-json")...)
			baton(0, debug, "show", "plan.json")
			baton(0, debug, "show", "plan.json", "-json")
			baton(0, both, with("review", "plan.json")...)
			baton(0, debug, with("review", "main.hcl", "-format", "html", "-o", "review.html")...)
			applied := baton(0, jsonLog, with("apply", "main.hcl", "--state", "state.db")...)
			if last := texts[len(texts)-1]; !strings.Contains(last.text, `"step transition"`) || !strings.Contains(last.text, `"@level":"debug"`) {
				t.Errorf("the JSON debug log of apply does not show the steps' transitions:\n%s", last.text)
			}
			id := runIDRE.FindString(applied)
			if id == "" {
				t.Fatalf("no run id in the output of apply:\n%s", applied)
			}
			baton(0, debug, "status", id, "--state", "state.db")
			baton(0, debug, "status", id, "--state", "state.db", "-json")
			baton(0, both, "logs", id, "--state", "state.db")
			baton(0, debug, "journal", id, "--state", "state.db")
			baton(0, debug, "journal", id, "--state", "state.db", "-json")
			baton(0, debug, "journal", "verify", id, "--state", "state.db")
			baton(0, debug, "runs", "--state", "state.db")
			baton(0, debug, "review", id, "--state", "state.db", "-o", "postimpl.md")
			baton(0, both, with("rehearse", "main.hcl", "--site", "contoso", "--state", "rehearsal.db", "-v")...)

			for _, f := range []string{"plan.json", "review.html", "postimpl.md", "state.db", "rehearsal.db"} {
				b, err := os.ReadFile(filepath.Join(dir, f))
				if err != nil {
					t.Fatalf("%s: %v", f, err)
				}
				add(f, string(b))
			}
			rc.mu.Lock()
			if len(rc.requests) != 3 {
				t.Errorf("the webhook got %d requests, want 3 (two notify, one http)", len(rc.requests))
			}
			bearer := 0
			for i, r := range rc.requests {
				add(fmt.Sprintf("request %d to the webhook", i+1), r)
			}
			for _, a := range rc.auth {
				if a == "Bearer "+secret {
					bearer++
				}
			}
			if bearer != 1 {
				t.Errorf("the http step's bearer token (a secret sink) did not arrive once: %q", rc.auth)
			}
			rc.mu.Unlock()

			// The exec steps did print every derived value: their logs
			// must show the placeholder where they were.
			logs := ""
			for _, x := range texts {
				if strings.HasPrefix(x.where, "stdout of baton logs") {
					logs = x.text
				}
			}
			if strings.Count(logs, "(sensitive)") < 20 {
				t.Errorf("baton logs shows %d placeholders, want the echo steps' output redacted:\n%s", strings.Count(logs, "(sensitive)"), logs)
			}

			leaks := 0
			for dname, d := range derived(secret, pin, pinTimes7) {
				for fname, f := range leakForms(d) {
					for _, x := range texts {
						if c := strings.Count(x.text, f); c > 0 {
							leaks++
							t.Errorf("%s holds %s of %s (%q) %d times", x.where, fname, dname, f, c)
						}
					}
				}
			}
			t.Logf("scanned %d texts for %d derived secrets in every form: %d leaks", len(texts), len(derived(secret, pin, pinTimes7)), leaks)
		})
	}
}

// TestSecretFlowsRefused: validate reports each forbidden flow of a
// secret with file:line:col, naming the flow, and never the value.
func TestSecretFlowsRefused(t *testing.T) {
	t.Chdir("testdata/secrets")
	code, out, errs := runCLI(t, "validate", "forbidden.hcl")
	if code != exitError {
		t.Fatalf("exit %d, want %d\n%s%s", code, exitError, out, errs)
	}
	for _, want := range []string{
		"forbidden.hcl:25:17", `var.secret flows into notify.message via format(...) (step "chat")`,
		"forbidden.hcl:26:28", `step.echo.output.stdout flows into notify.fields["echoed"] (step "chat")`,
		"forbidden.hcl:26:62", `var.pin flows into notify.fields["number"] via tostring(...)`,
		"forbidden.hcl:33:16", `var.secret flows into http.url via urlencode(...), a template (step "api")`,
		"forbidden.hcl:34:30", `var.secret flows into http.headers["X-Debug"] via strrev(...)`,
		"forbidden.hcl:35:16", `var.secret flows into http.body via upper(...), base64encode(...)`,
		"forbidden.hcl:41:39", `var.secret flows into exec.command[2] via replace(...)`,
	} {
		if !strings.Contains(strings.Join(strings.Fields(errs), " "), want) {
			t.Errorf("validate does not report %q:\n%s", want, errs)
		}
	}
	if n := strings.Count(errs, "Error: Secret flows into an argument that is not secret"); n != 7 {
		t.Errorf("%d flow errors, want 7:\n%s", n, errs)
	}
}

func TestLogArgsHidesVarValues(t *testing.T) {
	tests := []struct{ in, want []string }{
		{[]string{"plan", "rb.hcl", "-var", "pw=hunter22"}, []string{"plan", "rb.hcl", "-var", "pw=(hidden)"}},
		{[]string{"apply", "--var", "pw=hunter22", "-json"}, []string{"apply", "--var", "pw=(hidden)", "-json"}},
		{[]string{"apply", "-var=pw=hunter22"}, []string{"apply", "-var=pw=(hidden)"}},
		{[]string{"apply", "--var=pw"}, []string{"apply", "--var=pw=(hidden)"}},
		{[]string{"plan", "-var-file", "secrets.hcl", "-out", "p.json"}, []string{"plan", "-var-file", "secrets.hcl", "-out", "p.json"}},
		{[]string{"plan", "-var"}, []string{"plan", "-var"}},
	}
	for _, tc := range tests {
		got := logArgs(tc.in)
		if strings.Join(got, " ") != strings.Join(tc.want, " ") {
			t.Errorf("logArgs(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
