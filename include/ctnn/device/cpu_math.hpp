// The Cpu's vectorised forms of ctnn::fn's functions over a block of values, on Eigen's array
// math: tanh, exp and log1p within a few ulp of libm's (as PyTorch's own vectorised CPU kernels
// are), where libm's one value at a time was 5% of an MLP GAN step (tanh) and 7% of a VAE step
// (log1pf). The Thrust devices run the per-element forms, so their last bits may differ.
#pragma once

#include <Eigen/Core>

#include "ctnn/core/config.hpp"
#include "ctnn/device/functions.hpp"

namespace ctnn::detail {

/// block_map<F>::run(x, y, n): y[i] = F{}(x[i]) for a block, where the Cpu has such a form.
template <class F>
struct block_map {};

template <>
struct block_map<fn::Tanh> {
    template <class T>
    static void run(const T* x, T* y, index_t n) {
        using Array = Eigen::Array<T, Eigen::Dynamic, 1>;
        Eigen::Map<Array>(y, n) = Eigen::Map<const Array>(x, n).tanh();
    }
};

/// block_loss<Term>: a loss term's values and gradients for a block, where the Cpu has such a
/// form. Targets are y[0..n), or y_value everywhere when y is null.
template <class Term>
struct block_loss {};

template <>
struct block_loss<fn::BceWithLogits> {
    template <class T>
    static void value(const T* x, const T* y, T y_value, T* out, index_t n) {
        using A = Eigen::Array<T, Eigen::Dynamic, 1>;
        const Eigen::Map<const A> xs(x, n);
        if (y)
            Eigen::Map<A>(out, n) = xs.max(T(0)) - xs * Eigen::Map<const A>(y, n) + (-xs.abs()).exp().log1p();
        else
            Eigen::Map<A>(out, n) = xs.max(T(0)) - xs * y_value + (-xs.abs()).exp().log1p();
    }
    template <class T>
    static void grad(const T* x, const T* y, T y_value, T div, T* out, index_t n) {
        using A = Eigen::Array<T, Eigen::Dynamic, 1>;
        const Eigen::Map<const A> xs(x, n);
        const auto sigmoid = T(1) / (T(1) + (-xs).exp());
        if (y)
            Eigen::Map<A>(out, n) = (sigmoid - Eigen::Map<const A>(y, n)) / div;
        else
            Eigen::Map<A>(out, n) = (sigmoid - y_value) / div;
    }
};

}  // namespace ctnn::detail
