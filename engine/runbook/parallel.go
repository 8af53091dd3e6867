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
// goroutine, where Load turns it into a diagnostic; so is the loader's
// checkpoint, every 64 items.
func (l *loader) forEachParallel(n int, fn func(w *loader, i int)) {
	workers := min(runtime.GOMAXPROCS(0), n/(parallelMin/2))
	if n < parallelMin || workers < 2 {
		for i := range n {
			if i%64 == 0 {
				l.checkpoint()
			}
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
	copies := make([]loader, workers)
	for c := range copies {
		copies[c] = *l
	}
	inBatches(n, batch, workers, func(worker, from, to int) {
		w := &copies[worker]
		w.diags, w.reported = nil, nil
		w.checkpoint() // a panic, re-raised on the calling goroutine
		for i := from; i < to; i++ {
			fn(w, i)
		}
		diags[from/batch], reported[from/batch] = w.diags, w.reported
	})
	for b := range batches {
		l.diags = append(l.diags, diags[b]...)
		l.reported = append(l.reported, reported[b]...)
	}
}

// inBatches calls fn(worker, from, to) for the consecutive ranges of [0, n)
// of at most batch items, handed out in order to workers goroutines. A
// panic in fn is re-raised on the calling goroutine once every worker has
// stopped.
func inBatches(n, batch, workers int, fn func(worker, from, to int)) {
	batches := (n + batch - 1) / batch
	panics := make([]any, workers)
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			defer func() { panics[w] = recover() }()
			for {
				b := int(next.Add(1)) - 1
				if b >= batches {
					return
				}
				fn(w, b*batch, min(n, (b+1)*batch))
			}
		})
	}
	wg.Wait()
	for _, p := range panics {
		if p != nil {
			panic(p)
		}
	}
}
