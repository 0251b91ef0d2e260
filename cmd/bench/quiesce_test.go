package main

import (
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestStatCPUTicks(t *testing.T) {
	// A command name with spaces and parentheses, as the kernel prints it.
	stat := "4242 (py (x) 3) S 1 4242 4242 0 -1 4194304 1200 0 0 0 1234 56 0 0 20 0 3 0 100 1000 50 18446744073709551615"
	got, err := statCPUTicks(stat)
	if err != nil || got != 1234+56 {
		t.Fatalf("statCPUTicks = %d, %v; want 1290", got, err)
	}
	for _, bad := range []string{"", "12 noparen S 1", "1 (a) S 1 2 3", "1 (a) S 1 1 1 0 -1 0 0 0 0 0 x 5 0"} {
		if _, err := statCPUTicks(bad); err == nil {
			t.Errorf("statCPUTicks(%q): no error", bad)
		}
	}
}

func TestWaitIdleOwnProcess(t *testing.T) {
	if _, err := procCPUTicks(os.Getpid()); err != nil {
		t.Skip("no /proc:", err)
	}
	// A process that burns CPU is waited for until the limit; an idle
	// one (a sleeping child would do; this test's process is idle while
	// it sleeps in waitIdle) returns after about one poll.
	// The busy poll is long enough for the spinning goroutine to earn a clock tick
	// (10ms of CPU time) on a loaded machine.
	var stop atomic.Bool
	started := make(chan struct{})
	go func() {
		close(started)
		for !stop.Load() { // burns CPU on purpose until stopped
		}
	}()
	<-started
	busy := waitIdle(os.Getpid(), 100*time.Millisecond, 500*time.Millisecond)
	stop.Store(true)
	if busy < 450*time.Millisecond {
		t.Errorf("waitIdle returned after %v while this process was busy, want about the 500ms limit", busy)
	}
	time.Sleep(50 * time.Millisecond)
	idle := waitIdle(os.Getpid(), 30*time.Millisecond, 2*time.Second)
	if idle > time.Second {
		t.Errorf("waitIdle waited %v for an idle process", idle)
	}
}

func TestThreadCounts(t *testing.T) {
	if got, err := threadCounts("", 2); err != nil || len(got) != 1 || got[0] != 2 {
		t.Errorf(`threadCounts("", 2) = %v, %v`, got, err)
	}
	if got, err := threadCounts("1, 2", 2); err != nil || len(got) != 2 || got[0] != 1 || got[1] != 2 {
		t.Errorf(`threadCounts("1, 2", 2) = %v, %v`, got, err)
	}
	for _, bad := range []string{"0", "x", "1,,2", "-1"} {
		if _, err := threadCounts(bad, 2); err == nil || !strings.Contains(err.Error(), "-torch-threads") {
			t.Errorf("threadCounts(%q): error %v, want one naming -torch-threads", bad, err)
		}
	}
}

func TestFaster(t *testing.T) {
	if !faster("GFLOP/s", 2, 1) || faster("GFLOP/s", 1, 2) || !faster("us/step", 1, 2) || faster("us/step", 2, 1) {
		t.Error("faster: wrong direction")
	}
}
