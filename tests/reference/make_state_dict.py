"""Writes PyTorch state_dicts as safetensors, for ctnn::io::load_state_dict's tests.

    /usr/bin/python3 tests/reference/make_state_dict.py

tests/reference/golden/state_dict_classifier.safetensors: the plain state_dict of a small classifier
whose modules have attribute names (conv, bn, fc), its BatchNorm running statistics moved by a
few training batches; golden/state_dict_classifier.txt: its eval-mode output on a fixed input.
tests/reference/golden/state_dict_gan.safetensors: a GAN's state_dict, "G." and "D." keys (nn.Sequential
positions beneath); golden/state_dict_generator.txt: G's output on fixed noise.

Files are written as safetensors.torch.save_file writes them (Debian has no safetensors package):
an 8-byte little-endian header length, a JSON header of dtype, shape and data_offsets per tensor,
padded with spaces to a multiple of 8 bytes, then the raw little-endian bytes.
"""

import json
import pathlib
import struct

import torch
from torch import nn

from golden_lib import Writer

HERE = pathlib.Path(__file__).resolve().parent
DTYPES = {torch.float32: "F32", torch.float64: "F64", torch.int64: "I64"}


def save_file(state, path):
    header, chunks, offset = {}, [], 0
    for key in sorted(state):
        t = state[key].detach().contiguous()
        raw = t.numpy().tobytes()
        header[key] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(struct.pack("<Q", len(text)) + text + b"".join(chunks))


class Classifier(nn.Module):
    """ctnn: Sequential<Input<1, 8, 8>, Conv2d<1, 4, 3, 1, 1>, BatchNorm2d<4>, LeakyReLU<0.2>,
    MaxPool2d<2>, Flatten, Linear<64, 10>>."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.bn = nn.BatchNorm2d(4)
        self.act = nn.LeakyReLU(0.2)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(self.act(self.bn(self.conv(x)))), 1))


def golden(case, x, y):
    w = Writer(case, "make_state_dict.py")
    w.line("mode eval")
    w.line("batch %d" % x.shape[0])
    w.full("input", x)
    w.full("output", y)
    w.save()


def main():
    torch.manual_seed(23)
    clf = Classifier()
    with torch.no_grad():
        clf.train()
        for _ in range(3):  # moves the running statistics (and num_batches_tracked) off their start
            clf(torch.randn(16, 1, 8, 8) * 2 + 0.5)
        clf.eval()
        x = torch.randn(3, 1, 8, 8)
        golden("state_dict_classifier", x, clf(x))
    save_file(clf.state_dict(), HERE / "golden" / "state_dict_classifier.safetensors")

    G = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 8), nn.Tanh())
    D = nn.Sequential(nn.Linear(8, 16), nn.LeakyReLU(0.2), nn.Linear(16, 1))
    gan = nn.ModuleDict({"G": G, "D": D})
    with torch.no_grad():
        z = torch.randn(5, 4)
        golden("state_dict_generator", z, G(z))
    save_file(gan.state_dict(), HERE / "golden" / "state_dict_gan.safetensors")


if __name__ == "__main__":
    main()
