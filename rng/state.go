package rng

import (
	"encoding/binary"
	"errors"
	"math"
)

// Binary state format, version 1 (little-endian):
//
//	offset  size  field
//	0       4     magic "ICRG"
//	4       1     version (1)
//	5       8     seed (uint64)
//	13      2     words consumed in the current block, 0..624 (uint16)
//	15      2496  MT19937 state, 624 × uint32
//	2511    1     cached normal present (0 or 1)
//	2512    8     cached normal (float64 bits; 0 when absent)
//
// This is not torch's get_rng_state() layout.
const (
	stateMagic   = "ICRG"
	stateVersion = 1
	stateLen     = 4 + 1 + 8 + 2 + 4*mtN + 1 + 8
)

// MarshalBinary encodes the complete state of g: the Mersenne Twister words
// and position, the seed and the cached normal sample. It implements
// encoding.BinaryMarshaler; the result restores an identical generator with
// UnmarshalBinary.
func (g *Generator) MarshalBinary() ([]byte, error) {
	g.lock()
	defer g.unlock()
	g.ensureSeeded()
	b := make([]byte, 0, stateLen)
	b = append(b, stateMagic...)
	b = append(b, stateVersion)
	b = binary.LittleEndian.AppendUint64(b, g.seed)
	b = binary.LittleEndian.AppendUint16(b, uint16(mtN-g.left))
	for _, w := range g.state {
		b = binary.LittleEndian.AppendUint32(b, w)
	}
	if g.hasNormal {
		b = append(b, 1)
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(g.normal))
	} else {
		b = append(b, 0)
		b = binary.LittleEndian.AppendUint64(b, 0)
	}
	return b, nil
}

// UnmarshalBinary restores a state produced by MarshalBinary, including the
// cached normal sample. It implements encoding.BinaryUnmarshaler. On error g
// is left unchanged.
func (g *Generator) UnmarshalBinary(data []byte) error {
	if len(data) < 5 || string(data[:4]) != stateMagic {
		return errors.New("rng: UnmarshalBinary: not a generator state")
	}
	if data[4] != stateVersion {
		return errors.New("rng: UnmarshalBinary: unsupported state version")
	}
	if len(data) != stateLen {
		return errors.New("rng: UnmarshalBinary: wrong state length")
	}
	le := binary.LittleEndian
	seed := le.Uint64(data[5:])
	pos := int(le.Uint16(data[13:]))
	if pos > mtN {
		return errors.New("rng: UnmarshalBinary: position out of range")
	}
	var st [mtN]uint32
	for i := range st {
		st[i] = le.Uint32(data[15+4*i:])
	}
	off := 15 + 4*mtN
	has := data[off]
	nb := le.Uint64(data[off+1:])
	switch {
	case has > 1:
		return errors.New("rng: UnmarshalBinary: bad cached-normal flag")
	case has == 0 && nb != 0:
		return errors.New("rng: UnmarshalBinary: cached normal without flag")
	}
	g.lock()
	defer g.unlock()
	g.seeded = true
	g.seed = seed
	g.left = mtN - pos
	g.state = st
	g.hasNormal = has == 1
	g.normal = math.Float64frombits(nb)
	return nil
}
