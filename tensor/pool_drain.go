package tensor

// DrainPools empties the free lists of the memory that package tensor keeps
// for reuse: the gradient pool's recycled storage and bufPool's free
// arrays. The memory becomes ordinary garbage, which the next collection
// frees; arrays still in use are untouched (bufPool keeps tracking them and
// takes them back when they become unreachable). Results never depend on
// the pools, which hand out storage whose every element is written before
// it is read, so draining changes no value, only how much memory stays
// allocated: call it when a program moves on to work of other shapes (the
// lab does between experiments), since the pools keep arrays by exact
// length and never give back those no later tensor asks for. It is safe
// for concurrent use.
func DrainPools() {
	gradPool.mu.Lock()
	clear(gradPool.free)
	gradPool.bytes = 0
	gradPool.mu.Unlock()

	bufPool.mu.Lock()
	for k, l := range bufPool.lists {
		if len(l.free) == 0 {
			continue
		}
		b := len(l.free) * k[1] * floatSize(DType(k[0]))
		bufPool.tracked -= b
		bufPool.free -= b
		for _, p := range l.free {
			// A free array's finalizer is armed again (see bufFinalizer):
			// without this it would put the array back when it dies.
			setBufFinalizer(DType(k[0]), p, nil)
		}
		clear(l.free)
		l.free = l.free[:0]
	}
	bufPool.mu.Unlock()
}

// PoolBytes returns the bytes of memory the pools of DrainPools hold for
// reuse: the gradient pool's storage and bufPool's free arrays (not the
// arrays bufPool tracks while they are in use).
func PoolBytes() int64 {
	gradPool.mu.Lock()
	g := gradPool.bytes
	gradPool.mu.Unlock()
	bufPool.mu.Lock()
	f := bufPool.free
	bufPool.mu.Unlock()
	return int64(g + f)
}
