// The VAE's loss terms (seed 003): the KL divergence of the encoder's Gaussian from N(0, I), and
// the continuous Bernoulli reconstruction -log p(x | z). Seed 003's loss is
//   gaussian_kl(encoder output, Reduction::mean)
//     + continuous_bernoulli_nll(decoder logits, x, Reduction::sum_per_sample_mean)
// or, with the Bernoulli reconstruction the seed's code uses,
//     + bce_with_logits(decoder logits, x, Reduction::sum_per_sample_mean).
#pragma once

#include <cmath>

#include "ctnn/losses/binary.hpp"

namespace ctnn {
namespace detail {

/// -log p(x | lambda) of the continuous Bernoulli with lambda = sigmoid(l) (Loaiza-Ganem and
/// Cunningham 2019): bce_with_logits(l, x) - w * log C(lambda), as
/// torch.distributions.ContinuousBernoulli(logits=l).log_prob(x) with the weight w on log C.
template <class T>
struct ContinuousBernoulliTerm {
    T log_norm_weight;

    CTNN_HD T value(T l, T x) const { return BceWithLogitsTerm{}.value(l, x) - log_norm_weight * log_norm(l); }
    CTNN_HD T grad(T l, T x) const { return BceWithLogitsTerm{}.grad(l, x) - log_norm_weight * log_norm_grad(l); }

    /// torch's unstable region lims = (0.499, 0.501]: there log C is its Taylor expansion around
    /// lambda = 1/2, in u = (lambda - 1/2)^2.
    static CTNN_HD bool near_half(T lambda) { return lambda > T(0.499) && lambda <= T(0.501); }
    static CTNN_HD T sigmoid(T l) { return T(1) / (T(1) + std::exp(-l)); }

    /// log C(lambda). Outside the region torch computes log|log(1 - lambda) - log(lambda)| -
    /// log|1 - 2 lambda|, which is log(|l| / tanh(|l| / 2)); that form stays finite where lambda
    /// rounds to 0 or 1 (there torch's is infinite) and agrees with it everywhere else.
    static CTNN_HD T log_norm(T l) {
        const T lambda = sigmoid(l);
        if (near_half(lambda)) {
            const T u = (lambda - T(0.5)) * (lambda - T(0.5));
            return T(0.69314718055994530942) + (T(4.0 / 3.0) + T(104.0 / 45.0) * u) * u;
        }
        const T a = std::abs(l);
        return std::log(a / std::tanh(a / T(2)));
    }

    /// d log C / dl: the Taylor expansion's derivative near 1/2, else 1/l - 1/sinh(l), which is
    /// (sinh(l) - l) / (l sinh(l)) with sinh(l) - l summed as its series for |l| < 1, where the
    /// difference of 1/l and 1/sinh(l) cancels (in float at l = 0.01 only some 8 of 24 bits would
    /// survive).
    static CTNN_HD T log_norm_grad(T l) {
        const T lambda = sigmoid(l);
        if (near_half(lambda)) {
            const T u = (lambda - T(0.5)) * (lambda - T(0.5));
            return (T(4.0 / 3.0) + T(208.0 / 45.0) * u) * T(2) * (lambda - T(0.5)) * lambda * (T(1) - lambda);
        }
        const T sh = std::sinh(l);
        if (std::abs(l) >= T(1)) return T(1) / l - T(1) / sh;
        const T q = l * l;
        const T sinh_minus_l =
            l * q / T(6) *
            (T(1) + q / T(20) *
                        (T(1) + q / T(42) *
                                    (T(1) + q / T(72) *
                                                (T(1) + q / T(110) *
                                                            (T(1) + q / T(156) * (T(1) + q / T(210) * (T(1) + q / T(272))))))));
        return sinh_minus_l / (l * sh);
    }
};

}  // namespace detail

/// The KL divergence of N(mu, exp(log_var)) from N(0, I) per sample, for an encoder output that
/// holds mu then log_var (Z values each, seed 003's `out[:, :z_dim], out[:, z_dim:]`):
/// -0.5 * sum(1 + log_var - mu^2 - exp(log_var)). Reduction::mean (and sum_per_sample_mean, the
/// same here) averages over the batch, sum sums.
template <AnyShape S, class Dev, class T>
T gaussian_kl(ConstView<S, Dev, T> stats, std::type_identity_t<TensorView<S, Dev, T>> grad,
              Reduction r = Reduction::mean) {
    static_assert(S::size % 2 == 0,
                  "ctnn: gaussian_kl needs mu and log-variance halves: the sample size must be even");
    constexpr index_t Z = S::size / 2;
    const index_t n = stats.batch;
    detail::check_loss_batches("gaussian_kl", n, 0, false, grad.batch, !grad.empty());
    const T* x = stats.data();
    const T div = detail::reduction_divisor<T>(r, n, 1);
    if (!grad.empty()) {
        T* g = grad.data();
        // d/dmu = mu, d/dlog_var = (exp(log_var) - 1) / 2.
        Dev::for_each(n * S::size, [=] CTNN_HD(index_t k) {
            g[k] = (k % S::size < Z ? x[k] : T(0.5) * std::expm1(x[k])) / div;
        });
    }
    return Dev::template sum<T>(n * Z, [=] CTNN_HD(index_t i) {
               const T mu = x[i / Z * S::size + i % Z];
               const T log_var = x[i / Z * S::size + Z + i % Z];
               return T(-0.5) * (T(1) + log_var - mu * mu - std::exp(log_var));
           }) / div;
}

/// -log p(x | z) of the continuous Bernoulli with lambda = sigmoid(logits) per pixel, targets x in
/// [0, 1]: bce_with_logits(logits, x) - log_norm_weight * log C(lambda). Seed 003 suggests a weight
/// on log C "for higher inception score"; 1 is the true likelihood. Near lambda = 1/2 log C is
/// torch's Taylor expansion (ContinuousBernoulli's lims (0.499, 0.501)). Seed 003 reduces it with
/// Reduction::sum_per_sample_mean: summed over the pixels of each image, averaged over the batch.
template <AnyShape S, class Dev, class T>
T continuous_bernoulli_nll(ConstView<S, Dev, T> logits, std::type_identity_t<Target<S, Dev, T>> x,
                           std::type_identity_t<TensorView<S, Dev, T>> grad, Reduction r = Reduction::mean,
                           std::type_identity_t<T> log_norm_weight = T(1)) {
    return detail::elementwise_loss("continuous_bernoulli_nll",
                                    detail::ContinuousBernoulliTerm<T>{log_norm_weight}, logits, x, grad, r);
}

}  // namespace ctnn
