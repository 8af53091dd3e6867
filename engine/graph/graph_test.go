package graph

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestOrder(t *testing.T) {
	tests := []struct {
		name  string
		nodes []string
		deps  map[string][]string
		want  []string
	}{
		{"empty", nil, nil, nil},
		{"declaration order breaks ties", []string{"c", "a", "b"}, nil, []string{"c", "a", "b"}},
		{"deps first", []string{"a", "b", "c"}, map[string][]string{"a": {"c"}, "b": {"a"}}, []string{"c", "a", "b"}},
		{"diamond", []string{"top", "l", "r", "bottom"}, map[string][]string{"l": {"top"}, "r": {"top"}, "bottom": {"r", "l", "l"}}, []string{"top", "l", "r", "bottom"}},
		{"ready early goes first", []string{"x", "y", "z"}, map[string][]string{"x": {"z"}}, []string{"y", "z", "x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := New(tt.nodes, tt.deps)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, g.Order()); diff != "" {
				t.Error(diff)
			}
		})
	}
}

func TestCycle(t *testing.T) {
	tests := []struct {
		nodes []string
		deps  map[string][]string
		want  string
	}{
		{[]string{"a"}, map[string][]string{"a": {"a"}}, "dependency cycle: a -> a"},
		{[]string{"a", "b", "c"}, map[string][]string{"a": {"b"}, "b": {"c"}, "c": {"a"}}, "dependency cycle: a -> b -> c -> a"},
		{[]string{"x", "b", "a"}, map[string][]string{"x": {"a"}, "a": {"b"}, "b": {"a"}}, "dependency cycle: b -> a -> b"},
	}
	for _, tt := range tests {
		_, err := New(tt.nodes, tt.deps)
		var ce *CycleError
		if !errors.As(err, &ce) || err.Error() != tt.want {
			t.Errorf("got %v, want %s", err, tt.want)
		}
	}
	if _, err := New([]string{"a"}, map[string][]string{"a": {"nope"}}); err == nil {
		t.Error("unknown node accepted")
	}
	if _, err := New([]string{"a", "a"}, nil); err == nil {
		t.Error("duplicate accepted")
	}
}

func BenchmarkNew10k(b *testing.B) {
	nodes := make([]string, 10000)
	deps := map[string][]string{}
	for i := range nodes {
		nodes[i] = "n" + string(rune('a'+i%26)) + string(rune(i))
		if i > 0 {
			deps[nodes[i]] = []string{nodes[i-1]}
		}
		if i > 5 {
			deps[nodes[i]] = append(deps[nodes[i]], nodes[i-5])
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := New(nodes, deps); err != nil {
			b.Fatal(err)
		}
	}
}
