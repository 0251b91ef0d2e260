package lab

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
)

// LineProgress prints one plain line per finished trial: the form for logs
// and non-terminal outputs (cluster jobs, CI).
type LineProgress struct {
	W     io.Writer // where the lines go
	mu    sync.Mutex
	total int
	done  int
	start time.Time
}

// Start implements Progress.
func (p *LineProgress) Start(total, already int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.total, p.done, p.start = total, already, time.Now()
	if already > 0 {
		fmt.Fprintf(p.W, "resuming: %d of %d trials already finished\n", already, total)
	}
}

// TrialDone implements Progress.
func (p *LineProgress) TrialDone(exp, variant string, seed uint64, res *TrialResult, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done++
	status := "ok"
	switch {
	case err != nil:
		status = "FAILED: " + err.Error()
	case res != nil && res.Diverged:
		status = fmt.Sprintf("diverged at step %d", res.DivergedStep)
	}
	fmt.Fprintf(p.W, "[%d/%d %5.1fs] %s %s seed %d: %s\n", p.done, p.total, time.Since(p.start).Seconds(), exp, variant, seed, status)
}

// Finish implements Progress.
func (p *LineProgress) Finish() {}

// BarProgress draws a live progress bar on a terminal.
type BarProgress struct {
	W   io.Writer // the terminal
	p   *mpb.Progress
	bar *mpb.Bar
	mu  sync.Mutex
	cur string
}

// Start implements Progress.
func (b *BarProgress) Start(total, already int) {
	b.p = mpb.New(mpb.WithOutput(b.W), mpb.WithWidth(40), mpb.WithRefreshRate(150*time.Millisecond))
	b.bar = b.p.AddBar(int64(total),
		mpb.PrependDecorators(decor.Name("trials ", decor.WC{C: decor.DindentRight}), decor.CountersNoUnit("%d/%d")),
		mpb.AppendDecorators(decor.Elapsed(decor.ET_STYLE_GO), decor.Name(" "), decor.Any(func(decor.Statistics) string {
			b.mu.Lock()
			defer b.mu.Unlock()
			return b.cur
		})),
	)
	b.bar.SetCurrent(int64(already))
}

// TrialDone implements Progress.
func (b *BarProgress) TrialDone(exp, variant string, seed uint64, res *TrialResult, err error) {
	b.mu.Lock()
	b.cur = exp
	b.mu.Unlock()
	b.bar.Increment()
}

// Finish implements Progress.
func (b *BarProgress) Finish() {
	if b.bar != nil && !b.bar.Completed() {
		b.bar.Abort(false)
	}
	if b.p != nil {
		b.p.Wait()
	}
}
