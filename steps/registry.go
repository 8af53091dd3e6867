package steps

import (
	"fmt"
	"sort"
)

// Registry holds the step and target types a runbook may use.
type Registry struct {
	kinds   map[string]Kind
	targets map[string]TargetKind
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{kinds: map[string]Kind{}, targets: map[string]TargetKind{}}
}

// Register adds step types; it panics on a duplicate name, which is a
// programming error caught by any test.
func (r *Registry) Register(kinds ...Kind) *Registry {
	for _, k := range kinds {
		if _, dup := r.kinds[k.Name()]; dup {
			panic(fmt.Sprintf("steps: step type %q registered twice", k.Name()))
		}
		r.kinds[k.Name()] = k
	}
	return r
}

// RegisterTarget adds target types; it panics on a duplicate name.
func (r *Registry) RegisterTarget(kinds ...TargetKind) *Registry {
	for _, k := range kinds {
		if _, dup := r.targets[k.Name()]; dup {
			panic(fmt.Sprintf("steps: target type %q registered twice", k.Name()))
		}
		r.targets[k.Name()] = k
	}
	return r
}

// Kind returns the step type called name.
func (r *Registry) Kind(name string) (Kind, bool) {
	k, ok := r.kinds[name]
	return k, ok
}

// Target returns the target type called name.
func (r *Registry) Target(name string) (TargetKind, bool) {
	k, ok := r.targets[name]
	return k, ok
}

// KindNames returns the registered step type names, sorted.
func (r *Registry) KindNames() []string { return sortedKeys(r.kinds) }

// TargetNames returns the registered target type names, sorted.
func (r *Registry) TargetNames() []string { return sortedKeys(r.targets) }

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
