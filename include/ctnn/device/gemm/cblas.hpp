// Host GEMMs through the system's CBLAS (CMake option CTNN_BLAS; OpenBLAS on Debian with
// libopenblas0-openmp): its AVX-512 kernels run the MLP shapes about 1.3x faster than Eigen 3.4's
// 48x4 micro-kernel. Whether its bits stay the same on any thread count is the library's
// business: OpenBLAS 0.3.21's Cooperlake kernels did on every shape tested, its Haswell kernels
// did not.
#pragma once

#if !defined(CTNN_BLAS)
#error "ctnn/device/gemm/cblas.hpp is the CTNN_BLAS build's (device/gemm.hpp includes it then)"
#endif

#include <cblas.h>

#include <algorithm>
#include <climits>
#include <type_traits>

#include "ctnn/device/gemm/eigen.hpp"
#include "ctnn/device/gemm/split.hpp"

namespace ctnn::detail {

/// The same product through CBLAS, where it has the scalar type and the sizes fit its int.
template <class T>
void blas_gemm(Trans ta, Trans tb, index_t m, index_t n, index_t k, T alpha, const T* a,
               index_t lda, const T* b, index_t ldb, T beta, T* c, index_t ldc) {
    constexpr bool has_type = std::is_same_v<T, float> || std::is_same_v<T, double>;
    const bool fits = std::max({m, n, k, lda, ldb, ldc}) <= static_cast<index_t>(INT_MAX);
    // k == 0 is a valid product (C = beta C) whose leading dimensions BLAS would reject.
    if (!has_type || !fits || k == 0 || m == 0 || n == 0) {
        eigen_gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        return;
    }
    const auto op = [](Trans t) { return t == Trans::no ? CblasNoTrans : CblasTrans; };
    const auto i = [](index_t v) { return static_cast<int>(v); };
    split_library_gemm(ta, tb, m, n, k, a, lda, b, ldb, c, ldc,
                       [&](index_t rows, index_t cols, const T* ab, const T* bb, T* cb) {
                           // C scaled here, in this thread's cache, just before use: beta = 1 for
                           // the BLAS (see scale_block).
                           scale_block(cb, rows, cols, ldc, beta);
                           if constexpr (std::is_same_v<T, float>)
                               cblas_sgemm(CblasRowMajor, op(ta), op(tb), i(rows), i(cols), i(k), alpha, ab, i(lda),
                                           bb, i(ldb), T(1), cb, i(ldc));
                           else if constexpr (std::is_same_v<T, double>)
                               cblas_dgemm(CblasRowMajor, op(ta), op(tb), i(rows), i(cols), i(k), alpha, ab, i(lda),
                                           bb, i(ldb), T(1), cb, i(ldc));
                       });
}
}  // namespace ctnn::detail
