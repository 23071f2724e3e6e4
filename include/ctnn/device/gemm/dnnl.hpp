// Float host GEMMs through oneDNN's dnnl_sgemm (CMake option CTNN_DNNL; Debian: libdnnl-dev),
// 5-20% faster than OpenBLAS's on the seeds' shapes on a Zen 4 (docs/benchmarks.md); doubles stay
// on CBLAS or Eigen. oneDNN 2.6's sgemm is not split-independent (18 of 2240 shapes tested changed
// bits with a narrower block), and it allocates its packing buffers in every call (two
// malloc/free pairs), where Eigen's path and OpenBLAS's reuse theirs.
#pragma once

#if !defined(CTNN_DNNL)
#error "ctnn/device/gemm/dnnl.hpp is the CTNN_DNNL build's (device/gemm.hpp includes it then)"
#endif

#include <atomic>
#include <stdexcept>
#include <string>
#include <type_traits>

#include <oneapi/dnnl/dnnl.h>

#include "ctnn/device/gemm/split.hpp"

namespace ctnn::detail {

template <class T>
void blas_or_eigen_gemm(Trans ta, Trans tb, index_t m, index_t n, index_t k, T alpha, const T* a,
                        index_t lda, const T* b, index_t ldb, T beta, T* c, index_t ldc);

/// The same product through oneDNN's sgemm (row-major, 64-bit sizes) where T is float.
template <class T>
void dnnl_gemm(Trans ta, Trans tb, index_t m, index_t n, index_t k, T alpha, const T* a,
               index_t lda, const T* b, index_t ldb, T beta, T* c, index_t ldc) {
    if constexpr (std::is_same_v<T, float>) {
        if (k != 0 && m != 0 && n != 0) {
            const auto op = [](Trans t) { return t == Trans::no ? 'N' : 'T'; };
            const auto i = [](index_t v) { return static_cast<dnnl_dim_t>(v); };
            std::atomic<int> failed{dnnl_success};  // no throwing out of a parallel region: reported below
            // beta goes to oneDNN: its kernels clear or scale C as they store it, a pass less.
            split_library_gemm(ta, tb, m, n, k, a, lda, b, ldb, c, ldc,
                               [&](index_t rows, index_t cols, const T* ab, const T* bb, T* cb) {
                                   const dnnl_status_t st = dnnl_sgemm(op(ta), op(tb), i(rows), i(cols), i(k),
                                                                       alpha, ab, i(lda), bb, i(ldb), beta, cb, i(ldc));
                                   if (st != dnnl_success) failed.store(st, std::memory_order_relaxed);
                               });
            if (failed.load() != dnnl_success)
                throw std::runtime_error("ctnn: dnnl_sgemm failed with status " + std::to_string(failed.load()) +
                                         " on a " + std::to_string(m) + "x" + std::to_string(n) + "x" +
                                         std::to_string(k) + " product");
            return;
        }
    }
    // Other scalar types, k == 0 (C = beta C) and empty products.
    blas_or_eigen_gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
}  // namespace ctnn::detail
