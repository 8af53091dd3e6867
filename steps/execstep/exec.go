// Package execstep holds the step types that run programs on the runner:
// exec (an argument vector, optionally through the system shell) and
// powershell (a script with parameters passed as data, optionally with
// the ConfigurationManager module loaded).
package execstep

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"sort"
	"strings"

	"github.com/batonhq/baton/steps"
	"github.com/batonhq/baton/steps/shell"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/gocty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// Kinds returns the step types of this package.
func Kinds() []steps.Kind { return []steps.Kind{Exec{}, PowerShell{}} }

// ExecOutput is the output type of exec.
var ExecOutput = cty.Object(map[string]cty.Type{
	"exit_code": cty.Number, "stdout": cty.String, "stderr": cty.String, "json": cty.DynamicPseudoType,
})

// Exec runs a program with an argument vector; only with shell = true is
// the command given to sh -c (cmd /C on Windows).
type Exec struct{}

func (Exec) Name() string { return "exec" }
func (Exec) Doc() string {
	return "run a program (command = [argv...]); shell = true runs command[0] with sh -c / cmd /C"
}
func (Exec) Effect() steps.Effect { return steps.Mutating }
func (Exec) TargetType() string   { return "" }
func (Exec) OutputType() cty.Type { return ExecOutput }
func (Exec) Spec() hcldec.Spec {
	return hcldec.ObjectSpec{
		"command":       &hcldec.AttrSpec{Name: "command", Type: cty.List(cty.String), Required: true},
		"shell":         &hcldec.AttrSpec{Name: "shell", Type: cty.Bool},
		"env":           &hcldec.AttrSpec{Name: "env", Type: cty.Map(cty.String)},
		"dir":           &hcldec.AttrSpec{Name: "dir", Type: cty.String},
		"stdin":         &hcldec.AttrSpec{Name: "stdin", Type: cty.String},
		"parse_json":    &hcldec.AttrSpec{Name: "parse_json", Type: cty.Bool},
		"max_output":    &hcldec.AttrSpec{Name: "max_output", Type: cty.Number},
		"success_codes": &hcldec.AttrSpec{Name: "success_codes", Type: cty.List(cty.Number)},
	}
}

func (Exec) Describe(args cty.Value) steps.Description {
	cmd := steps.Attr(args, "command")
	sh := steps.Attr(args, "shell")
	var summary string
	switch {
	case !sh.IsKnown() || sh.IsMarked():
		summary = "run " + steps.Show(cmd) + " (through the shell: known at run time)"
	case !sh.IsNull() && sh.True():
		summary = "run through " + strings.Join(shellPrefix(), " ") + ": " + steps.Show(cmd)
	default:
		summary = "run " + steps.Show(cmd)
	}
	var details []steps.Detail
	for _, a := range []struct{ name, label string }{{"dir", "directory"}, {"env", "environment"}, {"stdin", "stdin"}, {"success_codes", "success exit codes"}} {
		v := steps.Attr(args, a.name)
		if v.IsKnown() && v.IsNull() {
			continue
		}
		details = append(details, steps.Detail{Label: a.label, Text: steps.ShowMap(v)})
	}
	return steps.Description{Summary: summary, Details: details}
}

func shellPrefix() []string {
	if runtime.GOOS == "windows" {
		return []string{"cmd", "/C"}
	}
	return []string{"sh", "-c"}
}

func (Exec) Run(ctx context.Context, req steps.Request) (cty.Value, error) {
	args, err := steps.RunArgs(req)
	if err != nil {
		return cty.NilVal, err
	}
	var argv []string
	if err := gocty.FromCtyValue(steps.Attr(args, "command"), &argv); err != nil || len(argv) == 0 {
		return cty.NilVal, errors.New("command must be a non-empty list of strings: command = [\"/usr/bin/systemctl\", \"status\", \"sshd\"]")
	}
	if steps.ArgBool(args, "shell", false) {
		p := shellPrefix()
		if runtime.GOOS == "windows" {
			argv = append(p, argv...)
		} else {
			// sh -c script baton arg1 arg2: extra elements become $1, $2.
			argv = append(append(p, argv[0], "baton"), argv[1:]...)
		}
	}
	maxOut, err := steps.ArgInt(args, "max_output", 0)
	if err != nil {
		return cty.NilVal, err
	}
	codes := []int{0}
	if v := steps.Attr(args, "success_codes"); !v.IsNull() {
		if err := gocty.FromCtyValue(v, &codes); err != nil {
			return cty.NilVal, fmt.Errorf("success_codes must be whole numbers: %w", err)
		}
	}
	c := shell.Command{
		Path:      argv[0],
		Args:      argv[1:],
		Env:       envList(steps.ArgStringMap(args, "env")),
		Dir:       steps.ArgString(args, "dir", ""),
		Stdin:     steps.ArgString(args, "stdin", ""),
		MaxOutput: maxOut,
		OnStart:   onStart(req),
	}
	res, err := shell.Run(ctx, c)
	writeOutput(req.Output, res)
	if err != nil {
		return cty.NilVal, err
	}
	if !slices.Contains(codes, res.ExitCode) {
		return cty.NilVal, exitError(argv[0], res.ExitCode, codes)
	}
	js := cty.NullVal(cty.DynamicPseudoType)
	if steps.ArgBool(args, "parse_json", false) {
		if res.Truncated {
			return cty.NilVal, fmt.Errorf("the output of %s was cut at max_output, so it cannot be parsed as JSON: raise max_output", argv[0])
		}
		if js, err = parseJSON([]byte(res.Stdout)); err != nil {
			return cty.NilVal, fmt.Errorf("parse_json: the output of %s %w", argv[0], err)
		}
	}
	return cty.ObjectVal(map[string]cty.Value{
		"exit_code": cty.NumberIntVal(int64(res.ExitCode)),
		"stdout":    cty.StringVal(res.Stdout),
		"stderr":    cty.StringVal(res.Stderr),
		"json":      js,
	}), nil
}

// onStart passes the started program to req.OnProcess, if set.
func onStart(req steps.Request) func(pid int, start string) {
	if req.OnProcess == nil {
		return nil
	}
	return func(pid int, start string) { req.OnProcess(steps.Process{PID: pid, Start: start}) }
}

// exitError does not quote the program's output: it may hold secrets the
// engine only redacts in req.Output.
func exitError(prog string, code int, ok []int) error {
	return fmt.Errorf("%s exited with code %d (success_codes %v): see the step's output for its stderr", prog, code, ok)
}

func envList(m map[string]string) []string {
	if len(m) == 0 {
		return nil
	}
	out := make([]string, 0, len(m))
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

func writeOutput(w io.Writer, res shell.Result) {
	if w == nil {
		return
	}
	io.WriteString(w, res.Stdout)
	if res.Stderr != "" {
		io.WriteString(w, res.Stderr)
	}
	if res.Truncated {
		io.WriteString(w, "\n(output truncated at max_output)\n")
	}
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
