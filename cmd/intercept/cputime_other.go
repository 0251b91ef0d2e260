//go:build !unix

package main

import "time"

// cpuTime is the CPU time the process has used; 0 where it is not measured.
func cpuTime() time.Duration { return 0 }

// peakRSS is the largest resident set size of the process so far; 0 where
// it is not measured.
func peakRSS() int64 { return 0 }
