package execstep

import (
	"github.com/batonhq/baton/steps"
	"github.com/zclconf/go-cty/cty"
)

// Secrets reach a program through its environment or its standard input,
// never its command line (which every user of the machine can list).
var execSinks = steps.SinkAttrs("env", "stdin")

// SecretSink implements steps.SecretSinks: env and stdin may hold secrets.
func (Exec) SecretSink(p cty.Path) bool { return execSinks(p) }

// Parameters reach a script on stdin as $BatonParams, never in its text,
// so a parameter may hold a secret (give it to a SecureString parameter
// with ConvertTo-SecureString).
var psSinks = steps.SinkAttrs("params")

// SecretSink implements steps.SecretSinks: params may hold secrets.
func (PowerShell) SecretSink(p cty.Path) bool { return psSinks(p) }
