"""Loads a ctnn checkpoint into the PyTorch twin of its network and compares outputs.

    /usr/bin/python3 tests/reference/check_checkpoint_in_torch.py CHECKPOINT PROBE

CHECKPOINT holds "generator.<state_dict key>" tensors of models::DcganGenerator<10> (written by
build/.../tests/export_probe); PROBE holds "input" (noise) and "output" (ctnn's eval-mode output for
it). Debian has no safetensors package, so the layout is read here directly: 8-byte little-endian
header length, JSON header, raw little-endian bytes.
"""

import json
import struct
import sys

import numpy as np
import torch

from golden_networks import dcgan_g

DTYPES = {"F32": np.float32, "F64": np.float64, "I64": np.int64, "I32": np.int32, "U8": np.uint8}


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    body = data[8 + n:]
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        b, e = entry["data_offsets"]
        arr = np.frombuffer(body[b:e], dtype=DTYPES[entry["dtype"]]).reshape(entry["shape"])
        out[name] = torch.from_numpy(arr.copy())
    return out


def main():
    ckpt = read_safetensors(sys.argv[1])
    probe = read_safetensors(sys.argv[2])
    prefix = "generator."
    state = {k[len(prefix):]: v for k, v in ckpt.items() if k.startswith(prefix)}
    twin = dcgan_g()
    twin.load_state_dict(state)  # strict: every key must match
    twin.eval()
    with torch.no_grad():
        y = twin(probe["input"])
    diff = (y - probe["output"]).abs().max().item()
    print("loaded %d tensors into the PyTorch twin; max |torch - ctnn| = %.3g" % (len(state), diff))
    sys.exit(0 if diff < 1e-4 else 1)


if __name__ == "__main__":
    main()
