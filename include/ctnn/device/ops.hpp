// Small whole-buffer operations written once for every device. They are named function
// templates (not lambdas inside callers' generic lambdas) because nvcc does not allow a device
// lambda inside a generic lambda.
#pragma once

#include "ctnn/core/config.hpp"

namespace ctnn::ops {

/// How many of x[0..n) are NaN or infinite.
template <class Dev, class T>
index_t count_nonfinite(const T* x, index_t n) {
    // Counted in integers: an integer sum vectorises (a float one may not be reordered).
    return Dev::template sum<index_t>(n, [=] CTNN_HD(index_t i) -> index_t {
        const T d = x[i] - x[i];  // NaN exactly for NaN and infinities (isfinite is host-only)
        return d == d ? 0 : 1;
    });
}

/// x[i] = min(max(x[i], lo), hi) for i in [0, n).
template <class Dev, class T>
void clamp(T* x, index_t n, T lo, T hi) {
    Dev::for_each(n, [=] CTNN_HD(index_t i) { x[i] = x[i] < lo ? lo : (x[i] > hi ? hi : x[i]); });
}

}  // namespace ctnn::ops
