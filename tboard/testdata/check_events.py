#!/usr/bin/env python3
"""Decodes an event file written by package tboard with TensorBoard's own
protocol buffer definitions and checks it against what the Go test wrote.

    python3 check_events.py EVENTS_FILE EXPECTED.json

The .proto files are TensorBoard's (tensorboard/compat/proto, vendored in
proto/ with their Apache-2.0 LICENSE); they are compiled at run time with
protoc (Debian: protobuf-compiler) and loaded with the protobuf runtime
(Debian: python3-protobuf). Every record's two masked CRC-32Cs are checked
with an independent CRC-32C implementation, every event is parsed as
tensorboard.Event, and the values are compared with EXPECTED.json: scalars
exactly (as float32), texts exactly, and histograms against the histogram
this script computes itself from the raw values with TensorFlow's algorithm
(default buckets of histogram.cc, std::upper_bound, EncodeToProto without
preserved empty buckets).
"""
import bisect
import json
import os
import struct
import subprocess
import sys
import tempfile

here = os.path.dirname(os.path.abspath(__file__))
PROTOS = ["event", "summary", "histogram", "tensor", "tensor_shape", "types", "resource_handle"]

out = tempfile.mkdtemp()
subprocess.run(["protoc", "-I", os.path.join(here, "proto"), "--python_out", out]
               + [f"tensorboard/compat/proto/{p}.proto" for p in PROTOS], check=True)
sys.path.insert(0, out)
from tensorboard.compat.proto import event_pb2, types_pb2  # noqa: E402


def crc32c_table():
    t = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        t.append(c)
    return t


TABLE = crc32c_table()


def masked_crc(b):
    c = 0xFFFFFFFF
    for x in b:
        c = TABLE[(c ^ x) & 0xFF] ^ (c >> 8)
    c ^= 0xFFFFFFFF
    return (((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def records(path):
    data = open(path, "rb").read()
    i = 0
    while i < len(data):
        n, = struct.unpack_from("<Q", data, i)
        lcrc, = struct.unpack_from("<I", data, i + 8)
        assert lcrc == masked_crc(data[i:i + 8]), f"length CRC of the record at byte {i}"
        body = data[i + 12:i + 12 + n]
        dcrc, = struct.unpack_from("<I", data, i + 12 + n)
        assert dcrc == masked_crc(body), f"data CRC of the record at byte {i}"
        yield body
        i += 12 + n + 4


def default_limits():
    pos, v = [], 1e-12
    while v < 1e20:
        pos.append(v)
        v *= 1.1
    pos.append(sys.float_info.max)
    return [-x for x in reversed(pos)] + [0.0] + pos


LIMITS = default_limits()


def tf_histogram(values):
    counts = [0.0] * len(LIMITS)
    mn, mx, num, s, ss = LIMITS[-1], -sys.float_info.max, 0.0, 0.0, 0.0
    for v in values:
        counts[bisect.bisect_right(LIMITS, v)] += 1
        mn, mx = min(mn, v), max(mx, v)
        num += 1
        s += v
        ss += v * v
    lim, cnt, i = [], [], 0
    while i < len(counts):
        end, c = LIMITS[i], counts[i]
        i += 1
        if c <= 0:
            while i < len(counts) and counts[i] <= 0:
                end, c = LIMITS[i], counts[i]
                i += 1
        lim.append(end)
        cnt.append(c)
    return dict(min=mn, max=mx, num=num, sum=s, sum_squares=ss, bucket_limit=lim, bucket=cnt)


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


events_file, expected_file = sys.argv[1], sys.argv[2]
expected = json.load(open(expected_file))
events = [event_pb2.Event.FromString(r) for r in records(events_file)]
assert len(events) == len(expected) + 1, f"{len(events)} events, want {len(expected) + 1}"
assert events[0].WhichOneof("what") == "file_version" and events[0].file_version == "brain.Event:2", events[0]
kinds = {"scalar": 0, "histogram": 0, "text": 0}
for ev, want in zip(events[1:], expected):
    assert ev.step == want["step"], (ev.step, want["step"])
    assert ev.wall_time == want["wall_time"], (ev.wall_time, want["wall_time"])
    assert ev.WhichOneof("what") == "summary" and len(ev.summary.value) == 1, ev
    v = ev.summary.value[0]
    assert v.tag == want["tag"], (v.tag, want["tag"])
    kind = want["kind"]
    kinds[kind] += 1
    if kind == "scalar":
        assert v.WhichOneof("value") == "simple_value" and v.simple_value == f32(want["value"]), (v, want)
    elif kind == "text":
        assert v.metadata.plugin_data.plugin_name == "text", v.metadata
        t = v.tensor
        assert v.WhichOneof("value") == "tensor" and t.dtype == types_pb2.DT_STRING and len(t.tensor_shape.dim) == 0, t
        assert [s.decode("utf-8") for s in t.string_val] == [want["text"]], t.string_val
    elif kind == "histogram":
        assert v.WhichOneof("value") == "histo", v
        h, ref = v.histo, tf_histogram(want.get("values", []))
        for k in ("min", "max", "num", "sum", "sum_squares"):
            assert getattr(h, k) == ref[k], (k, getattr(h, k), ref[k])
        for k in ("bucket_limit", "bucket"):
            got, exp = list(getattr(h, k)), ref[k]
            diff = next((i for i in range(max(len(got), len(exp))) if got[i:i + 1] != exp[i:i + 1]), None)
            assert diff is None, f"{v.tag} step {ev.step}: {k}[{diff}] is {got[diff:diff + 3]}, want {exp[diff:diff + 3]} ({len(got)} and {len(exp)} entries)"
    else:
        raise AssertionError(kind)
print(f"{os.path.basename(events_file)}: {len(events)} records, every CRC-32C valid, file_version brain.Event:2; "
      f"{kinds['scalar']} scalars, {kinds['histogram']} histograms ({len(LIMITS)} default bucket limits), "
      f"{kinds['text']} texts equal to the expected values")
