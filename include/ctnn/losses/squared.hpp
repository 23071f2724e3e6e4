// Squared errors: torch.nn.MSELoss and the least-squares GAN loss.
#pragma once

#include "ctnn/losses/loss.hpp"

namespace ctnn {
namespace detail {

/// factor * (x - y)^2.
template <class T>
struct SquaredErrorTerm {
    T factor;
    CTNN_HD T value(T x, T y) const { return factor * (x - y) * (x - y); }
    CTNN_HD T grad(T x, T y) const { return T(2) * factor * (x - y); }
};

}  // namespace detail

/// (x - y)^2 per element (torch.nn.functional.mse_loss).
template <AnyShape S, class Dev, class T>
T mse(ConstView<S, Dev, T> x, std::type_identity_t<Target<S, Dev, T>> target,
      std::type_identity_t<TensorView<S, Dev, T>> grad, Reduction r = Reduction::mean) {
    return detail::elementwise_loss("mse", detail::SquaredErrorTerm<T>{T(1)}, x, target, grad, r);
}

/// The least-squares GAN loss of seed 003: 0.5 * (s - target)^2 per element, i.e. half of mse.
/// The discriminator's loss is least_squares(D(real), 1) + least_squares(D(fake), 0), the
/// generator's least_squares(D(fake), 1).
template <AnyShape S, class Dev, class T>
T least_squares(ConstView<S, Dev, T> s, std::type_identity_t<Target<S, Dev, T>> target,
                std::type_identity_t<TensorView<S, Dev, T>> grad, Reduction r = Reduction::mean) {
    return detail::elementwise_loss("least_squares", detail::SquaredErrorTerm<T>{T(0.5)}, s, target, grad, r);
}

}  // namespace ctnn
