"""Golden values for BatchNorm1d, BatchNorm2d and Dropout (see golden_lib.py).

BatchNorm cases take their weights and running statistics from golden_lib's formula, so that eval
mode normalises with non-trivial statistics and train mode updates them visibly.
"""

from torch import nn

from golden_lib import run_case


def main():
    c = "golden_norm.py"
    run_case("bn1d_train", nn.Sequential(nn.BatchNorm1d(5)), (5,), 6, seed=11, params="formula",
             comment=c)
    run_case("bn1d_eval", nn.Sequential(nn.BatchNorm1d(5)), (5,), 4, mode="eval", seed=12,
             params="formula", comment=c)
    # PyTorch's (N, C, L) form.
    run_case("bn1d_ncl_train", nn.Sequential(nn.BatchNorm1d(3)), (3, 4), 2, seed=13,
             params="formula", comment=c)
    run_case("bn2d_train", nn.Sequential(nn.BatchNorm2d(3)), (3, 4, 5), 2, seed=14,
             params="formula", comment=c)
    run_case("bn2d_eval", nn.Sequential(nn.BatchNorm2d(4)), (4, 3, 3), 3, mode="eval", seed=15,
             params="formula", comment=c)
    # The InfoGAN generator's order: Linear, ReLU, BatchNorm1d.
    run_case("linear_relu_bn1d", nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.BatchNorm1d(8)),
             (6,), 5, seed=16, comment=c)
    run_case("dropout_eval", nn.Sequential(nn.Dropout(0.3)), (10,), 3, mode="eval", seed=17,
             comment=c)


if __name__ == "__main__":
    main()
