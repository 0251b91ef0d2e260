package kernel

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Parallel loops run on a small pool of persistent worker goroutines rather than on goroutines
// started per call: a GEMM of a training step takes tens of microseconds and calls parallelFor
// several times, and starting and waking goroutines costs about as much. A worker that runs out of
// work spins (yielding the processor) for workerSpin before it parks, so that the back-to-back
// calls of a training step find it awake. Which goroutine runs which task never affects the
// results: tasks are fixed by the caller, independent of GOMAXPROCS.

// workerSpin is how long an idle worker polls for new work before parking.
const workerSpin = 200 * time.Microsecond

// parJob is one parallelFor call.
type parJob struct {
	f     func(task, worker int)
	tasks int64
	parts int          // participants the tasks are dealt to
	next  atomic.Int64 // next task to claim, for jobs of more than maxDealt tasks
	done  atomic.Int64 // tasks finished
	// claimed marks the tasks taken, for jobs of at most maxDealt tasks.
	claimed [maxDealt]atomic.Bool
}

// maxDealt is the most tasks a job deals out to its participants.
const maxDealt = 64

// run runs tasks of j as participant worker until none is left. Jobs of at most maxDealt tasks are
// dealt out in contiguous runs: participant p of P first takes tasks [p·n/P, (p+1)·n/P), so that
// from call to call, and from one operation to the next, the same core tends to work on the same
// part of the data and finds it in its cache (the caller takes the first half of a GEMM's panels on
// two cores as it takes the first half of an optimizer's or an element-wise kernel's slice). It
// then takes over any task still unclaimed, so that a participant that starts late delays nobody.
// Larger jobs hand out tasks in order to whoever asks next.
func (j *parJob) run(worker int) {
	if j.tasks > maxDealt {
		for {
			t := j.next.Add(1) - 1
			if t >= j.tasks {
				return
			}
			j.f(int(t), worker)
			j.done.Add(1)
		}
	}
	n := int(j.tasks)
	if worker < j.parts {
		for t := worker * n / j.parts; t < (worker+1)*n/j.parts; t++ {
			j.try(t, worker)
		}
	}
	for t := range n {
		j.try(t, worker)
	}
}

// try runs task t as participant worker unless another has claimed it.
func (j *parJob) try(t, worker int) {
	if !j.claimed[t].Load() && j.claimed[t].CompareAndSwap(false, true) {
		j.f(t, worker)
		j.done.Add(1)
	}
}

// parWorker is a persistent worker goroutine.
type parWorker struct {
	id       int // participant number: 1 + its index in workers.list
	sleeping atomic.Bool
	wake     chan struct{}
}

var workers struct {
	submit sync.Mutex // held by the goroutine whose job is running
	grow   sync.Mutex // guards list
	list   []*parWorker
	gen    atomic.Uint64          // incremented for every job
	cur    atomic.Pointer[parJob] // the latest job
	busy   atomic.Bool            // a job is running (submit is held)
}

// worker is the body of a pool goroutine.
func (w *parWorker) loop() {
	seen := workers.gen.Load()
	for {
		if g := workers.gen.Load(); g != seen {
			seen = g
			if j := workers.cur.Load(); j != nil {
				j.run(w.id)
			}
			continue
		}
		deadline := time.Now().Add(workerSpin)
		for i := 0; workers.gen.Load() == seen; i++ {
			if i%1024 == 1023 {
				if time.Now().After(deadline) {
					break
				}
				runtime.Gosched()
			}
		}
		if workers.gen.Load() != seen {
			continue
		}
		w.sleeping.Store(true)
		if workers.gen.Load() == seen {
			<-w.wake
		}
		w.sleeping.Store(false)
	}
}

// ensureWorkers starts workers until there are at least n.
func ensureWorkers(n int) []*parWorker {
	workers.grow.Lock()
	defer workers.grow.Unlock()
	for len(workers.list) < n {
		w := &parWorker{id: len(workers.list) + 1, wake: make(chan struct{}, 1)}
		workers.list = append(workers.list, w)
		go w.loop()
	}
	return workers.list
}

// parallelFor runs f(0), …, f(tasks-1), on up to GOMAXPROCS goroutines including the caller. Which
// goroutine runs which task is unspecified. When another goroutine's parallel loop is running, the
// caller runs all its tasks itself.
func parallelFor(tasks int, f func(int)) {
	parallelForW(tasks, func(t, _ int) { f(t) })
}

// parallelParticipants is how many goroutines a parallelForW call of tasks tasks would run on at
// most: the caller and up to GOMAXPROCS-1 workers.
func parallelParticipants(tasks int) int {
	return max(1, min(tasks, runtime.GOMAXPROCS(0)))
}

// parallelForW is parallelFor with the participant running each task passed along: f(task, worker)
// runs with worker 0 on the calling goroutine and worker i ≥ 1 on the i-th pool worker, so that
// per-worker state (such as the GEMM's packing buffers in wsPool slots) stays with one goroutine,
// and so mostly with one core's caches, for the whole call and from call to call. No two running
// tasks have the same worker number. When the loop runs serially on the caller (one participant, or
// another goroutine's loop is running), worker is -1: the caller owns no slot then.
func parallelForW(tasks int, f func(task, worker int)) {
	helpers := min(tasks, runtime.GOMAXPROCS(0)) - 1
	if helpers <= 0 || !workers.submit.TryLock() {
		for t := range tasks {
			f(t, -1)
		}
		return
	}
	workers.busy.Store(true)
	defer func() {
		workers.busy.Store(false)
		workers.submit.Unlock()
	}()
	list := ensureWorkers(helpers)
	j := &parJob{f: f, tasks: int64(tasks), parts: helpers + 1}
	workers.cur.Store(j)
	workers.gen.Add(1)
	woken := 0
	for _, w := range list {
		if woken == helpers {
			break
		}
		if w.sleeping.Load() {
			select {
			case w.wake <- struct{}{}:
			default:
			}
		}
		woken++
	}
	j.run(0)
	for i := 0; j.done.Load() < j.tasks; i++ {
		if i%1024 == 1023 {
			runtime.Gosched()
		}
	}
	workers.cur.Store(nil)
}

// poolBusy reports whether a parallel loop is running, in which case a new one (nested in its
// tasks, or from another goroutine) would run serially on its caller.
func poolBusy() bool { return workers.busy.Load() }

// ParallelFor runs f(0), …, f(tasks-1) on the kernel's worker pool (up to GOMAXPROCS goroutines
// including the caller), returning when all are done. Which goroutine runs which task is
// unspecified, so for results that do not depend on GOMAXPROCS the tasks must be fixed by the
// caller and write disjoint outputs.
func ParallelFor(tasks int, f func(int)) { parallelFor(tasks, f) }
