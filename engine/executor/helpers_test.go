package executor

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/batonhq/baton/engine/clock"
	"github.com/batonhq/baton/engine/runbook"
	"github.com/batonhq/baton/state"
	"github.com/batonhq/baton/steps"
	"github.com/batonhq/baton/steps/basic"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"
)

// Answer records an unsigned approval or rejection (AnswerWith).
func Answer(st state.Backend, runID, step, by, comment, decision string, now time.Time) error {
	return AnswerWith(st, runID, step, Decision{By: by, Comment: comment, Decision: decision}, now)
}

// Resolve records an operator's unsigned decision on a step in doubt
// (ResolveWith).
func Resolve(st state.Backend, runID, step, by, decision, reason string, now time.Time) error {
	return ResolveWith(st, runID, step, Decision{By: by, Decision: decision, Comment: reason}, now)
}

var epoch = time.Date(2026, 3, 1, 22, 0, 0, 0, time.UTC)

// calls counts invocations of the test kinds per key.
type calls struct {
	mu sync.Mutex
	n  map[string]int
	// block makes every test kind wait for its context: a step that is
	// still running when the run stops (crashDuring).
	block bool
	// onCall, when set, is called after each call is counted: a hook
	// that acts at an exact point of a step (interruptAtPoll).
	onCall func(key string, n int)
}

func (c *calls) inc(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[key]++
	return c.n[key]
}

func (c *calls) blocking() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.block
}

func (c *calls) get(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[key]
}

// testKind is a configurable step type for executor tests.
type testKind struct {
	name   string
	effect steps.Effect
	calls  *calls
	// run is called with the key argument and the call number.
	run func(ctx context.Context, req steps.Request, key string, n int) (cty.Value, error)
}

func (k *testKind) Name() string         { return k.name }
func (k *testKind) Doc() string          { return "test kind " + k.name }
func (k *testKind) Effect() steps.Effect { return k.effect }
func (k *testKind) TargetType() string   { return "" }
func (k *testKind) OutputType() cty.Type {
	return cty.Object(map[string]cty.Type{"n": cty.Number, "key": cty.String})
}
func (k *testKind) Describe(cty.Value) steps.Description { return steps.Description{Summary: k.name} }

// SecretSink declares the secret argument a secret sink.
func (k *testKind) SecretSink(p cty.Path) bool { return len(p) == 1 && steps.PathAttr(p) == "secret" }
func (k *testKind) Spec() hcldec.Spec {
	return hcldec.ObjectSpec{
		"key":    &hcldec.AttrSpec{Name: "key", Type: cty.String},
		"secret": &hcldec.AttrSpec{Name: "secret", Type: cty.String},
	}
}
func (k *testKind) Run(ctx context.Context, req steps.Request) (cty.Value, error) {
	key := k.name
	if v := req.Args.GetAttr("key"); !v.IsNull() {
		key = v.AsString()
	}
	n := k.calls.inc(key)
	k.calls.mu.Lock()
	hook := k.calls.onCall
	k.calls.mu.Unlock()
	if hook != nil {
		hook(key, n)
	}
	if k.calls.blocking() {
		<-ctx.Done()
		return cty.NilVal, ctx.Err()
	}
	if k.run != nil {
		return k.run(ctx, req, key, n)
	}
	return cty.ObjectVal(map[string]cty.Value{"n": cty.NumberIntVal(int64(n)), "key": cty.StringVal(key)}), nil
}

type fixture struct {
	t      *testing.T
	calls  *calls
	reg    *steps.Registry
	store  *state.Store
	path   string
	clk    *clock.Virtual
	events []Event
	mu     sync.Mutex
}

// vaultSecret is what the vault step type reads.
const vaultSecret = "VAULT-CANARY-9c1d"

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{t: t, calls: &calls{}}
	f.reg = steps.NewRegistry()
	f.reg.Register(basic.Kinds()...)
	f.reg.Register(
		&testKind{name: "probe", effect: steps.ReadOnly, calls: f.calls},
		&testKind{name: "change", effect: steps.Mutating, calls: f.calls},
		// flaky fails its first two calls per key.
		&testKind{name: "flaky", effect: steps.Mutating, calls: f.calls, run: func(_ context.Context, _ steps.Request, key string, n int) (cty.Value, error) {
			if n <= 2 {
				return cty.NilVal, fmt.Errorf("transient failure %d", n)
			}
			return cty.ObjectVal(map[string]cty.Value{"n": cty.NumberIntVal(int64(n)), "key": cty.StringVal(key)}), nil
		}},
		&testKind{name: "broken", effect: steps.Mutating, calls: f.calls, run: func(context.Context, steps.Request, string, int) (cty.Value, error) {
			return cty.NilVal, errors.New("the site refused the change")
		}},
		// panicky and panicky_read have a bug: they panic.
		&testKind{name: "panicky", effect: steps.Mutating, calls: f.calls, run: func(context.Context, steps.Request, string, int) (cty.Value, error) {
			var m map[string]int
			m["boom"]++
			return cty.NilVal, nil
		}},
		&testKind{name: "panicky_read", effect: steps.ReadOnly, calls: f.calls, run: func(context.Context, steps.Request, string, int) (cty.Value, error) {
			panic("read exploded")
		}},
		// block waits for its context: a long action to interrupt.
		&testKind{name: "block", effect: steps.Mutating, calls: f.calls, run: func(ctx context.Context, _ steps.Request, _ string, _ int) (cty.Value, error) {
			<-ctx.Done()
			return cty.NilVal, ctx.Err()
		}},
		// echo_secret prints its secret argument and returns it as its key.
		&testKind{name: "echo_secret", effect: steps.Mutating, calls: f.calls, run: func(_ context.Context, req steps.Request, _ string, _ int) (cty.Value, error) {
			s := req.Args.GetAttr("secret").AsString()
			fmt.Fprintf(req.Output, "token=%s\n", s)
			return cty.ObjectVal(map[string]cty.Value{"n": cty.NumberIntVal(1), "key": cty.StringVal(s)}), nil
		}},
		// vault returns a secret it read (marked sensitive) as its key,
		// and derived forms of it.
		&testKind{name: "vault", effect: steps.ReadOnly, calls: f.calls, run: func(context.Context, steps.Request, string, int) (cty.Value, error) {
			return cty.ObjectVal(map[string]cty.Value{"n": cty.NumberIntVal(1), "key": cty.StringVal(vaultSecret).Mark(steps.Sensitive)}), nil
		}},
		// leaky prints its secret argument to its output and error.
		&testKind{name: "leaky", effect: steps.Mutating, calls: f.calls, run: func(_ context.Context, req steps.Request, _ string, _ int) (cty.Value, error) {
			s := req.Args.GetAttr("secret").AsString()
			fmt.Fprintf(req.Output, "connecting with %s\n", s)
			return cty.ObjectVal(map[string]cty.Value{"n": cty.NumberIntVal(1), "key": cty.StringVal("ok")}), nil
		}},
	)
	f.path = filepath.Join(t.TempDir(), "state.db")
	st, err := state.Open(f.path, state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	f.store = st
	f.clk = clock.NewVirtual(epoch)
	return f
}

func (f *fixture) load(src string) *runbook.Runbook {
	f.t.Helper()
	fsys := fstest.MapFS{"rb.hcl": &fstest.MapFile{Data: []byte(src)}}
	rb, diags := runbook.Load(runbook.FromFS(fsys), "rb.hcl", f.reg)
	if diags.HasErrors() {
		f.t.Fatalf("load: %s", diags.Error())
	}
	return rb
}

func (f *fixture) vars(rb *runbook.Runbook, kv ...string) map[string]cty.Value {
	f.t.Helper()
	vars, diags := runbook.ResolveInputs(rb, runbook.Inputs{Vars: kv})
	if diags.HasErrors() {
		f.t.Fatalf("inputs: %s", diags.Error())
	}
	return vars
}

func (f *fixture) opts() Options {
	return Options{
		Store: f.store, Clock: f.clk, Parallelism: 4, Requester: "operator", EngineVersion: "test", Heartbeat: -1,
		Observer: ObserverFunc(func(e Event) { f.mu.Lock(); f.events = append(f.events, e); f.mu.Unlock() }),
	}
}

func (f *fixture) statuses(runID string) map[string]state.StepStatus {
	f.t.Helper()
	recs, err := f.store.Steps(runID)
	if err != nil {
		f.t.Fatal(err)
	}
	out := map[string]state.StepStatus{}
	for _, r := range recs {
		out[r.Name] = r.Status
	}
	return out
}

func (f *fixture) journalTypes(runID string) []string {
	f.t.Helper()
	j, err := f.store.Journal(runID)
	if err != nil {
		f.t.Fatal(err)
	}
	var out []string
	for _, e := range j {
		s := e.Type
		if e.Step != "" {
			s += ":" + e.Step
		}
		out = append(out, s)
	}
	return out
}

func (f *fixture) rawState() string {
	f.t.Helper()
	_ = f.store.Close()
	b, err := os.ReadFile(f.path)
	if err != nil {
		f.t.Fatal(err)
	}
	st, err := state.Open(f.path, state.Options{})
	if err != nil {
		f.t.Fatal(err)
	}
	f.store = st
	return string(b)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s || strings.HasPrefix(x, s) {
			return true
		}
	}
	return false
}

// deadHolder is a lease holder on this host whose process has exited.
func deadHolder(t testing.TB) state.Holder {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatalf("starting a short-lived process: %v", err)
	}
	host, _ := os.Hostname()
	return state.Holder{Host: host, PID: cmd.Process.Pid, User: "crashed", Since: time.Now()}
}
