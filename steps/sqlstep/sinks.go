package sqlstep

import (
	"github.com/batonhq/baton/steps"
	"github.com/zclconf/go-cty/cty"
)

// params go to the server as query parameters, never into the T-SQL text,
// and plans show sensitive ones as (sensitive).
var sqlSinks = steps.SinkAttrs("params")

// SecretSink implements steps.SecretSinks: params may hold secrets.
func (Kind) SecretSink(p cty.Path) bool { return sqlSinks(p) }
