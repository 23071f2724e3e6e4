// Row-major GEMM on host memory through Eigen::Map over our own buffers (no copies).
#pragma once

#include <Eigen/Core>

#include "ctnn/core/config.hpp"

namespace ctnn {

/// Whether a GEMM operand is used as stored or transposed.
enum class Trans { no, yes };

namespace detail {

/// C[m x n] = alpha * op(A) * op(B) + beta * C, all row-major with leading dimensions lda/ldb/ldc
/// (the BLAS convention, in row-major terms). op(A) is m x k, op(B) is k x n.
template <class T>
void eigen_gemm(Trans ta, Trans tb, index_t m, index_t n, index_t k, T alpha, const T* a,
                index_t lda, const T* b, index_t ldb, T beta, T* c, index_t ldc) {
    using Mat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    using Stride = Eigen::OuterStride<>;
    using CMap = Eigen::Map<const Mat, Eigen::Unaligned, Stride>;
    const auto ei = [](index_t v) { return static_cast<Eigen::Index>(v); };
    Eigen::Map<Mat, Eigen::Unaligned, Stride> C(c, ei(m), ei(n), Stride(ei(ldc)));
    const CMap A(a, ei(ta == Trans::no ? m : k), ei(ta == Trans::no ? k : m), Stride(ei(lda)));
    const CMap B(b, ei(tb == Trans::no ? k : n), ei(tb == Trans::no ? n : k), Stride(ei(ldb)));
    if (beta == T(0))
        C.setZero();
    else if (beta != T(1))
        C *= beta;
    if (k == 0) return;
    // Four spellings so that Eigen sees each transpose statically and picks its packed kernels.
    if (ta == Trans::no && tb == Trans::no)
        C.noalias() += alpha * A * B;
    else if (ta == Trans::no)
        C.noalias() += alpha * A * B.transpose();
    else if (tb == Trans::no)
        C.noalias() += alpha * A.transpose() * B;
    else
        C.noalias() += alpha * A.transpose() * B.transpose();
}

}  // namespace detail
}  // namespace ctnn
