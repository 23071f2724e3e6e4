// The Cpu's (and ThrustOmp's) row-major GEMM on host memory, host_gemm, and which kernels it
// runs, host_gemm_kernels. The back-ends, one header each: Eigen's kernels over our buffers
// (gemm/eigen.hpp, the default), the system's CBLAS (gemm/cblas.hpp, CTNN_BLAS) and oneDNN's
// sgemm for floats (gemm/dnnl.hpp, CTNN_DNNL), all on the same split of C between threads
// (gemm/split.hpp).
//
// ctnn's own programs (CMake's ctnn_own_flags) compile Eigen's kernels once, at -O3, in the unit
// that defines CTNN_INSTANTIATE_GEMM before including this header, rather than in each of their
// units (2-3 s of each unit's compile): CTNN_EXTERN_GEMM declares the instantiations that unit
// defines.
#pragma once

#include <string>

#include "ctnn/device/gemm/eigen.hpp"
#if defined(CTNN_BLAS)
#include <dlfcn.h>

#include "ctnn/device/gemm/cblas.hpp"
#endif
#if defined(CTNN_DNNL)
#include <oneapi/dnnl/dnnl_debug.h>

#include "ctnn/device/gemm/dnnl.hpp"
#endif

namespace ctnn::detail {

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

}  // namespace ctnn::detail
