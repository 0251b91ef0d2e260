#!/usr/bin/python3
"""Golden data for the Go package safetensors, from real PyTorch 1.13.

Run from the repository root (needs only torch; the Python `safetensors`
package is not used: files are written and read by hand below, mirroring
the reference implementation, huggingface/safetensors):

    /usr/bin/python3 safetensors/testdata/gen_safetensors.py
    go test ./safetensors -update   # Go writes go_*.safetensors and the fuzz seeds
    /usr/bin/python3 safetensors/testdata/gen_safetensors.py   # PyTorch checks them
    go test ./safetensors

Writes, next to this script:
  dtypes.safetensors    one tensor of each dtype (F64 F32 F16 BF16 I64 I32 U8
                        BOOL), plus a scalar and an empty tensor
  mlp.safetensors       state_dict of Sequential(Linear(3,4), ReLU(), Linear(4,1))
  convnet.safetensors   state_dict of Conv2d(1,4,3) -> BatchNorm2d(4) -> ReLU ->
                        flatten -> Linear(64,3), after two training-mode forwards
  expected.json         the values the Go tests compare with: every tensor of
                        dtypes.safetensors bit for bit, inputs and eval-mode
                        outputs of both models, hashes of the F16/BF16
                        conversions of many float32 values, and the results of
                        PyTorch reading the files Go wrote
                        (go_written.safetensors, go_dtypes.safetensors).

Everything is deterministic (fixed seeds), so rerunning rewrites the same bytes.
"""

import hashlib
import json
import math
import os
import struct
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))

DTYPES = {
    "F64": torch.float64,
    "F32": torch.float32,
    "F16": torch.float16,
    "BF16": torch.bfloat16,
    "I64": torch.int64,
    "I32": torch.int32,
    "U8": torch.uint8,
    "BOOL": torch.bool,
}
NAME_OF = {v: k for k, v in DTYPES.items()}
SIZE = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "U8": 1, "BOOL": 1}
# The reference's Dtype enum order; its writer sorts by this, descending,
# then by name.
# (safetensors/src/tensor.rs, enum Dtype: "in increasing alignment order").
REF_ORDER = ["BOOL", "F4", "F6_E2M3", "F6_E3M2", "U8", "I8", "F8_E5M2", "F8_E4M3",
             "F8_E8M0", "F8_E4M3FNUZ", "F8_E5M2FNUZ", "I16", "U16", "F16", "BF16",
             "I32", "U32", "F32", "C64", "F64", "I64", "U64"]
MAX_HEADER_SIZE = 100_000_000

assert sys.byteorder == "little"


def raw_bytes(t):
    """The little-endian bytes of t in row-major order."""
    return t.contiguous().reshape(-1).view(torch.uint8).numpy().tobytes()


def write_reference(path, tensors, metadata=None):
    """Writes tensors (a dict) as the reference writer does: data sorted by
    descending dtype then name, header in data order with __metadata__
    first, compact JSON padded with spaces to a multiple of 8 bytes."""
    items = sorted(tensors.items(),
                   key=lambda kv: (-REF_ORDER.index(NAME_OF[kv[1].dtype]), kv[0]))
    header = {}
    if metadata is not None:
        header["__metadata__"] = metadata
    data = bytearray()
    for name, t in items:
        b = raw_bytes(t)
        header[name] = {"dtype": NAME_OF[t.dtype], "shape": list(t.shape),
                        "data_offsets": [len(data), len(data) + len(b)]}
        data += b
    hb = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode()
    hb += b" " * ((8 - len(hb) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hb)) + hb + bytes(data))


def no_duplicates(pairs):
    d = {}
    for k, v in pairs:
        if k in d:
            raise ValueError("duplicate key %r" % k)
        d[k] = v
    return d


def read_reference(path):
    """Reads a safetensors file with the reference implementation's checks
    (plus duplicate keys). Returns (tensors in header order, metadata,
    whether every tensor is aligned to its element size)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError("HeaderTooSmall")
    (n,) = struct.unpack("<Q", data[:8])
    if n > MAX_HEADER_SIZE:
        raise ValueError("HeaderTooLarge")
    if 8 + n > len(data):
        raise ValueError("InvalidHeaderLength")
    header = json.loads(data[8:8 + n].decode("utf-8"), object_pairs_hook=no_duplicates)
    meta = header.pop("__metadata__", None)
    if meta is not None:
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in meta.items())
    start = 0
    for name, e in sorted(header.items(), key=lambda kv: tuple(kv[1]["data_offsets"])):
        s, end = e["data_offsets"]
        if s != start or end < s:
            raise ValueError("InvalidOffset(%s)" % name)
        start = end
        if end - s != math.prod(e["shape"]) * SIZE[e["dtype"]]:
            raise ValueError("TensorInvalidInfo")
    if start + 8 + n != len(data):
        raise ValueError("MetadataIncompleteBuffer")
    out, aligned = {}, True
    for name, e in header.items():
        s, end = e["data_offsets"]
        dt = DTYPES[e["dtype"]]
        aligned = aligned and (8 + n + s) % SIZE[e["dtype"]] == 0
        if end == s:
            t = torch.empty(e["shape"], dtype=dt)
        else:
            t = torch.frombuffer(bytearray(data[8 + n + s:8 + n + end]), dtype=dt).reshape(e["shape"])
        out[name] = t
    return out, meta, aligned


def f32_bits(t):
    return t.to(torch.float32).contiguous().view(torch.int32).reshape(-1).tolist()


def u32(xs):
    return [x & 0xFFFFFFFF for x in xs]


def u16_bits(t):
    return [x & 0xFFFF for x in t.contiguous().view(torch.int16).reshape(-1).tolist()]


def expected_values(t):
    """Exact expected values of the Go tensor read from t."""
    name = NAME_OF[t.dtype]
    if name == "F64":
        return {"float64_bits": [x & 0xFFFFFFFFFFFFFFFF for x in t.contiguous().view(torch.int64).reshape(-1).tolist()]}
    if name in ("F32", "F16", "BF16"):
        return {"float32_bits": u32(f32_bits(t))}
    if name == "BOOL":
        return {"bools": t.reshape(-1).tolist()}
    return {"ints": t.to(torch.int64).reshape(-1).tolist()}


def f32(xs):
    return torch.tensor(xs, dtype=torch.float32)


def rounding_cases():
    """float32 values that exercise rounding to F16 and BF16: ties, carries,
    subnormals, overflow, signed zeros, infinities, NaN, random values."""
    h = 2.0 ** -11  # half an F16 ulp at 1
    vals = [0.0, -0.0, 1.0, -1.0, 1 + h, 1 + 3 * h, 1 + h * 1.0001, 2 - h / 2,
            65504.0, 65519.0, 65520.0, 70000.0, -70000.0, 2.0 ** -14, 2.0 ** -24,
            2.0 ** -25, 3 * 2.0 ** -26, 2.0 ** -26, 1.5 * 2.0 ** -24, 6e-8,
            1e-10, 3.0e38, 1 + 2.0 ** -8, 1 + 3 * 2.0 ** -8, 1 + 2.0 ** -8 + 2.0 ** -20,
            float("inf"), float("-inf"), float("nan"), 1.401298464324817e-45]
    g = torch.Generator().manual_seed(7)
    vals += (torch.randn(35, generator=g) * torch.tensor([10.0 ** (i % 7 - 3) for i in range(35)])).tolist()
    return f32(vals)


def pattern_hashes():
    """Hashes of F16 and BF16 conversions of 2^22 float32 bit patterns
    (a Weyl sequence, x_i = i * 0x9E3779B1 mod 2^32, plus the same patterns
    with their low bits forced near the F16 and BF16 rounding ties), and of
    the float32 values of all 65536 F16 and BF16 bit patterns."""
    i = torch.arange(1 << 22, dtype=torch.int64)
    p = (i * 0x9E3779B1) & 0xFFFFFFFF
    low = torch.tensor([0x0FFF, 0x1000, 0x1001, 0x3000, 0x7FFF, 0x8000, 0x8001, 0x18000], dtype=torch.int64)
    k = low[i % 8]
    tie = (p & ~0x1FFFF) | k
    pats = torch.cat([p, tie])
    pats32 = torch.where(pats >= 1 << 31, pats - (1 << 32), pats).to(torch.int32)
    f = pats32.view(torch.float32)
    out = {}
    out["f32_to_f16_sha256"] = hashlib.sha256(raw_bytes(f.half())).hexdigest()
    out["f32_to_bf16_sha256"] = hashlib.sha256(raw_bytes(f.bfloat16())).hexdigest()
    all16 = torch.arange(1 << 16, dtype=torch.int32)
    all16 = torch.where(all16 >= 1 << 15, all16 - (1 << 16), all16).to(torch.int16)
    out["f16_to_f32_sha256"] = hashlib.sha256(raw_bytes(all16.view(torch.float16).float())).hexdigest()
    out["bf16_to_f32_sha256"] = hashlib.sha256(raw_bytes(all16.view(torch.bfloat16).float())).hexdigest()
    out["patterns"] = len(pats)
    return out


class ConvNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(1, 4, 3)
        self.bn = torch.nn.BatchNorm2d(4)
        self.fc = torch.nn.Linear(64, 3)

    def forward(self, x):
        return self.fc(torch.relu(self.bn(self.conv(x))).flatten(1))


def floats(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def gen():
    exp = {"torch_version": torch.__version__}

    # (a) one tensor of each dtype.
    torch.manual_seed(0)
    rc = rounding_cases()
    tensors = {
        "f64": torch.tensor([0.0, -0.0, float("inf"), float("-inf"), float("nan"), 5e-324,
                             1.7976931348623157e308] + torch.randn(5, dtype=torch.float64).tolist(),
                            dtype=torch.float64).reshape(3, 4),
        "f32": torch.cat([f32([0.0, -0.0, float("inf"), float("nan"), 1.401298464324817e-45,
                               3.4028234663852886e38]), torch.randn(6)]).reshape(3, 4),
        "f16": rc.half(),
        "bf16": rc.bfloat16(),
        "i64": torch.tensor([-2 ** 63, 2 ** 63 - 1, 0, -1, 1, 123456789012345], dtype=torch.int64).reshape(2, 3),
        "i32": torch.tensor([-2 ** 31, 2 ** 31 - 1, 0, -1, 7], dtype=torch.int32),
        "u8": torch.tensor([0, 1, 127, 128, 255, 42], dtype=torch.uint8).reshape(3, 2),
        "bool": torch.tensor([[True, False, True], [True, False, False]]),
        "scalar": torch.tensor(3.25),
        "empty": torch.zeros(0, 3),
    }
    meta = {"format": "pt", "producer": "gen_safetensors.py"}
    write_reference(os.path.join(HERE, "dtypes.safetensors"), tensors, meta)
    back, back_meta, _ = read_reference(os.path.join(HERE, "dtypes.safetensors"))
    assert back_meta == meta
    d = {"file": "dtypes.safetensors", "metadata": meta, "order": list(back.keys()), "tensors": {}}
    for name, t in tensors.items():
        assert raw_bytes(back[name]) == raw_bytes(t) and back[name].dtype == t.dtype and back[name].shape == t.shape
        e = {"dtype": NAME_OF[t.dtype], "shape": list(t.shape)}
        e.update(expected_values(t))
        d["tensors"][name] = e
    d["tensors"]["f16"]["source_float32_bits"] = u32(f32_bits(rc))
    d["tensors"]["f16"]["stored_bits"] = u16_bits(tensors["f16"])
    d["tensors"]["bf16"]["source_float32_bits"] = u32(f32_bits(rc))
    d["tensors"]["bf16"]["stored_bits"] = u16_bits(tensors["bf16"])
    exp["dtypes"] = d
    exp["conversions"] = pattern_hashes()

    # (b) models.
    torch.manual_seed(0)
    mlp = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1))
    x = torch.randn(5, 3)
    mlp.eval()
    with torch.no_grad():
        y = mlp(x)
    write_reference(os.path.join(HERE, "mlp.safetensors"), dict(mlp.state_dict()), {"format": "pt"})
    exp["mlp"] = {"file": "mlp.safetensors", "input": floats(x), "input_shape": list(x.shape),
                  "output": floats(y), "output_shape": list(y.shape)}

    torch.manual_seed(1)
    net = ConvNet()
    with torch.no_grad():
        net.bn.weight.uniform_(0.5, 1.5)
        net.bn.bias.uniform_(-0.5, 0.5)
    net.train()
    with torch.no_grad():
        for _ in range(2):
            net(torch.randn(8, 1, 6, 6))
    assert net.bn.num_batches_tracked.item() == 2
    net.eval()
    x = torch.randn(3, 1, 6, 6)
    with torch.no_grad():
        y = net(x)
    write_reference(os.path.join(HERE, "convnet.safetensors"), dict(net.state_dict()), {"format": "pt"})
    back, _, _ = read_reference(os.path.join(HERE, "convnet.safetensors"))
    assert back["bn.num_batches_tracked"].dtype == torch.int64
    exp["convnet"] = {"file": "convnet.safetensors", "input": floats(x), "input_shape": list(x.shape),
                      "output": floats(y), "output_shape": list(y.shape)}

    # (c) the files Go wrote, if present.
    conv_input = x
    path = os.path.join(HERE, "go_written.safetensors")
    if os.path.exists(path):
        exp["go_written"] = check_go_written(path, conv_input)
    path = os.path.join(HERE, "go_dtypes.safetensors")
    if os.path.exists(path):
        exp["go_dtypes"] = check_go_dtypes(path)

    with open(os.path.join(HERE, "expected.json"), "w") as f:
        json.dump(exp, f, indent=1)
        f.write("\n")
    for k in ("go_written", "go_dtypes"):
        if k in exp:
            print(k, "all_ok =", exp[k]["all_ok"], {c: v for c, v in exp[k]["checks"].items() if not v} or "")
        else:
            print(k, "absent: run `go test ./safetensors -update`, then this script again")


def sha256_file(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def same_bytes_as_reference(path, tensors, meta):
    tmp = path + ".reference.tmp"
    try:
        write_reference(tmp, dict(reversed(list(tensors.items()))),
                        None if meta is None else dict(sorted(meta.items())))
        with open(tmp, "rb") as a, open(path, "rb") as b:
            return a.read() == b.read()
    finally:
        os.remove(tmp)


def check_go_written(path, x):
    tensors, meta, aligned = read_reference(path)
    net = ConvNet()
    net.load_state_dict(tensors, strict=True)  # raises on any missing/unexpected key or shape
    net.eval()
    with torch.no_grad():
        y = net(x)
    checks = {
        "reference_valid": True,  # read_reference raised otherwise
        "aligned": aligned,
        "strict_load": True,
        "num_batches_tracked_int64": tensors["bn.num_batches_tracked"].dtype == torch.int64,
        # The reference writer's bytes for the same tensors and metadata
        # (the reference orders by dtype, then name, whatever the input).
        "same_bytes_as_reference_writer": same_bytes_as_reference(path, tensors, meta),
        "metadata": meta == {"format": "pt", "producer": "intercept"},
    }
    return {"file": "go_written.safetensors", "sha256": sha256_file(path), "checks": checks,
            "all_ok": all(checks.values()), "torch_output": floats(y), "output_shape": list(y.shape)}


def same_bits(a, b):
    return torch.equal(a.contiguous().view(torch.uint8), b.contiguous().view(torch.uint8))


def check_go_dtypes(path):
    t, meta, aligned = read_reference(path)
    checks = {
        "reference_valid": True,
        "aligned": aligned,
        "dtypes": {k: NAME_OF[v.dtype] for k, v in t.items()} == {
            "src_f32": "F32", "as_f16": "F16", "as_bf16": "BF16", "src_f64": "F64",
            "f64_as_f32": "F32", "f64_as_f16": "F16", "f64_as_bf16": "BF16",
            "i64": "I64", "as_i32": "I32", "as_u8": "U8", "bool": "BOOL", "scalar": "F32", "empty": "F32"},
        "as_f16 == src_f32.half()": same_bits(t["as_f16"], t["src_f32"].half()),
        "as_bf16 == src_f32.bfloat16()": same_bits(t["as_bf16"], t["src_f32"].bfloat16()),
        "f64_as_f32 == src_f64.float()": same_bits(t["f64_as_f32"], t["src_f64"].float()),
        "f64_as_f16 == src_f64.half()": same_bits(t["f64_as_f16"], t["src_f64"].half()),
        "f64_as_bf16 == src_f64.bfloat16()": same_bits(t["f64_as_bf16"], t["src_f64"].bfloat16()),
        "as_i32 == i64.int()": torch.equal(t["as_i32"], t["i64"].int()),
        "as_u8 == i64.byte()": torch.equal(t["as_u8"], t["i64"].to(torch.uint8)),
        "bool": t["bool"].tolist() == [[True, False], [False, True]],
        "scalar": t["scalar"].shape == () and t["scalar"].item() == -2.5,
        "empty": t["empty"].shape == (2, 0),
        "metadata": meta is None,
    }
    return {"file": "go_dtypes.safetensors", "sha256": sha256_file(path), "checks": checks,
            "all_ok": all(checks.values())}


if __name__ == "__main__":
    gen()
