package kernel

import (
	"fmt"
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

// TestParallelForWWorkers checks parallelForW's participant numbers: -1
// exactly when the loop runs serially, otherwise below wsSlots, and never
// the same for two tasks running at once.
func TestParallelForWWorkers(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 2, 8} {
		runtime.GOMAXPROCS(procs)
		for rep := range 20 {
			tasks := 1 + rep%9
			var busy [wsSlots]atomic.Bool
			var serial, parallel atomic.Int32
			parallelForW(tasks, func(task, w int) {
				if w < 0 {
					serial.Add(1)
					return
				}
				parallel.Add(1)
				if w >= wsSlots || !busy[w].CompareAndSwap(false, true) {
					t.Errorf("GOMAXPROCS %d: worker %d out of range or already busy", procs, w)
					return
				}
				for range 1000 {
					runtime.Gosched()
				}
				busy[w].Store(false)
			})
			if s, p := serial.Load(), parallel.Load(); s != 0 && p != 0 || int(s+p) != tasks {
				t.Errorf("GOMAXPROCS %d, %d tasks: %d serial and %d parallel", procs, tasks, s, p)
			}
			if procs == 1 || tasks == 1 {
				if serial.Load() != int32(tasks) {
					t.Errorf("GOMAXPROCS %d, %d tasks: want all serial", procs, tasks)
				}
			}
		}
	}
}

// TestDealtTasksContiguous checks the order in which a participant takes
// the tasks of a dealt job: first its own contiguous run (participant 1 of
// 2 takes the second half of 8 tasks), then whatever is still unclaimed.
func TestDealtTasksContiguous(t *testing.T) {
	for _, tc := range []struct {
		worker, parts, tasks int
		want                 []int
	}{
		{0, 2, 8, []int{0, 1, 2, 3, 4, 5, 6, 7}},
		{1, 2, 8, []int{4, 5, 6, 7, 0, 1, 2, 3}},
		{2, 3, 7, []int{4, 5, 6, 0, 1, 2, 3}},
		{1, 4, 3, []int{0, 1, 2}},
	} {
		var got []int
		j := &parJob{tasks: int64(tc.tasks), parts: tc.parts}
		j.f = func(task, worker int) {
			if worker != tc.worker {
				t.Fatalf("task %d ran as participant %d, want %d", task, worker, tc.worker)
			}
			got = append(got, task)
		}
		j.run(tc.worker)
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("participant %d of %d, %d tasks: ran %v, want %v", tc.worker, tc.parts, tc.tasks, got, tc.want)
		}
		if j.done.Load() != int64(tc.tasks) {
			t.Errorf("done = %d, want %d", j.done.Load(), tc.tasks)
		}
	}
}
