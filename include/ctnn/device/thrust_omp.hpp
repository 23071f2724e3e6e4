// ThrustOmp: the Thrust device on Thrust's OpenMP system. It needs no GPU
// (thrust::omp is named explicitly), so CI runs and checks the Thrust code path with plain g++.
#pragma once

#include <cstring>

// Include this header before any other Thrust header (or define THRUST_DEVICE_SYSTEM yourself):
// device/thrust.hpp, first, picks Thrust's default system outside nvcc.
#include "ctnn/device/thrust.hpp"

#include <thrust/system/omp/execution_policy.h>
#include <thrust/system/omp/vector.h>

#include "ctnn/device/gemm.hpp"
#include "ctnn/device/workspace.hpp"

namespace ctnn {

/// Thrust's OpenMP system, for ThrustDevice: host memory and threads, the Cpu device's GEMM.
struct OmpSystem {
    /// @name System protocol
    ///@{

    /// As ThrustDevice defines it for its System.
    static constexpr const char* name = "thrust-omp";
    static constexpr bool host_memory = true;  ///< OpenMP-system vectors are host memory
    template <class T>
    using vector = thrust::omp::vector<T>;
    static auto policy() { return thrust::omp::par; }
    /// As the Cpu device's (host memory, host caches).
    static constexpr index_t column_budget = detail::host_column_budget;

    // OpenMP-system memory is host memory, so GEMMs use Eigen on it directly; the Cuda system
    // uses cuBLAS here instead.
    template <class T>
    static void gemm(Trans ta, Trans tb, index_t m, index_t n, index_t k, T alpha, const T* a,
                     index_t lda, const T* b, index_t ldb, T beta, T* c, index_t ldc) {
        detail::host_gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }
    template <class T>
    static void to_host(const T* src, index_t n, T* host) {
        if (n) std::memcpy(host, src, n * sizeof(T));
    }
    template <class T>
    static void from_host(const T* host, index_t n, T* dst) {
        if (n) std::memcpy(dst, host, n * sizeof(T));
    }
    ///@}
};

/// The Thrust device on OpenMP threads in host memory: the code paths the Cuda device runs,
/// without a GPU, so that plain g++ builds check them.
using ThrustOmp = ThrustDevice<OmpSystem>;
static_assert(Device<ThrustOmp>);

}  // namespace ctnn
