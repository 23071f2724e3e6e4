// What every loss shares: the reduction, the target (a tensor or one label for all), and the
// element-wise reduction loop. A loss is a function template
//
//   T name(ConstView<S, Dev, T> input, <target>, TensorView<S, Dev, T> grad, Reduction r = mean)
//
// returning the loss and writing dLoss/dinput into grad unless grad is empty ({}). S, Dev and T
// are deduced from the input alone, so a target or gradient of another shape does not convert:
// a wrong shape is a compile error, a wrong batch a std::invalid_argument.
#pragma once

#include <stdexcept>
#include <string>
#include <type_traits>

#include "ctnn/core/config.hpp"
#include "ctnn/core/shape.hpp"
#include "ctnn/core/tensor.hpp"
#include "ctnn/device/device.hpp"

namespace ctnn {

/// How per-element losses become one value, as PyTorch's `reduction` argument.
enum class Reduction {
    mean,                 ///< the mean over every element (PyTorch's 'mean'); per-sample losses: over the batch
    sum,                  ///< the sum over every element (PyTorch's 'sum')
    sum_per_sample_mean,  ///< summed over each sample's elements, then the mean over the batch:
                          ///< seed 003's `loss(reduction='none').sum(dim=1).mean()`
};

/// A loss's target: a tensor of the input's shape, or one value for every element (a GAN's real
/// and fake labels 1 and 0, or smoothed 0.9 and 0.1). Converts implicitly from both.
template <AnyShape S, class Dev, class T>
struct Target {
    const T* ptr = nullptr;  ///< the targets, or null for `value` everywhere
    index_t batch = 0;
    T value = T(0);

    template <class U>
        requires std::is_same_v<std::remove_const_t<U>, T>
    constexpr Target(TensorView<S, Dev, U> v) : ptr(v.data()), batch(v.batch) {}
    constexpr Target(T label) : value(label) {}

    CTNN_HD T operator[](index_t i) const { return ptr ? ptr[i] : value; }
};

namespace detail {

/// Throws unless the target and the gradient (those given) hold as many samples as the input.
inline void check_loss_batches(const char* loss, index_t input, index_t target, bool has_target,
                               index_t grad, bool has_grad) {
    const auto fail = [&](const char* what, index_t n) {
        throw std::invalid_argument(std::string("ctnn::") + loss + ": " + what + " batch " +
                                    std::to_string(n) + " != input batch " + std::to_string(input));
    };
    if (input == 0) throw std::invalid_argument(std::string("ctnn::") + loss + ": empty batch");
    if (has_target && target != input) fail("target", target);
    if (has_grad && grad != input) fail("gradient", grad);
}

/// What the sum of the per-element (or, with per_sample = 1, per-sample) losses is divided by.
template <class T>
T reduction_divisor(Reduction r, index_t batch, index_t per_sample) {
    switch (r) {
        case Reduction::mean: return static_cast<T>(batch * per_sample);
        case Reduction::sum: return T(1);
        case Reduction::sum_per_sample_mean: return static_cast<T>(batch);
    }
    throw std::invalid_argument("ctnn: unknown Reduction");
}

/// A loss that is a sum of Term::value(x, y) over the elements; Term::grad(x, y) is its derivative
/// in x. Term is a small struct of scalars, copied into the device loops.
template <class Term, AnyShape S, class Dev, class T>
T elementwise_loss(const char* name, Term term, ConstView<S, Dev, T> input, Target<S, Dev, T> target,
                   TensorView<S, Dev, T> grad, Reduction r) {
    check_loss_batches(name, input.batch, target.batch, target.ptr != nullptr, grad.batch, !grad.empty());
    const T* x = input.data();
    const index_t n = input.size();
    const T div = reduction_divisor<T>(r, input.batch, S::size);
    if constexpr (std::is_same_v<Dev, Cpu> && requires(const T* p, T* o) {
                      Term::value_block(p, p, T(), o, n);
                      Term::grad_block(p, p, T(), T(), o, n);
                  }) {
        // The Cpu with a Term that has vectorised block forms: each of Cpu::sum's chunks computes
        // its gradients and its terms in one pass each, then sums the terms in index order.
        const T* y = target.ptr;
        const T y_value = target.value;
        T* g = grad.empty() ? nullptr : grad.data();
        return Dev::template sum_chunks<T>(n, [=](index_t begin, index_t len) {
            const T* yc = y ? y + begin : nullptr;
            if (g) Term::grad_block(x + begin, yc, y_value, div, g + begin, len);
            // Aligned: Eigen computes an unaligned destination's first elements one at a time
            // (libm's exp and log1p, not its vectorised ones), so the sum, and the loss a run
            // logs, would depend on where the stack happens to be (the length of the command line).
            alignas(64) T terms[Dev::sum_chunk];
            Term::value_block(x + begin, yc, y_value, terms, len);
            T s = T(0);
            for (index_t i = 0; i < len; ++i) s += terms[i];
            return s;
        }) / div;
    }
    if (!grad.empty()) {
        T* g = grad.data();
        Dev::for_each(n, [=] CTNN_HD(index_t i) { g[i] = term.grad(x[i], target[i]) / div; });
    }
    return Dev::template sum<T>(n, [=] CTNN_HD(index_t i) { return term.value(x[i], target[i]); }) / div;
}

}  // namespace detail
}  // namespace ctnn
