// Element-wise functions that a device may run in a vectorised form of its own. Layers and
// losses name them (Tanh's forward, the BCE-with-logits term); each device decides how to run
// them: per element as written here (the Thrust devices), or in blocks (the Cpu, with Eigen's
// vectorised math, device/cpu_math.hpp).
#pragma once

#include <cmath>

#include "ctnn/core/config.hpp"

/// Element-wise functions that layers and losses name and each device runs its own way.
namespace ctnn::fn {

/// tanh(x).
struct Tanh {
    /// std::tanh(x); a device's vectorised form is within a few ulp of it.
    template <class T>
    CTNN_HD T operator()(T x) const {
        return std::tanh(x);
    }
};

/// BCEWithLogitsLoss on a logit x and target y, in the form that neither overflows nor loses the
/// small probabilities: max(x, 0) - x y + log(1 + exp(-|x|)); its gradient is sigmoid(x) - y.
struct BceWithLogits {
    /// The loss term for logit x and target y.
    template <class T>
    CTNN_HD T value(T x, T y) const {
        return std::fmax(x, T(0)) - x * y + std::log1p(std::exp(-std::abs(x)));
    }
    /// Its derivative with respect to x: sigmoid(x) - y.
    template <class T>
    CTNN_HD T grad(T x, T y) const {
        return T(1) / (T(1) + std::exp(-x)) - y;
    }
};

}  // namespace ctnn::fn
