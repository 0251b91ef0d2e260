//go:build !amd64 || purego

package kernel

// implementations lists the implementations available: only the portable
// one in purego builds and on other architectures.
func implementations() []implementation { return []implementation{pureGo()} }

// defaultImplementation returns the portable implementation.
func defaultImplementation() implementation { return pureGo() }

// fmaLoop has no assembly loop to run in the portable build.
func fmaLoop(iters int) int { return 0 }
