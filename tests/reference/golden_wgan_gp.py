"""Golden values for WGAN-GP's critic (Gulrajani et al. 2017), in float64: the gradient penalty
lambda * mean((||grad_x D(x_hat)||_2 - 1)^2) at x_hat = eps * real + (1 - eps) * fake, and its
gradient with respect to D's parameters by autograd.grad(..., create_graph=True), then backward.

Each case gp_<critic>.txt (golden_lib.py's format) holds the critic's parameters (param:<key>, as
torch.manual_seed(0) draws them), `real`, `fake`, `eps` (one per sample; one sample's eps is 1,
so its x_hat is its real sample), `lambda`, and
  penalty, grad:<key>          the penalty and its parameter gradient alone;
  loss, total_grad:<key>       the critic's loss mean(D(fake)) - mean(D(real)) + penalty and its
                               parameter gradient, as one WGAN-GP critic step computes them.
"""

import torch

from golden_lib import Writer

C = "golden_wgan_gp.py"
LAMBDA = 10.0


def gp_case(name, critic, input_shape, batch):
    torch.manual_seed(0)
    critic = critic.double()
    w = Writer(name, C)
    w.line("batch %d" % batch)
    for key, t in critic.state_dict().items():
        w.full("param:" + key, t)
    real = torch.randn(batch, *input_shape, dtype=torch.float64)
    fake = torch.randn(batch, *input_shape, dtype=torch.float64) * 0.5
    eps = torch.rand(batch, dtype=torch.float64)
    eps[0] = 1.0
    w.full("real", real)
    w.full("fake", fake)
    w.full("eps", eps)
    w.full("lambda", torch.tensor([LAMBDA], dtype=torch.float64))
    params = list(critic.parameters())
    keys = [k for k, _ in critic.named_parameters()]

    def penalty():
        e = eps.reshape(batch, *([1] * len(input_shape)))
        x_hat = (e * real + (1 - e) * fake).requires_grad_(True)
        d = critic(x_hat)
        g, = torch.autograd.grad(d, x_hat, grad_outputs=torch.ones_like(d), create_graph=True)
        return LAMBDA * ((g.reshape(batch, -1).norm(2, dim=1) - 1) ** 2).mean()

    gp = penalty()
    grads = torch.autograd.grad(gp, params, allow_unused=True)
    w.full("penalty", gp.detach().reshape(1))
    for k, p, g in zip(keys, params, grads):
        w.full("grad:" + k, torch.zeros_like(p) if g is None else g)

    loss = critic(fake).mean() - critic(real).mean() + penalty()
    grads = torch.autograd.grad(loss, params)
    w.full("loss", loss.detach().reshape(1))
    for k, g in zip(keys, grads):
        w.full("total_grad:" + k, g)
    w.save()


def main():
    nn = torch.nn
    gp_case("gp_mlp", nn.Sequential(nn.Linear(6, 8), nn.LeakyReLU(0.2), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 1)),
            (6,), 4)
    gp_case("gp_conv", nn.Sequential(nn.Unflatten(1, (1, 6, 6)), nn.Conv2d(1, 3, 3, padding=1), nn.LeakyReLU(0.2),
                                     nn.MaxPool2d(2), nn.Conv2d(3, 4, 2), nn.ReLU(), nn.Flatten(), nn.Linear(16, 1)),
            (36,), 3)


if __name__ == "__main__":
    main()
