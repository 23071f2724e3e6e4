"""Golden values for ctnn's losses: torch.nn.functional's losses (and seed 003's VAE terms) in
float64, their values under each reduction and their gradients with respect to the input.

The continuous Bernoulli cases are evaluated in 50-digit arithmetic (mpmath) from torch's own
definition, because torch's float64 evaluation of it loses digits: log1p(-lambda) - log(lambda)
cancels near its Taylor region and lambda rounds towards 1 for large logits (about 1e-5 off at a
logit of 30); the script checks that torch agrees within that.

Each case file loss_<case>.txt holds `input`, the target (`target`, a constant `label`, or class
`labels`), any option (`sign`, `log_norm_weight`), and per reduction r in mean, sum,
sum_per_sample_mean the records `loss.<r>` (one value) and `grad.<r>` (dLoss/dinput).
"""

import mpmath
import torch
import torch.nn.functional as F
from torch.distributions import ContinuousBernoulli

from golden_lib import Writer

C = "golden_losses.py"
REDUCTIONS = ("mean", "sum", "sum_per_sample_mean")


def reduce(elements, reduction):
    """elements: per-element (or per-sample) losses of shape (batch, ...)."""
    if reduction == "mean":
        return elements.mean()
    if reduction == "sum":
        return elements.sum()
    return elements.reshape(elements.shape[0], -1).sum(1).mean()


def case(name, x, loss_fn, records=(), torch_reduction=True):
    """loss_fn(x, reduction) -> scalar. With torch_reduction, 'mean' and 'sum' are passed to torch
    itself (its own backward formulas); sum_per_sample_mean always reduces reduction='none'."""
    w = Writer("loss_" + name, C)
    w.line("batch %d" % x.shape[0])
    w.full("input", x)
    for rec, t in records:
        w.full(rec, t)
    for r in REDUCTIONS:
        xi = x.clone().requires_grad_(True)
        if torch_reduction and r != "sum_per_sample_mean":
            loss = loss_fn(xi, r)
        else:
            loss = reduce(loss_fn(xi, "none"), r)
        loss.backward()
        w.full("loss." + r, loss.detach().reshape(1))
        w.full("grad." + r, xi.grad)
    w.save()


def d(values):
    return torch.tensor(values, dtype=torch.float64)


def lsgan(s, t, reduction):
    e = 0.5 * (s - t) ** 2
    return e if reduction == "none" else reduce(e, reduction)


def cont_bern_nll(logits, x, weight, reduction):
    """Seed 003's reconstruction: bce_with_logits - weight * log C(sigmoid(logits))."""
    log_norm = ContinuousBernoulli(logits=logits, validate_args=False)._cont_bern_log_norm()
    e = F.binary_cross_entropy_with_logits(logits, x, reduction="none") - weight * log_norm
    return e if reduction == "none" else reduce(e, reduction)


def cont_bern_exact(logits, x, weight):
    """Seed 003's reconstruction per element and its derivative in the logit, to 50 digits: torch's
    Taylor expansion where its float64 lambda lies in (0.499, 0.501], else the closed form
    log C = log|log(1 - lambda) - log(lambda)| - log|1 - 2 lambda| = log(|l| / tanh(|l| / 2))."""
    mpmath.mp.dps = 50
    lam64 = torch.sigmoid(logits)
    values, grads = [], []
    for l, xv, l64 in zip(logits.reshape(-1).tolist(), x.reshape(-1).tolist(), lam64.reshape(-1).tolist()):
        l, xv = mpmath.mpf(l), mpmath.mpf(xv)
        lam = 1 / (1 + mpmath.exp(-l))
        bce = mpmath.log(1 + mpmath.exp(l)) - xv * l
        if 0.499 < l64 <= 0.501:
            u = (lam - mpmath.mpf(1) / 2) ** 2
            log_norm = mpmath.log(2) + (mpmath.mpf(4) / 3 + mpmath.mpf(104) / 45 * u) * u
            d_log_norm = ((mpmath.mpf(4) / 3 + mpmath.mpf(208) / 45 * u) * 2 * (lam - mpmath.mpf(1) / 2)
                          * lam * (1 - lam))
        else:
            log_norm = mpmath.log(abs(l) / mpmath.tanh(abs(l) / 2))
            d_log_norm = 1 / l - 1 / mpmath.sinh(l)
        values.append(bce - weight * log_norm)
        grads.append(lam - xv - weight * d_log_norm)
    return values, grads


def exact_case(name, x, values, grads, records):
    """Writes a case from per-element values and derivatives (lists, row-major over x)."""
    w = Writer("loss_" + name, C)
    batch, per_sample = x.shape[0], x[0].numel()
    w.line("batch %d" % batch)
    w.full("input", x)
    for rec, t in records:
        w.full(rec, t)
    for r, div in (("mean", batch * per_sample), ("sum", 1), ("sum_per_sample_mean", batch)):
        w.full("loss." + r, d([float(mpmath.fsum(values) / div)]))
        w.full("grad." + r, d([float(g / div) for g in grads]).reshape(x.shape))
    w.save()


def gaussian_kl(stats, reduction):
    z = stats.shape[1] // 2
    mu, log_var = stats[:, :z], stats[:, z:]
    per_sample = -0.5 * torch.sum(1 + log_var - mu.pow(2) - log_var.exp(), dim=1)
    return per_sample if reduction == "none" else reduce(per_sample, reduction)


def main():
    torch.manual_seed(7)
    # BCE on probabilities, shape (3, 2), batch 4.
    p = torch.sigmoid(torch.randn(4, 3, 2, dtype=torch.float64))
    y = torch.rand(4, 3, 2, dtype=torch.float64)
    case("bce", p, lambda x, r: F.binary_cross_entropy(x, y, reduction=r), [("target", y)])
    # Probabilities of exactly 0 and 1 (PyTorch clamps the logs at -100) and smoothed targets.
    p = d([[0.0, 1.0, 0.0, 1.0, 1e-300, 0.5], [1 - 1e-12, 1e-7, 0.0, 1.0, 0.3, 1.0]])
    y = d([[0.0, 1.0, 1.0, 0.0, 0.9, 0.1], [0.9, 0.1, 0.1, 0.9, 1.0, 0.5]])
    case("bce_extreme", p, lambda x, r: F.binary_cross_entropy(x, y, reduction=r), [("target", y)])
    # Seed 002's smoothed real label for every element.
    p = torch.sigmoid(torch.randn(5, 1, dtype=torch.float64))
    case("bce_label", p, lambda x, r: F.binary_cross_entropy(x, torch.full_like(x, 0.9), reduction=r),
         [("label", d([0.9]))])

    x = 3 * torch.randn(4, 5, dtype=torch.float64)
    y = torch.rand(4, 5, dtype=torch.float64)
    case("bce_with_logits", x, lambda v, r: F.binary_cross_entropy_with_logits(v, y, reduction=r),
         [("target", y)])
    x = d([[100.0, -100.0, 100.0, -100.0, 0.0, 30.0], [-30.0, 1e-3, 100.0, -100.0, 5.0, -700.0]])
    y = d([[1.0, 0.0, 0.0, 1.0, 0.5, 0.9], [0.1, 1.0, 0.9, 0.1, 0.0, 1.0]])
    case("bce_with_logits_extreme", x,
         lambda v, r: F.binary_cross_entropy_with_logits(v, y, reduction=r), [("target", y)])
    x = torch.randn(6, 1, dtype=torch.float64)
    case("bce_with_logits_label", x,
         lambda v, r: F.binary_cross_entropy_with_logits(v, torch.zeros_like(v), reduction=r),
         [("label", d([0.0]))])

    x = torch.randn(3, 2, 3, dtype=torch.float64)
    y = torch.randn(3, 2, 3, dtype=torch.float64)
    case("mse", x, lambda v, r: F.mse_loss(v, y, reduction=r), [("target", y)])
    case("least_squares", x, lambda v, r: lsgan(v, y, r), [("target", y)], torch_reduction=False)
    s = torch.randn(7, 1, dtype=torch.float64)
    case("least_squares_label", s, lambda v, r: lsgan(v, 1.0, r), [("label", d([1.0]))],
         torch_reduction=False)
    # The critic's real half: -mean(D(real)).
    case("wasserstein", s, lambda v, r: -v if r == "none" else -reduce(v, r), [("sign", d([-1.0]))],
         torch_reduction=False)

    # Cross-entropy over 5 classes; the last sample's logits of +-100 need the shifted log-sum-exp.
    x = 2 * torch.randn(6, 5, dtype=torch.float64)
    x[5] = d([100.0, -100.0, 99.0, 0.0, -3.0])
    labels = torch.tensor([0, 4, 2, 2, 1, 3])
    case("cross_entropy", x, lambda v, r: F.cross_entropy(v, labels, reduction=r),
         [("labels", labels.to(torch.float64))])

    # KL of the encoder's Gaussian (Z = 4: mu then log-variance), with large and small variances.
    stats = torch.randn(3, 8, dtype=torch.float64)
    stats[0, 4:] = d([-10.0, 5.0, 0.0, 1e-9])
    case("gaussian_kl", stats, gaussian_kl, torch_reduction=False)

    # Continuous Bernoulli reconstruction: logits through torch's Taylor region (lambda in
    # (0.499, 0.501]), its edges, moderate and large values (beyond about 36 torch's own
    # lambda rounds to 1 and log C is infinite), pixels of 0, 1 and in between.
    logits = d([[0.0, 0.002, -0.002, 0.00399, 0.00401, -0.004, 0.01, -0.05, 0.7, -1.3, 4.0, -8.0],
                [20.0, -20.0, 30.0, -30.0, 1.0, -1.0, 0.5, 2.5, -0.999, 1.001, 0.2, -0.3]])
    x = d([[0.0, 1.0, 0.3, 0.5, 0.5, 0.8, 0.0, 1.0, 0.25, 0.6, 1.0, 0.0],
           [1.0, 0.0, 0.9, 0.1, 0.4, 0.7, 0.0, 1.0, 0.5, 0.2, 0.65, 0.35]])
    assert torch.allclose(cont_bern_nll(logits, x, 1.0, "none"),
                          -ContinuousBernoulli(logits=logits).log_prob(x), rtol=1e-14, atol=1e-14)
    for name, weight in (("continuous_bernoulli", 1.0), ("continuous_bernoulli_weighted", 0.3)):
        values, grads = cont_bern_exact(logits, x, weight)
        xi = logits.clone().requires_grad_(True)
        cont_bern_nll(xi, x, weight, "sum").backward()
        assert abs(float(mpmath.fsum(values)) - cont_bern_nll(logits, x, weight, "sum").item()) < 1e-4
        assert torch.allclose(xi.grad, d([float(g) for g in grads]).reshape(x.shape), rtol=1e-4, atol=1e-8)
        records = [("target", x)] + ([("log_norm_weight", d([weight]))] if weight != 1.0 else [])
        exact_case(name, logits, values, grads, records)


if __name__ == "__main__":
    main()
