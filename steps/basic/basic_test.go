package basic

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/steps"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// decode decodes HCL arguments with the kind's spec, as the engine does.
func decode(t *testing.T, k steps.Kind, src string) cty.Value {
	t.Helper()
	f, diags := hclsyntax.ParseConfig([]byte(src), "test.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	v, diags := hcldec.Decode(f.Body, k.Spec(), nil)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return v
}

type fakeClock struct {
	now    time.Time
	slept  []time.Duration
	cancel bool
}

func (c *fakeClock) Now() time.Time { return c.now }
func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if c.cancel {
		return context.Canceled
	}
	c.slept = append(c.slept, d)
	c.now = c.now.Add(d)
	return ctx.Err()
}

func run(t *testing.T, k steps.Kind, args cty.Value, clock steps.Clock) (cty.Value, error) {
	t.Helper()
	return k.Run(t.Context(), steps.Request{Args: args, Clock: clock, Step: "s", Attempt: 1, IdempotencyKey: "run1/s"})
}

func TestAssert(t *testing.T) {
	tests := []struct {
		src, err string
	}{
		{`condition = true`, ""},
		{`condition = 1 < 2` + "\n" + `message = "x"`, ""},
		{`condition = false` + "\n" + `message = "disk too full"`, "disk too full"},
		{`condition = false`, "condition is false"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			out, err := run(t, Assert{}, decode(t, Assert{}, tt.src), nil)
			if tt.err == "" {
				if err != nil || !out.RawEquals(cty.EmptyObjectVal) {
					t.Fatalf("got %#v, %v", out, err)
				}
				return
			}
			if err == nil || err.Error() != tt.err && !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("err = %v, want %q", err, tt.err)
			}
		})
	}
}

func TestSleepUsesClock(t *testing.T) {
	tests := []struct {
		src  string
		want time.Duration
		err  string
	}{
		{`duration = "30m"`, 30 * time.Minute, ""},
		{`duration = "1h30m5s"`, 90*time.Minute + 5*time.Second, ""},
		{`duration = "soon"`, 0, `"soon" is not a duration`},
		{`duration = "-1s"`, 0, "is not a duration"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			c := &fakeClock{}
			start := time.Now()
			_, err := run(t, Sleep{}, decode(t, Sleep{}, tt.src), c)
			if time.Since(start) > time.Second {
				t.Error("slept for real")
			}
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if err != nil || len(c.slept) != 1 || c.slept[0] != tt.want {
				t.Fatalf("slept %v, err %v; want %s", c.slept, err, tt.want)
			}
		})
	}
	_, err := run(t, Sleep{}, decode(t, Sleep{}, `duration = "1s"`), &fakeClock{cancel: true})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled sleep: err = %v", err)
	}
}

func TestTCP(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	open := ln.Addr().(*net.TCPAddr).Port
	closedLn, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := closedLn.Addr().(*net.TCPAddr).Port
	closedLn.Close()

	tests := []struct {
		name      string
		src       string
		reachable bool
		err       string
	}{
		{"open", `host = "127.0.0.1"` + "\nport = " + strconv.Itoa(open), true, ""},
		{"closed", `host = "127.0.0.1"` + "\nport = " + strconv.Itoa(closed) + "\nconnect_timeout = \"1s\"", false, ""},
		{"bad port", `host = "127.0.0.1"` + "\nport = 0", false, "not a TCP port"},
		{"fractional port", `host = "127.0.0.1"` + "\nport = 1.5", false, "whole number"},
		{"bad timeout", `host = "127.0.0.1"` + "\nport = 1\nconnect_timeout = \"x\"", false, "not a duration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := run(t, TCP{}, decode(t, TCP{}, tt.src), nil)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !out.Type().Equals(TCPOutput) {
				t.Fatalf("output type %s", out.Type().FriendlyName())
			}
			if out.GetAttr("reachable").True() != tt.reachable {
				t.Errorf("reachable = %v, want %v", out.GetAttr("reachable").True(), tt.reachable)
			}
			if !tt.reachable && out.GetAttr("error").AsString() == "" {
				t.Error("no error text for an unreachable port")
			}
			if !strings.HasPrefix(out.GetAttr("address").AsString(), "127.0.0.1:") {
				t.Errorf("address %q", out.GetAttr("address").AsString())
			}
		})
	}
}

func TestNoop(t *testing.T) {
	if out, err := run(t, Noop{}, decode(t, Noop{}, ``), nil); err != nil || !out.RawEquals(cty.EmptyObjectVal) {
		t.Errorf("noop: %#v %v", out, err)
	}
}

func TestDescribe(t *testing.T) {
	secret := cty.StringVal("s3cret").Mark(steps.Sensitive)
	obj := func(m map[string]cty.Value) cty.Value { return cty.ObjectVal(m) }
	tests := []struct {
		kind steps.Kind
		args cty.Value
		want string
	}{
		{Assert{}, obj(map[string]cty.Value{"condition": cty.UnknownVal(cty.Bool), "message": cty.StringVal("too full")}),
			"assert that the condition holds (now (known at run time))\n[message if false]\n\"too full\""},
		{Assert{}, obj(map[string]cty.Value{"condition": cty.True, "message": secret}),
			"assert that the condition holds (now true)\n[message if false]\n(sensitive)"},
		{Sleep{}, obj(map[string]cty.Value{"duration": cty.StringVal("30s")}), `wait "30s"`},
		{Sleep{}, cty.DynamicVal, `wait (known at run time)`},
		{TCP{}, obj(map[string]cty.Value{"host": cty.UnknownVal(cty.String), "port": cty.NumberIntVal(1433), "connect_timeout": cty.NullVal(cty.String)}),
			`probe TCP (known at run time) port 1433 (timeout "5s")`},
		{TCP{}, obj(map[string]cty.Value{"host": secret, "port": cty.NumberIntVal(1433), "connect_timeout": cty.StringVal("1s")}).Mark(steps.Sensitive),
			`probe TCP (sensitive) port (sensitive) (timeout (sensitive))`},
		{Noop{}, cty.EmptyObjectVal, "do nothing"},
	}
	for _, tt := range tests {
		t.Run(tt.kind.Name(), func(t *testing.T) {
			d := tt.kind.Describe(tt.args)
			got := d.Summary
			for _, det := range d.Details {
				got += "\n[" + det.Label + "]\n" + det.Text
			}
			if got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
			if strings.Contains(got, "s3cret") {
				t.Error("secret leaked")
			}
		})
	}
}

func TestKinds(t *testing.T) {
	reg := steps.NewRegistry().Register(Kinds()...)
	want := []string{"assert", "noop", "sleep", "tcp"}
	if got := reg.KindNames(); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("kinds %v", got)
	}
	for _, k := range Kinds() {
		if k.Doc() == "" {
			t.Errorf("%s has no Doc", k.Name())
		}
		if k.Effect() != steps.ReadOnly {
			t.Errorf("%s effect %v", k.Name(), k.Effect())
		}
	}
}

// TestPure: the types that touch nothing say so (a rehearsal runs them);
// tcp reaches the network and does not.
func TestPure(t *testing.T) {
	tests := []struct {
		kind steps.Kind
		pure bool
	}{
		{Assert{}, true},
		{Sleep{}, true},
		{Noop{}, true},
		{TCP{}, false},
	}
	for _, tt := range tests {
		if _, ok := tt.kind.(steps.Pure); ok != tt.pure {
			t.Errorf("%s: Pure %v, want %v", tt.kind.Name(), ok, tt.pure)
		}
		if _, ok := tt.kind.(steps.StandIn); ok {
			t.Errorf("%s: offers a rehearsal stand-in", tt.kind.Name())
		}
	}
}
