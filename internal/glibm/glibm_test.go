package glibm

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// The reference data comes from the real glibc 2.36 (Debian 12, x86-64 with
// FMA/AVX2); see testdata/gen.c, whose generator and hash this file mirrors.

var (
	dfuncs = map[string]func(float64) float64{"log": Log, "sin": Sin, "cos": Cos}
	ffuncs = map[string]func(float32) float32{"erff": Erff, "expf": Expf, "logf": Logf}
)

const (
	blockSize  = 65536
	fBlockBits = 20
	hashInit   = 0xcbf29ce484222325
)

func hashStep(h, w uint64) uint64 { return (h ^ w) * 0x100000001b3 }

// splitmix64, seeded per block as in gen.c.
type rng struct{ s uint64 }

func newBlockRNG(dist int, block uint64) *rng {
	return &rng{uint64(dist)<<48 ^ block*0x632be59bd9b4e019}
}

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

func (r *rng) u53() float64 { return float64(float64(r.next()>>11) * 0x1p-53) }

var distIDs = map[string]int{
	"log_1mu": 1, "log_pos": 2, "all": 3, "log_near1": 4,
	"trig_2piu": 5, "trig_mid": 6, "trig_big": 7, "trig_small": 8,
}

func (r *rng) draw(dist int) float64 {
	switch dist {
	case 1:
		return 1.0 - r.u53()
	case 2:
		return math.Float64frombits(r.next() >> 1)
	case 3:
		return math.Float64frombits(r.next())
	case 4:
		return math.Float64frombits(0x3fee000000000000 + r.next()%(0x3ff1090000000000-0x3fee000000000000))
	case 5:
		return float64(6.283185307179586 * r.u53())
	case 6, 7, 8:
		v := r.next()
		lo, hi := -30, 28
		if dist == 7 {
			lo, hi = 27, 1024
		} else if dist == 8 {
			lo, hi = -60, 2
		}
		e := lo + int((v>>53)%uint64(hi-lo))
		m := 0.5 + float64(float64(0.5*float64(v&(1<<52-1)))*0x1p-52)
		x := math.Ldexp(m, e)
		if r.next()&1 != 0 {
			return -x
		}
		return x
	}
	panic("bad dist")
}

type vector struct {
	fn      string
	in, out uint64
}

type blockHash struct {
	fn, dist string
	block    uint64
	hash     uint64
}

type refData struct {
	vectors []vector
	blocks  []blockHash
	fblocks map[string][]uint64 // fn -> hash per float block
}

var (
	refOnce sync.Once
	ref     refData
	refErr  error
)

func parseLines(sc *bufio.Scanner, d *refData) error {
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 || f[0] == "#" {
			continue
		}
		hex := func(s string) uint64 {
			v, err := strconv.ParseUint(s, 16, 64)
			if err != nil {
				panic(err)
			}
			return v
		}
		switch f[0] {
		case "V":
			d.vectors = append(d.vectors, vector{f[1], hex(f[2]), hex(f[3])})
		case "H":
			d.blocks = append(d.blocks, blockHash{f[1], f[2], hex(f[3]), hex(f[4])})
		case "F":
			b := hex(f[2])
			hs := d.fblocks[f[1]]
			for uint64(len(hs)) <= b {
				hs = append(hs, 0)
			}
			hs[b] = hex(f[3])
			d.fblocks[f[1]] = hs
		default:
			return fmt.Errorf("bad line %q", sc.Text())
		}
	}
	return sc.Err()
}

func loadRef(t *testing.T) *refData {
	refOnce.Do(func() {
		ref.fblocks = map[string][]uint64{}
		f, err := os.Open("testdata/vectors.txt.gz")
		if err != nil {
			refErr = err
			return
		}
		defer f.Close()
		z, err := gzip.NewReader(f)
		if err != nil {
			refErr = err
			return
		}
		refErr = parseLines(bufio.NewScanner(z), &ref)
		if refErr != nil {
			return
		}
		if extra := os.Getenv("GLIBM_EXTRA"); extra != "" {
			g, err := os.Open(extra)
			if err != nil {
				refErr = err
				return
			}
			defer g.Close()
			refErr = parseLines(bufio.NewScanner(g), &ref)
		}
	})
	if refErr != nil {
		t.Fatal(refErr)
	}
	return &ref
}

func TestVectors(t *testing.T) {
	d := loadRef(t)
	bad := map[string]int{}
	n := map[string]int{}
	for _, v := range d.vectors {
		n[v.fn]++
		var got uint64
		if f, ok := dfuncs[v.fn]; ok {
			got = math.Float64bits(f(math.Float64frombits(v.in)))
		} else {
			got = uint64(math.Float32bits(ffuncs[v.fn](math.Float32frombits(uint32(v.in)))))
		}
		if got != v.out {
			if bad[v.fn] < 10 {
				t.Errorf("%s(%#x) = %#x, glibc %#x", v.fn, v.in, got, v.out)
			}
			bad[v.fn]++
		}
	}
	for fn, c := range n {
		if bad[fn] > 0 {
			t.Errorf("%s: %d of %d vectors differ", fn, bad[fn], c)
		}
	}
	if len(n) != 6 {
		t.Errorf("vectors for %d functions, want 6", len(n))
	}
}

// TestHashedBlocks compares whole blocks of 65536 generated inputs per
// function and distribution (several million inputs in all) through a hash
// of the outputs.
func TestHashedBlocks(t *testing.T) {
	d := loadRef(t)
	total := map[string]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for _, b := range d.blocks {
		wg.Add(1)
		sem <- struct{}{}
		go func(b blockHash) {
			defer wg.Done()
			defer func() { <-sem }()
			f := dfuncs[b.fn]
			dist := distIDs[b.dist]
			r := newBlockRNG(dist, b.block)
			h := uint64(hashInit)
			for i := 0; i < blockSize; i++ {
				h = hashStep(h, math.Float64bits(f(r.draw(dist))))
			}
			mu.Lock()
			defer mu.Unlock()
			total[b.fn+" "+b.dist] += blockSize
			if h != b.hash {
				t.Errorf("%s on %s block %#x: outputs differ from glibc (find them with testdata/gen.c dump)", b.fn, b.dist, b.block)
			}
		}(b)
	}
	wg.Wait()
	for k, v := range total {
		t.Logf("%s: %d inputs", k, v)
	}
}

// TestFloatBlocks checks erff, expf and logf on every float32 input of some
// 2^20-input blocks (all 4096 blocks, i.e. every float32, when the
// environment variable GLIBM_EXHAUSTIVE is set).
func TestFloatBlocks(t *testing.T) {
	d := loadRef(t)
	all := os.Getenv("GLIBM_EXHAUSTIVE") != ""
	var blocks []uint32
	for b := uint32(0); b < 1<<(32-fBlockBits); b++ {
		// Default sample: every 256th block, plus the blocks that hold the
		// algorithms' branch points (|x| in [0.5, 8) and [64, 128)).
		top := b & 0x7ff
		if all || b%256 == 0x3f || (top >= 0x3f0 && top < 0x411 && b%4 == 0) || (top >= 0x428 && top < 0x430) {
			blocks = append(blocks, b)
		}
	}
	if testing.Short() && !all {
		blocks = blocks[:8]
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for fn, f := range ffuncs {
		want := d.fblocks[fn]
		if len(want) != 1<<(32-fBlockBits) {
			t.Fatalf("%s: %d float blocks in the data", fn, len(want))
		}
		for _, b := range blocks {
			wg.Add(1)
			sem <- struct{}{}
			go func(fn string, f func(float32) float32, b uint32) {
				defer wg.Done()
				defer func() { <-sem }()
				h := uint64(hashInit)
				start := b << fBlockBits
				for i := uint32(0); i < 1<<fBlockBits; i++ {
					h = hashStep(h, uint64(math.Float32bits(f(math.Float32frombits(start+i)))))
				}
				if h != want[b] {
					t.Errorf("%s: block %#x (inputs %#08x..%#08x) differs from glibc", fn, b, start, start+(1<<fBlockBits-1))
				}
			}(fn, f, b)
		}
	}
	wg.Wait()
	t.Logf("%d blocks of %d float32 inputs per function", len(blocks), 1<<fBlockBits)
}

var sink64 float64
var sink32 float32

func benchD(b *testing.B, f func(float64) float64, dist int) {
	r := newBlockRNG(dist, 1)
	xs := make([]float64, 1024)
	for i := range xs {
		xs[i] = r.draw(dist)
	}
	b.ResetTimer()
	s := 0.0
	for i := 0; i < b.N; i++ {
		s += f(xs[i&1023])
	}
	sink64 = s
}

func benchF(b *testing.B, f func(float32) float32, lo, hi float32) {
	r := newBlockRNG(9, 1)
	xs := make([]float32, 1024)
	for i := range xs {
		xs[i] = lo + float32(r.u53())*(hi-lo)
	}
	b.ResetTimer()
	var s float32
	for i := 0; i < b.N; i++ {
		s += f(xs[i&1023])
	}
	sink32 = s
}

func BenchmarkLog(b *testing.B)       { benchD(b, Log, 1) }
func BenchmarkGoMathLog(b *testing.B) { benchD(b, math.Log, 1) }
func BenchmarkSin(b *testing.B)       { benchD(b, Sin, 5) }
func BenchmarkGoMathSin(b *testing.B) { benchD(b, math.Sin, 5) }
func BenchmarkCos(b *testing.B)       { benchD(b, Cos, 5) }
func BenchmarkGoMathCos(b *testing.B) { benchD(b, math.Cos, 5) }
func BenchmarkSinHuge(b *testing.B)   { benchD(b, Sin, 7) }
func BenchmarkErff(b *testing.B)      { benchF(b, Erff, -4, 4) }
func BenchmarkExpf(b *testing.B)      { benchF(b, Expf, -20, 20) }
func BenchmarkLogf(b *testing.B)      { benchF(b, Logf, 0, 1) }
