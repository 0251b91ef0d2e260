package kernel

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// TestParallelFor checks that every task runs exactly once, at several
// GOMAXPROCS, with concurrent callers (which fall back to running their
// tasks themselves) and nested calls.
func TestParallelFor(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 2, 8} {
		runtime.GOMAXPROCS(procs)
		var wg sync.WaitGroup
		for c := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for rep := range 50 {
					tasks := 1 + (c*7+rep)%13
					counts := make([]atomic.Int32, tasks)
					ParallelFor(tasks, func(i int) {
						counts[i].Add(1)
						if i == 0 && rep%5 == 0 {
							ParallelFor(3, func(int) {}) // nested: runs inline
						}
					})
					for i := range counts {
						if n := counts[i].Load(); n != 1 {
							t.Errorf("GOMAXPROCS %d: task %d of %d ran %d times", procs, i, tasks, n)
							return
						}
					}
				}
			}()
		}
		wg.Wait()
	}
}
