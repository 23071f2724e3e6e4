// Small whole-buffer operations written once for every device. They are named function
// templates (not lambdas inside callers' generic lambdas) because nvcc does not allow a device
// lambda inside a generic lambda.
#pragma once

#include <cmath>
#include <cstdint>

#include "ctnn/core/config.hpp"

/// Whole-buffer operations written once for every device: finiteness counts and clamping, which
/// the trainers run over a network's flat buffers, the vector arithmetic of SpectralNorm, and the
/// row-wise arithmetic of the gradient penalty.
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

/// The sum of a[i] b[i] over [0, n), in the device's fixed order.
template <class Dev, class T>
T dot(const T* a, const T* b, index_t n) {
    return Dev::template sum<T>(n, [=] CTNN_HD(index_t i) { return a[i] * b[i]; });
}

/// y[i] = x[i] / d for i in [0, n) (x and y may be the same buffer).
template <class Dev, class T>
void divide(const T* x, index_t n, T d, T* y) {
    Dev::for_each(n, [=] CTNN_HD(index_t i) { y[i] = x[i] / d; });
}

/// y[i] += x[i] for i in [0, n).
template <class Dev, class T>
void add(const T* x, index_t n, T* y) {
    Dev::for_each(n, [=] CTNN_HD(index_t i) { y[i] += x[i]; });
}

/// out[i][j] = t[i] a[i][j] + (1 - t[i]) b[i][j] for n rows of `size` values: one t per row.
template <class Dev, class T>
void interpolate(const T* a, const T* b, const T* t, index_t n, index_t size, T* out) {
    Dev::for_each(n * size, [=] CTNN_HD(index_t k) {
        const T w = t[k / size];
        out[k] = w * a[k] + (T(1) - w) * b[k];
    });
}

/// norms[i] = ||x[i]||_2 for n rows of `size` values.
template <class Dev, class T>
void row_norms(const T* x, index_t n, index_t size, T* norms) {
    Dev::for_each(n, [=] CTNN_HD(index_t i) {
        T s = T(0);
        for (index_t j = 0; j < size; ++j) s += x[i * size + j] * x[i * size + j];
        norms[i] = std::sqrt(s);
    }, size);
}

/// x /= max(||x||_2, eps): torch.nn.functional.normalize(x, dim=0, eps=eps) of a vector.
template <class Dev, class T>
void normalize(T* x, index_t n, T eps) {
    const T norm = std::sqrt(dot<Dev>(x, x, n));
    divide<Dev>(x, n, norm < eps ? eps : norm, x);  // a NaN norm stays NaN, as in clamp_min
}

}  // namespace ctnn::ops
