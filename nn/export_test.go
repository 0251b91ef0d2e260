package nn

// LinearPacked reports whether l holds a packed copy of its weight (see
// Linear.forwardPacked).
func LinearPacked(l *Linear) bool {
	c := l.packed.Load()
	return c != nil && c.data != nil
}
