"""Reference values of torch.var / torch.std for tensor/var_test.go.

Run with Debian's PyTorch 1.13.1:

    /usr/bin/python3 tensor/testdata/gen_var.py > tensor/testdata/var.json

The inputs are not stored: each is rebuilt from integers by the same
formula in the Go test (inputs below), so both sides see the same float32 or
float64 values. The outputs are stored as IEEE-754 bit patterns.
"""
import json

import numpy as np
import torch


def inputs(n, scale, offset, dtype):
    """x[i] = offset + scale * (h(i) / 2^32 - 0.5), h(i) = (i * 2654435761 + 12345) mod 2^32,
    computed in float64 and rounded once to dtype."""
    i = np.arange(n, dtype=np.uint64)
    h = (i * np.uint64(2654435761) + np.uint64(12345)) % np.uint64(2**32)
    x = offset + scale * (h.astype(np.float64) / 2.0**32 - 0.5)
    return torch.from_numpy(x.astype(np.float32 if dtype == "float32" else np.float64))


def bits(t):
    t = t.detach().contiguous()
    if t.dtype == torch.float32:
        return ["%08x" % v for v in t.view(torch.int32).reshape(-1).numpy().astype(np.uint32).tolist()]
    return ["%016x" % v for v in t.view(torch.int64).reshape(-1).numpy().astype(np.uint64).tolist()]


cases = []
for dtype in ["float32", "float64"]:
    for (n, shape, scale, offset) in [
        (16384, [16384], 1.0, 0.0),
        (16384, [16384], 1.0, 1000.0),        # a large mean: cancellation
        (16384, [16384], 2e18, 0.0),          # float32: the sum of squares passes 3.4e38, the variance fits
        (16384, [16384], 1e21, 0.0),          # float32: the variance overflows, the std fits
        (16384, [64, 256], 2e18, 0.0),
        (16384, [64, 256], 1.0, 3.0),
        (24, [2, 3, 4], 1.0, 0.5),
    ]:
        x = inputs(n, scale, offset, dtype).reshape(shape)
        dimsets = [None]
        if len(shape) == 2:
            dimsets += [[0], [1]]
        if len(shape) == 3:
            dimsets += [[1], [0, 2]]
        for dims in dimsets:
            for correction in [0, 1]:
                for keepdim in [False, True]:
                    if dims is None and keepdim:
                        continue
                    for op in ["var", "std"]:
                        f = getattr(torch, op)
                        if dims is None:
                            y = f(x, unbiased=bool(correction))
                        else:
                            y = f(x, dim=dims, unbiased=bool(correction), keepdim=keepdim)
                        cases.append({
                            "op": op, "dtype": dtype, "n": n, "shape": shape, "scale": scale,
                            "offset": offset, "dims": dims, "correction": correction, "keepdim": keepdim,
                            "out_shape": list(y.shape), "bits": bits(y),
                            "first": repr(float(y.reshape(-1)[0])),
                        })

# One case per line.
print('{"torch": %s, "cases": [' % json.dumps(torch.__version__))
print(",\n".join(json.dumps(c) for c in cases))
print("]}")
