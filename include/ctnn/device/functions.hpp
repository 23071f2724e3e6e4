// Element-wise functions that a device may run in a vectorised form of its own. Layers and
// losses name them (Tanh's forward, the BCE-with-logits term); each device decides how to run
// them: per element as written here (the Thrust devices), or in blocks (the Cpu, with Eigen's
// vectorised math, device/cpu_math.hpp).
#pragma once

#include <cmath>

#include "ctnn/core/config.hpp"

namespace ctnn::fn {

/// tanh(x).
struct Tanh {
    template <class T>
    CTNN_HD T operator()(T x) const {
        return std::tanh(x);
    }
};

/// BCEWithLogitsLoss on a logit x and target y, in the form that neither overflows nor loses the
/// small probabilities: max(x, 0) - x y + log(1 + exp(-|x|)); its gradient is sigmoid(x) - y.
struct BceWithLogits {
    template <class T>
    CTNN_HD T value(T x, T y) const {
        return std::fmax(x, T(0)) - x * y + std::log1p(std::exp(-std::abs(x)));
    }
    template <class T>
    CTNN_HD T grad(T x, T y) const {
        return T(1) / (T(1) + std::exp(-x)) - y;
    }
};

}  // namespace ctnn::fn
