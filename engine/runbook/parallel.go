package runbook

import (
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/hcl/v2"
)

// parallelMin is the number of items below which per-item work is done on
// one goroutine: small runbooks (all real ones) gain nothing from more. A
// variable so tests can force the parallel path.
var parallelMin = 512

// forEachParallel calls fn for every index in [0, n), spread over the
// machine's cores. Each worker has its own copy of the loader, so fn may
// report diagnostics and references freely; they are merged back in index
// order, exactly as a serial loop would have produced them. fn
// must write only to its own item. A panic in fn is re-raised on the calling
// goroutine, where Load turns it into a diagnostic.
func (l *loader) forEachParallel(n int, fn func(w *loader, i int)) {
	workers := min(runtime.GOMAXPROCS(0), n/(parallelMin/2))
	if n < parallelMin || workers < 2 {
		for i := range n {
			fn(l, i)
		}
		return
	}
	// Items are handed out in small batches, in order, so the cores finish
	// together; each batch's reports are kept apart and merged in order.
	const batch = 64
	batches := (n + batch - 1) / batch
	diags := make([]hcl.Diagnostics, batches)
	reported := make([][]hcl.Range, batches)
	panics := make([]any, workers)
	var next atomic.Int64
	var wg sync.WaitGroup
	for p := range workers {
		wg.Go(func() {
			defer func() { panics[p] = recover() }()
			w := *l
			for {
				b := int(next.Add(1)) - 1
				if b >= batches {
					return
				}
				w.diags, w.reported = nil, nil
				for i := b * batch; i < min(n, (b+1)*batch); i++ {
					fn(&w, i)
				}
				diags[b], reported[b] = w.diags, w.reported
			}
		})
	}
	wg.Wait()
	for _, p := range panics {
		if p != nil {
			panic(p)
		}
	}
	for b := range batches {
		l.diags = append(l.diags, diags[b]...)
		l.reported = append(l.reported, reported[b]...)
	}
}
