"""Golden values for Linear, the activations, Flatten and Reshape (see golden_lib.py)."""

import torch
from torch import nn

from golden_lib import run_case


class Reshape(nn.Module):
    """ctnn's Reshape<Dims...>: x.view(-1, *dims)."""

    def __init__(self, *dims):
        super().__init__()
        self.dims = dims

    def forward(self, x):
        return x.view(x.shape[0], *self.dims)


def main():
    c = "golden_basic.py"
    run_case("linear", nn.Sequential(nn.Linear(7, 5)), (7,), 4, seed=1, comment=c)
    run_case("linear_nobias", nn.Sequential(nn.Linear(6, 3, bias=False)), (6,), 2, seed=2, comment=c)
    run_case("relu", nn.Sequential(nn.ReLU()), (3, 4, 5), 2, seed=3, comment=c)
    run_case("leaky_relu", nn.Sequential(nn.LeakyReLU(0.2)), (11,), 3, seed=4, comment=c)
    run_case("tanh", nn.Sequential(nn.Tanh()), (2, 3, 3), 2, seed=5, comment=c)
    # Large |x| checks Sigmoid's stable form.
    run_case("sigmoid", nn.Sequential(nn.Sigmoid()), (9,), 3, seed=6, comment=c,
             input_fn=lambda b: torch.randn(b, 9, dtype=torch.float64) * 20)
    run_case("flatten_linear", nn.Sequential(nn.Flatten(), nn.Linear(2 * 3 * 4, 5), nn.Tanh()),
             (2, 3, 4), 3, seed=7, comment=c)
    run_case("mlp_reshape",
             nn.Sequential(nn.Linear(4, 12), nn.LeakyReLU(0.01), Reshape(3, 2, 2), nn.Sigmoid(),
                           nn.Flatten(), nn.Linear(12, 2)),
             (4,), 5, seed=8, comment=c)


if __name__ == "__main__":
    main()
