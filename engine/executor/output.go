package executor

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/batonhq/baton/steps"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// storedOutput is how a step's output is kept in the state store. Parts
// that were sensitive are replaced by null and listed, never stored.
type storedOutput struct {
	Type      json.RawMessage `json:"type"`
	Value     json.RawMessage `json:"value"`
	Sensitive []string        `json:"sensitive_paths,omitempty"`
}

// encodeOutput serialises an output for the store with secrets removed.
func encodeOutput(v cty.Value) ([]byte, error) {
	un, pvm := v.UnmarkDeepWithPaths()
	var hidden []string
	for _, pm := range pvm {
		if _, ok := pm.Marks[steps.Sensitive]; !ok {
			continue
		}
		hidden = append(hidden, fmt.Sprintf("%#v", pm.Path))
		un = replaceAtPath(un, pm.Path)
	}
	if !un.IsWhollyKnown() {
		return nil, errors.New("output is not wholly known")
	}
	ty := un.Type()
	tb, err := ctyjson.MarshalType(ty)
	if err != nil {
		return nil, err
	}
	vb, err := ctyjson.Marshal(un, ty)
	if err != nil {
		return nil, err
	}
	return json.Marshal(storedOutput{Type: tb, Value: vb, Sensitive: hidden})
}

// replaceAtPath returns v with the value at path replaced by a null of the
// same type.
func replaceAtPath(v cty.Value, path cty.Path) cty.Value {
	out, err := cty.Transform(v, func(p cty.Path, x cty.Value) (cty.Value, error) {
		if p.Equals(path) {
			return cty.NullVal(x.Type()), nil
		}
		return x, nil
	})
	if err != nil {
		return v
	}
	return out
}

// DecodeOutput reads a step output as the state stores it
// (StepRecord.Output); secrets come back as null.
func DecodeOutput(b []byte) (cty.Value, error) {
	if len(b) == 0 {
		return cty.NullVal(cty.DynamicPseudoType), nil
	}
	var so storedOutput
	if err := json.Unmarshal(b, &so); err != nil {
		return cty.NilVal, fmt.Errorf("decoding stored output: %w", err)
	}
	ty, err := ctyjson.UnmarshalType(so.Type)
	if err != nil {
		return cty.NilVal, fmt.Errorf("decoding stored output type: %w", err)
	}
	v, err := ctyjson.Unmarshal(so.Value, ty)
	if err != nil {
		return cty.NilVal, fmt.Errorf("decoding stored output value: %w", err)
	}
	return v, nil
}
