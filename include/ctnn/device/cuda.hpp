// Cuda: the Thrust device on Thrust's CUDA system, with cuBLAS for GEMMs. Compile with nvcc
// (--extended-lambda); the element-wise code is the same as ThrustOmp's, which CI checks against
// Cpu on machines without a GPU.
#pragma once

#if !defined(__CUDACC__)
#error "ctnn/device/cuda.hpp needs nvcc (the layers' element-wise loops become CUDA kernels)"
#endif

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <limits>
#include <stdexcept>
#include <string>

#include <thrust/device_vector.h>
#include <thrust/system/cuda/execution_policy.h>

#include "ctnn/device/thrust.hpp"

namespace ctnn {

/// A CUDA or cuBLAS call failed, or no GPU can be used; the message names the call and the reason.
struct CudaError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// Thrust's CUDA system, for ThrustDevice: GPU memory, Thrust's CUDA kernels, cuBLAS GEMMs.
struct CudaSystem {
    /// @name System protocol
    ///@{

    /// As ThrustDevice defines it for its System.
    static constexpr const char* name = "cuda";
    /// Its tensors live in GPU memory: xtensor sees them through a copy (ctnn::to_xarray).
    static constexpr bool host_memory = false;
    template <class T>
    using vector = thrust::device_vector<T>;
    static auto policy() { return thrust::cuda::par; }
    ///@}
    /// A whole batch's convolution columns at once: the GPU has the memory, and larger GEMMs.
    static constexpr index_t column_budget = std::numeric_limits<index_t>::max();

    /// @name Error checks
    ///@{

    /// Throws CudaError naming `what` and the reason unless the CUDA or cuBLAS call succeeded.
    static void check(cudaError_t e, const char* what) {
        if (e != cudaSuccess) throw CudaError(std::string("ctnn::Cuda: ") + what + ": " + cudaGetErrorString(e));
    }
    static void check(cublasStatus_t s, const char* what) {
        if (s != CUBLAS_STATUS_SUCCESS)
            throw CudaError(std::string("ctnn::Cuda: ") + what + ": cuBLAS status " + std::to_string(int(s)));
    }
    ///@}
    /// One cuBLAS handle for the process, created on first use.
    static cublasHandle_t blas() {
        static cublasHandle_t handle = [] {
            cublasHandle_t h = nullptr;
            check(cublasCreate(&h), "cublasCreate");
            return h;
        }();
        return handle;
    }

    /// Row-major C = alpha op(A) op(B) + beta C is the column-major C^T = op(B)^T op(A)^T.
    template <class T>
    static void gemm(Trans ta, Trans tb, index_t m, index_t n, index_t k, T alpha, const T* a,
                     index_t lda, const T* b, index_t ldb, T beta, T* c, index_t ldc) {
        if (m == 0 || n == 0) return;
        const auto op = [](Trans t) { return t == Trans::no ? CUBLAS_OP_N : CUBLAS_OP_T; };
        const int M = int(n), N = int(m), K = int(k);
        if constexpr (std::is_same_v<T, float>)
            check(cublasSgemm(blas(), op(tb), op(ta), M, N, K, &alpha, b, int(ldb), a, int(lda), &beta, c, int(ldc)),
                  "cublasSgemm");
        else
            check(cublasDgemm(blas(), op(tb), op(ta), M, N, K, &alpha, b, int(ldb), a, int(lda), &beta, c, int(ldc)),
                  "cublasDgemm");
    }
    /// gemm on float matrices whose entries cuBLAS rounds to bf16, summing in float on the tensor
    /// cores (CUBLAS_COMPUTE_32F_FAST_16BF): the Bf16Mixed policy's product (device/bf16.hpp).
    static void gemm_bf16(Trans ta, Trans tb, index_t m, index_t n, index_t k, float alpha, const float* a,
                          index_t lda, const float* b, index_t ldb, float beta, float* c, index_t ldc) {
        if (m == 0 || n == 0) return;
        const auto op = [](Trans t) { return t == Trans::no ? CUBLAS_OP_N : CUBLAS_OP_T; };
        check(cublasGemmEx(blas(), op(tb), op(ta), int(n), int(m), int(k), &alpha, b, CUDA_R_32F, int(ldb), a,
                           CUDA_R_32F, int(lda), &beta, c, CUDA_R_32F, int(ldc), CUBLAS_COMPUTE_32F_FAST_16BF,
                           CUBLAS_GEMM_DEFAULT),
              "cublasGemmEx (bf16)");
    }
    /// @name Copies
    ///@{

    /// Between GPU and host memory (cudaMemcpy), as ThrustDevice asks of its System.
    template <class T>
    static void to_host(const T* src, index_t n, T* host) {
        if (n) check(cudaMemcpy(host, src, n * sizeof(T), cudaMemcpyDeviceToHost), "copy to host");
    }
    template <class T>
    static void from_host(const T* host, index_t n, T* dst) {
        if (n) check(cudaMemcpy(dst, host, n * sizeof(T), cudaMemcpyHostToDevice), "copy to device");
    }
    ///@}
};

/// The CUDA device: Thrust on one GPU, cuBLAS GEMMs.
using Cuda = ThrustDevice<CudaSystem>;
static_assert(Device<Cuda>);

/// Throws CudaError saying why when this process cannot use a GPU (no driver, a driver older
/// than the runtime, no device), so that a program can refuse --device cuda in words rather than
/// fail at its first allocation.
inline void require_cuda_gpu() {
    int count = 0;
    const cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess)
        throw CudaError(std::string("ctnn::Cuda: no usable CUDA GPU: ") + cudaGetErrorString(e));
    if (count == 0) throw CudaError("ctnn::Cuda: no usable CUDA GPU: the driver reports no device");
}

}  // namespace ctnn
