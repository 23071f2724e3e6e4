"""Golden values for Embedding and ConcatLabel, the layers of conditional networks (see golden_lib.py).

A conditional module takes (x, labels). Its children are named "0", "1", ... as ctnn counts the
layers of a Sequential, so the state_dict keys are ctnn's: ConcatLabel's branch sits at its
position (an Embedding at 0 is "0.weight", a branch Sequential's layers "0.0.weight", ...).
"""

import torch
from torch import nn

from golden_lib import run_case

C = "golden_conditional.py"


class Conditional(nn.Module):
    """ctnn's Sequential with one ConcatLabel at position `at`: torch.cat((h, branch(labels)), 1),
    its output viewed as `channels` maps of h's height and width when `channels` is set."""

    def __init__(self, layers, at, channels=False):
        super().__init__()
        for i, layer in enumerate(layers):
            self.add_module(str(i), layer)
        self.at = at
        self.channels = channels

    def forward(self, x, labels):
        h = x
        for i, layer in enumerate(self.children()):
            if i == self.at:
                e = layer(labels)
                if self.channels:
                    e = e.view(h.shape[0], -1, h.shape[2], h.shape[3])
                h = torch.cat((h, e), 1)
            else:
                h = layer(h)
        return h


class Labels(nn.Module):
    """An Embedding alone: its input is the labels (ctnn: Sequential<Input<1>, Embedding<...>>,
    whose input holds the class indices as numbers)."""

    def __init__(self, classes, dim):
        super().__init__()
        self.add_module("0", nn.Embedding(classes, dim))

    def forward(self, x, labels):
        return getattr(self, "0")(labels)


def main():
    # Repeated classes: their rows' gradients add up.
    labels = [3, 0, 3, 4, 1, 3]
    torch.manual_seed(40)
    run_case("embedding", Labels(5, 3), (1,), 6, seed=41, comment=C, labels=labels,
             input_fn=lambda b: torch.tensor(labels, dtype=torch.float64).view(b, 1))
    torch.manual_seed(42)
    run_case("concat_features",
             Conditional([nn.Linear(4, 6), nn.Embedding(5, 3), nn.Linear(9, 2), nn.Tanh()], at=1),
             (4,), 6, seed=43, comment=C, labels=labels)
    torch.manual_seed(44)
    run_case("concat_channels",
             Conditional([nn.Sequential(nn.Embedding(4, 5), nn.Linear(5, 18)), nn.Conv2d(4, 2, 2)], at=0,
                         channels=True),
             (2, 3, 3), 5, seed=45, comment=C, labels=[2, 0, 3, 2, 1])


if __name__ == "__main__":
    main()
