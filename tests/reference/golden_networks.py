"""Golden values for the seeds' networks (include/ctnn/models/seeds.hpp) as PyTorch twins.

Each twin is an nn.Sequential with ctnn's layer order, so its state_dict keys are the names ctnn
gives the parameters. Weights come from golden_lib's formula (the files stay small); networks with
Dropout run in eval mode, the others in train mode (BatchNorm on batch statistics).
"""

from torch import nn

from golden_lib import run_case

C = "golden_networks.py"


def lrelu(s=0.01):
    return nn.LeakyReLU(s)


def swissroll_g():
    return nn.Sequential(nn.Linear(2, 256), lrelu(0.2), nn.Linear(256, 256), lrelu(0.2),
                         nn.Linear(256, 256), lrelu(0.2), nn.Linear(256, 2), nn.Tanh())


def swissroll_d():
    return nn.Sequential(nn.Linear(2, 256), lrelu(0.2), nn.Linear(256, 256), lrelu(0.2),
                         nn.Linear(256, 256), lrelu(0.2), nn.Linear(256, 1), nn.Sigmoid())


def lab_g():
    return nn.Sequential(nn.Linear(100, 128), nn.LeakyReLU(), nn.Linear(128, 784), nn.Tanh(),
                         nn.Unflatten(1, (1, 28, 28)))


def lab_d():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.LeakyReLU(), nn.Linear(128, 1),
                         nn.Sigmoid())


def dcgan64_g():
    layers = []
    chans = [100, 512, 256, 128, 64]
    for i in range(4):
        stride, pad = (1, 0) if i == 0 else (2, 1)
        layers += [nn.ConvTranspose2d(chans[i], chans[i + 1], 4, stride, pad, bias=False),
                   nn.BatchNorm2d(chans[i + 1]), nn.ReLU()]
    layers += [nn.ConvTranspose2d(64, 3, 4, 2, 1, bias=False), nn.Tanh()]
    return nn.Sequential(*layers)


def dcgan64_d():
    return nn.Sequential(
        nn.Conv2d(3, 64, 4, 2, 1, bias=False), lrelu(0.2),
        nn.Conv2d(64, 128, 4, 2, 1, bias=False), nn.BatchNorm2d(128), lrelu(0.2),
        nn.Conv2d(128, 256, 4, 2, 1, bias=False), nn.BatchNorm2d(256), lrelu(0.2),
        nn.Conv2d(256, 512, 4, 2, 1, bias=False), nn.BatchNorm2d(512), lrelu(0.2),
        nn.Conv2d(512, 1, 4, 1, 0, bias=False), nn.Sigmoid(), nn.Flatten())


def bn_g():
    return nn.Sequential(
        nn.Linear(128, 256), nn.BatchNorm1d(256), nn.ReLU(),
        nn.Linear(256, 512), nn.BatchNorm1d(512), nn.ReLU(),
        nn.Linear(512, 1024), nn.BatchNorm1d(1024), nn.ReLU(),
        nn.Linear(1024, 784), nn.Tanh(), nn.Unflatten(1, (1, 28, 28)))


def dropout_d():
    return nn.Sequential(
        nn.Flatten(), nn.Linear(784, 1024), lrelu(0.2), nn.Dropout(0.3),
        nn.Linear(1024, 512), lrelu(0.2), nn.Dropout(0.3),
        nn.Linear(512, 256), lrelu(0.2), nn.Linear(256, 1), nn.Sigmoid())


def mlp_d():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), lrelu(), nn.Linear(256, 256), lrelu(),
                         nn.Linear(256, 1))


def mlp_g():
    return nn.Sequential(nn.Linear(10, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU(),
                         nn.Linear(1024, 784), nn.Tanh(), nn.Unflatten(1, (1, 28, 28)))


def dcgan_d():
    return nn.Sequential(
        nn.Conv2d(1, 32, 5), lrelu(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 5), lrelu(),
        nn.MaxPool2d(2), nn.Flatten(), nn.Linear(1024, 1024), lrelu(), nn.Linear(1024, 1))


def dcgan_g():
    return nn.Sequential(
        nn.Linear(10, 1024), nn.ReLU(), nn.BatchNorm1d(1024),
        nn.Linear(1024, 7 * 7 * 128), nn.ReLU(), nn.BatchNorm1d(7 * 7 * 128),
        nn.Unflatten(1, (128, 7, 7)),
        nn.ConvTranspose2d(128, 64, 4, 2, 1), nn.ReLU(), nn.BatchNorm2d(64),
        nn.ConvTranspose2d(64, 1, 4, 2, 1), nn.Tanh())


def vae_encoder():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256),
                         nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 40))


def vae_decoder():
    return nn.Sequential(nn.Linear(20, 400), nn.ReLU(), nn.Linear(400, 600), nn.ReLU(),
                         nn.Linear(600, 800), nn.ReLU(), nn.Linear(800, 784),
                         nn.Unflatten(1, (1, 28, 28)))


def classifier():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Dropout(0.2),
                         nn.Linear(512, 512), nn.ReLU(), nn.Dropout(0.2), nn.Linear(512, 10))


def cifar_d():
    return nn.Sequential(
        nn.Flatten(), nn.Linear(3072, 1024), lrelu(0.2), nn.Dropout(0.3),
        nn.Linear(1024, 512), lrelu(0.2), nn.Dropout(0.3),
        nn.Linear(512, 256), lrelu(0.2), nn.Dropout(0.3), nn.Linear(256, 1), nn.Sigmoid())


def cifar_g():
    return nn.Sequential(
        nn.Linear(100, 256), lrelu(0.2), nn.Linear(256, 512), lrelu(0.2),
        nn.Linear(512, 1024), lrelu(0.2), nn.Linear(1024, 3072), nn.Tanh(),
        nn.Unflatten(1, (3, 32, 32)))


CASES = [
    # name, twin, input shape, batch, mode
    ("net_swissroll_g", swissroll_g, (2,), 4, "train"),
    ("net_swissroll_d", swissroll_d, (2,), 4, "train"),
    ("net_lab_g", lab_g, (100,), 3, "train"),
    ("net_lab_d", lab_d, (1, 28, 28), 3, "train"),
    ("net_dcgan64_g", dcgan64_g, (100, 1, 1), 2, "train"),
    ("net_dcgan64_d", dcgan64_d, (3, 64, 64), 2, "train"),
    ("net_bn_g", bn_g, (128,), 3, "train"),
    ("net_dropout_d", dropout_d, (1, 28, 28), 3, "eval"),
    ("net_mlp_d", mlp_d, (1, 28, 28), 3, "train"),
    ("net_mlp_g", mlp_g, (10,), 3, "train"),
    ("net_dcgan_d", dcgan_d, (1, 28, 28), 2, "train"),
    ("net_dcgan_g", dcgan_g, (10,), 3, "train"),
    ("net_dcgan_g_eval", dcgan_g, (10,), 2, "eval"),
    ("net_vae_encoder", vae_encoder, (1, 28, 28), 3, "train"),
    ("net_vae_decoder", vae_decoder, (20,), 3, "train"),
    ("net_classifier", classifier, (1, 28, 28), 3, "eval"),
    ("net_cifar_d", cifar_d, (3, 32, 32), 2, "eval"),
    ("net_cifar_g", cifar_g, (100,), 2, "train"),
]


def main():
    for seed, (name, twin, shape, batch, mode) in enumerate(CASES):
        run_case(name, twin(), shape, batch, mode=mode, seed=100 + seed, params="formula",
                 comment=C)
        print(name, sum(p.numel() for p in twin().parameters()))


if __name__ == "__main__":
    main()
