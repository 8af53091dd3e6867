// Package basic holds the step types that need no target and no external
// program: assert, sleep, tcp and noop.
package basic

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/batonhq/baton/steps"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"
)

// Kinds returns every step type of this package.
func Kinds() []steps.Kind {
	return []steps.Kind{Assert{}, Sleep{}, TCP{}, Noop{}}
}

// Assert fails the step with a message when a condition is false.
type Assert struct{}

func (Assert) Name() string         { return "assert" }
func (Assert) Doc() string          { return "fail with message unless condition is true" }
func (Assert) Effect() steps.Effect { return steps.ReadOnly }
func (Assert) TargetType() string   { return "" }

// Pure implements steps.Pure: assert touches nothing.
func (Assert) Pure()                {}
func (Assert) OutputType() cty.Type { return cty.EmptyObject }
func (Assert) Spec() hcldec.Spec {
	return hcldec.ObjectSpec{
		"condition": &hcldec.AttrSpec{Name: "condition", Type: cty.Bool, Required: true},
		"message":   &hcldec.AttrSpec{Name: "message", Type: cty.String},
	}
}

func (Assert) Describe(args cty.Value) steps.Description {
	d := steps.Description{Summary: "assert that the condition holds (now " + steps.Show(steps.Attr(args, "condition")) + ")"}
	if m := steps.Attr(args, "message"); !m.IsNull() {
		d.Details = append(d.Details, steps.Detail{Label: "message if false", Text: steps.Show(m)})
	}
	return d
}

func (Assert) Run(ctx context.Context, req steps.Request) (cty.Value, error) {
	args, err := steps.RunArgs(req)
	if err != nil {
		return cty.NilVal, err
	}
	if steps.Attr(args, "condition").True() {
		return cty.EmptyObjectVal, nil
	}
	msg := steps.ArgString(args, "message", "")
	if msg == "" {
		msg = "the assertion's condition is false"
	}
	return cty.NilVal, errors.New(msg)
}

// Sleep waits for a duration on the run's clock (virtual in rehearsals).
type Sleep struct{}

func (Sleep) Name() string         { return "sleep" }
func (Sleep) Doc() string          { return "wait for a duration (e.g. \"30s\") on the run's clock" }
func (Sleep) Effect() steps.Effect { return steps.ReadOnly }
func (Sleep) TargetType() string   { return "" }

// Pure implements steps.Pure: sleep only waits, on the run's clock.
func (Sleep) Pure()                {}
func (Sleep) OutputType() cty.Type { return cty.EmptyObject }
func (Sleep) Spec() hcldec.Spec {
	return hcldec.ObjectSpec{
		"duration": &hcldec.AttrSpec{Name: "duration", Type: cty.String, Required: true},
	}
}

func (Sleep) Describe(args cty.Value) steps.Description {
	return steps.Description{Summary: "wait " + steps.Show(steps.Attr(args, "duration"))}
}

func (Sleep) Run(ctx context.Context, req steps.Request) (cty.Value, error) {
	args, err := steps.RunArgs(req)
	if err != nil {
		return cty.NilVal, err
	}
	d, err := steps.ArgDuration(args, "duration", 0)
	if err != nil {
		return cty.NilVal, err
	}
	if req.Clock == nil {
		return cty.NilVal, errors.New("sleep has no clock: this is an engine bug, please report it")
	}
	if err := req.Clock.Sleep(ctx, d); err != nil {
		return cty.NilVal, fmt.Errorf("sleep of %s interrupted: %w", d, err)
	}
	return cty.EmptyObjectVal, nil
}

// TCP probes whether a TCP port accepts connections. An unreachable port
// is an output (reachable = false), not a failure.
type TCP struct{}

// TCPOutput is the output type of tcp.
var TCPOutput = cty.Object(map[string]cty.Type{"reachable": cty.Bool, "address": cty.String, "error": cty.String})

func (TCP) Name() string         { return "tcp" }
func (TCP) Doc() string          { return "probe a TCP port; output reachable, address, error" }
func (TCP) Effect() steps.Effect { return steps.ReadOnly }
func (TCP) TargetType() string   { return "" }
func (TCP) OutputType() cty.Type { return TCPOutput }
func (TCP) Spec() hcldec.Spec {
	return hcldec.ObjectSpec{
		"host":            &hcldec.AttrSpec{Name: "host", Type: cty.String, Required: true},
		"port":            &hcldec.AttrSpec{Name: "port", Type: cty.Number, Required: true},
		"connect_timeout": &hcldec.AttrSpec{Name: "connect_timeout", Type: cty.String},
	}
}

func (TCP) Describe(args cty.Value) steps.Description {
	timeout := steps.Attr(args, "connect_timeout")
	if timeout.IsNull() {
		timeout = cty.StringVal("5s")
	}
	return steps.Description{Summary: fmt.Sprintf("probe TCP %s port %s (timeout %s)",
		steps.Show(steps.Attr(args, "host")), steps.Show(steps.Attr(args, "port")), steps.Show(timeout))}
}

func (TCP) Run(ctx context.Context, req steps.Request) (cty.Value, error) {
	args, err := steps.RunArgs(req)
	if err != nil {
		return cty.NilVal, err
	}
	timeout, err := steps.ArgDuration(args, "connect_timeout", 5*time.Second)
	if err != nil {
		return cty.NilVal, err
	}
	port, err := steps.ArgInt(args, "port", 0)
	if err != nil {
		return cty.NilVal, err
	}
	if port < 1 || port > 65535 {
		return cty.NilVal, fmt.Errorf("port %d is not a TCP port: use 1-65535", port)
	}
	addr := net.JoinHostPort(steps.ArgString(args, "host", ""), strconv.Itoa(port))
	d := net.Dialer{Timeout: timeout}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if ctx.Err() != nil {
		return cty.NilVal, fmt.Errorf("probing %s was stopped: %w", addr, ctx.Err())
	}
	out := map[string]cty.Value{"address": cty.StringVal(addr), "reachable": cty.True, "error": cty.StringVal("")}
	if err != nil {
		out["reachable"] = cty.False
		out["error"] = cty.StringVal(err.Error())
	} else {
		conn.Close()
	}
	return cty.ObjectVal(out), nil
}

// Noop does nothing; it is a place to hang dependencies or a checkpoint.
type Noop struct{}

func (Noop) Name() string         { return "noop" }
func (Noop) Doc() string          { return "do nothing (read-only)" }
func (Noop) Effect() steps.Effect { return steps.ReadOnly }
func (Noop) TargetType() string   { return "" }

// Pure implements steps.Pure.
func (Noop) Pure()                {}
func (Noop) OutputType() cty.Type { return cty.EmptyObject }
func (Noop) Spec() hcldec.Spec    { return hcldec.ObjectSpec{} }
func (Noop) Describe(cty.Value) steps.Description {
	return steps.Description{Summary: "do nothing"}
}
func (Noop) Run(context.Context, steps.Request) (cty.Value, error) { return cty.EmptyObjectVal, nil }
