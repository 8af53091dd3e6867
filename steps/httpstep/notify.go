package httpstep

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/batonhq/baton/steps"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"
)

// Notify posts a message to an incoming webhook (Teams, Slack): a JSON
// document {"text": message and fields as lines, "fields": {...}}.
type Notify struct{}

// NotifyOutput is the output type of notify.
var NotifyOutput = cty.Object(map[string]cty.Type{"status": cty.Number})

func (Notify) Name() string { return "notify" }
func (Notify) Doc() string {
	return `post {"text": message} to an incoming webhook (Teams, Slack); fields are added as "name: value" lines`
}
func (Notify) Effect() steps.Effect { return steps.Mutating }
func (Notify) TargetType() string   { return "" }
func (Notify) OutputType() cty.Type { return NotifyOutput }
func (Notify) Spec() hcldec.Spec {
	return hcldec.ObjectSpec{
		"webhook_url":     &hcldec.AttrSpec{Name: "webhook_url", Type: cty.String, Required: true},
		"message":         &hcldec.AttrSpec{Name: "message", Type: cty.String, Required: true},
		"fields":          &hcldec.AttrSpec{Name: "fields", Type: cty.Map(cty.String)},
		"request_timeout": &hcldec.AttrSpec{Name: "request_timeout", Type: cty.String},
	}
}

func (Notify) Describe(args cty.Value) steps.Description {
	// The webhook URL is a credential (its path is the secret): never shown.
	d := steps.Description{Summary: "post a notification to the webhook (sensitive)",
		Details: []steps.Detail{{Label: "message", Text: steps.Show(steps.Attr(args, "message"))}}}
	if f := steps.Attr(args, "fields"); !(f.IsKnown() && f.IsNull()) {
		d.Details = append(d.Details, steps.Detail{Label: "fields", Text: steps.ShowMap(f)})
	}
	return d
}

func (Notify) Run(ctx context.Context, req steps.Request) (cty.Value, error) {
	args, err := steps.RunArgs(req)
	if err != nil {
		return cty.NilVal, err
	}
	client, err := newClient(args)
	if err != nil {
		return cty.NilVal, err
	}
	fields := steps.ArgStringMap(args, "fields")
	doc, err := json.Marshal(notification(steps.ArgString(args, "message", ""), fields))
	if err != nil {
		return cty.NilVal, fmt.Errorf("encoding the notification: %w", err)
	}
	res, err := do(ctx, client, "POST", steps.ArgString(args, "webhook_url", ""), map[string]string{"Content-Type": "application/json"}, "", bytes.NewReader(doc), 64<<10)
	if err != nil {
		return cty.NilVal, fmt.Errorf("notify: %w", err)
	}
	if res.status < 200 || res.status > 299 {
		return cty.NilVal, fmt.Errorf("notify: %w", statusError("POST", res.host, res.status, nil))
	}
	return cty.ObjectVal(map[string]cty.Value{"status": cty.NumberIntVal(int64(res.status))}), nil
}

type message struct {
	Text   string            `json:"text"`
	Fields map[string]string `json:"fields,omitempty"`
}

func notification(text string, fields map[string]string) message {
	if len(fields) == 0 {
		return message{Text: text}
	}
	names := make([]string, 0, len(fields))
	for k := range fields {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString(text)
	for _, k := range names {
		fmt.Fprintf(&b, "\n%s: %s", k, fields[k])
	}
	return message{Text: b.String(), Fields: fields}
}
