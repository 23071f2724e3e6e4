// What every loss shares: the reduction, the target (a tensor or one label for all), and the
// element-wise reduction loop. A loss is a function template
//
//   T name(ConstView<S, Dev, T> input, <target>, TensorView<S, Dev, T> grad, Reduction r = mean)
//
// returning the loss and writing dLoss/dinput into grad unless grad is empty ({}) (the Loss
// concept). S, Dev and T are deduced from the input alone, so a target or gradient of another
// shape does not convert: a wrong shape is a compile error, a wrong batch a std::invalid_argument.
// Most losses are a sum of an element-wise term (LossTerm), which the device sums
// (Device::loss_sum).
#pragma once

#include <concepts>
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
    index_t batch = 0;       ///< samples at ptr (0 with a single value)
    T value = T(0);          ///< the target of every element when ptr is null

    /// Per-element targets: a tensor or view of the input's shape.
    template <class U>
        requires std::is_same_v<std::remove_const_t<U>, T>
    constexpr Target(TensorView<S, Dev, U> v) : ptr(v.data()), batch(v.batch) {}
    /// One target for every element.
    constexpr Target(T label) : value(label) {}
};

/// A loss function f(input, target, grad) of samples S on Dev in T (a Reduction may follow), with
/// a target of type Y: returns the loss as T.
template <class F, class S, class Dev, class T, class Y>
concept Loss = AnyShape<S> && requires(F f, ConstView<S, Dev, T> x, Y y, TensorView<S, Dev, T> g) {
    { f(x, y, g) } -> std::same_as<T>;
    { f(x, y, g, Reduction::sum) } -> std::same_as<T>;
};

/// An element-wise loss term: value(x, y) is one element's loss at input x and target y,
/// grad(x, y) its derivative in x. A small struct of scalars, copied into the device's loops
/// (CTNN_HD members).
template <class Term, class T>
concept LossTerm = std::copy_constructible<Term> && requires(const Term term, T x) {
    { term.value(x, x) } -> std::same_as<T>;
    { term.grad(x, x) } -> std::same_as<T>;
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
    requires LossTerm<Term, T>
T elementwise_loss(const char* name, Term term, ConstView<S, Dev, T> input, Target<S, Dev, T> target,
                   TensorView<S, Dev, T> grad, Reduction r) {
    check_loss_batches(name, input.batch, target.batch, target.ptr != nullptr, grad.batch, !grad.empty());
    const T* x = input.data();
    const index_t n = input.size();
    const T div = reduction_divisor<T>(r, input.batch, S::size);
    // The device's sum: where it has a vectorised form of Term (the Cpu, for fn::BceWithLogits)
    // it computes a block's gradients and terms in one pass each.
    return Dev::loss_sum(term, n, x, target.ptr, target.value, div, grad.empty() ? nullptr : grad.data()) / div;
}

}  // namespace detail
}  // namespace ctnn
