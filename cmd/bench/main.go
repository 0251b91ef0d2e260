// Command bench runs intercept's performance suite: float32 matrix
// products (GFLOP/s); training steps of MLPs (float32 at several batch
// sizes, float64), LeNet-5, a CIFAR-shaped CNN, a 30-layer MLP, LSTM, GRU
// and a Transformer encoder layer (samples/s); inference of an MLP at batch 1
// (µs) and 256; forward and backward of a 3×3 convolution; the latency of a
// tiny Linear(3, 1) training step (µs); and the whole `intercept lab`
// (s/run). Each is repeated and reported as median and spread, with the
// machine's measured FMA peak and the share of it the matrix products reach.
//
// With -compare it runs bench/pytorch/bench.py (Debian's PyTorch 1.13)
// on the same workloads, interleaving the two repetition by repetition so
// that both see the same machine load, and prints the ratio of Go's speed
// to PyTorch's for each workload (above 1 means Go is faster). With
// -torch-threads 1,2 PyTorch runs in one process per thread count and each
// ratio is taken against the fastest of them. After each PyTorch
// repetition the bench waits until the Python process is idle (OpenBLAS's
// threads spin for about 130 ms after each call; see waitIdle).
//
// Usage (from the repository root):
//
//	go run ./cmd/bench [-w matmul_1024,mlp_b64] [-reps 5] [-time 300ms] [-json out.json] [-compare [-torch-threads 1,2]]
//
// Environment: INTERCEPT_NOAVX512=1 (or -kernel avx2) benchmarks the AVX2
// kernels on an AVX-512 machine.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/intercept-ml/intercept/internal/kernel"
)

// result is one workload's measurements.
type result struct {
	Name   string    `json:"name"`
	Unit   string    `json:"unit"`
	Values []float64 `json:"values"`
	Median float64   `json:"median"`
	// Spread is (max − min) / median over the repetitions.
	Spread     float64 `json:"spread"`
	AllocsStep float64 `json:"allocs_per_step"`
	BytesStep  float64 `json:"bytes_per_step"`
	PeakShare  float64 `json:"peak_share,omitempty"`
	// TorchRuns holds PyTorch's repetitions for each thread count asked
	// for (-torch-threads); Torch, TorchMedian, TorchSpread and
	// TorchThreads are those of the fastest of them (by median).
	TorchRuns    []torchRun `json:"torch_runs,omitempty"`
	Torch        []float64  `json:"torch_values,omitempty"`
	TorchMedian  float64    `json:"torch_median,omitempty"`
	TorchSpread  float64    `json:"torch_spread,omitempty"`
	TorchThreads int        `json:"torch_threads,omitempty"`
	// Ratio is Go's speed over PyTorch's (for µs/step, PyTorch's time over
	// Go's), from the medians, against PyTorch's fastest thread count.
	Ratio float64 `json:"ratio,omitempty"`
	// Check is the loss after three steps of a fresh build (for products,
	// the sum of the squared elements of the result), on each side;
	// CheckOK says whether they agree to 5 significant digits.
	Check      float64   `json:"check,omitempty"`
	TorchCheck []float64 `json:"torch_check,omitempty"`
	CheckOK    *bool     `json:"check_ok,omitempty"`
}

// torchRun is PyTorch's side of one workload at one thread count.
type torchRun struct {
	Threads int       `json:"threads"`
	Values  []float64 `json:"values"`
	Median  float64   `json:"median"`
	Spread  float64   `json:"spread"`
}

// report is the whole run, as written by -json.
type report struct {
	Date      string `json:"date"`
	Machine   string `json:"machine"`
	GoVersion string `json:"go_version"`
	Kernel    string `json:"kernel"`
	Threads   int    `json:"threads"`
	// The FMA peak: the highest of the measurements made at the start
	// and before each GFLOP/s workload.
	PeakCore    float64  `json:"fma_peak_core_gflops"`
	PeakAll     float64  `json:"fma_peak_all_gflops"`
	Torch       []string `json:"torch,omitempty"`
	Results     []result `json:"results"`
	Repetitions int      `json:"repetitions"`
}

func main() {
	var (
		sel     = flag.String("w", "", "comma-separated workload names or name prefixes (default: all)")
		reps    = flag.Int("reps", 5, "repetitions per workload")
		minTime = flag.Duration("time", 300*time.Millisecond, "minimum duration of one repetition")
		jsonOut = flag.String("json", "", "also write the results as JSON to this file (- for stdout)")
		kern    = flag.String("kernel", "", "kernel implementation to use (avx512, avx2, purego; default: best available)")
		threads = flag.Int("threads", runtime.NumCPU(), "threads: GOMAXPROCS for Go, and for PyTorch unless -torch-threads is given")
		tthr    = flag.String("torch-threads", "", "comma-separated thread counts to run PyTorch at, each in its own process (default: -threads); ratios are against the fastest")
		compare = flag.Bool("compare", false, "also run bench/pytorch/bench.py, interleaved, and print ratios")
		python  = flag.String("python", "/usr/bin/python3", "Python interpreter with torch 1.13 (for -compare)")
		script  = flag.String("script", "bench/pytorch/bench.py", "path of the PyTorch benchmark script (for -compare)")
		list    = flag.Bool("list", false, "list the workloads and exit")
		cpuProf = flag.String("cpuprofile", "", "write a CPU profile of the Go repetitions to this file")
		gogc    = flag.Int("gogc", 0, "if not 0, debug.SetGCPercent(gogc) for the Go side (default: the runtime's setting, GOGC)")
	)
	flag.Parse()
	if *gogc != 0 {
		debug.SetGCPercent(*gogc)
	}
	all := workloads()
	if *list {
		for _, w := range all {
			fmt.Printf("%-20s %s\n", w.name, w.unit)
		}
		return
	}
	if *kern != "" {
		if err := kernel.Use(*kern); err != nil {
			fatal(err)
		}
	}
	runtime.GOMAXPROCS(*threads)
	chosen := selectWorkloads(all, *sel)
	if len(chosen) == 0 {
		fatal(fmt.Errorf("no workload matches %q (see -list)", *sel))
	}

	rep := report{
		Date:        time.Now().UTC().Format("2006-01-02 15:04 UTC"),
		Machine:     machineLine(),
		GoVersion:   runtime.Version(),
		Kernel:      kernel.Name(),
		Threads:     *threads,
		Repetitions: *reps,
	}
	rep.PeakCore, rep.PeakAll = fmaPeak(*threads)

	var pys []*torchProc
	if *compare {
		counts, err := threadCounts(*tthr, *threads)
		if err != nil {
			fatal(err)
		}
		for _, n := range counts {
			py, err := startTorch(*python, *script, n)
			if err != nil {
				fatal(err)
			}
			defer py.close()
			pys = append(pys, py)
			rep.Torch = append(rep.Torch, py.info)
		}
	}
	fmt.Printf("# %s\n# %s, Go %s, kernel %s, %d threads\n", rep.Date, rep.Machine, rep.GoVersion, rep.Kernel, rep.Threads)
	if rep.PeakCore > 0 {
		fmt.Printf("# measured FMA peak: %.1f GFLOP/s per core, %.1f GFLOP/s on %d threads\n", rep.PeakCore, rep.PeakAll, *threads)
	}
	for _, py := range pys {
		fmt.Printf("# %s\n", py.info)
	}
	fmt.Println(header(pys != nil))
	if *cpuProf != "" {
		f, err := os.Create(*cpuProf)
		if err != nil {
			fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fatal(err)
		}
		defer func() {
			pprof.StopCPUProfile()
			f.Close()
		}()
	}
	start := rep.PeakAll
	for _, w := range chosen {
		if rep.PeakAll > 0 && w.unit == "GFLOP/s" {
			// A shared machine's slow spells lower a single measurement
			// of the peak; measure again and keep the highest, so that a
			// share is never taken of a peak measured in a slow moment.
			core, all := fmaPeak(*threads)
			rep.PeakCore, rep.PeakAll = max(rep.PeakCore, core), max(rep.PeakAll, all)
		}
		r := run(w, *reps, *minTime, pys)
		if r.Unit == "GFLOP/s" && rep.PeakAll > 0 {
			r.PeakShare = r.Median / rep.PeakAll
		}
		rep.Results = append(rep.Results, r)
		fmt.Println(row(r, pys != nil))
	}
	if rep.PeakAll > start {
		fmt.Printf("# FMA peak, highest measured before the products: %.1f GFLOP/s per core, %.1f GFLOP/s on %d threads (peak%% is of the highest at the time)\n", rep.PeakCore, rep.PeakAll, *threads)
	}
	if *jsonOut != "" {
		b, _ := json.MarshalIndent(rep, "", "  ")
		b = append(b, '\n')
		if *jsonOut == "-" {
			os.Stdout.Write(b)
		} else if err := os.WriteFile(*jsonOut, b, 0o644); err != nil {
			fatal(err)
		}
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "bench:", err)
	os.Exit(1)
}

// selectWorkloads keeps the workloads whose name equals or starts with one
// of the comma-separated entries of sel (all when sel is empty).
func selectWorkloads(all []workload, sel string) []workload {
	if sel == "" {
		return all
	}
	var out []workload
	for _, w := range all {
		for _, s := range strings.Split(sel, ",") {
			if s = strings.TrimSpace(s); s != "" && strings.HasPrefix(w.name, s) {
				out = append(out, w)
				break
			}
		}
	}
	return out
}

// run measures w reps times, each Go repetition followed by one of
// PyTorch at each of its thread counts (pys, possibly none).
func run(w workload, reps int, minTime time.Duration, pys []*torchProc) result {
	step, work := w.setup()
	r := result{Name: w.name, Unit: w.unit}
	if w.goOnly {
		pys = nil
	}
	minSteps := w.minSteps
	if minSteps == 0 {
		minSteps = 3
		// Warm up: buffers, pools, caches, the CPU's clock.
		warm := time.Now()
		for time.Since(warm) < minTime/3 {
			step()
		}
	}
	var allocs, bytes, steps float64
	r.TorchRuns = make([]torchRun, len(pys))
	for range reps {
		v, n, a, b := measure(step, work, w.unit, minTime, minSteps)
		r.Values = append(r.Values, v)
		steps += n
		allocs += a
		bytes += b
		for i, py := range pys {
			tv, err := py.run(w.name, minTime)
			if err != nil {
				fatal(err)
			}
			r.TorchRuns[i].Threads = py.threads
			r.TorchRuns[i].Values = append(r.TorchRuns[i].Values, tv)
		}
	}
	r.AllocsStep, r.BytesStep = allocs/steps, bytes/steps
	r.Median, r.Spread = stats(r.Values)
	if w.check != nil {
		r.Check = w.check()
	}
	if len(pys) == 0 {
		r.TorchRuns = nil
		return r
	}
	if w.check != nil {
		ok := true
		for _, py := range pys {
			c, err := py.check(w.name)
			if err != nil {
				fatal(err)
			}
			r.TorchCheck = append(r.TorchCheck, c)
			ok = ok && sameTo5Digits(r.Check, c)
		}
		r.CheckOK = &ok
	}
	best := -1
	for i := range r.TorchRuns {
		tr := &r.TorchRuns[i]
		tr.Median, tr.Spread = stats(tr.Values)
		if best < 0 || faster(w.unit, tr.Median, r.TorchRuns[best].Median) {
			best = i
		}
	}
	b := r.TorchRuns[best]
	r.Torch, r.TorchMedian, r.TorchSpread, r.TorchThreads = b.Values, b.Median, b.Spread, b.Threads
	if isTime(w.unit) {
		r.Ratio = r.TorchMedian / r.Median
	} else {
		r.Ratio = r.Median / r.TorchMedian
	}
	return r
}

// faster reports whether a is a better figure than b in unit (lower for
// times, higher for rates).
func faster(unit string, a, b float64) bool {
	if isTime(unit) {
		return a < b
	}
	return a > b
}

// isTime reports whether unit is a time (lower is better).
func isTime(unit string) bool { return unit == "us/step" || unit == "s/run" }

// sameTo5Digits reports whether a and b agree to 5 significant digits:
// printed with %.5g they are the same number, or they differ by less than
// half a unit in the fifth digit of the larger (a boundary case of
// rounding).
func sameTo5Digits(a, b float64) bool {
	if fmt.Sprintf("%.5g", a) == fmt.Sprintf("%.5g", b) {
		return true
	}
	m := max(math.Abs(a), math.Abs(b))
	return math.Abs(a-b) <= 0.5e-4*m
}

// threadCounts parses -torch-threads: a comma-separated list of positive
// thread counts, or def when s is empty.
func threadCounts(s string, def int) ([]int, error) {
	if strings.TrimSpace(s) == "" {
		return []int{def}, nil
	}
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("-torch-threads: %q is not a positive thread count", strings.TrimSpace(f))
		}
		out = append(out, n)
	}
	return out, nil
}

// measure runs step until minTime has passed (at least minSteps times) and
// returns the rate in w's unit, the number of steps and the heap
// allocations (count and bytes) they made.
func measure(step func(), work float64, unit string, minTime time.Duration, minSteps int) (v, steps, allocs, bytes float64) {
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	n := 0
	start := time.Now()
	var el time.Duration
	for {
		step()
		n++
		if el = time.Since(start); el >= minTime && n >= minSteps {
			break
		}
	}
	runtime.ReadMemStats(&m1)
	switch unit {
	case "GFLOP/s":
		v = work * float64(n) / float64(el.Nanoseconds())
	case "samples/s":
		v = work * float64(n) / el.Seconds()
	case "us/step":
		v = float64(el.Microseconds()) / float64(n)
	case "s/run":
		v = el.Seconds() / float64(n)
	}
	return v, float64(n), float64(m1.Mallocs - m0.Mallocs), float64(m1.TotalAlloc - m0.TotalAlloc)
}

// stats returns the median and (max − min)/median of vs.
func stats(vs []float64) (median, spread float64) {
	s := slices.Clone(vs)
	sort.Float64s(s)
	n := len(s)
	if n == 0 {
		return 0, 0
	}
	median = s[n/2]
	if n%2 == 0 {
		median = (s[n/2-1] + s[n/2]) / 2
	}
	if median != 0 {
		spread = (s[n-1] - s[0]) / median
	}
	return median, spread
}

func header(cmp bool) string {
	h := fmt.Sprintf("%-20s %-10s %10s %7s %8s %11s", "workload", "unit", "go", "spread", "peak%", "allocs/step")
	if cmp {
		h += fmt.Sprintf(" %10s %7s %3s %7s", "pytorch", "spread", "thr", "ratio")
	}
	return h
}

func row(r result, cmp bool) string {
	peak := ""
	if r.PeakShare > 0 {
		peak = fmt.Sprintf("%.0f%%", 100*r.PeakShare)
	}
	s := fmt.Sprintf("%-20s %-10s %10s %6.0f%% %8s %11.0f", r.Name, r.Unit, num(r.Median), 100*r.Spread, peak, r.AllocsStep)
	if cmp && r.TorchRuns == nil {
		s += fmt.Sprintf(" %10s %7s %3s %7s", "—", "", "", "")
	} else if cmp {
		s += fmt.Sprintf(" %10s %6.0f%% %3d %6.2f×", num(r.TorchMedian), 100*r.TorchSpread, r.TorchThreads, r.Ratio)
	}
	if r.CheckOK != nil {
		verdict := "same"
		if !*r.CheckOK {
			verdict = "DIFFERENT"
		}
		s += fmt.Sprintf("  loss %.6g vs %s: %s", r.Check, checks(r.TorchCheck), verdict)
	} else if r.Check != 0 {
		s += fmt.Sprintf("  loss %.6g", r.Check)
	}
	return s
}

func checks(cs []float64) string {
	var parts []string
	for _, c := range cs {
		parts = append(parts, fmt.Sprintf("%.6g", c))
	}
	return strings.Join(parts, "/")
}

func num(v float64) string {
	switch {
	case v >= 1000:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

// fmaPeak measures the FMA throughput of one core and of threads cores
// running at once, in GFLOP/s (0 for the portable kernels).
func fmaPeak(threads int) (core, all float64) {
	// Trips of about 7 ms: long enough that the goroutines of one trial
	// overlap even when the scheduler starts one late.
	const iters = 1 << 22
	if kernel.FMAPeakLoop(1) == 0 {
		return 0, 0
	}
	best := func(workers int) float64 {
		var top float64
		for range 5 {
			var wg sync.WaitGroup
			flops := make([]int, workers)
			start := time.Now()
			for w := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					flops[w] = kernel.FMAPeakLoop(iters) * iters
				}()
			}
			wg.Wait()
			el := time.Since(start)
			total := 0
			for _, f := range flops {
				total += f
			}
			top = max(top, float64(total)/float64(el.Nanoseconds()))
		}
		return top
	}
	return best(1), best(threads)
}

// machineLine describes the CPU: model name, logical CPUs and the kernel
// features used.
func machineLine() string {
	model := runtime.GOARCH
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	return fmt.Sprintf("%s, %d CPUs, kernels available: %s", model, runtime.NumCPU(), strings.Join(kernel.Available(), " "))
}

// torchProc is bench.py running in server mode: it reads "name seconds"
// lines and answers each with one JSON line.
type torchProc struct {
	threads int
	cmd     *exec.Cmd
	in      io.WriteCloser
	out     *bufio.Scanner
	info    string
}

func startTorch(python, script string, threads int) (*torchProc, error) {
	cmd := exec.Command(python, script, "--serve", "--threads", fmt.Sprint(threads))
	cmd.Env = append(os.Environ(), "OPENBLAS_CORETYPE=SkylakeX", "OMP_WAIT_POLICY=PASSIVE")
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	outPipe, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s %s: %w", python, script, err)
	}
	p := &torchProc{threads: threads, cmd: cmd, in: in, out: bufio.NewScanner(outPipe)}
	if !p.out.Scan() {
		return nil, fmt.Errorf("%s did not start (is torch installed?)", script)
	}
	var hello struct{ Info string }
	if err := json.Unmarshal(p.out.Bytes(), &hello); err != nil {
		return nil, fmt.Errorf("bad greeting from %s: %q", script, p.out.Text())
	}
	p.info = hello.Info
	return p, nil
}

func (p *torchProc) run(name string, minTime time.Duration) (float64, error) {
	// Let the Go side's pool workers stop spinning (200µs) first.
	time.Sleep(time.Millisecond)
	if _, err := fmt.Fprintf(p.in, "%s %g\n", name, minTime.Seconds()); err != nil {
		return 0, err
	}
	if !p.out.Scan() {
		return 0, fmt.Errorf("pytorch benchmark exited")
	}
	var r struct {
		Value float64
		Error string
	}
	if err := json.Unmarshal(p.out.Bytes(), &r); err != nil {
		return 0, fmt.Errorf("bad answer %q: %v", p.out.Text(), err)
	}
	if r.Error != "" {
		return 0, fmt.Errorf("pytorch %s: %s", name, r.Error)
	}
	// Wait for OpenBLAS's threads to stop spinning (see waitIdle).
	waitIdle(p.cmd.Process.Pid, 20*time.Millisecond, time.Second)
	return r.Value, nil
}

// check asks bench.py for the workload's check value (see workload.check).
func (p *torchProc) check(name string) (float64, error) {
	if _, err := fmt.Fprintf(p.in, "check %s\n", name); err != nil {
		return 0, err
	}
	if !p.out.Scan() {
		return 0, fmt.Errorf("pytorch benchmark exited")
	}
	var r struct {
		Check *float64
		Error string
	}
	if err := json.Unmarshal(p.out.Bytes(), &r); err != nil {
		return 0, fmt.Errorf("bad answer %q: %v", p.out.Text(), err)
	}
	if r.Error != "" || r.Check == nil {
		return 0, fmt.Errorf("pytorch check %s: %s", name, r.Error)
	}
	waitIdle(p.cmd.Process.Pid, 20*time.Millisecond, time.Second)
	return *r.Check, nil
}

func (p *torchProc) close() {
	p.in.Close()
	p.cmd.Wait()
}
