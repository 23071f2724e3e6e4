"""Golden values for one full GAN iteration (a D step, then a G step) and one VAE step.

Small networks, float64, weights from golden_lib's formula, Adam(lr=0.01, betas=(0.5, 0.999)).
The D step scores a real batch and G(z1).detach(); the G step scores G(z2) against the "real"
target through D (whose parameters only its own optimizer changes). Each case file holds the
inputs, the parameters before, after the D step and after the G step, and both losses.
"""

import torch
from torch import nn
import torch.nn.functional as F

from golden_conditional import Conditional
from golden_lib import Writer, formula

C = "golden_gan.py"
LR, BETAS = 0.01, (0.5, 0.999)


def set_formula(module, w, prefix):
    with torch.no_grad():
        for k, (key, t) in enumerate(module.state_dict().items()):
            if not t.is_floating_point():
                continue
            fan = t.numel() // t.shape[0] if t.dim() > 1 else 10
            off, sc, ph = 0.0, (1.0 / fan ** 0.5 if t.dim() > 1 else 0.1), 0.3 * k + (1.0 if prefix == "d" else 0.0)
            t.copy_(formula(t.numel(), off, sc, ph).reshape(t.shape))
            w.formula("%s.param:%s" % (prefix, key), t.numel(), off, sc, ph)


def write_params(w, tag, module, prefix):
    for key, p in module.named_parameters():
        w.full("%s.%s:%s" % (prefix, tag, key), p)


def gan_case(name, loss, sigmoid=False, real_label=1.0, fake_label=0.0, clip=None):
    torch.manual_seed(50)
    g = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 4), nn.Tanh()).double()
    d_layers = [nn.Linear(4, 8), nn.LeakyReLU(0.2), nn.Linear(8, 1)] + ([nn.Sigmoid()] if sigmoid else [])
    d = nn.Sequential(*d_layers).double()
    w = Writer("gan_" + name, C)
    set_formula(g, w, "g")
    set_formula(d, w, "d")
    real = torch.randn(5, 4, dtype=torch.float64)
    z1 = torch.randn(5, 3, dtype=torch.float64)
    z2 = torch.randn(5, 3, dtype=torch.float64)
    w.full("real", real)
    w.full("z1", z1)
    w.full("z2", z2)
    opt_g = torch.optim.Adam(g.parameters(), lr=LR, betas=BETAS)
    opt_d = torch.optim.Adam(d.parameters(), lr=LR, betas=BETAS)

    def crit(scores, label):
        target = torch.full_like(scores, label)
        if loss == "bce":
            return F.binary_cross_entropy(scores, target)
        if loss == "bce_with_logits":
            return F.binary_cross_entropy_with_logits(scores, target)
        if loss == "least_squares":
            return 0.5 * ((scores - target) ** 2).mean()
        # wasserstein: the critic raises real scores and lowers fake ones
        return -scores.mean() if label == 1.0 else scores.mean()

    wl = 1.0 if loss == "wasserstein" else real_label
    wf = 0.0 if loss == "wasserstein" else fake_label
    opt_d.zero_grad()
    d_loss = crit(d(real), wl) + crit(d(g(z1).detach()), wf)
    d_loss.backward()
    opt_d.step()
    if clip is not None:
        with torch.no_grad():
            for p in d.parameters():
                p.clamp_(-clip, clip)
    write_params(w, "after_d", d, "d")
    opt_g.zero_grad()
    g_loss = crit(d(g(z2)), 1.0)
    g_loss.backward()
    opt_g.step()
    write_params(w, "after_g", g, "g")
    write_params(w, "after_g", d, "d")  # unchanged by the G step
    w.full("d_loss", d_loss.reshape(1))
    w.full("g_loss", g_loss.reshape(1))
    w.save()


class Mt19937_64:
    """std::mt19937_64, whose sequence the C++ standard fixes: ctnn's Rng draws from it."""

    def __init__(self, seed):
        self.mt = [seed & 0xFFFFFFFFFFFFFFFF]
        for i in range(1, 312):
            prev = self.mt[-1]
            self.mt.append((6364136223846793005 * (prev ^ (prev >> 62)) + i) & 0xFFFFFFFFFFFFFFFF)
        self.index = 312

    def __call__(self):
        if self.index >= 312:
            for i in range(312):
                x = (self.mt[i] & 0xFFFFFFFF80000000) | (self.mt[(i + 1) % 312] & 0x7FFFFFFF)
                xa = (x >> 1) ^ (0xB5026F5AA96619E9 if x & 1 else 0)
                self.mt[i] = self.mt[(i + 156) % 312] ^ xa
            self.index = 0
        y = self.mt[self.index]
        self.index += 1
        y ^= (y >> 29) & 0x5555555555555555
        y ^= (y << 17) & 0x71D67FFFEDA60000
        y ^= (y << 37) & 0xFFF7EEE000000000
        y ^= y >> 43
        return y


def uniform_noise(engine, count):
    """ctnn's Rng::uniform<double>(-1, 1), count times: -1 + 2 (bits >> 11) 2^-53, exact."""
    return torch.tensor([-1.0 + 2.0 * ((engine() >> 11) * 2.0 ** -53) for _ in range(count)],
                        dtype=torch.float64)


def gan_conv_transpose_case():
    """One Gan::step of a per-sample generator with ConvTranspose2d and no BatchNorm. ctnn runs G
    once on the noise of both steps (2b samples) and backs the G step through the first b: the
    layer's cached state must be laid out sample-major for that. The noise is what ctnn's Rng
    seeded with NOISE_SEED draws (uniform, the D step's b first), so the C++ test needs no input
    beyond this file."""
    torch.manual_seed(70)
    b, noise_seed = 4, 7
    g = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Unflatten(1, (2, 2, 2)),
                      nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1, output_padding=1), nn.Tanh()).double()
    d = nn.Sequential(nn.Conv2d(3, 4, 3, stride=2, padding=1), nn.LeakyReLU(0.2), nn.Flatten(),
                      nn.Linear(16, 1)).double()
    w = Writer("gan_conv_transpose", C)
    set_formula(g, w, "g")
    set_formula(d, w, "d")
    real = torch.randn(b, 3, 4, 4, dtype=torch.float64)
    w.full("real", real)
    w.line("noise_seed full 1")
    w.line(str(noise_seed))
    engine = Mt19937_64(noise_seed)
    z_d = uniform_noise(engine, b * 3).reshape(b, 3)
    z_g = uniform_noise(engine, b * 3).reshape(b, 3)
    bce_with_logits_iteration(w, g, d, lambda: d(real), lambda: d(g(z_d).detach()), lambda: d(g(z_g)))


def bce_with_logits_iteration(w, g, d, real_scores, fake_scores, g_scores):
    """A D step on real_scores() (target 1) and fake_scores() (D of detached G samples, target 0),
    then a G step on g_scores() (D of G's samples, target 1), with BCE with logits and Adam; writes
    the parameters after each step and both losses, and saves the case."""
    opt_g = torch.optim.Adam(g.parameters(), lr=LR, betas=BETAS)
    opt_d = torch.optim.Adam(d.parameters(), lr=LR, betas=BETAS)
    crit = F.binary_cross_entropy_with_logits
    opt_d.zero_grad()
    sr, sf = real_scores(), fake_scores()
    d_loss = crit(sr, torch.ones_like(sr)) + crit(sf, torch.zeros_like(sf))
    d_loss.backward()
    opt_d.step()
    write_params(w, "after", d, "d")
    opt_g.zero_grad()
    sg = g_scores()
    g_loss = crit(sg, torch.ones_like(sg))
    g_loss.backward()
    opt_g.step()
    write_params(w, "after", g, "g")
    w.full("d_loss", d_loss.reshape(1))
    w.full("g_loss", g_loss.reshape(1))
    w.save()


def uniform_labels(engine, count, classes):
    """ctnn's Gan draws of generated samples' labels: min(floor(Rng::uniform<double>() * classes),
    classes - 1), count times."""
    return torch.tensor([min(int((engine() >> 11) * 2.0 ** -53 * classes), classes - 1) for _ in range(count)],
                        dtype=torch.long)


def cgan_case():
    """One Gan::step of a conditional GAN (PyTorch-GAN's cgan at tiny size, with a D that takes
    the label as an extra channel): D scores real samples with their labels and G(z_d, y_d) with
    y_d, then G steps on D(G(z_g, y_g), y_g). Noise and labels are what ctnn's Rng seeded with
    NOISE_SEED draws, in its order: the D step's noise, its labels, the G step's noise, its labels."""
    torch.manual_seed(80)
    b, noise_seed, classes = 4, 9, 4
    g = Conditional([nn.Embedding(classes, 2), nn.Linear(5, 8), nn.LeakyReLU(0.2), nn.Linear(8, 18), nn.Tanh(),
                     nn.Unflatten(1, (2, 3, 3))], at=0).double()
    d = Conditional([nn.Sequential(nn.Embedding(classes, 5), nn.Linear(5, 9)), nn.Conv2d(3, 4, 2),
                     nn.LeakyReLU(0.2), nn.Flatten(), nn.Linear(16, 1)], at=0, channels=True).double()
    w = Writer("gan_conditional", C)
    set_formula(g, w, "g")
    set_formula(d, w, "d")
    real = torch.randn(b, 2, 3, 3, dtype=torch.float64)
    real_labels = torch.tensor([1, 3, 0, 3], dtype=torch.long)
    w.full("real", real)
    w.full("real_labels", real_labels)
    w.line("noise_seed full 1")
    w.line(str(noise_seed))
    engine = Mt19937_64(noise_seed)
    z_d = uniform_noise(engine, b * 3).reshape(b, 3)
    y_d = uniform_labels(engine, b, classes)
    z_g = uniform_noise(engine, b * 3).reshape(b, 3)
    y_g = uniform_labels(engine, b, classes)
    bce_with_logits_iteration(w, g, d, lambda: d(real, real_labels), lambda: d(g(z_d, y_d).detach(), y_d),
                              lambda: d(g(z_g, y_g), y_g))


def main():
    cgan_case()
    gan_conv_transpose_case()
    gan_case("bce", "bce", sigmoid=True)
    gan_case("bce_smoothed", "bce", sigmoid=True, real_label=0.9, fake_label=0.1)
    gan_case("bce_with_logits", "bce_with_logits")
    gan_case("least_squares", "least_squares")
    gan_case("wasserstein", "wasserstein", clip=0.05)
    vae_case("bce")
    vae_case("continuous_bernoulli", continuous_bernoulli=True, weight=0.5)


def vae_case(name, continuous_bernoulli=False, weight=1.0):
    """One VAE step as seed 003 takes it: encoder on 2x - 1, reconstruction of x in [0, 1]."""
    torch.manual_seed(60)
    enc = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 4)).double()
    dec = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 6)).double()
    w = Writer("vae_" + name, C)
    set_formula(enc, w, "e")
    set_formula(dec, w, "d")
    x = torch.rand(5, 6, dtype=torch.float64)
    eps = torch.randn(5, 2, dtype=torch.float64)
    w.full("x", x)
    w.full("eps", eps)
    opt = torch.optim.Adam(list(enc.parameters()) + list(dec.parameters()), lr=LR, betas=BETAS)
    opt.zero_grad()
    stats = enc(2 * x - 1)
    mu, log_var = stats[:, :2], stats[:, 2:]
    z = mu + eps * torch.exp(0.5 * log_var)
    logits = dec(z)
    recon = F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(dim=1)
    if continuous_bernoulli:
        lam = torch.sigmoid(logits)
        log_norm = torch.distributions.ContinuousBernoulli(probs=lam)._cont_bern_log_norm()
        recon = recon - weight * log_norm.sum(dim=1)
    kl = -0.5 * torch.sum(1 + log_var - mu ** 2 - log_var.exp(), dim=1)
    loss = torch.mean(recon + kl)
    loss.backward()
    opt.step()
    write_params(w, "after", enc, "e")
    write_params(w, "after", dec, "d")
    w.full("reconstruction", recon.mean().reshape(1))
    w.full("kl", kl.mean().reshape(1))
    w.save()


if __name__ == "__main__":
    main()
