package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// The two sides of -compare must each find the machine idle. OpenBLAS's
// pthread workers (Debian's libopenblas0-pthread, behind torch.mm) spin
// for about 2^28 cycles (OPENBLAS_THREAD_TIMEOUT) after each call before
// they sleep: about 130 ms of a core on the 2-core machines this runs on,
// measured as CPU time of the idle Python process. Without a pause, the
// first 130 ms of every Go repetition would run beside that spinning thread.
// waitIdle therefore waits, after each PyTorch repetition, until the
// Python process has stopped using CPU.

// statCPUTicks returns utime+stime, in clock ticks, from the contents of
// /proc/<pid>/stat. The command name (field 2) is in parentheses and may
// itself hold spaces and parentheses, so fields are counted from the last
// ')'.
func statCPUTicks(stat string) (int64, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, fmt.Errorf("no command name in %q", stat)
	}
	f := strings.Fields(stat[i+1:])
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	if len(f) < 13 {
		return 0, fmt.Errorf("%d fields after the command name, want at least 13", len(f))
	}
	var sum int64
	for _, s := range f[11:13] {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("CPU time field %q: %v", s, err)
		}
		sum += v
	}
	return sum, nil
}

// procCPUTicks returns the CPU time (user+system, clock ticks) process
// pid has used so far.
func procCPUTicks(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	return statCPUTicks(string(b))
}

// waitIdle waits until process pid has used no CPU over one poll interval
// (longer than a clock tick), or until limit has passed, and returns how
// long it waited. Where /proc is unreadable it sleeps limit/4 instead.
func waitIdle(pid int, poll, limit time.Duration) time.Duration {
	start := time.Now()
	prev, err := procCPUTicks(pid)
	if err != nil {
		time.Sleep(limit / 4)
		return time.Since(start)
	}
	for time.Since(start) < limit {
		time.Sleep(poll)
		cur, err := procCPUTicks(pid)
		if err != nil || cur == prev {
			break
		}
		prev = cur
	}
	return time.Since(start)
}
