"""Golden values for Conv2d, ConvTranspose2d and MaxPool2d (see golden_lib.py)."""

import torch
from torch import nn

from golden_lib import run_case

C = "golden_conv.py"


def main():
    # Each module is built before run_case seeds, so the first one needs a seed of its own.
    torch.manual_seed(20)
    run_case("conv2d", nn.Sequential(nn.Conv2d(2, 3, 3)), (2, 6, 5), 2, seed=21, comment=C)
    run_case("conv2d_stride_pad", nn.Sequential(nn.Conv2d(3, 4, 4, stride=2, padding=1)), (3, 8, 7), 2,
             seed=22, comment=C)
    run_case("conv2d_pad2_nobias", nn.Sequential(nn.Conv2d(1, 2, 5, padding=2, bias=False)), (1, 5, 6), 3,
             seed=23, comment=C)
    run_case("conv_transpose2d", nn.Sequential(nn.ConvTranspose2d(3, 2, 4, stride=2, padding=1)),
             (3, 4, 3), 2, seed=24, comment=C)
    run_case("conv_transpose2d_outpad", nn.Sequential(nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1,
                                                                         output_padding=1)),
             (2, 3, 4), 2, seed=25, comment=C)
    run_case("conv_transpose2d_nobias", nn.Sequential(nn.ConvTranspose2d(4, 2, 4, 1, 0, bias=False)),
             (4, 1, 1), 3, seed=26, comment=C)
    run_case("maxpool2d", nn.Sequential(nn.MaxPool2d(2)), (2, 6, 5), 2, seed=27, comment=C)
    run_case("maxpool2d_k3s2p1", nn.Sequential(nn.MaxPool2d(3, stride=2, padding=1)), (2, 7, 6), 2,
             seed=28, comment=C)
    run_case("conv_stack",
             nn.Sequential(nn.Conv2d(1, 4, 3), nn.LeakyReLU(0.01), nn.MaxPool2d(2), nn.Conv2d(4, 4, 3),
                           nn.LeakyReLU(0.01), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(16, 5),
                           nn.LeakyReLU(0.01), nn.Linear(5, 1)),
             (1, 14, 14), 3, seed=29, comment=C)


if __name__ == "__main__":
    main()
