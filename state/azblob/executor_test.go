package azblob

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/lease"
	"github.com/batonhq/baton/engine/clock"
	"github.com/batonhq/baton/engine/executor"
	"github.com/batonhq/baton/engine/runbook"
	"github.com/batonhq/baton/state"
	"github.com/batonhq/baton/steps"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"
)

// tick is the step type of the executor tests here: a mutating action
// that counts its calls per step, tells the test it started (started
// receives the step's name), and, for the step named in hold, waits
// until hold's channel is closed.
type tick struct {
	mu      sync.Mutex
	calls   map[string]int
	started chan string
	hold    map[string]chan struct{}
}

func newTick(n int, held ...string) *tick {
	k := &tick{calls: map[string]int{}, started: make(chan string, n+1), hold: map[string]chan struct{}{}}
	for _, h := range held {
		k.hold[h] = make(chan struct{})
	}
	return k
}

func (k *tick) Name() string                         { return "tick" }
func (k *tick) Doc() string                          { return "counts its calls" }
func (k *tick) Effect() steps.Effect                 { return steps.Mutating }
func (k *tick) TargetType() string                   { return "" }
func (k *tick) Spec() hcldec.Spec                    { return hcldec.ObjectSpec{} }
func (k *tick) OutputType() cty.Type                 { return cty.Object(map[string]cty.Type{"n": cty.Number}) }
func (k *tick) Describe(cty.Value) steps.Description { return steps.Description{Summary: "tick"} }

func (k *tick) Run(ctx context.Context, req steps.Request) (cty.Value, error) {
	k.mu.Lock()
	k.calls[req.Step]++
	n := k.calls[req.Step]
	k.mu.Unlock()
	k.started <- req.Step
	if h := k.hold[req.Step]; h != nil {
		select {
		case <-h:
		case <-ctx.Done():
			return cty.NilVal, fmt.Errorf("step %s: %w", req.Step, ctx.Err())
		}
	}
	return cty.ObjectVal(map[string]cty.Value{"n": cty.NumberIntVal(int64(n))}), nil
}

func (k *tick) count(step string) int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.calls[step]
}

// chainRunbook is a runbook of n tick actions s1..sn, each depending on
// the one before.
func chainRunbook(t *testing.T, k *tick, n int) *runbook.Runbook {
	t.Helper()
	var b strings.Builder
	b.WriteString("runbook \"chain\" {\n  title = \"a chain of actions\"\n}\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "\naction \"s%d\" {\n  uses       = \"tick\"\n  idempotent = true\n", i)
		if i > 1 {
			fmt.Fprintf(&b, "  depends_on = [step.s%d]\n", i-1)
		}
		b.WriteString("}\n")
	}
	reg := steps.NewRegistry()
	reg.Register(k)
	fsys := fstest.MapFS{"chain.hcl": &fstest.MapFile{Data: []byte(b.String())}}
	rb, diags := runbook.Load(runbook.FromFS(fsys), "chain.hcl", reg)
	if diags.HasErrors() {
		t.Fatalf("load the chain runbook: %s", diags.Error())
	}
	return rb
}

// startChain starts run id of rb on s with the real executor (wall
// clocks, no heartbeat events), in the background.
func startChain(t *testing.T, s *store, rb *runbook.Runbook, id string) <-chan ended {
	t.Helper()
	vars, diags := runbook.ResolveInputs(rb, runbook.Inputs{})
	if diags.HasErrors() {
		t.Fatalf("inputs: %s", diags.Error())
	}
	host, err := state.HostID()
	if err != nil {
		t.Fatal(err)
	}
	opts := executor.Options{
		Store: s, Clock: clock.Wall{}, LeaseClock: clock.Wall{}, Requester: "alice",
		Host: host, PID: os.Getpid(), EngineVersion: "test", Heartbeat: -1,
	}
	done := make(chan ended, 1)
	go func() {
		res, err := executor.Start(context.Background(), rb, vars, opts, executor.Meta{RunID: id})
		done <- ended{res, err}
	}()
	return done
}

// ended is what executor.Start returned.
type ended struct {
	res executor.Result
	err error
}

// awaitStart returns the next step the tick kind starts, failing after d.
func (k *tick) awaitStart(t *testing.T, d time.Duration, want string) {
	t.Helper()
	select {
	case got := <-k.started:
		if got != want {
			t.Fatalf("step %s started, want %s", got, want)
		}
	case <-time.After(d):
		t.Fatalf("step %s did not start within %s", want, d)
	}
}

// dark is the part of the executor tests common to the route going dark:
// a chain of six actions runs on s through hole; while s3 runs the hole
// swallows everything; the test checks that s3's outcome reaches the
// spool and that s4 does not start, calls during (the route still dark)
// and then lets the route back. It returns what the run ended with.
func dark(t *testing.T, s *store, hole *blackHole, during func()) (*tick, executor.Result) {
	t.Helper()
	const n = 6
	k := newTick(n, "s3")
	rb := chainRunbook(t, k, n)
	done := startChain(t, s, rb, "r1")
	for i := 1; i <= 3; i++ {
		k.awaitStart(t, 10*time.Second, fmt.Sprintf("s%d", i))
	}
	hole.set(true)
	close(k.hold["s3"])
	waitFor(t, 10*time.Second, "the outcome of step s3 never reached the spool", func() bool {
		return contains(spooledSteps(t, s, "r1"), "s3:succeeded")
	})
	// The executor is blocked in its commit: s4 does not start, the run
	// does not end, for as long as the route stays dark.
	observe := time.After(500 * time.Millisecond)
	for watching := true; watching; {
		select {
		case got := <-k.started:
			t.Fatalf("step %s started while the store could not be reached", got)
		case e := <-done:
			t.Fatalf("the run returned while the store could not be reached: %+v, %v", e.res, e.err)
		case <-observe:
			watching = false
		}
	}
	if during != nil {
		during()
	}
	select {
	case got := <-k.started:
		t.Fatalf("step %s started while the store could not be reached", got)
	default:
	}
	hole.set(false)
	var res executor.Result
	select {
	case e := <-done:
		if e.err != nil {
			t.Fatalf("executor.Start: %v", e.err)
		}
		res = e.res
	case <-time.After(60 * time.Second):
		t.Fatal("the run did not end within 60 s of the route coming back")
	}
	for i := 1; i <= n; i++ {
		if c := k.count(fmt.Sprintf("s%d", i)); c != 1 {
			t.Errorf("step s%d ran %d times, want once", i, c)
		}
	}
	if got := spooledSteps(t, s, "r1"); len(got) != 0 {
		t.Errorf("the spool still holds %v", got)
	}
	mustVerify(t, s, "r1")
	return k, res
}

// TestExecutorThroughBlackHole: the real executor runs a chain of six
// actions on the store reached through the black-hole proxy; while s3
// runs the route goes dark. s3's outcome waits in the spool, s4 does not
// start while the route is dark (observed for 500 ms), and once the route
// is back the run goes on and succeeds: every action ran exactly once,
// the spool is empty and the journal verifies.
func TestExecutorThroughBlackHole(t *testing.T) {
	a := shared(t)
	hole := newBlackHole(t, a.Addr())
	proxied := *a
	proxied.Port = hole.port()
	var log logBuf
	s := openFresh(t, &proxied, Options{Spool: filepath.Join(t.TempDir(), "spool.db"), Log: log.logger()}, pipeline{retry: quickRetry})
	_, res := dark(t, s, hole, nil)
	if res.Status != state.RunSucceeded {
		t.Fatalf("the run ended %s (%s), want succeeded\n%s", res.Status, res.Reason, log.String())
	}
	for _, want := range []string{"state store unreachable: the outcome of step s3 (succeeded) is kept in", "state store answers again"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("the log does not say %q:\n%s", want, log.String())
		}
	}
}

// TestExecutorOutlastsItsLease: the route stays dark longer than the
// run's blob lease (the shortest, 15 s) and nobody takes the run over.
// The lease lapses at the service; when the route is back the owner
// renews it (or acquires it again) under the same id, the spooled outcome
// lands, and the run goes on to succeed without a takeover.
//
// It waits out a real 15 s lease (Azure's minimum; the service's clock
// decides), about 20 s, so it runs only when not -short or when
// BATON_REQUIRE_AZURITE=1 (CI), in parallel with the other tests.
func TestExecutorOutlastsItsLease(t *testing.T) {
	if testing.Short() && os.Getenv("BATON_REQUIRE_AZURITE") != "1" {
		t.Skip("waits for a real 15 s blob lease to lapse")
	}
	t.Parallel()
	a := shared(t)
	hole := newBlackHole(t, a.Addr())
	proxied := *a
	proxied.Port = hole.port()
	var log logBuf
	s := openFresh(t, &proxied, Options{LeaseDuration: 15 * time.Second, Spool: filepath.Join(t.TempDir(), "spool.db"), Log: log.logger()}, pipeline{retry: quickRetry})
	direct := openURL(t, a, s.url, Options{NoSpool: true})
	leaseState := func() lease.StateType {
		p, err := direct.cc.NewBlobClient(direct.ownerName("r1")).GetProperties(context.Background(), nil)
		if err != nil || p.LeaseState == nil {
			t.Fatalf("the owner blob's properties: %v", err)
		}
		return *p.LeaseState
	}
	start := time.Now()
	_, res := dark(t, s, hole, func() {
		if ls := leaseState(); ls != lease.StateTypeLeased {
			t.Fatalf("the owner blob's lease is %s early in the outage, want leased", ls)
		}
		// Nobody renews it while the route is dark: it lapses (15 s
		// after the last renewal, at most 15 s after the route went dark).
		waitFor(t, 20*time.Second, "the blob lease did not lapse during the outage", func() bool {
			return leaseState() == lease.StateTypeExpired
		})
		time.Sleep(time.Second)
	})
	t.Logf("outage and recovery: %s", time.Since(start).Round(100*time.Millisecond))
	if res.Status != state.RunSucceeded {
		t.Fatalf("the run ended %s (%s), want succeeded\n%s", res.Status, res.Reason, log.String())
	}
	j, err := direct.Journal("r1")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range j {
		if e.Type == "run.owner_taken_over" || e.Type == "run.spool_discarded" {
			t.Errorf("journal entry %d %s: the run was taken over although nobody else acted", e.Seq, e.Type)
		}
	}
	if strings.Contains(log.String(), "another process took the run's blob lease") {
		t.Errorf("the owner saw its lapsed lease taken:\n%s", log.String())
	}
	if strings.Contains(log.String(), "acquired it again") {
		t.Log("the lapsed lease was acquired again under the same id")
	} else {
		t.Log("the lapsed lease was renewed under the same id")
	}
	if !strings.Contains(log.String(), "state store answers again: the outcome of step s3 (succeeded)") {
		t.Errorf("the spooled outcome was not reported written:\n%s", log.String())
	}
}
