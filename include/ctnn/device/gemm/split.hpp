// What every host GEMM back-end shares: the split of C between OpenMP threads in fixed blocks,
// so that each element of C is computed by one thread in one fixed order whatever the thread
// count, and the scaling of C by beta for kernels that accumulate onto it.
#pragma once

#include <algorithm>

#if defined(_OPENMP)
#include <omp.h>
#endif

#include "ctnn/device/device.hpp"

namespace ctnn::detail {

/// A split of C[m x n] between OpenMP threads, one block per thread along the longer side, with
/// every boundary a multiple of `row_granule` (splitting rows) or `col_granule` (splitting
/// columns).
///
/// Each element of C is then summed by one thread in one fixed order whatever the thread count,
/// provided the granules are multiples of the kernel's register tiles: Eigen's kernels sum a row
/// that falls in a 48-row tile in another order than one in a 16-row edge tile, so a boundary
/// that moved a row from one to the other would change its bits.
struct GemmSplit {
    index_t threads = 1;
    bool rows = true;  // C's rows are split (else its columns)
    index_t extent = 0, granule = 1;

    GemmSplit(index_t m, index_t n, index_t k, index_t row_granule, index_t col_granule)
        : rows(m >= n), extent(m >= n ? m : n), granule(m >= n ? row_granule : col_granule) {
#if defined(_OPENMP)
        // Small products are faster on one thread; nested calls stay on theirs.
        if (!omp_in_parallel() && m * n * k >= (index_t{1} << 18)) threads = omp_get_max_threads();
#endif
        threads = std::max<index_t>(1, std::min(threads, extent / granule));
    }

    /// Where block t starts: the multiple of the granule nearest to t/threads of the extent.
    index_t start(index_t t) const {
        return t == threads ? extent : (t * extent / threads + granule / 2) / granule * granule;
    }
};

/// Runs block(r0, r1, c0, c1) over the GemmSplit of C[m x n].
template <class Block>
void split_gemm(index_t m, index_t n, index_t k, index_t row_granule, index_t col_granule, Block block) {
    const GemmSplit split(m, n, k, row_granule, col_granule);
    if (split.threads <= 1) {
        block(0, m, 0, n);
        return;
    }
#if defined(_OPENMP)
#pragma omp parallel for schedule(static) num_threads(static_cast<int>(split.threads))
#endif
    for (index_t t = 0; t < split.threads; ++t) {
        const index_t lo = split.start(t), hi = split.start(t + 1);
        if (split.rows)
            block(lo, hi, 0, n);
        else
            block(0, m, lo, hi);
    }
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

/// A product through a library's single-threaded GEMM, one call per block of our split (the
/// library runs single-threaded inside a parallel region): 0.6 ms less per MLP GAN step than
/// OpenBLAS's own threading, which waits for its threads with sched_yield. Boundaries at multiples
/// of 16, the AVX-512 tile. call(rows, cols, a, b, c) computes the product for the block of C at c
/// from the operands' blocks at a and b (operands of type In: bf16 bits for a float C, say).
template <class In, class T, class Call>
void split_library_gemm(Trans ta, Trans tb, index_t m, index_t n, index_t k, const In* a, index_t lda,
                        const In* b, index_t ldb, T* c, index_t ldc, Call call) {
    split_gemm(m, n, k, 16, 16, [&](index_t r0, index_t r1, index_t c0, index_t c1) {
        call(r1 - r0, c1 - c0, ta == Trans::no ? a + r0 * lda : a + r0, tb == Trans::no ? b + c0 : b + c0 * ldb,
             c + r0 * ldc + c0);
    });
}

}  // namespace ctnn::detail
