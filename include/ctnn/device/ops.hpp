// Small whole-buffer operations written once for every device. They are named function
// templates (not lambdas inside callers' generic lambdas) because nvcc does not allow a device
// lambda inside a generic lambda.
#pragma once

#include <cstdint>

#include "ctnn/core/config.hpp"

/// Whole-buffer operations written once for every device (finiteness counts, clamping), which
/// the trainers run over a network's flat buffers.
namespace ctnn::ops {

/// Whether x is NaN or infinite, as 0 or 1 (isfinite is host-only).
template <class Count, class T>
CTNN_HD Count nonfinite(T x) {
    const T d = x - x;  // NaN exactly for NaN and infinities
    return d == d ? Count(0) : Count(1);
}

/// How many of x[0..n) are NaN or infinite.
template <class Dev, class T>
index_t count_nonfinite(const T* x, index_t n) {
    // Counted in integers: an integer sum vectorises (a float one may not be reordered), and a
    // 32-bit one twice as wide as a 64-bit one (2.3x faster on the Cpu); it cannot wrap below
    // 2^32 elements.
    if (n < (index_t{1} << 32))
        return Dev::template sum<std::uint32_t>(n, [=] CTNN_HD(index_t i) { return nonfinite<std::uint32_t>(x[i]); });
    return Dev::template sum<index_t>(n, [=] CTNN_HD(index_t i) { return nonfinite<index_t>(x[i]); });
}

/// x[i] = min(max(x[i], lo), hi) for i in [0, n).
template <class Dev, class T>
void clamp(T* x, index_t n, T lo, T hi) {
    Dev::for_each(n, [=] CTNN_HD(index_t i) { x[i] = x[i] < lo ? lo : (x[i] > hi ? hi : x[i]); });
}

}  // namespace ctnn::ops
