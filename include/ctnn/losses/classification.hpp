// Cross-entropy of class logits against integer labels (torch.nn.CrossEntropyLoss): the seed 003
// MNIST classifier that the Inception Score is measured with.
#pragma once

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "ctnn/losses/loss.hpp"

namespace ctnn {
namespace detail {

/// log(sum_j exp(x_j)) over c values, shifted by their maximum so that nothing overflows.
template <class T>
CTNN_HD T log_sum_exp(const T* x, index_t c) {
    T m = x[0];
    for (index_t j = 1; j < c; ++j) m = std::fmax(m, x[j]);
    T s = T(0);
    for (index_t j = 0; j < c; ++j) s += std::exp(x[j] - m);
    return m + std::log(s);
}

}  // namespace detail

/// -log softmax(x)[label] per sample, for logits of C classes and labels in [0, C). Reduction::mean
/// (and sum_per_sample_mean, the same here) averages over the batch. A label out of range throws
/// std::out_of_range, as PyTorch's "Target out of bounds".
template <index_t C, class Dev, class T>
T cross_entropy(ConstView<Shape<C>, Dev, T> logits,
                std::type_identity_t<ConstView<Shape<1>, Dev, std::int32_t>> labels,
                std::type_identity_t<TensorView<Shape<C>, Dev, T>> grad, Reduction r = Reduction::mean) {
    const index_t n = logits.batch;
    detail::check_loss_batches("cross_entropy", n, labels.batch, true, grad.batch, !grad.empty());
    const T* x = logits.data();
    const std::int32_t* y = labels.data();
    const index_t bad = Dev::template sum<index_t>(n, [=] CTNN_HD(index_t b) -> index_t {
        return y[b] < 0 || static_cast<index_t>(y[b]) >= C ? 1 : 0;
    });
    if (bad != 0)
        throw std::out_of_range("ctnn::cross_entropy: " + std::to_string(bad) +
                                " labels outside [0, " + std::to_string(C) + ")");
    const T div = detail::reduction_divisor<T>(r, n, 1);
    if (!grad.empty()) {
        T* g = grad.data();
        Dev::for_each(n, [=] CTNN_HD(index_t b) {
            const T lse = detail::log_sum_exp(x + b * C, C);
            for (index_t j = 0; j < C; ++j)
                g[b * C + j] = (std::exp(x[b * C + j] - lse) - (static_cast<index_t>(y[b]) == j ? T(1) : T(0))) / div;
        });
    }
    return Dev::template sum<T>(n, [=] CTNN_HD(index_t b) {
               return detail::log_sum_exp(x + b * C, C) - x[b * C + static_cast<index_t>(y[b])];
           }) / div;
}

}  // namespace ctnn
