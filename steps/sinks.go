package steps

import (
	"github.com/zclconf/go-cty/cty"
)

// SecretSinks is implemented by step types some of whose arguments are
// meant to receive secrets: a password for a cmdlet's secure parameter, an
// HTTP Authorization header, a program's environment. The type promises
// never to show, store or log what such an argument holds. A sensitive
// value anywhere else in a step's arguments is a validation error, and the
// executor refuses to run the step.
type SecretSinks interface {
	// SecretSink reports whether the argument at path may hold a sensitive
	// value. path starts with the argument's name (cty.GetAttrStep); a map
	// element or list item follows as a cty.IndexStep. A value inside a
	// sink is in the sink.
	SecretSink(path cty.Path) bool
}

// IsSecretSink reports whether kind declares path, or a path above it, a
// secret sink.
func IsSecretSink(kind any, path cty.Path) bool {
	s, ok := kind.(SecretSinks)
	if !ok {
		return false
	}
	for i := len(path); i > 0; i-- {
		if s.SecretSink(path[:i]) {
			return true
		}
	}
	return false
}

// SinkAttrs returns a SecretSink function for arguments that are sinks as
// a whole (with everything in them).
func SinkAttrs(names ...string) func(cty.Path) bool {
	set := map[string]bool{}
	for _, n := range names {
		set[n] = true
	}
	return func(p cty.Path) bool { return len(p) == 1 && set[PathAttr(p)] }
}

// PathAttr is the argument name a path starts with, "" when it does not
// start with one.
func PathAttr(p cty.Path) string {
	if len(p) == 0 {
		return ""
	}
	if g, ok := p[0].(cty.GetAttrStep); ok {
		return g.Name
	}
	return ""
}

// PathKey is the map key or list index at step i of p as text, "" when
// there is none.
func PathKey(p cty.Path, i int) string {
	if i >= len(p) {
		return ""
	}
	ix, ok := p[i].(cty.IndexStep)
	if !ok || !ix.Key.IsKnown() || ix.Key.IsNull() {
		return ""
	}
	k, _ := ix.Key.Unmark()
	switch k.Type() {
	case cty.String:
		return k.AsString()
	case cty.Number:
		return k.AsBigFloat().Text('f', -1)
	}
	return ""
}

// SensitiveOutsideSinks returns the paths of args that hold a sensitive
// value where kind does not declare a secret sink.
func SensitiveOutsideSinks(kind any, args cty.Value) []cty.Path {
	if !args.ContainsMarked() && !args.IsMarked() {
		return nil
	}
	_, pvms := args.UnmarkDeepWithPaths()
	var out []cty.Path
	for _, pm := range pvms {
		if _, ok := pm.Marks[Sensitive]; !ok {
			continue
		}
		if !IsSecretSink(kind, pm.Path) {
			out = append(out, pm.Path)
		}
	}
	return out
}

// PathString renders an argument path as written in a runbook:
// headers["X-Token"], command[1].
func PathString(p cty.Path) string {
	s := ""
	for i, st := range p {
		switch st := st.(type) {
		case cty.GetAttrStep:
			if i > 0 {
				s += "."
			}
			s += st.Name
		case cty.IndexStep:
			k := PathKey(p, i)
			if st.Key.Type() == cty.String {
				s += "[\"" + k + "\"]"
			} else {
				s += "[" + k + "]"
			}
		}
	}
	return s
}
