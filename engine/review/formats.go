package review

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/batonhq/baton/engine/plan"
	"github.com/batonhq/baton/engine/runbook"
	"github.com/batonhq/baton/internal/inputfile"
	"github.com/batonhq/baton/state"
)

// Format is a form of the documents review writes.
type Format string

// Formats. HTML is for a plan's change record only.
const (
	FormatMarkdown   Format = "markdown"
	FormatHTML       Format = "html"
	FormatServiceNow Format = "servicenow"
	FormatJira       Format = "jira"
)

// ErrUnknownFormat is wrapped by ParseFormat; ErrNoRunHTML by WriteRun
// asked for HTML.
var (
	ErrUnknownFormat = errors.New("unknown format")
	ErrNoRunHTML     = errors.New("the post-implementation report of a run has no HTML form")
)

// ParseFormat parses a format name ("md" is markdown).
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(s)); f {
	case "md":
		return FormatMarkdown, nil
	case FormatMarkdown, FormatHTML, FormatServiceNow, FormatJira:
		return f, nil
	}
	return "", fmt.Errorf("%w %q: the formats are markdown, html, servicenow and jira", ErrUnknownFormat, s)
}

// TicketConfig is what differs between ticketing-tool instances: the
// ServiceNow change category, the Jira project and custom field ids.
type TicketConfig struct {
	ServiceNow ServiceNowConfig `json:"servicenow"`
	Jira       JiraConfig       `json:"jira"`
}

// ticketConfigLimit bounds a ticket configuration file.
const ticketConfigLimit = 1 << 20

// LoadTicketConfig reads a ticket configuration file (JSON, see
// docs/review.md), refusing unknown keys and malformed ids.
func LoadTicketConfig(path string) (TicketConfig, error) {
	var c TicketConfig
	b, err := inputfile.Read(path, ticketConfigLimit, "ticket configuration file")
	if err != nil {
		return c, fmt.Errorf("reading the ticket configuration: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return c, fmt.Errorf("ticket configuration %s is not valid (%w); docs/review.md shows its keys", path, err)
	}
	if dec.More() {
		return c, fmt.Errorf("ticket configuration %s holds more than one JSON object; keep one", path)
	}
	if err := c.Jira.Check(true); err != nil {
		return c, fmt.Errorf("ticket configuration %s: %w", path, err)
	}
	return c, nil
}

// WritePlan writes the change record of plan p in format f.
func (f Format) WritePlan(w io.Writer, p *plan.Plan, rb *runbook.Runbook, ev Evidence, cfg TicketConfig) error {
	switch f {
	case FormatMarkdown:
		return Markdown(w, p, rb, ev)
	case FormatHTML:
		return HTML(w, p, rb, ev)
	case FormatServiceNow:
		return ServiceNow(w, p, rb, ev, cfg.ServiceNow)
	case FormatJira:
		return Jira(w, p, rb, ev, cfg.Jira)
	}
	return fmt.Errorf("%w %q", ErrUnknownFormat, f)
}

// WriteRun writes the post-implementation report of a run in format f.
func (f Format) WriteRun(w io.Writer, run state.Run, steps []state.StepRecord, journal []state.JournalEntry, head string, cfg TicketConfig) error {
	switch f {
	case FormatMarkdown:
		return PostImplementation(w, run, steps, journal, head)
	case FormatHTML:
		return ErrNoRunHTML
	case FormatServiceNow:
		return ServiceNowClose(w, run, steps, journal, head)
	case FormatJira:
		return JiraReport(w, run, steps, journal, head, cfg.Jira)
	}
	return fmt.Errorf("%w %q", ErrUnknownFormat, f)
}
