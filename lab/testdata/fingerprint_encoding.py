"""An independent implementation of the fingerprint encoding documented on
lab.Fingerprint (lab/fingerprint.go), run with /usr/bin/python3. It prints
the SHA-256 of the two hand-written experiments below; TestFingerprintEncoding
builds the same results in Go and expects these hashes."""
import hashlib
import math
import struct

PREFIX = b"intercept-metrics-v1\x00"
CANONICAL_NAN = 0x7FF8000000000001


def u64(x):
    return struct.pack("<Q", x & 0xFFFFFFFFFFFFFFFF)


def s(x):
    b = x.encode("utf-8")
    return u64(len(b)) + b


def f64(x):
    if math.isnan(x):
        return u64(CANONICAL_NAN)
    return struct.pack("<d", x)


def trial(exp, variant, seed, res):
    out = s(exp) + s(variant) + u64(seed)
    if res is None:
        return out + b"\x01"
    out += b"\x00"
    sc = res["scalars"]
    out += u64(len(sc))
    for name in sorted(sc, key=lambda n: n.encode()):
        out += s(name) + f64(sc[name])
    se = {k: v for k, v in res["series"].items() if v}  # empty series are not encoded
    out += u64(len(se))
    for name in sorted(se, key=lambda n: n.encode()):
        out += s(name) + u64(len(se[name]))
        for x in se[name]:
            out += f64(x)
    out += bytes([1 if res["diverged"] else 0]) + u64(res["diverged_step"]) + f64(res["diverged_value"])
    return out


# experiment -> variant key -> seed -> result (None: failed)
EXPERIMENTS = {
    "beta": {
        "bias=on": {
            0: {"scalars": {"loss": 0.25, "acc": 1.0}, "series": {"loss": [1.5, 0.5, 0.25]},
                "diverged": False, "diverged_step": 0, "diverged_value": 0.0},
            1: None,
        },
        "bias=off": {
            0: {"scalars": {"loss": float("nan"), "acc": -0.0}, "series": {"loss": [1.5, float("inf")], "w": []},
                "diverged": True, "diverged_step": 1, "diverged_value": float("inf")},
        },
    },
    "alpha": {
        "x=1": {
            3: {"scalars": {"\u00e9": 1e-310}, "series": {},
                "diverged": False, "diverged_step": 0, "diverged_value": 0.0},
        },
    },
}

total = hashlib.sha256(PREFIX)
for exp in sorted(EXPERIMENTS, key=lambda n: n.encode()):
    h = hashlib.sha256(PREFIX)
    for key in sorted(EXPERIMENTS[exp], key=lambda n: n.encode()):
        for seed in sorted(EXPERIMENTS[exp][key]):
            b = trial(exp, key, seed, EXPERIMENTS[exp][key][seed])
            h.update(b)
            total.update(b)
    print(exp, h.hexdigest())
print("total", total.hexdigest())
