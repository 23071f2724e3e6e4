// The divergence guard: a NaN or infinite loss or gradient stops training at the step it appears,
// with a message naming the step and what went bad.
#pragma once

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "ctnn/core/config.hpp"
#include "ctnn/device/ops.hpp"

namespace ctnn {

struct DivergenceError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// Throws DivergenceError if `value` (a loss) is not finite.
inline void check_finite_loss(double value, const char* what, std::int64_t step) {
    if (!std::isfinite(value))
        throw DivergenceError("step " + std::to_string(step) + ": " + what + " is " +
                              std::to_string(value) + "; training stopped (divergence guard)");
}

/// Throws DivergenceError naming the first parameter of `net` whose gradient holds a NaN or an
/// infinity. One pass over the flat gradient buffer on the device; only when it finds one does
/// it look for the parameter.
template <class NetT>
void check_finite_gradients(NetT& net, const char* what, std::int64_t step) {
    using Dev = typename NetT::device;
    auto& params = net.parameters();
    if (ops::count_nonfinite<Dev>(params.gradients(), params.size()) == 0) return;
    for (const auto& e : params.entries())
        if (ops::count_nonfinite<Dev>(params.gradients() + e.offset, e.size) != 0)
            throw DivergenceError("step " + std::to_string(step) + ": " + what + " gradient of " + e.name +
                                  " holds NaN or infinity; training stopped (divergence guard)");
}

}  // namespace ctnn
