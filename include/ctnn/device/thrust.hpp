// Devices built on Thrust: every element-wise loop and reduction goes through a Thrust execution
// policy. ThrustOmp (Thrust's OpenMP system, plain g++) runs this code path on any machine; the
// Cuda device reuses the same template with Thrust's CUDA system and cuBLAS.
#pragma once

// Thrust's generic headers dispatch to a default device system, CUDA unless told otherwise, and
// that does not compile under g++. The devices name their system explicitly (thrust::omp), so
// outside nvcc the default only has to be something that compiles.
#if !defined(__CUDACC__) && !defined(THRUST_DEVICE_SYSTEM)
#define THRUST_DEVICE_SYSTEM THRUST_DEVICE_SYSTEM_OMP
#endif

#include <thrust/copy.h>
#include <thrust/memory.h>
#include <thrust/fill.h>
#include <thrust/for_each.h>
#include <thrust/functional.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/transform_reduce.h>

#include "ctnn/core/config.hpp"
#include "ctnn/device/device.hpp"
#include "ctnn/device/kernels.hpp"

namespace ctnn {

/// A device whose loops are Thrust algorithms under System's execution policy. System provides
/// `name`, `vector<T>` (its storage), `policy()` (the Thrust execution policy), `gemm(...)` (as
/// the Device concept's), `to_host` and `from_host` (copies between its memory and the host's)
/// `host_memory` and `column_budget`; OmpSystem and CudaSystem are the two. Its
/// kernels are the per-item forms (device/kernels.hpp) on every system, so ThrustOmp runs what
/// the Cuda device runs.
template <class System>
struct ThrustDevice : detail::GenericKernels<ThrustDevice<System>> {
    static constexpr const char* name = System::name;  ///< as reports and benchmarks name the device
    /// System's: whether its tensors can be read in place on the host (ctnn::xview).
    static constexpr bool host_memory = System::host_memory;
    /// Convolution columns built at a time (layers/im2col.hpp).
    static constexpr index_t column_budget = System::column_budget;

    /// @name Device protocol
    ///@{

    /// As the Device concept defines it; runs under System::policy().
    template <class T>
    using storage = typename System::template vector<T>;

    template <class T>
    static T* data(storage<T>& v) {
        return thrust::raw_pointer_cast(v.data());
    }
    template <class T>
    static const T* data(const storage<T>& v) {
        return thrust::raw_pointer_cast(v.data());
    }

    /// `work` (each iteration's size) only guides the Cpu device's threading.
    template <class F>
    static void for_each(index_t n, F f, index_t /*work*/ = 1) {
        thrust::for_each_n(System::policy(), thrust::counting_iterator<index_t>(0), n, f);
    }

    template <class T, class F>
    static T sum(index_t n, F f) {
        return thrust::transform_reduce(System::policy(), thrust::counting_iterator<index_t>(0),
                                        thrust::counting_iterator<index_t>(n), f, T(0),
                                        thrust::plus<T>());
    }

    template <class T>
    static void gemm(Trans ta, Trans tb, index_t m, index_t n, index_t k, T alpha, const T* a,
                     index_t lda, const T* b, index_t ldb, T beta, T* c, index_t ldc) {
        System::gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }
    /// The bf16 GEMM of the Bf16Mixed policy (device/bf16.hpp), where System has one (CudaSystem).
    static void gemm_bf16(Trans ta, Trans tb, index_t m, index_t n, index_t k, float alpha, const float* a,
                          index_t lda, const float* b, index_t ldb, float beta, float* c, index_t ldc)
        requires requires { System::gemm_bf16(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc); }
    {
        System::gemm_bf16(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    template <class T>
    static void fill(T* dst, index_t n, T value) {
        thrust::fill_n(System::policy(), dst, n, value);
    }
    template <class T>
    static void copy(const T* src, index_t n, T* dst) {
        thrust::copy_n(System::policy(), src, n, dst);
    }
    template <class T>
    static void to_host(const T* src, index_t n, T* host) {
        System::to_host(src, n, host);
    }
    template <class T>
    static void from_host(const T* host, index_t n, T* dst) {
        System::from_host(host, n, dst);
    }
    ///@}
};

}  // namespace ctnn
