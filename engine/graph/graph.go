// Package graph is a small deterministic directed acyclic graph of named
// nodes: topological order by Kahn's algorithm with ties broken by
// declaration order (the order of the nodes given to New), and cycle
// errors that name the path.
package graph

import (
	"container/heap"
	"fmt"
	"slices"
	"strings"
)

// Graph is an immutable DAG. An edge "a depends on b" means b comes before a
// in Order.
type Graph struct {
	nodes []string
	deps  [][]int // ascending declaration index
	order []int
}

// CycleError reports a dependency cycle. Path starts and ends with the same
// node; each node depends on the next: a -> b -> c -> a.
type CycleError struct{ Path []string }

func (e *CycleError) Error() string {
	return "dependency cycle: " + strings.Join(e.Path, " -> ")
}

// UnknownNodeError reports a dependency on a node that was not declared.
type UnknownNodeError struct{ From, To string }

func (e *UnknownNodeError) Error() string {
	return fmt.Sprintf("%s depends on unknown node %s", e.From, e.To)
}

// DuplicateNodeError reports a node declared twice.
type DuplicateNodeError struct{ Name string }

func (e *DuplicateNodeError) Error() string { return "node " + e.Name + " declared twice" }

// New builds a graph of nodes (in declaration order) where deps[n] are the
// nodes n depends on. Duplicate dependencies are ignored. It returns a
// *DuplicateNodeError, an *UnknownNodeError or a *CycleError (the first
// cycle found, deterministically).
func New(nodes []string, deps map[string][]string) (*Graph, error) {
	g := &Graph{nodes: append([]string(nil), nodes...), deps: make([][]int, len(nodes))}
	index := make(map[string]int, len(nodes))
	dependents := make([][]int, len(nodes)) // ascending declaration index
	for i, n := range nodes {
		if _, dup := index[n]; dup {
			return nil, &DuplicateNodeError{Name: n}
		}
		index[n] = i
	}
	seen := map[int]bool{}
	for i, n := range nodes {
		clear(seen)
		for _, d := range deps[n] {
			j, ok := index[d]
			if !ok {
				return nil, &UnknownNodeError{From: n, To: d}
			}
			if seen[j] {
				continue
			}
			seen[j] = true
			g.deps[i] = append(g.deps[i], j)
			dependents[j] = append(dependents[j], i)
		}
		slices.Sort(g.deps[i])
	}
	// dependents are appended in ascending i already.

	indeg := make([]int, len(nodes))
	h := &intHeap{}
	for i := range nodes {
		indeg[i] = len(g.deps[i])
		if indeg[i] == 0 {
			*h = append(*h, i)
		}
	}
	heap.Init(h)
	g.order = make([]int, 0, len(nodes))
	for h.Len() > 0 {
		i := heap.Pop(h).(int)
		g.order = append(g.order, i)
		for _, j := range dependents[i] {
			indeg[j]--
			if indeg[j] == 0 {
				heap.Push(h, j)
			}
		}
	}
	if len(g.order) < len(nodes) {
		return nil, g.cycle(indeg)
	}
	return g, nil
}

// cycle finds a cycle among the nodes Kahn's algorithm could not order:
// each of them has a dependency that is also unordered, so following the
// lowest such dependency must come back to a node already visited.
func (g *Graph) cycle(indeg []int) *CycleError {
	start := -1
	for i := range indeg {
		if indeg[i] > 0 {
			start = i
			break
		}
	}
	pos := map[int]int{}
	var walk []int
	for i := start; ; {
		if p, ok := pos[i]; ok {
			walk = walk[p:]
			break
		}
		pos[i] = len(walk)
		walk = append(walk, i)
		for _, d := range g.deps[i] {
			if indeg[d] > 0 {
				i = d
				break
			}
		}
	}
	// Rotate so that the cycle starts at its first-declared node.
	low := 0
	for k := range walk {
		if walk[k] < walk[low] {
			low = k
		}
	}
	path := make([]string, 0, len(walk)+1)
	for k := range walk {
		path = append(path, g.nodes[walk[(low+k)%len(walk)]])
	}
	return &CycleError{Path: append(path, path[0])}
}

// Len is the number of nodes.
func (g *Graph) Len() int { return len(g.nodes) }

// Order returns every node in topological order (dependencies first); among
// nodes that are ready at the same time, the one declared first comes first.
func (g *Graph) Order() []string {
	var out []string
	for _, i := range g.order {
		out = append(out, g.nodes[i])
	}
	return out
}

type intHeap []int

func (h intHeap) Len() int           { return len(h) }
func (h intHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h intHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *intHeap) Push(x any)        { *h = append(*h, x.(int)) }
func (h *intHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
