"""Golden values for SN-GAN's pieces: torch.nn.utils.spectral_norm (n_power_iterations=1,
eps=1e-12, dim 0 for Linear and Conv2d, 1 for ConvTranspose2d) and the hinge loss, in float64.

Spectral norm cases sn_<layer>.txt (golden_lib.py's format) hold the module's state before any
forward (param:0.weight_orig, param:0.bias, buffer:0.weight_u, buffer:0.weight_v, as the module
and spectral_norm draw them after torch.manual_seed(0)), the input and grad_output, and `steps`: the
number of training forwards run on that input. Only the last one is back-propagated; output,
grad_input, grad:<key> and buffer_after:<key> are after it, `sigma` is u^T W v with the final u
and v, and eval_output the output of one more forward in eval mode (no power iteration).

The hinge case loss_hinge.txt holds scores `input` (values at the hinges +-1 included, where
torch's relu has gradient 0) and, for D on real samples (mean(relu(1 - s))), D on generated ones
(mean(relu(1 + s))) and G (-mean(s)), the records loss.<who> and grad.<who>.
"""

import torch
import torch.nn.functional as F

from golden_lib import Writer, write_results

C = "golden_sngan.py"
STEPS = 3


def sn_case(name, make_module, input_shape, batch):
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.utils.spectral_norm(make_module())).double()
    # u and v are drawn in float32 and converted by double(): the file holds what torch then uses.
    w = Writer(name, C)
    w.line("mode train")
    w.line("batch %d" % batch)
    for key, t in net.state_dict().items():
        kind = "buffer:" if key.endswith(("_u", "_v")) else "param:"
        w.full(kind + key, t)
    x = torch.randn(batch, *input_shape, dtype=torch.float64)
    w.full("input", x)
    x.requires_grad_(True)
    w.full("steps", torch.tensor([float(STEPS)]))
    net.train()
    for _ in range(STEPS - 1):
        net(x)
    y = net(x)
    gy = torch.randn(y.shape, dtype=torch.float64)
    w.full("grad_output", gy)
    y.backward(gy)
    write_results(w, net, x, y)
    sn = net[0]
    dim = 1 if isinstance(sn, torch.nn.ConvTranspose2d) else 0
    mat = sn.weight_orig.detach().movedim(dim, 0).reshape(sn.weight_orig.shape[dim], -1)
    w.full("sigma", torch.dot(sn.weight_u, mat @ sn.weight_v).reshape(1))
    net.eval()
    with torch.no_grad():
        w.result("eval_output", net(x))
    w.save()


def hinge_case():
    s = torch.tensor([[-1.7], [-1.0], [-0.3], [0.0], [0.4], [1.0], [1.2], [2.5]], dtype=torch.float64)
    w = Writer("loss_hinge", C)
    w.line("batch %d" % s.shape[0])
    w.full("input", s)
    for who, fn in (("d_real", lambda v: F.relu(1 - v).mean()),
                    ("d_fake", lambda v: F.relu(1 + v).mean()),
                    ("g", lambda v: -v.mean())):
        x = s.clone().requires_grad_(True)
        loss = fn(x)
        loss.backward()
        w.full("loss." + who, loss.reshape(1))
        w.full("grad." + who, x.grad)
    w.save()


def main():
    sn_case("sn_linear", lambda: torch.nn.Linear(5, 4), (5,), 3)
    sn_case("sn_conv2d", lambda: torch.nn.Conv2d(2, 3, 3, stride=2, padding=1), (2, 5, 5), 2)
    sn_case("sn_conv_transpose2d", lambda: torch.nn.ConvTranspose2d(3, 2, 4, stride=2, padding=1), (3, 3, 3), 2)
    hinge_case()


if __name__ == "__main__":
    main()
