//go:build !windows

package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/azuritetest"
	"github.com/batonhq/baton/state"
	"github.com/batonhq/baton/state/azblob"
)

// walkthrough is the README's team-backend walkthrough as the README
// writes it: the emulator's command line, the environment exported in
// terminals 2 and 3, and what each terminal runs, in order.
type walkthrough struct {
	azurite []string          // the arguments of `npx azurite-blob`
	env     map[string]string // the exports, in both terminals
	steps   []walkStep
}

// walkStep is one "# N: CMD ; CMD   (comment)" line of the walkthrough.
type walkStep struct {
	term    string     // the terminal, "2" or "3"
	cmds    [][]string // each command's words, "baton" first
	comment string     // what follows the commands: "(pauses ...; exit 4)", "# or kill it ..."
}

var (
	walkStepLine = regexp.MustCompile(`^# ([0-9]): (baton .*)$`)
	walkExport   = regexp.MustCompile(`^export ([A-Z_]+)=(.*)$`)
	walkExit     = regexp.MustCompile(`exit ([0-9]+)`)
)

// readWalkthrough parses the first sh block of the README's section
// "A team on Azure Blob Storage".
func readWalkthrough(path string) (*walkthrough, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read the walkthrough: %w", err)
	}
	defer f.Close()
	w := &walkthrough{env: map[string]string{}}
	const section = "### A team on Azure Blob Storage"
	inSection, inBlock, done := false, false, false
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for n := 1; sc.Scan() && !done; n++ {
		line := strings.TrimRight(sc.Text(), " ")
		switch {
		case !inSection:
			inSection = line == section
		case !inBlock:
			if strings.HasPrefix(line, "## ") || strings.HasPrefix(line, "### ") {
				return nil, fmt.Errorf("%s:%d: the section %q has no sh block", path, n, section)
			}
			inBlock = line == "```sh"
		case line == "```":
			done = true
		case strings.HasPrefix(line, "npx azurite-blob"):
			w.azurite = strings.Fields(strings.TrimPrefix(line, "npx azurite-blob"))
		case walkExport.MatchString(line):
			m := walkExport.FindStringSubmatch(line)
			v := m[2]
			if uq, err := strconv.Unquote(v); err == nil {
				v = uq
			}
			w.env[m[1]] = v
		case walkStepLine.MatchString(line):
			m := walkStepLine.FindStringSubmatch(line)
			cmds, comment := m[2], ""
			if i := strings.IndexAny(cmds, "#("); i >= 0 {
				cmds, comment = cmds[:i], strings.TrimSpace(cmds[i:])
			}
			st := walkStep{term: m[1], comment: comment}
			for _, c := range strings.Split(cmds, ";") {
				words := strings.Fields(c)
				if len(words) == 0 || words[0] != "baton" || strings.ContainsAny(c, `"'$`+"`") {
					return nil, fmt.Errorf("%s:%d: %q is not a plain baton command line", path, n, strings.TrimSpace(c))
				}
				st.cmds = append(st.cmds, words)
			}
			w.steps = append(w.steps, st)
		case strings.HasPrefix(line, "#"):
			// a comment: "# 1: the emulator", a continued remark
		default:
			return nil, fmt.Errorf("%s:%d: the walkthrough has a line this test does not know how to run: %q", path, n, line)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read the walkthrough: %w", err)
	}
	if !done {
		return nil, fmt.Errorf("%s: no complete sh block in the section %q", path, section)
	}
	return w, nil
}

// shape is the walkthrough's commands, one line per step: what the test
// knows how to play.
func (w *walkthrough) shape() string {
	var b strings.Builder
	for _, st := range w.steps {
		var cmds []string
		for _, c := range st.cmds {
			cmds = append(cmds, strings.Join(c, " "))
		}
		fmt.Fprintf(&b, "%s: %s\n", st.term, strings.Join(cmds, " ; "))
	}
	return b.String()
}

// The walkthrough this test plays. When the README changes its commands
// the test fails here: change the README and this together, then play the
// new walkthrough below.
const walkShape = `2: baton apply docs/examples/team-demo.hcl
3: baton runs ; baton status RUN ; baton approve RUN cab --by cab-chair
2: baton resume RUN
3: baton resume RUN
`

// TestREADMEWalkthrough plays the README's three-terminal walkthrough of
// the team backend, parsed from README.md, with the kill branch: Azurite
// started with the README's arguments (on a free port, which the
// connection string is given instead of 10000), the README's exports,
// then in terminal 2 `baton apply docs/examples/team-demo.hcl` (exit 4,
// as the README says), in terminal 3 `baton runs`, `baton status RUN`
// and `baton approve RUN cab --by cab-chair`, in terminal 2 `baton resume
// RUN`, killed -9 during its 20 s action, and in terminal 3 `baton resume
// RUN`, which takes the run over at once (the killed owner is provably
// gone on this machine), waits for the killed attempt's program to end,
// runs the action again and succeeds. The journal then verifies and
// records the orphan. It takes about 42 s (the action's 20 s twice), so
// it runs only when not -short or when BATON_REQUIRE_AZURITE=1 (CI).
func TestREADMEWalkthrough(t *testing.T) {
	if testing.Short() && os.Getenv("BATON_REQUIRE_AZURITE") != "1" {
		t.Skip("plays the README's walkthrough, whose action takes 20 s twice")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	w, err := readWalkthrough(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if got := w.shape(); got != walkShape {
		t.Fatalf("the README's walkthrough changed:\n%s\nthis test plays:\n%s", got, walkShape)
	}
	exe := azuritetest.Need(t)
	bin := plainBaton(t)
	az, err := azuritetest.LaunchArgs(exe, azuritetest.FreePort(t), w.azurite...)
	if err != nil {
		t.Fatalf("Azurite with the README's arguments %q: %v", w.azurite, err)
	}
	t.Cleanup(az.Stop)

	// The README's exports, the connection string pointed at this Azurite.
	conn, loc := w.env["AZURE_STORAGE_CONNECTION_STRING"], w.env["BATON_STATE"]
	if !strings.Contains(conn, "127.0.0.1:10000/") || loc == "" || len(w.env) != 2 {
		t.Fatalf("the README exports %v; want AZURE_STORAGE_CONNECTION_STRING for Azurite's default port 127.0.0.1:10000 and BATON_STATE", w.env)
	}
	conn = strings.Replace(conn, "127.0.0.1:10000/", fmt.Sprintf("127.0.0.1:%d/", az.Port), 1)
	if conn != az.ConnString() {
		t.Errorf("the README's connection string is not Azurite's development string:\n%s\n%s", conn, az.ConnString())
	}
	cfg := t.TempDir()
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if (strings.HasPrefix(k, "BATON_") && k != "BATON_TEST_AS_BATON") || strings.HasPrefix(k, "AZURE_") || k == "XDG_CONFIG_HOME" {
			continue // a terminal of its own: nothing but the README's exports
		}
		env = append(env, kv)
	}
	// Both terminals on one machine: one configuration directory and spool.
	env = append(env, "AZURE_STORAGE_CONNECTION_STRING="+conn, "BATON_STATE="+loc, "XDG_CONFIG_HOME="+cfg, "NO_COLOR=1")

	runID := ""
	command := func(words []string) *exec.Cmd {
		args := make([]string, 0, len(words)-1)
		for _, a := range words[1:] {
			if a == "RUN" {
				a = runID
			}
			args = append(args, a)
		}
		cmd := exec.Command(bin, args...)
		cmd.Dir, cmd.Env = root, env
		return cmd
	}
	play := func(st walkStep, words []string) string {
		t.Helper()
		want := 0
		if m := walkExit.FindStringSubmatch(st.comment); m != nil {
			want, _ = strconv.Atoi(m[1])
		}
		start := time.Now()
		out, err := command(words).CombinedOutput()
		t.Logf("terminal %s: %s: exit %d in %s", st.term, strings.Join(words, " "), exitCode(err), time.Since(start).Round(10*time.Millisecond))
		if code := exitCode(err); code != want {
			t.Fatalf("terminal %s: %s: exit %d, the README says %d:\n%s", st.term, strings.Join(words, " "), code, want, out)
		}
		return string(out)
	}
	begin := time.Now()

	// 2: apply pauses at the approval; its output names the run.
	out := play(w.steps[0], w.steps[0].cmds[0])
	m := regexp.MustCompile(`Run (\S+) started`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("apply did not name its run:\n%s", out)
	}
	runID = m[1]
	// 3: runs lists it, status shows the approval awaited, approve answers it.
	checks := []string{runID, "awaiting_approval", "Approved cab of run " + runID + " as cab-chair"}
	for i, words := range w.steps[1].cmds {
		if out := play(w.steps[1], words); !strings.Contains(out, checks[i]) {
			t.Errorf("terminal 3: %s does not say %q:\n%s", strings.Join(words, " "), checks[i], out)
		}
	}
	// 2: resume runs the 20 s action; kill -9 it meanwhile, as the README's
	// comment says ("or kill it with kill -9 during its 20 s action").
	if !strings.Contains(w.steps[2].comment, "kill -9 during its 20 s action") {
		t.Fatalf("the README no longer kills the resume during its action: %q", w.steps[2].comment)
	}
	owner := command(w.steps[2].cmds[0])
	ownerOut := &watchedOutput{}
	owner.Stdout, owner.Stderr = ownerOut, ownerOut
	if err := owner.Start(); err != nil {
		t.Fatal(err)
	}
	ownerOut.waitFor(t, "action change: started", 30*time.Second)
	if !strings.Contains(ownerOut.String(), "action change: started") {
		_ = owner.Process.Kill()
		_ = owner.Wait()
		t.Fatalf("terminal 2: baton resume did not start the action:\n%s", ownerOut)
	}
	// Kill it as an operator would, a moment into the action: once the
	// step record names the action's program (a kill before that leaves
	// nothing running to wait for), and a second later, when sh has
	// started sleep. The walkthrough's length does not depend on when:
	// the killed attempt's program ends 20 s after it started.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := azblob.Open(ctx, loc, azblob.Options{ConnectionString: conn, NoSpool: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	waitFor(t, func() bool {
		rec, err := st.Step(runID, "change")
		return err == nil && rec.Process != nil
	})
	time.Sleep(time.Second)
	if err := owner.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = owner.Wait()
	t.Logf("terminal 2: baton resume killed -9 during its action, %s in", time.Since(begin).Round(10*time.Millisecond))

	// 3: resume takes the run over, waits for the killed attempt's
	// program, runs the action again, and the run succeeds.
	out = play(w.steps[3], w.steps[3].cmds[0])
	for _, want := range []string{"IN DOUBT", "is still running; waiting for it to end", "action change: succeeded", "Run " + runID + " succeeded"} {
		if !strings.Contains(out, want) {
			t.Errorf("terminal 3: baton resume does not say %q:\n%s", want, out)
		}
	}
	t.Logf("the walkthrough took %s", time.Since(begin).Round(100*time.Millisecond))

	if _, err := st.VerifyJournal(runID); err != nil {
		t.Errorf("VerifyJournal: %v", err)
	}
	j, err := st.Journal(runID)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, e := range j {
		seen[e.Type]++
	}
	if seen["step.orphan_found"] != 1 || seen["step.orphan_ended"] != 1 || seen["run.owner_taken_over"] != 1 {
		t.Errorf("journal: %d orphan_found, %d orphan_ended, %d owner_taken_over entries; want one each", seen["step.orphan_found"], seen["step.orphan_ended"], seen["run.owner_taken_over"])
	}
	if rec, err := st.Step(runID, "change"); err != nil || rec.Status != state.StepSucceeded {
		t.Errorf("step change: %+v, %v; want succeeded", rec, err)
	}
}
