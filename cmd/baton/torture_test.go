package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/azuritetest"
)

var tortureKills = flag.Int("torture.kills", 50, "SIGKILLs the crash-torture test delivers")

// TestCrashTorture runs baton as a subprocess on a runbook whose actions
// append to a ledger, kills it with SIGKILL at random points, resumes it
// until the run ends, and proves that every action took effect exactly
// once and that the final state equals an uninterrupted run's.
//
// In the racing variant two resumers start together after each kill (an
// operator in each terminal): at most one may own the run; the other is
// refused (exit 5) and nothing happens twice.
func TestCrashTorture(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("uses SIGKILL")
	}
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := plainBaton(t)
	for _, racers := range []int{1, 2} {
		t.Run(fmt.Sprintf("%d resumers", racers), func(t *testing.T) {
			torture(t, bin, racers, *tortureKills, filepath.Join(t.TempDir(), "state.db"))
		})
	}
	// The team backend: the same promise against Azure Blob Storage
	// (Azurite), with fewer kills (each costs a few round trips more).
	t.Run("azblob", func(t *testing.T) {
		az := azuritetest.Start(t, azuritetest.Need(t), 0, "")
		t.Cleanup(az.Stop)
		t.Setenv("AZURE_STORAGE_CONNECTION_STRING", az.ConnString())
		torture(t, bin, 2, 20, "azblob://devstoreaccount1/torture/run/")
	})
}

func torture(t *testing.T, bin string, racers, targetKills int, stPath string) {
	dir := t.TempDir()
	const n = 400
	ledger := filepath.Join(dir, "ledger")
	var b strings.Builder
	fmt.Fprintf(&b, "runbook \"torture\" {\n  lock = \"torture\"\n}\n")
	for i := range n {
		dep := ""
		if i > 0 {
			dep = fmt.Sprintf("  depends_on = [step.a%03d]\n", i-1)
		}
		// Odd steps are idempotent; even ones rely on verify alone, so an
		// interrupted even step whose effect did not happen is held for
		// an operator (resolved below).
		idem := i%2 == 1
		fmt.Fprintf(&b, "action \"a%03d\" {\n  uses = \"noop_action\"\n  ledger = %q\n%s  idempotent = %v\n  verify {\n    uses = \"ledger_count\"\n    ledger = %q\n    step = \"a%03d\"\n    condition = self.output.count > 0\n  }\n}\n",
			i, ledger, dep, idem, ledger, i)
	}
	rbPath := filepath.Join(dir, "torture.hcl")
	if err := os.WriteFile(rbPath, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "BATON_STATE="+stPath, "BATON_USER=torture", "NO_COLOR=1")
	baton := func(args ...string) *exec.Cmd {
		c := exec.Command(bin, args...)
		c.Env = env
		return c
	}
	runID := func() string {
		out, err := baton("runs", "-json").Output()
		if err != nil {
			return ""
		}
		var runs []struct{ ID string }
		_ = json.Unmarshal(out, &runs)
		if len(runs) == 0 {
			return ""
		}
		return runs[0].ID
	}
	rnd := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	kills, resolved := 0, 0
	for round := 0; round < targetKills*10+50; round++ {
		id := runID()
		args := []string{"apply", rbPath}
		if id != "" {
			args = []string{"resume", id, rbPath}
		}
		n := 1
		if id != "" {
			n = racers
		}
		codes, killed := race(t, baton, args, n, kills < targetKills, time.Duration(rnd.IntN(30))*time.Millisecond)
		if killed {
			kills++
			if runStatus(baton, runID()) == "succeeded" {
				goto finished // the kill landed after the run's last commit
			}
			continue
		}
		switch best := bestCode(codes); best {
		case 0:
			goto finished
		case exitPaused:
			resolved += resolveInDoubt(t, baton, runID(), ledger)
		default:
			out, _ := baton("status", runID()).CombinedOutput()
			t.Fatalf("round %d: exits %v\n%s", round, codes, out)
		}
	}
	t.Fatal("the run did not finish")
finished:
	t.Logf("%d kills, %d in-doubt steps resolved", kills, resolved)
	if kills < targetKills/2 {
		t.Errorf("only %d kills landed before the run ended; lengthen the runbook", kills)
	}
	id := runID()
	out, err := baton("status", id, "-json").Output()
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Run   struct{ Status string }
		Steps []struct{ Name, Status string }
	}
	if err := json.Unmarshal(out, &st); err != nil {
		t.Fatal(err)
	}
	if st.Run.Status != "succeeded" || len(st.Steps) != n {
		t.Fatalf("run %s with %d steps", st.Run.Status, len(st.Steps))
	}
	for _, s := range st.Steps {
		if s.Status != "succeeded" {
			t.Errorf("step %s: %s", s.Name, s.Status)
		}
	}
	data, err := os.ReadFile(ledger)
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 {
			count[f[1]]++
		}
	}
	for i := range n {
		name := fmt.Sprintf("a%03d", i)
		if c := count[name]; c != 1 {
			j, _ := baton("journal", id).Output()
			var evidence []string
			for _, l := range strings.Split(string(data)+"\n"+string(j), "\n") {
				if strings.Contains(l, name) {
					evidence = append(evidence, l)
				}
			}
			t.Errorf("action %s took effect %d times, want exactly once; its ledger lines and journal entries:\n%s", name, c, strings.Join(evidence, "\n"))
		}
	}
	if out, err := baton("journal", "verify", id).CombinedOutput(); err != nil {
		t.Errorf("journal verify: %v\n%s", err, out)
	}
	j, _ := baton("journal", id, "-json").Output()
	takeovers := strings.Count(string(j), `"run.owner_taken_over"`)
	orphans := strings.Count(string(j), `"step.in_doubt"`)
	t.Logf("%d takeovers of a killed owner, %d actions found in doubt", takeovers, orphans)
	if takeovers == 0 {
		t.Error("no kill landed while the run was owned: the test proves nothing")
	}
}

// resolveInDoubt settles held steps the way an operator would: by looking
// at the ledger (the world) and recording the decision.
func resolveInDoubt(t *testing.T, baton func(...string) *exec.Cmd, id, ledger string) int {
	t.Helper()
	out, err := baton("status", id, "-json").Output()
	if err != nil {
		t.Fatalf("status: %v", err)
	}
	var st struct {
		Steps []struct{ Name, Status string }
	}
	_ = json.Unmarshal(out, &st)
	data, _ := os.ReadFile(ledger)
	n := 0
	for _, s := range st.Steps {
		if s.Status != "in_doubt" {
			continue
		}
		decision := "--retry"
		if strings.Contains(string(data), id+"/"+s.Name+" ") {
			decision = "--succeeded"
		}
		if out, err := baton("resolve", id, s.Name, decision, "--by", "torture", "--reason", "checked the ledger").CombinedOutput(); err != nil {
			t.Fatalf("resolve: %v\n%s", err, out)
		}
		n++
	}
	return n
}

// race starts n copies of baton args; when kill, it SIGKILLs them all
// after delay unless they all ended first. It returns their exit codes.
func race(t *testing.T, baton func(...string) *exec.Cmd, args []string, n int, kill bool, delay time.Duration) ([]int, bool) {
	t.Helper()
	done := make(chan int, n)
	// The kill is timed from the first progress line any racer prints (it
	// owns the run and acts), not from the start of the processes, whose
	// start-up takes longer than the delay on a loaded machine.
	acting := make(chan struct{})
	var once sync.Once
	var cmds []*exec.Cmd
	for range n {
		cmd := baton(args...)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
		go func() {
			buf := make([]byte, 4096)
			for {
				k, err := out.Read(buf)
				if k > 0 {
					once.Do(func() { close(acting) })
				}
				if err != nil {
					break
				}
			}
			err := cmd.Wait()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			}
			done <- code
		}()
	}
	var timer <-chan time.Time
	var start <-chan struct{}
	if kill {
		start = acting
	}
	var codes []int
	for len(codes) < n {
		select {
		case c := <-done:
			codes = append(codes, c)
		case <-start:
			start, timer = nil, time.After(delay)
		case <-timer:
			for _, c := range cmds {
				_ = c.Process.Signal(syscall.SIGKILL)
			}
			for len(codes) < n {
				codes = append(codes, <-done)
			}
			return codes, true
		}
	}
	return codes, false
}

// bestCode is the outcome of racing resumers: a success, else a pause;
// exit 5 (refused: the other owned the run) counts only when alone.
func bestCode(codes []int) int {
	best := -1
	for _, c := range codes {
		switch {
		case c == 0:
			return 0
		case c == exitPaused:
			best = c
		case best == -1 || best == exitLocked:
			best = c
		}
	}
	if best == exitLocked {
		return exitPaused // both refused each other's stale view: resume again
	}
	return best
}

// runStatus is the status baton status reports for run id ("" if none).
func runStatus(baton func(...string) *exec.Cmd, id string) string {
	if id == "" {
		return ""
	}
	out, err := baton("status", id, "-json").Output()
	if err != nil {
		return ""
	}
	var st struct{ Run struct{ Status string } }
	_ = json.Unmarshal(out, &st)
	return st.Run.Status
}
