// WGAN-GP's gradient penalty (Gulrajani et al. 2017, "Improved Training of Wasserstein GANs"), with
// its gradient with respect to the critic's parameters computed exactly: the critic's backward
// pass, differentiated once more (Network::double_backward).
#pragma once

#include <stdexcept>
#include <string>

#include "ctnn/device/ops.hpp"
#include "ctnn/network/network.hpp"

namespace ctnn {

namespace detail {
/// ddx[i][j] = c (norms[i] - 1) / norms[i] g[i][j], 0 where norms[i] is 0 (torch.norm's gradient
/// there): d/dg of (c / 2) sum_i (||g_i|| - 1)^2.
template <class Dev, class T>
void penalty_gradient(const T* g, const T* norms, T c, index_t n, index_t size, T* ddx) {
    Dev::for_each(n * size, [=] CTNN_HD(index_t k) {
        const T norm = norms[k / size];
        ddx[k] = norm == T(0) ? T(0) : c * (norm - T(1)) / norm * g[k];
    });
}
}  // namespace detail

/// The gradient penalty lambda * mean_i (||grad_x D(x_hat_i)||_2 - 1)^2 of a critic D at the
/// interpolates x_hat_i = eps_i real_i + (1 - eps_i) fake_i, eps_i ~ U(0, 1) per sample (WGAN-GP;
/// lambda 10 in the paper), and its gradient with respect to D's parameters, exactly: PyTorch's
///   g = autograd.grad(D(x_hat).sum(), x_hat, create_graph=True)[0]
///   (lambda * ((g.flatten(1).norm(dim=1) - 1) ** 2).mean()).backward()
/// as a forward of D at x_hat, a backward with its parameters frozen for g, and a double backward
/// (Network::double_backward) of dP/dg. D must have a double backward in every layer (Linear,
/// Conv2d, ReLU, LeakyReLU, MaxPool2d, Flatten, Reshape); BatchNorm, which couples the samples
/// the penalty treats apart, or a layer without one, is a compile error naming it
/// (error::no_double_backward). Nothing allocates once a batch size has been seen.
template <class Net, class Dev, class T>
class GradientPenalty {
public:
    /// One sample of the critic's input.
    using sample_shape = typename Network<Net, Dev, T>::input_shape;
    /// The critic's output for one sample.
    using score_shape = typename Network<Net, Dev, T>::output_shape;

    /// The penalty's weight lambda.
    double lambda;

    /// A penalty of weight lambda = `weight` (WGAN-GP's 10).
    explicit GradientPenalty(double weight) : lambda(weight) {}

    /// The penalty of `critic` at the interpolates of real and fake with one eps per sample, in
    /// [0, 1]; its gradient is added to the critic's parameter gradients (accumulate), stored
    /// there (overwrite), or not computed (frozen). The critic's last forward and backward are
    /// then the penalty's.
    double apply(Network<Net, Dev, T>& critic, ConstView<sample_shape, Dev, T> real, ConstView<sample_shape, Dev, T> fake,
                 ConstView<Shape<1>, Dev, T> eps, ParamGrads pg) {
        const index_t n = real.batch;
        if (fake.batch != n || eps.batch != n)
            throw std::invalid_argument("ctnn::GradientPenalty: " + std::to_string(n) + " real samples, " +
                                        std::to_string(fake.batch) + " generated, " + std::to_string(eps.batch) +
                                        " weights");
        constexpr index_t size = sample_shape::size;
        x_hat_.resize(n);
        ops::interpolate<Dev>(real.data(), fake.data(), eps.data(), n, size, x_hat_.data());
        critic.forward(x_hat_.cview());
        ones_.resize(n);
        Dev::fill(ones_.data(), ones_.size(), T(1));  // d(sum of the scores)/d(scores)
        const auto& g = critic.backward(ones_.cview(), {ParamGrads::frozen, true});
        norms_.resize(n);
        ops::row_norms<Dev>(g.data(), n, size, norms_.data());
        const T* norms = norms_.data();
        const T sum = Dev::template sum<T>(n, [=] CTNN_HD(index_t i) { return (norms[i] - T(1)) * (norms[i] - T(1)); });
        if (pg != ParamGrads::frozen) {
            ddx_.resize(n);
            detail::penalty_gradient<Dev>(g.data(), norms, static_cast<T>(2 * lambda / static_cast<double>(n)), n, size,
                                          ddx_.data());
            critic.double_backward(ddx_.cview(), pg);
        }
        return lambda * static_cast<double>(sum) / static_cast<double>(n);
    }

    /// The interpolates x_hat of the last apply().
    const Tensor<sample_shape, Dev, T>& interpolates() const { return x_hat_; }

private:
    Tensor<sample_shape, Dev, T> x_hat_, ddx_;
    Tensor<score_shape, Dev, T> ones_;
    Tensor<Shape<1>, Dev, T> norms_;
};

}  // namespace ctnn
