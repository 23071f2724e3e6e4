// Row-major GEMM on host memory with Eigen's packed GEBP kernels, run over our own buffers.
//
// Eigen's public product (Map<Matrix> * Map<Matrix>) allocates its packing buffers on the heap on
// every call above a small size, and hands out rows to threads its own way. ctnn needs a training
// step that never allocates and whose results do not depend on scheduling, so this calls the
// kernel one level down (Eigen 3.4's internal::general_matrix_matrix_product, the routine its
// products run) with packing buffers that persist per thread, and splits C between OpenMP threads
// in fixed blocks: each element of C is computed by one thread in one fixed order.
//
// Built with CTNN_BLAS (CMake option CTNN_BLAS), host GEMMs in float and double go to the system's
// CBLAS instead (OpenBLAS on Debian with libopenblas0-openmp): its AVX-512 kernels run the MLP
// shapes about 1.3x faster than Eigen 3.4's 48x4 micro-kernel. Built with CTNN_DNNL, float GEMMs go
// to oneDNN's dnnl_sgemm (Debian: libdnnl-dev), 5-20% faster than OpenBLAS's on the seeds' shapes
// on a Zen 4 (docs/benchmarks.md); doubles stay on CBLAS or Eigen. Whether a library's bits then
// stay the same on any thread count is its business: OpenBLAS 0.3.21's Cooperlake kernels did on
// every shape tested, its Haswell kernels did not, oneDNN 2.6's sgemm did not on 18 of 2240. And
// oneDNN allocates its packing buffers in every call (two malloc/free pairs), where Eigen's path
// and OpenBLAS's reuse theirs.
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <climits>
#include <cstdlib>
#include <new>
#include <numeric>
#include <string>
#include <type_traits>

#if defined(CTNN_BLAS)
#include <cblas.h>
#include <dlfcn.h>
#endif
#if defined(CTNN_DNNL)
#include <atomic>
#include <stdexcept>

#include <oneapi/dnnl/dnnl.h>
#include <oneapi/dnnl/dnnl_debug.h>
#endif

#if defined(_OPENMP)
#include <omp.h>
#endif

#include "ctnn/device/device.hpp"

namespace ctnn {

namespace detail {

/// Packing buffers for Eigen's kernels, grown on demand and kept for the thread's lifetime.
template <class T>
class GemmWorkspace : public Eigen::internal::level3_blocking<T, T> {
public:
    ~GemmWorkspace() {
        std::free(this->m_blockA);
        std::free(this->m_blockB);
    }
    /// Blocking for a row-major C of m x n with depth k on one thread.
    void prepare(Eigen::Index m, Eigen::Index n, Eigen::Index k) {
        // Eigen computes a row-major product as the transposed column-major one: its "rows" are n.
        this->m_mc = n;
        this->m_nc = m;
        this->m_kc = k;
        Eigen::internal::computeProductBlockingSizes<T, T, 1>(this->m_kc, this->m_mc, this->m_nc,
                                                              Eigen::Index{1});
        grow(this->m_blockA, size_a_, static_cast<std::size_t>(this->m_mc * this->m_kc));
        grow(this->m_blockB, size_b_, static_cast<std::size_t>(this->m_kc * this->m_nc));
    }

    static GemmWorkspace& for_this_thread() {
        thread_local GemmWorkspace ws;
        return ws;
    }

private:
    static void grow(T*& p, std::size_t& have, std::size_t need) {
        if (need <= have) return;
        std::free(p);
        const std::size_t bytes = (need * sizeof(T) + 63) / 64 * 64;
        p = static_cast<T*>(std::aligned_alloc(64, bytes));
        if (!p) throw std::bad_alloc();
        have = need;
    }
    std::size_t size_a_ = 0, size_b_ = 0;
};

/// C += alpha op(A) op(B) for one block, on the calling thread.
template <class T>
void gemm_block(Trans ta, Trans tb, index_t m, index_t n, index_t k, T alpha, const T* a,
                index_t lda, const T* b, index_t ldb, T* c, index_t ldc) {
    using Eigen::ColMajor;
    using Eigen::RowMajor;
    using I = Eigen::Index;
    auto& ws = GemmWorkspace<T>::for_this_thread();
    ws.prepare(static_cast<I>(m), static_cast<I>(n), static_cast<I>(k));
    // A stored row-major m x k is RowMajor; stored k x m (transposed use) is an m x k ColMajor.
    const auto run = [&]<int LhsOrder, int RhsOrder>() {
        Eigen::internal::general_matrix_matrix_product<I, T, LhsOrder, false, T, RhsOrder, false,
                                                       RowMajor, 1>::run(
            static_cast<I>(m), static_cast<I>(n), static_cast<I>(k), a, static_cast<I>(lda), b,
            static_cast<I>(ldb), c, 1, static_cast<I>(ldc), alpha, ws, nullptr);
    };
    if (ta == Trans::no && tb == Trans::no)
        run.template operator()<RowMajor, RowMajor>();
    else if (ta == Trans::no)
        run.template operator()<RowMajor, ColMajor>();
    else if (tb == Trans::no)
        run.template operator()<ColMajor, RowMajor>();
    else
        run.template operator()<ColMajor, ColMajor>();
}

// ctnn's own programs (CMake's ctnn_own_flags) compile Eigen's kernels once, at -O3, in the unit
// that defines CTNN_INSTANTIATE_GEMM, rather than in each of their units (2-3 s of each unit's
// compile): CTNN_EXTERN_GEMM declares the instantiations that unit defines.
#if defined(CTNN_INSTANTIATE_GEMM) || defined(CTNN_EXTERN_GEMM)
#if defined(CTNN_INSTANTIATE_GEMM)
#define CTNN_GEMM_INSTANCE template
#else
#define CTNN_GEMM_INSTANCE extern template
#endif
CTNN_GEMM_INSTANCE void gemm_block<float>(Trans, Trans, index_t, index_t, index_t, float, const float*, index_t,
                                          const float*, index_t, float*, index_t);
CTNN_GEMM_INSTANCE void gemm_block<double>(Trans, Trans, index_t, index_t, index_t, double, const double*, index_t,
                                           const double*, index_t, double*, index_t);
#undef CTNN_GEMM_INSTANCE
#endif

/// Runs block(r0, r1, c0, c1) over a split of C[m x n] between OpenMP threads, one block per
/// thread along the longer side, with every boundary a multiple of `row_granule` (splitting
/// rows) or `col_granule` (splitting columns).
///
/// Each element of C is then summed by one thread in one fixed order whatever the thread count,
/// provided the granules are multiples of the kernel's register tiles: Eigen's kernels sum a row
/// that falls in a 48-row tile in another order than one in a 16-row edge tile, so a boundary
/// that moved a row from one to the other would change its bits.
template <class Block>
void split_gemm(index_t m, index_t n, index_t k, index_t row_granule, index_t col_granule, Block block) {
    index_t threads = 1;
#if defined(_OPENMP)
    // Small products are faster on one thread; nested calls stay on theirs.
    if (!omp_in_parallel() && m * n * k >= (index_t{1} << 18)) threads = omp_get_max_threads();
#endif
    const bool split_rows = m >= n;
    const index_t extent = split_rows ? m : n;
    const index_t granule = split_rows ? row_granule : col_granule;
    threads = std::min(threads, extent / granule);
    if (threads <= 1) {
        block(0, m, 0, n);
        return;
    }
    // Block t starts at the multiple of the granule nearest to t/threads of the extent.
    const auto start = [=](index_t t) {
        return t == threads ? extent : (t * extent / threads + granule / 2) / granule * granule;
    };
#if defined(_OPENMP)
#pragma omp parallel for schedule(static) num_threads(static_cast<int>(threads))
#endif
    for (index_t t = 0; t < threads; ++t) {
        const index_t lo = start(t), hi = start(t + 1);
        if (split_rows)
            block(lo, hi, 0, n);
        else
            block(0, m, lo, hi);
    }
}

/// Split boundaries for Eigen's kernels, whole register tiles: Eigen computes our row-major C as
/// its column-major transpose, so our columns are its rows (tiles of mr = 48 floats) and our rows
/// its columns (tiles of nr = 4; 16 keeps blocks a cache line wide).
template <class T>
constexpr index_t eigen_row_granule() {
    return std::lcm(index_t{Eigen::internal::gebp_traits<T, T>::nr}, index_t{16});
}
template <class T>
constexpr index_t eigen_col_granule() {
    using Traits = Eigen::internal::gebp_traits<T, T>;
    return std::lcm(index_t{Traits::mr}, index_t{Traits::nr});
}

/// C[rows x cols] (leading dimension ldc) *= beta, cleared when beta is 0 (C is then not read, as
/// BLAS defines it), for kernels that accumulate onto C. Done here rather than by OpenBLAS: its
/// Haswell/Zen sgemm_beta stores one float at a time (~6 GB/s in a DCGAN step, 5.7% of it).
template <class T>
void scale_block(T* c, index_t rows, index_t cols, index_t ldc, T beta) {
    if (beta == T(1)) return;
    for (index_t i = 0; i < rows; ++i) {
        T* row = c + i * ldc;
        if (beta == T(0))
            std::fill_n(row, cols, T(0));
        else
            for (index_t j = 0; j < cols; ++j) row[j] *= beta;
    }
}

/// C[m x n] = alpha * op(A) * op(B) + beta * C, all row-major with leading dimensions lda/ldb/ldc
/// (the BLAS convention, in row-major terms). op(A) is m x k, op(B) is k x n.
template <class T>
void eigen_gemm(Trans ta, Trans tb, index_t m, index_t n, index_t k, T alpha, const T* a,
                index_t lda, const T* b, index_t ldb, T beta, T* c, index_t ldc) {
    if (m == 0 || n == 0) return;
    split_gemm(m, n, k, eigen_row_granule<T>(), eigen_col_granule<T>(), [&](index_t r0, index_t r1, index_t c0, index_t c1) {
        T* cb = c + r0 * ldc + c0;
        scale_block(cb, r1 - r0, c1 - c0, ldc, beta);
        if (k == 0) return;
        const T* ab = ta == Trans::no ? a + r0 * lda : a + r0;
        const T* bb = tb == Trans::no ? b + c0 : b + c0 * ldb;
        gemm_block(ta, tb, r1 - r0, c1 - c0, k, alpha, ab, lda, bb, ldb, cb, ldc);
    });
}

/// A product through a library's single-threaded GEMM, one call per block of our split (the
/// library runs single-threaded inside a parallel region): 0.6 ms less per MLP GAN step than
/// OpenBLAS's own threading, which waits for its threads with sched_yield. Boundaries at multiples
/// of 16, the AVX-512 tile. call(rows, cols, a, b, c) computes the product for the block of C at c
/// from the operands' blocks at a and b.
template <class T, class Call>
void split_library_gemm(Trans ta, Trans tb, index_t m, index_t n, index_t k, const T* a, index_t lda,
                        const T* b, index_t ldb, T* c, index_t ldc, Call call) {
    split_gemm(m, n, k, 16, 16, [&](index_t r0, index_t r1, index_t c0, index_t c1) {
        call(r1 - r0, c1 - c0, ta == Trans::no ? a + r0 * lda : a + r0, tb == Trans::no ? b + c0 : b + c0 * ldb,
             c + r0 * ldc + c0);
    });
}

#if defined(CTNN_BLAS)
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
#endif

/// The host GEMM without oneDNN: CBLAS with CTNN_BLAS, Eigen's kernels otherwise.
template <class T>
void blas_or_eigen_gemm(Trans ta, Trans tb, index_t m, index_t n, index_t k, T alpha, const T* a,
                        index_t lda, const T* b, index_t ldb, T beta, T* c, index_t ldc) {
#if defined(CTNN_BLAS)
    blas_gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
#else
    eigen_gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
#endif
}

#if defined(CTNN_DNNL)
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
#endif

/// The host GEMM of this build: oneDNN with CTNN_DNNL (float), CBLAS with CTNN_BLAS, Eigen's
/// kernels otherwise.
template <class T>
void host_gemm(Trans ta, Trans tb, index_t m, index_t n, index_t k, T alpha, const T* a,
               index_t lda, const T* b, index_t ldb, T beta, T* c, index_t ldc) {
#if defined(CTNN_DNNL)
    dnnl_gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
#else
    blas_or_eigen_gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
#endif
}

/// Which kernels host_gemm runs, for logs and benchmark reports.
inline std::string host_gemm_kernels() {
#if defined(CTNN_BLAS)
    // OpenBLAS names its version and the kernels it chose for this CPU; another CBLAS is named by
    // its absence (the functions are OpenBLAS extensions, looked up so that any CBLAS links).
    using Text = char* (*)();
    const auto config = reinterpret_cast<Text>(dlsym(RTLD_DEFAULT, "openblas_get_config"));
    const auto core = reinterpret_cast<Text>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
    const std::string others =
        config && core ? std::string("CBLAS: ") + config() + ", " + core() + " kernels" : "CBLAS (not OpenBLAS)";
#else
    using Traits = Eigen::internal::gebp_traits<float, float>;
    const std::string others = "Eigen " + std::to_string(EIGEN_WORLD_VERSION) + "." + std::to_string(EIGEN_MAJOR_VERSION) +
                               "." + std::to_string(EIGEN_MINOR_VERSION) + " GEBP, float micro-kernel " +
                               std::to_string(Traits::mr) + "x" + std::to_string(Traits::nr) +
                               ", SIMD: " + Eigen::SimdInstructionSetsInUse();
#endif
#if defined(CTNN_DNNL)
    const dnnl_version_t* v = dnnl_version();
    return "oneDNN " + std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch) +
           " dnnl_sgemm, ISA " + dnnl_cpu_isa2str(dnnl_get_effective_cpu_isa()) + " (float); " + others + " (double)";
#else
    return others;
#endif
}

}  // namespace detail
}  // namespace ctnn
