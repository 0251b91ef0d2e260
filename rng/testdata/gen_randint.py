"""Reference values for rng.Randint (torch.randint(low, high, size) and with a generator).
Run with Debian's PyTorch 1.13.1: /usr/bin/python3 gen_randint.py > randint.json
Each case seeds a generator (the global one, or a torch.Generator), draws randint, then one
torch.rand(3) from the same generator (to check how much state randint consumed), and
records the int64 values and the rand bits."""
import json, struct, torch

assert torch.__version__.startswith("1.13"), torch.__version__


def bits(t):
    return ['%08x' % struct.unpack('<I', struct.pack('<f', v))[0] for v in t.reshape(-1).tolist()]


cases = []


def case(seed, low, high, size, explicit):
    if explicit:
        g = torch.Generator().manual_seed(seed)
        v = torch.randint(low, high, size, generator=g)
        after = torch.rand(3, generator=g)
    else:
        torch.manual_seed(seed)
        v = torch.randint(low, high, size)
        after = torch.rand(3)
    assert v.dtype == torch.int64
    cases.append({"seed": seed, "low": low, "high": high, "size": list(size), "generator": explicit,
                  "values": v.reshape(-1).tolist(), "shape": list(v.shape), "rand_after": bits(after)})


case(0, 0, 10, (50,), False)
case(42, -5, 5, (3, 4), False)
case(7, 0, 2, (2, 3, 4), True)
case(1, 100, 101, (5,), False)                # a range of 1
case(3, -(2**40), 2**40, (6,), False)          # range >= 2^32: 64-bit draws
case(3, 0, 2**32, (4,), True)                  # exactly 2^32
case(5, 0, 2**32 - 1, (4,), False)             # just below
case(9, -(2**63), 2**63 - 1, (3,), False)      # the whole int64 range but one
case(11, 0, 1000, (0,), False)                 # empty
case(13, 0, 6, (), False)                      # zero-dimensional
case(17, 3, 1000003, (1000,), True)            # long enough to cross a Mersenne twist
print(json.dumps({"torch_version": torch.__version__, "cases": cases}, separators=(",", ":")))
