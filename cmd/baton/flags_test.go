package main

import (
	"bufio"
	"context"
	"strings"
	"testing"
)

// flagDoc is one flag as a command's --help shows it.
type flagDoc struct{ kind, usage string }

// helpFlags runs `baton NAME -help` in process and returns its flags.
func helpFlags(t *testing.T, name string) map[string]flagDoc {
	t.Helper()
	var out strings.Builder
	env := &cliEnv{io: stdio{in: strings.NewReader(""), out: &out, err: &out}, log: newLogger(&out, nil), ctx: context.Background()}
	commands[name].run(context.Background(), env, []string{"-help"})
	flags := map[string]flagDoc{}
	var cur string
	sc := bufio.NewScanner(strings.NewReader(out.String()))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "  -"):
			f := strings.Fields(line)
			cur = strings.TrimPrefix(f[0], "-")
			d := flagDoc{}
			if len(f) > 1 {
				d.kind = f[1]
			}
			flags[cur] = d
		case strings.HasPrefix(line, "    \t") && cur != "":
			d := flags[cur]
			d.usage += strings.TrimSpace(line)
			flags[cur] = d
		}
	}
	if len(flags) == 0 {
		t.Fatalf("baton %s -help lists no flags:\n%s", name, out.String())
	}
	return flags
}

// TestOneFlagVocabulary: where apply, resume, rehearse, review and plan
// take the same thing (inputs, a simulated site, answers, the state), they
// take it under the same name, with the same type and help text.
func TestOneFlagVocabulary(t *testing.T) {
	groups := []struct {
		concept  string
		flags    []string
		commands []string
		kindOnly bool // the same name and type; the help says what this command does with it
	}{
		{"inputs", []string{"var", "var-file"}, []string{"plan", "apply", "resume", "rehearse", "review"}, false},
		{"site", []string{"site", "scenario", "target"}, []string{"plan", "rehearse", "review"}, false},
		{"answers", []string{"approvals", "approval-delay"}, []string{"rehearse", "review"}, false},
		{"state", []string{"state"}, []string{"apply", "resume", "review", "runs", "status", "approve", "journal", "locks"}, false},
		// A rehearsal's --state keeps its own file, never the live state.
		{"rehearsal state", []string{"state"}, []string{"apply", "rehearse"}, true},
		{"signers", []string{"allowed-signers"}, []string{"apply", "resume", "approve"}, false},
		{"machine output", []string{"json"}, []string{"plan", "apply", "resume", "rehearse"}, true},
	}
	docs := map[string]map[string]flagDoc{}
	for _, g := range groups {
		for _, c := range g.commands {
			if docs[c] == nil {
				docs[c] = helpFlags(t, c)
			}
		}
	}
	for _, g := range groups {
		for _, f := range g.flags {
			first := g.commands[0]
			want, ok := docs[first][f]
			if !ok {
				t.Errorf("%s: baton %s has no -%s", g.concept, first, f)
				continue
			}
			for _, c := range g.commands[1:] {
				got, ok := docs[c][f]
				switch {
				case !ok:
					t.Errorf("%s: baton %s has no -%s (baton %s has)", g.concept, c, f, first)
				case g.kindOnly && got.kind != want.kind, !g.kindOnly && got != want:
					t.Errorf("%s: -%s differs between baton %s (%v) and baton %s (%v)", g.concept, f, first, want, c, got)
				}
			}
		}
	}
	// --approve-all is everywhere answers are; only its default differs:
	// review's evidence rehearsal must run to its end.
	for _, c := range []string{"rehearse", "review"} {
		if d, ok := docs[c]["approve-all"]; !ok || d.kind != "" {
			t.Errorf("baton %s: -approve-all missing or not a switch (%v)", c, d)
		}
	}
}
