"""Golden trajectories for ctnn's optimizers: torch.optim's single-tensor (foreach=False) updates
in float64 on the parameters of nn.Sequential(nn.Linear(3, 2)) over 20 fixed gradients.

Each file optim_<case>.txt holds every option (`option:<name>`, torch's defaults filled in),
the initial parameters `param:<key>`, and for step k = 0..19 the gradient `grad<k>:<key>` and the
parameters after the step `after<k>:<key>`.
"""

import torch
from torch import nn

from golden_lib import Writer, formula

C = "golden_optim.py"
STEPS = 20

ADAM = dict(lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0)
SGD = dict(lr=None, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=0.0)
RMSPROP = dict(lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=0.0)


def make(kind, params, o):
    if kind == "adam":
        return torch.optim.Adam(params, lr=o["lr"], betas=(o["beta1"], o["beta2"]), eps=o["eps"],
                                weight_decay=o["weight_decay"], foreach=False)
    if kind == "sgd":
        return torch.optim.SGD(params, lr=o["lr"], momentum=o["momentum"], dampening=o["dampening"],
                               weight_decay=o["weight_decay"], nesterov=bool(o["nesterov"]),
                               foreach=False)
    return torch.optim.RMSprop(params, lr=o["lr"], alpha=o["alpha"], eps=o["eps"],
                               weight_decay=o["weight_decay"], momentum=o["momentum"],
                               centered=bool(o["centered"]), foreach=False)


def case(name, kind, **options):
    o = dict({"adam": ADAM, "sgd": SGD, "rmsprop": RMSPROP}[kind], **options)
    w = Writer("optim_" + name, C)
    for key, v in o.items():
        w.full("option:" + key, torch.tensor([float(v)], dtype=torch.float64))
    torch.manual_seed(3)
    net = nn.Sequential(nn.Linear(3, 2)).double()
    with torch.no_grad():
        for k, (key, p) in enumerate(net.named_parameters()):
            p.copy_(formula(p.numel(), 0.1, 0.5, 0.4 * k).reshape(p.shape))
            w.full("param:" + key, p)
    opt = make(kind, net.parameters(), o)
    for step in range(STEPS):
        for key, p in net.named_parameters():
            # Gradients of both signs and changing scale, some near zero.
            p.grad = torch.randn_like(p) * (0.2 + step / 10.0)
            w.full("grad%d:%s" % (step, key), p.grad)
        opt.step()
        for key, p in net.named_parameters():
            w.full("after%d:%s" % (step, key), p)
    w.save()


def main():
    case("adam", "adam")
    case("adam_gan", "adam", lr=2e-4, beta1=0.5)  # the seeds' GAN setting
    case("adam_weight_decay", "adam", lr=1e-2, weight_decay=0.1)
    case("sgd", "sgd", lr=0.1)
    case("sgd_momentum", "sgd", lr=0.05, momentum=0.9)
    case("sgd_nesterov", "sgd", lr=0.05, momentum=0.9, nesterov=1.0)
    case("sgd_weight_decay", "sgd", lr=0.1, weight_decay=0.05)
    case("sgd_dampening", "sgd", lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.01)
    case("rmsprop", "rmsprop")
    case("rmsprop_centered", "rmsprop", centered=1.0)
    case("rmsprop_momentum", "rmsprop", lr=1e-3, momentum=0.9)
    case("rmsprop_weight_decay", "rmsprop", weight_decay=0.1)
    case("rmsprop_all", "rmsprop", lr=3e-3, alpha=0.9, eps=1e-6, weight_decay=0.02, momentum=0.5,
         centered=1.0)


if __name__ == "__main__":
    main()
