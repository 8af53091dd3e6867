package configmgr

import (
	"github.com/batonhq/baton/steps"
	"github.com/zclconf/go-cty/cty"
)

// secretArgs are the arguments of configmgr_* step types that carry a
// secret to a cmdlet's secure parameter (the script reads it from stdin
// and converts it to a SecureString).
var secretArgs = map[string]string{
	"configmgr_reimport_dp_certificate": "certificate_password",
}

// SecretSink implements steps.SecretSinks.
func (k *kind) SecretSink(p cty.Path) bool {
	a, ok := secretArgs[k.name]
	return ok && len(p) == 1 && steps.PathAttr(p) == a
}
