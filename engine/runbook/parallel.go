package runbook

import (
	"runtime"
	"sync"
)

// parallelMin is the number of items below which per-item work is done on
// one goroutine: small runbooks (all real ones) gain nothing from more. A
// variable so tests can force the parallel path.
var parallelMin = 512

// forEachParallel calls fn for every index in [0, n), spread over the
// machine's cores in contiguous ranges. Each range gets its own copy of the
// loader, so fn may report diagnostics and references freely; they are merged
// back in index order, exactly as a serial loop would have produced them. fn
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
	parts := make([]loader, workers)
	panics := make([]any, workers)
	var wg sync.WaitGroup
	for p := range parts {
		parts[p] = *l
		parts[p].diags, parts[p].reported = nil, nil
		from, to := p*n/workers, (p+1)*n/workers
		wg.Go(func() {
			defer func() { panics[p] = recover() }()
			for i := from; i < to; i++ {
				fn(&parts[p], i)
			}
		})
	}
	wg.Wait()
	for p := range parts {
		if panics[p] != nil {
			panic(panics[p])
		}
		l.diags = append(l.diags, parts[p].diags...)
		l.reported = append(l.reported, parts[p].reported...)
	}
}
