#!/usr/bin/env python3
"""Writes a file in the format PyTorch's torch.save uses (a zip archive: archive/data.pkl, a pickle
whose tensors are torch._utils._rebuild_tensor_v2 calls over persistent storages archive/data/<key>,
and archive/version), without PyTorch: the pickle names torch's globals through stand-in modules.
Usage: write_torch_save.py OUT.bin SPEC.json [--ordered]
SPEC: {"name": {"dtype": "F32"|"F16"|"BF16", "shape": [...], "values": [...]}, ...}; --ordered saves
an OrderedDict, as model.state_dict() is, instead of a dict."""
import collections
import io
import json
import pickle
import struct
import sys
import types
import zipfile


def _install_stand_ins():
    torch = types.ModuleType("torch")
    utils = types.ModuleType("torch._utils")

    def _rebuild_tensor_v2(*args):
        raise NotImplementedError

    _rebuild_tensor_v2.__module__ = "torch._utils"
    _rebuild_tensor_v2.__qualname__ = "_rebuild_tensor_v2"
    utils._rebuild_tensor_v2 = _rebuild_tensor_v2
    torch._utils = utils
    for name in ("FloatStorage", "HalfStorage", "BFloat16Storage"):
        cls = type(name, (), {"__module__": "torch", "__qualname__": name})
        setattr(torch, name, cls)
    sys.modules["torch"], sys.modules["torch._utils"] = torch, utils
    return torch, utils


TORCH, UTILS = _install_stand_ins()
STORAGE = {"F32": ("FloatStorage", "<f", 4), "F16": ("HalfStorage", "<e", 2), "BF16": ("BFloat16Storage", None, 2)}


class Storage:
    def __init__(self, key, dtype, raw, numel):
        self.key, self.dtype, self.raw, self.numel = key, dtype, raw, numel


class Tensor:
    def __init__(self, storage, shape):
        self.storage, self.shape = storage, shape

    def __reduce__(self):
        stride, step = [], 1
        for n in reversed(self.shape):
            stride.insert(0, step)
            step *= n
        return (UTILS._rebuild_tensor_v2,
                (self.storage, 0, tuple(self.shape), tuple(stride), False, collections.OrderedDict()))


class Pickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            return ("storage", getattr(TORCH, STORAGE[obj.dtype][0]), obj.key, "cpu", obj.numel)
        return None


def bf16(value):
    """The upper half of the float32, rounded to nearest even."""
    bits = struct.unpack("<I", struct.pack("<f", value))[0]
    return struct.pack("<H", (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16)


def encode(dtype, values):
    if dtype == "BF16":
        return b"".join(bf16(v) for v in values)
    return b"".join(struct.pack(STORAGE[dtype][1], v) for v in values)


def main():
    out, spec = sys.argv[1], json.load(open(sys.argv[2]))
    ordered = "--ordered" in sys.argv[3:]
    state = collections.OrderedDict() if ordered else {}
    storages = []
    for i, (name, t) in enumerate(spec.items()):
        raw = encode(t["dtype"], t["values"])
        storage = Storage(str(i), t["dtype"], raw, len(t["values"]))
        storages.append(storage)
        state[name] = Tensor(storage, t["shape"])
    buffer = io.BytesIO()
    Pickler(buffer, protocol=2).dump(state)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", buffer.getvalue())
        for s in storages:
            z.writestr(f"archive/data/{s.key}", s.raw)
        z.writestr("archive/version", "3\n")


if __name__ == "__main__":
    main()
