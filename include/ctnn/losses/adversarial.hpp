// The seeds' GAN losses behind one switch: BCE on probabilities or logits, least squares, and the
// Wasserstein critic's loss, each scoring a batch of discriminator outputs against a label.
#pragma once

#include <stdexcept>

#include "ctnn/losses/binary.hpp"
#include "ctnn/losses/squared.hpp"

namespace ctnn {
namespace detail {

/// sign * x: the critic has no target.
template <class T>
struct SignedScoreTerm {
    T sign;
    CTNN_HD T value(T x, T) const { return sign * x; }
    CTNN_HD T grad(T, T) const { return sign; }
};

/// max(0, 1 + sign * x), whose gradient at the hinge is 0 (torch.relu's).
template <class T>
struct HingeTerm {
    T sign;
    CTNN_HD T value(T x, T) const { return T(1) + sign * x > T(0) ? T(1) + sign * x : T(0); }
    CTNN_HD T grad(T x, T) const { return T(1) + sign * x > T(0) ? sign : T(0); }
};

}  // namespace detail

/// The hinge loss of SN-GAN's discriminator, mean(max(0, 1 + sign * scores)): D minimises
/// hinge(D(real), -1) + hinge(D(fake), +1) = mean(relu(1 - D(real))) + mean(relu(1 + D(fake))).
template <AnyShape S, class Dev, class T>
T hinge(ConstView<S, Dev, T> scores, std::type_identity_t<T> sign, std::type_identity_t<TensorView<S, Dev, T>> grad,
        Reduction r = Reduction::mean) {
    return detail::elementwise_loss("hinge", detail::HingeTerm<T>{sign}, scores, Target<S, Dev, T>(T(0)), grad, r);
}

/// The Wasserstein critic's loss sign * mean(scores): the critic minimises
/// wasserstein(D(fake), +1) + wasserstein(D(real), -1) = mean(D(fake)) - mean(D(real)), the
/// generator wasserstein(D(fake), -1) = -mean(D(fake)).
template <AnyShape S, class Dev, class T>
T wasserstein(ConstView<S, Dev, T> scores, std::type_identity_t<T> sign,
              std::type_identity_t<TensorView<S, Dev, T>> grad, Reduction r = Reduction::mean) {
    return detail::elementwise_loss("wasserstein", detail::SignedScoreTerm<T>{sign}, scores,
                                    Target<S, Dev, T>(T(0)), grad, r);
}

/// Which loss a GAN is trained with.
enum class AdversarialLoss {
    bce,              ///< D ends in Sigmoid: bce(D(x), label) (seeds 000, 001, 002, 004)
    bce_with_logits,  ///< D outputs logits: bce_with_logits(D(x), label) (seed 003)
    least_squares,    ///< LSGAN: least_squares(D(x), label) (seed 003)
    wasserstein,      ///< WGAN critic: -mean(D(x)) for the real label, +mean(D(x)) for the fake one
    /// SN-GAN: D mean(relu(1 - D(x))) for the real label, mean(relu(1 + D(x))) for the fake one;
    /// G -mean(D(G(z))) (generator_loss)
    hinge,
};

/// The loss of scores D(x) against `label` (1 real, 0 fake, or smoothed values). For the
/// Wasserstein and hinge losses a label above 0.5 counts as real.
template <AnyShape S, class Dev, class T>
T adversarial_loss(AdversarialLoss kind, ConstView<S, Dev, T> scores, std::type_identity_t<T> label,
                   std::type_identity_t<TensorView<S, Dev, T>> grad, Reduction r = Reduction::mean) {
    switch (kind) {
        case AdversarialLoss::bce: return bce(scores, label, grad, r);
        case AdversarialLoss::bce_with_logits: return bce_with_logits(scores, label, grad, r);
        case AdversarialLoss::least_squares: return least_squares(scores, label, grad, r);
        case AdversarialLoss::wasserstein: return wasserstein(scores, label > T(0.5) ? T(-1) : T(1), grad, r);
        case AdversarialLoss::hinge: return hinge(scores, label > T(0.5) ? T(-1) : T(1), grad, r);
    }
    throw std::invalid_argument("ctnn::adversarial_loss: unknown AdversarialLoss");
}

/// The generator's loss of scores D(G(z)): adversarial_loss against the real label 1, except
/// for the hinge loss, whose generator minimises -mean(D(G(z))) (SN-GAN's), not the hinge.
template <AnyShape S, class Dev, class T>
T generator_loss(AdversarialLoss kind, ConstView<S, Dev, T> scores,
                 std::type_identity_t<TensorView<S, Dev, T>> grad, Reduction r = Reduction::mean) {
    if (kind == AdversarialLoss::hinge) return wasserstein(scores, T(-1), grad, r);
    return adversarial_loss(kind, scores, T(1), grad, r);
}

}  // namespace ctnn
