package plan

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/batonhq/baton/engine/digest"
	"github.com/batonhq/baton/internal/inputfile"
)

// JSON returns the plan as one canonical JSON document (format_version
// "1.0"), indented, ending with a newline. Field order is fixed and every
// list is in a defined order, so equal plans give equal bytes.
func (p *Plan) JSON() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(p); err != nil {
		return nil, fmt.Errorf("encoding the plan as JSON: %w", err)
	}
	return buf.Bytes(), nil
}

// Digest returns the plan's semantic identity: the hex SHA-256 of its
// canonical compact JSON with the digest and planned_at fields empty. Text
// rendering and the time of planning do not change it.
func (p *Plan) Digest() string {
	c := *p
	c.PlanDigest, c.PlannedAt = "", ""
	b, err := json.Marshal(&c)
	if err != nil {
		return ""
	}
	return digest.Bytes(b)
}

// Save writes the plan to path as JSON, readable only by its owner (mode
// 0600). The file holds no secret: sensitive inputs are hashes and
// sensitive values "(sensitive)". The write is atomic (a temporary file
// renamed over path).
func (p *Plan) Save(path string) error {
	b, err := p.JSON()
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".baton-plan-*")
	if err != nil {
		return fmt.Errorf("saving the plan: %w; check that the directory %s exists and is writable", err, dir)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // after a successful rename this is a no-op
	if err = f.Chmod(0o600); err == nil {
		_, err = f.Write(b)
	}
	if err = errors.Join(err, f.Sync(), f.Close()); err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		return fmt.Errorf("saving the plan to %s: %w", path, err)
	}
	return nil
}

// Errors LoadFile wraps; check them with errors.Is.
var (
	// ErrNotPlan: the file is not a baton plan (or is damaged).
	ErrNotPlan = errors.New("not a baton plan file")
	// ErrNewerPlan: the file was written by a newer baton.
	ErrNewerPlan = errors.New("plan file was written by a newer baton")
	// ErrPlanModified: the plan's content does not match its digest.
	ErrPlanModified = errors.New("plan file was modified after it was saved")
)

// LoadFile reads a plan saved by Save. It refuses a file that is not a
// plan, was written in a newer format, or whose content no longer matches
// its digest.
func LoadFile(path string) (*Plan, error) {
	b, err := inputfile.Read(path, inputfile.PlanLimit, "plan file")
	if errors.Is(err, inputfile.ErrNotText) {
		return nil, fmt.Errorf("%w: %w", ErrNotPlan, err)
	}
	if err != nil {
		return nil, fmt.Errorf("reading the plan file: %w", err)
	}
	return Parse(b, path)
}

// Parse decodes a saved plan; name is used in error messages.
func Parse(b []byte, name string) (*Plan, error) {
	var head struct {
		Type          string `json:"type"`
		FormatVersion string `json:"format_version"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return nil, fmt.Errorf("%s: %w (it is not valid JSON: %s); make a new plan with baton plan -out", name, ErrNotPlan, err.Error())
	}
	if head.Type != FileType || head.FormatVersion == "" {
		return nil, fmt.Errorf("%s: %w (no \"type\": %q with a format_version); make a new plan with baton plan -out", name, ErrNotPlan, FileType)
	}
	major, _, _ := strings.Cut(head.FormatVersion, ".")
	m, err := strconv.Atoi(major)
	if err != nil || m < 1 {
		return nil, fmt.Errorf("%s: %w (format_version %q is not valid)", name, ErrNotPlan, head.FormatVersion)
	}
	ours, _, _ := strings.Cut(FormatVersion, ".")
	if n, _ := strconv.Atoi(ours); m > n {
		return nil, fmt.Errorf("%s: %w (format %s; this baton reads %s.x): upgrade baton or plan again with this version", name, ErrNewerPlan, head.FormatVersion, ours)
	}
	p := &Plan{}
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(p); err != nil {
		return nil, fmt.Errorf("%s: %w (%s); make a new plan with baton plan -out", name, ErrNotPlan, err.Error())
	}
	if p.PlanDigest == "" || p.Digest() != p.PlanDigest {
		return nil, fmt.Errorf("%s: %w (its content does not match digest %s); make a new plan with baton plan -out and review it again", name, ErrPlanModified, shortDigest(p.PlanDigest))
	}
	return p, nil
}

// shortDigest is the first 12 characters of a digest, or (none).
func shortDigest(d string) string { return cmp.Or(d[:min(len(d), 12)], "(none)") }
