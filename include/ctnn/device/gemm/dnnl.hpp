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
#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>

#include <oneapi/dnnl/dnnl.h>

#include "ctnn/device/gemm/split.hpp"

// Exported by oneDNN 2.x's libdnnl (src/cpu/gemm/gemm.cpp) but not declared in its dnnl.h; declared
// as oneDNN's own gtests declare it (tests/gtests/test_gemm_common.hpp), its bfloat16_t being a
// struct of the 16 bits. Row-major, as dnnl_sgemm. Cpu::gemm_bf16 calls it (gemm/bf16.hpp).
extern "C" dnnl_status_t dnnl_gemm_bf16bf16f32(char transa, char transb, dnnl_dim_t M, dnnl_dim_t N,
                                               dnnl_dim_t K, float alpha, const std::uint16_t* A, dnnl_dim_t lda,
                                               const std::uint16_t* B, dnnl_dim_t ldb, float beta, float* C,
                                               dnnl_dim_t ldc);

namespace ctnn::detail {

template <class T>
void blas_or_eigen_gemm(Trans ta, Trans tb, index_t m, index_t n, index_t k, T alpha, const T* a,
                        index_t lda, const T* b, index_t ldb, T beta, T* c, index_t ldc);

/// A product through one of oneDNN's row-major GEMMs (`name`, for the error), one single-threaded
/// call per block of split_library_gemm: gemm(transa, transb, rows, cols, k, alpha, a, lda, b, ldb,
/// beta, c, ldc) with oneDNN's argument types. beta goes to oneDNN: its kernels clear or scale C as
/// they store it, a pass less. A failed call throws, naming the product.
template <class In, class Gemm>
void dnnl_split_gemm(const char* name, Gemm gemm, Trans ta, Trans tb, index_t m, index_t n, index_t k, float alpha,
                     const In* a, index_t lda, const In* b, index_t ldb, float beta, float* c, index_t ldc) {
    const auto op = [](Trans t) { return t == Trans::no ? 'N' : 'T'; };
    const auto i = [](index_t v) { return static_cast<dnnl_dim_t>(v); };
    std::atomic<int> failed{dnnl_success};  // no throwing out of a parallel region: reported below
    split_library_gemm(ta, tb, m, n, k, a, lda, b, ldb, c, ldc,
                       [&](index_t rows, index_t cols, const In* ab, const In* bb, float* cb) {
                           const dnnl_status_t st = gemm(op(ta), op(tb), i(rows), i(cols), i(k), alpha, ab, i(lda),
                                                         bb, i(ldb), beta, cb, i(ldc));
                           if (st != dnnl_success) failed.store(st, std::memory_order_relaxed);
                       });
    if (failed.load() != dnnl_success)
        throw std::runtime_error(std::string("ctnn: ") + name + " failed with status " + std::to_string(failed.load()) +
                                 " on a " + std::to_string(m) + "x" + std::to_string(n) + "x" + std::to_string(k) +
                                 " product");
}

/// The same product through oneDNN's sgemm (row-major, 64-bit sizes) where T is float.
template <class T>
void dnnl_gemm(Trans ta, Trans tb, index_t m, index_t n, index_t k, T alpha, const T* a,
               index_t lda, const T* b, index_t ldb, T beta, T* c, index_t ldc) {
    if constexpr (std::is_same_v<T, float>) {
        if (k != 0 && m != 0 && n != 0) {
            dnnl_split_gemm("dnnl_sgemm", dnnl_sgemm, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
            return;
        }
    }
    // Other scalar types, k == 0 (C = beta C) and empty products.
    blas_or_eigen_gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
}  // namespace ctnn::detail
