// Small whole-buffer operations written once for every device. They are named function
// templates (not lambdas inside callers' generic lambdas) because nvcc does not allow a device
// lambda inside a generic lambda.
#pragma once

#include "ctnn/core/config.hpp"

namespace ctnn::ops {

/// How many of x[0..n) are NaN or infinite.
template <class Dev, class T>
index_t count_nonfinite(const T* x, index_t n) {
    const T bad = Dev::template sum<T>(n, [=] CTNN_HD(index_t i) {
        const T d = x[i] - x[i];  // NaN exactly for NaN and infinities (isfinite is host-only)
        return d == d ? T(0) : T(1);
    });
    return static_cast<index_t>(bad);
}

/// x[i] = min(max(x[i], lo), hi) for i in [0, n).
template <class Dev, class T>
void clamp(T* x, index_t n, T lo, T hi) {
    Dev::for_each(n, [=] CTNN_HD(index_t i) { x[i] = x[i] < lo ? lo : (x[i] > hi ? hi : x[i]); });
}

}  // namespace ctnn::ops
