/* gen.c: test vectors for package glibm, computed with the real glibc.

   Build and run on x86-64 Linux with glibc 2.36 and a CPU with FMA and AVX2
   (Debian 12 here), so that glibc's ifunc selects the FMA builds of log,
   sin, cos, expf and logf, as it does for PyTorch:

     gcc -O2 -fno-builtin -o gen gen.c -lm
     ./gen vectors | gzip -9n > vectors.txt.gz      (the committed data)
     ./gen hashes DIST NBLOCKS [FIRST] > extra.txt   (more hashed blocks; test
                                                      with GLIBM_EXTRA=extra.txt)
     ./gen dump FN DIST BLOCK                        (every input/output of a block)

   Output lines (all numbers hexadecimal bit patterns):
     V FN IN OUT                explicit vector, FN in log sin cos erff expf logf
     H FN DIST BLOCK HASH       hash of FN's outputs on the 65536 inputs of
                                block BLOCK of distribution DIST
     F FN BLOCK HASH            hash of FN's outputs on the 2^20 float inputs
                                BLOCK<<20 ... BLOCK<<20 | 0xfffff (exhaustive)
   The generator of the distributions (splitmix64 seeded per block) and the
   hash (FNV-1a over output words) are mirrored in glibm_test.go.  */

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Call through volatile pointers so that the compiler neither folds nor
   merges (sin+cos -> sincos) the calls: we want the libm entry points.  */
static double (*volatile f_log) (double) = log;
static double (*volatile f_sin) (double) = sin;
static double (*volatile f_cos) (double) = cos;
static float (*volatile f_erff) (float) = erff;
static float (*volatile f_expf) (float) = expf;
static float (*volatile f_logf) (float) = logf;

static uint64_t d2u (double x) { uint64_t u; memcpy (&u, &x, 8); return u; }
static double u2d (uint64_t u) { double x; memcpy (&x, &u, 8); return x; }
static uint32_t f2u (float x) { uint32_t u; memcpy (&u, &x, 4); return u; }
static float u2f (uint32_t u) { float x; memcpy (&x, &u, 4); return x; }

#define BLOCK 65536
#define FBLOCKBITS 20

static uint64_t sm_state;
static uint64_t
next (void)
{
  uint64_t z = (sm_state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static void
seed_block (int dist, uint64_t block)
{
  sm_state = ((uint64_t) dist << 48) ^ (block * 0x632be59bd9b4e019ULL);
}

/* Uniform double in [0, 1) as torch draws it: 53 random bits * 2^-53.  */
static double u53 (void) { return (double) (next () >> 11) * 0x1p-53; }

/* Distributions of double inputs.  */
enum
{
  D_LOG_1MU = 1,  /* 1 - u, u in [0,1): (0, 1]                         */
  D_LOG_POS,      /* any non-negative bit pattern (incl. subnormal, inf, NaN) */
  D_ALL,          /* any bit pattern                                   */
  D_LOG_NEAR1,    /* uniform bit patterns in [1 - 2^-4, 1 + 0x1.09p-4) */
  D_TRIG_2PIU,    /* 2*pi*u, u in [0,1): [0, 2pi)                      */
  D_TRIG_MID,     /* +-m * 2^e, m in [0.5,1), e in [-30, 28]           */
  D_TRIG_BIG,     /* +-m * 2^e, e in [27, 1024)                        */
  D_TRIG_SMALL,   /* +-m * 2^e, e in [-60, 2]                          */
  D_LAST
};
static const char *dist_name[] = { "", "log_1mu", "log_pos", "all", "log_near1",
				   "trig_2piu", "trig_mid", "trig_big", "trig_small" };

static double
draw (int dist)
{
  uint64_t r;
  switch (dist)
    {
    case D_LOG_1MU:
      return 1.0 - u53 ();
    case D_LOG_POS:
      return u2d (next () >> 1);
    case D_ALL:
      return u2d (next ());
    case D_LOG_NEAR1:
      return u2d (0x3fee000000000000ULL
		  + next () % (0x3ff1090000000000ULL - 0x3fee000000000000ULL));
    case D_TRIG_2PIU:
      return 6.283185307179586 * u53 ();
    case D_TRIG_MID:
    case D_TRIG_BIG:
    case D_TRIG_SMALL:
      {
	r = next ();
	int lo = dist == D_TRIG_MID ? -30 : dist == D_TRIG_BIG ? 27 : -60;
	int hi = dist == D_TRIG_MID ? 28 : dist == D_TRIG_BIG ? 1024 : 2;
	int e = lo + (int) ((r >> 53) % (uint64_t) (hi - lo));
	double m = 0.5 + 0.5 * (double) (r & ((1ULL << 52) - 1)) * 0x1p-52;
	double x = ldexp (m, e);
	return (next () & 1) ? -x : x;
      }
    }
  abort ();
}

static uint64_t
hash_step (uint64_t h, uint64_t w)
{
  return (h ^ w) * 0x100000001b3ULL;
}
#define HASH_INIT 0xcbf29ce484222325ULL

typedef double (*dfn) (double);
static dfn
dfunc (const char *name)
{
  if (!strcmp (name, "log")) return f_log;
  if (!strcmp (name, "sin")) return f_sin;
  if (!strcmp (name, "cos")) return f_cos;
  return 0;
}
typedef float (*ffn) (float);
static ffn
ffunc (const char *name)
{
  if (!strcmp (name, "erff")) return f_erff;
  if (!strcmp (name, "expf")) return f_expf;
  if (!strcmp (name, "logf")) return f_logf;
  return 0;
}

static void
hash_block (const char *fn, int dist, uint64_t block)
{
  dfn f = dfunc (fn);
  uint64_t h = HASH_INIT;
  seed_block (dist, block);
  for (int i = 0; i < BLOCK; i++)
    h = hash_step (h, d2u (f (draw (dist))));
  printf ("H %s %s %llx %016llx\n", fn, dist_name[dist],
	  (unsigned long long) block, (unsigned long long) h);
}

static void
fhash_block (const char *fn, uint32_t block)
{
  ffn f = ffunc (fn);
  uint64_t h = HASH_INIT;
  uint32_t start = block << FBLOCKBITS;
  for (uint32_t i = 0; i < (1u << FBLOCKBITS); i++)
    h = hash_step (h, f2u (f (u2f (start + i))));
  printf ("F %s %x %016llx\n", fn, block, (unsigned long long) h);
}

static void
vd (const char *fn, double x)
{
  printf ("V %s %016llx %016llx\n", fn, (unsigned long long) d2u (x),
	  (unsigned long long) d2u (dfunc (fn) (x)));
}

static void
vf (const char *fn, float x)
{
  printf ("V %s %08x %08x\n", fn, f2u (x), f2u (ffunc (fn) (x)));
}

static int
dist_by_name (const char *s)
{
  for (int d = 1; d < D_LAST; d++)
    if (!strcmp (s, dist_name[d]))
      return d;
  fprintf (stderr, "unknown distribution %s\n", s);
  exit (2);
}

/* Which distributions are hashed for which double function, and how many
   blocks of 65536 inputs go into the committed file.  */
static const struct { const char *fn; int dist; int nblocks; } plan[] = {
  { "log", D_LOG_1MU, 48 },   { "log", D_LOG_POS, 8 },    { "log", D_ALL, 2 },
  { "log", D_LOG_NEAR1, 4 },
  { "sin", D_TRIG_2PIU, 48 }, { "sin", D_TRIG_MID, 8 },  { "sin", D_TRIG_SMALL, 4 },
  { "sin", D_TRIG_BIG, 4 },   { "sin", D_ALL, 2 },
  { "cos", D_TRIG_2PIU, 48 }, { "cos", D_TRIG_MID, 8 },  { "cos", D_TRIG_SMALL, 4 },
  { "cos", D_TRIG_BIG, 4 },   { "cos", D_ALL, 2 },
};

static void
edge_doubles (const char *fn)
{
  static const uint64_t bits[] = {
    0, 0x8000000000000000, 1, 0x8000000000000001, 0x000fffffffffffff,
    0x0010000000000000, 0x7fefffffffffffff, 0xffefffffffffffff,
    0x7ff0000000000000, 0xfff0000000000000, 0x7ff8000000000000,
    0xfff8000000000000, 0x7ff0000000000001, 0xfff0000000000001,
    0x7ff4000000000000, 0x7ff8000000000123, 0x3ff0000000000000,
    0xbff0000000000000, 0x3fefffffffffffff, 0x3ff0000000000001,
    0x3fee000000000000, 0x3fedffffffffffff, 0x3ff1090000000000,
    0x3ff108ffffffffff, 0x3cb0000000000000, 0x3ca0000000000000,
    0x3e50000000000000, 0x3e4fffffffffffff, 0x3e40000000000000,
    0x3e3fffffffffffff, 0x3feb600000000000, 0x3feb5fffffffffff,
    0x400368fd00000000, 0x400368fcffffffff, 0x419921fb00000000,
    0x419921faffffffff, 0x3fc020c49ba5e354, 0x3fc020c49ba5e353,
    0x3fe0000000000000, 0x4000000000000000, 0x4010000000000000,
    0x7fe0000000000000, 0x4330000000000000, 0x4340000000000000,
  };
  for (size_t i = 0; i < sizeof bits / sizeof bits[0]; i++)
    {
      vd (fn, u2d (bits[i]));
      vd (fn, -u2d (bits[i]));
    }
  static const double vals[] = {
    0.5, 1.5, 2.0, 3.0, 10.0, 100.0, 1e6, 1e22, 1e300, M_PI, M_PI_2, M_PI_4,
    2 * M_PI, 3 * M_PI_2, 6.283185307179586, 0.855469, 2.426265, 105414350.0,
    105414351.0, 1e-300, 0.126, 0.125, 0x1p-26, 0x1p-27, 0x1p-1022, 0x1p-1074,
    0.7, 0.9375, 1.0625, 0.1, 0.2, 0.3, 0x1.921fb54442d18p+1023,
    /* hard cases for reduction: near multiples of pi/2 */
    0x1.6ac5b262ca1ffp+849, 0x1.dfd2b7bb3b4b4p+700, 0x1.5ac9e8bfe8ba8p+94,
    0x1.921fb54442d18p+1, 0x1.921fb54442d18p+2, 0x1.2d97c7f3321d2p+1,
    0x1.f6a7a2955385ep+2, 0x1.5fdbbe9bba775p+4, 0x1.3bd3cc9be45dep+3,
    0x1.6c6cbc45dc8dep+7, 5.0, 7.0, 33.0, 1e5, 1e7, 1e8, 1e9, 1e15,
  };
  for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++)
    {
      vd (fn, vals[i]);
      vd (fn, -vals[i]);
      vd (fn, nextafter (vals[i], 0));
      vd (fn, nextafter (vals[i], INFINITY));
    }
  /* walk over the sin/cos table and log table boundaries */
  for (int i = 0; i <= 2000; i++)
    {
      vd (fn, i / 256.0);
      vd (fn, 1.0 - i * 0x1p-12);
    }
}

static void
edge_floats (const char *fn)
{
  static const uint32_t bits[] = {
    0, 0x80000000, 1, 0x80000001, 0x007fffff, 0x00800000, 0x7f7fffff,
    0xff7fffff, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7f800001,
    0xff800001, 0x7fa00000, 0x7fc00123, 0x3f800000, 0xbf800000, 0x3f7fffff,
    0x3f800001, 0x04000000, 0x03ffffff, 0x31800000, 0x317fffff, 0x3f580000,
    0x3f57ffff, 0x3fa00000, 0x3f9fffff, 0x4036db6e, 0x4036db6d, 0x40c00000,
    0x40bfffff, 0x42b17217, 0x42b17218, 0xc2cff1b4, 0xc2cff1b5, 0xc2ce8ecf,
    0xc2ce8ed0, 0x42b00000, 0x42afffff, 0xc2b00000, 0x3f330000, 0x3f32ffff,
  };
  for (size_t i = 0; i < sizeof bits / sizeof bits[0]; i++)
    {
      vf (fn, u2f (bits[i]));
      vf (fn, -u2f (bits[i]));
    }
  /* a few thousand spread inputs */
  seed_block (99, 0);
  for (int i = 0; i < 3000; i++)
    vf (fn, u2f ((uint32_t) next ()));
  for (int i = 0; i < 3000; i++)
    vf (fn, (float) (12.0 * u53 () - 6.0));
}

int
main (int argc, char **argv)
{
  if (argc >= 2 && !strcmp (argv[1], "vectors"))
    {
      printf ("# glibm test vectors from %s (glibc); see gen.c\n", "gen.c");
      const char *dn[] = { "log", "sin", "cos" };
      for (int j = 0; j < 3; j++)
	{
	  edge_doubles (dn[j]);
	  for (int d = 1; d < D_LAST; d++)
	    {
	      seed_block (d, 0xffffffff);
	      for (int i = 0; i < 300; i++)
		vd (dn[j], draw (d));
	    }
	}
      const char *fnames[] = { "erff", "expf", "logf" };
      for (int j = 0; j < 3; j++)
	edge_floats (fnames[j]);
      for (size_t p = 0; p < sizeof plan / sizeof plan[0]; p++)
	for (int b = 0; b < plan[p].nblocks; b++)
	  hash_block (plan[p].fn, plan[p].dist, b);
      for (int j = 0; j < 3; j++)
	for (uint32_t b = 0; b < (1u << (32 - FBLOCKBITS)); b++)
	  fhash_block (fnames[j], b);
      return 0;
    }
  if (argc >= 4 && !strcmp (argv[1], "hashes"))
    {
      /* hashes DIST NBLOCKS [FIRST]: every function that the plan pairs
	 with DIST.  */
      int d = dist_by_name (argv[2]);
      long n = strtol (argv[3], 0, 0);
      long first = argc >= 5 ? strtol (argv[4], 0, 0) : 1000;
      for (size_t p = 0; p < sizeof plan / sizeof plan[0]; p++)
	if (plan[p].dist == d)
	  for (long b = first; b < first + n; b++)
	    hash_block (plan[p].fn, d, b);
      return 0;
    }
  if (argc >= 5 && !strcmp (argv[1], "dump"))
    {
      /* dump FN DIST BLOCK */
      int d = dist_by_name (argv[3]);
      seed_block (d, strtoull (argv[4], 0, 16));
      for (int i = 0; i < BLOCK; i++)
	vd (argv[2], draw (d));
      return 0;
    }
  fprintf (stderr, "usage: gen vectors | gen hashes DIST NBLOCKS [FIRST] | gen dump FN DIST BLOCK\n");
  return 2;
}
