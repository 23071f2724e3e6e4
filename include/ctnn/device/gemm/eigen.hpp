// Row-major GEMM on host memory with Eigen's packed GEBP kernels, run over our own buffers.
//
// Eigen's public product (Map<Matrix> * Map<Matrix>) allocates its packing buffers on the heap on
// every call above a small size, and hands out rows to threads its own way. ctnn needs a training
// step that never allocates and whose results do not depend on scheduling, so this calls the
// kernel one level down (Eigen 3.4's internal::general_matrix_matrix_product, the routine its
// products run) with packing buffers that persist per thread, and splits C between OpenMP threads
// in fixed blocks (gemm/split.hpp).
#pragma once

#include <Eigen/Core>
#include <cstdlib>
#include <new>
#include <numeric>

#include "ctnn/device/gemm/split.hpp"

namespace ctnn::detail {

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

}  // namespace ctnn::detail
