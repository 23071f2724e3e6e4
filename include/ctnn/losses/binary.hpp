// Binary cross-entropy on probabilities (torch.nn.BCELoss) and on logits
// (torch.nn.BCEWithLogitsLoss): a GAN discriminator's loss with or without a final Sigmoid, and the
// VAE's Bernoulli reconstruction term.
#pragma once

#include <cmath>

#include "ctnn/device/functions.hpp"
#include "ctnn/losses/loss.hpp"

namespace ctnn {
namespace detail {

/// BCELoss on a probability p, as ATen computes it on the CPU: each log is clamped at -100, so
/// p = 0 or 1 gives a finite loss; the gradient's denominator p(1 - p) is held at ATen's EPSILON,
/// a float constant 1e-12 (hence 1e-12f, which differs from 1e-12 in double). The clamps let NaN
/// through, as torch's clamp_min does (std::fmax would turn a NaN into the bound and hide it from
/// the divergence guard).
struct BceTerm {
    template <class T>
    CTNN_HD static T at_least(T v, T lo) {
        return v < lo ? lo : v;
    }
    template <class T>
    CTNN_HD T value(T p, T y) const {
        const T log_p = at_least(std::log(p), T(-100));
        const T log_q = at_least(std::log(T(1) - p), T(-100));
        return (y - T(1)) * log_q - y * log_p;
    }
    template <class T>
    CTNN_HD T grad(T p, T y) const {
        return (p - y) / at_least((T(1) - p) * p, T(1e-12f));
    }
};

/// BCEWithLogitsLoss on a logit x (the Cpu runs it as Eigen's vectorised exp and log1p).
using BceWithLogitsTerm = fn::BceWithLogits;

}  // namespace detail

/// Binary cross-entropy of probabilities p in [0, 1] (torch.nn.functional.binary_cross_entropy):
/// -(y log p + (1 - y) log(1 - p)) per element, each log clamped at -100 as PyTorch does.
template <AnyShape S, class Dev, class T>
T bce(ConstView<S, Dev, T> p, std::type_identity_t<Target<S, Dev, T>> target,
      std::type_identity_t<TensorView<S, Dev, T>> grad, Reduction r = Reduction::mean) {
    return detail::elementwise_loss("bce", detail::BceTerm{}, p, target, grad, r);
}

/// Binary cross-entropy of logits x (torch.nn.functional.binary_cross_entropy_with_logits), i.e.
/// bce(sigmoid(x), y) without its rounding and clamping; the gradient is sigmoid(x) - y.
template <AnyShape S, class Dev, class T>
T bce_with_logits(ConstView<S, Dev, T> x, std::type_identity_t<Target<S, Dev, T>> target,
                  std::type_identity_t<TensorView<S, Dev, T>> grad, Reduction r = Reduction::mean) {
    return detail::elementwise_loss("bce_with_logits", detail::BceWithLogitsTerm{}, x, target, grad, r);
}

}  // namespace ctnn
