// What a device provides. Layers are written once against this interface; a network type runs on
// any device that has it (Cpu, ThrustOmp, and the Thrust-based Cuda device).
//
//   template <class T> using storage = ...;              owning buffer in the device's memory
//   static T* data(storage<T>&);                          raw pointer into it
//   static void for_each(index_t n, F f, index_t work = 1); f(i) for i in [0, n), independent;
//                                                         work: elements per f(i), a threading hint
//   static T sum<T>(index_t n, F f);                      sum of f(i) over [0, n)
//   static void gemm(Trans, Trans, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);   row-major
//   static void fill(T*, n, value), copy(src, n, dst);   copy: the ranges do not overlap
//   static void to_host(src, n, host), from_host(host, n, dst);
//   static constexpr index_t column_budget;              convolution columns built at a time
//   static constexpr bool host_loops;                    f runs on host threads (layers may use their stacks)
//
// f is written `[=] CTNN_HD (index_t i) { ... }` over raw pointers: CTNN_HD becomes
// __host__ __device__ under nvcc, so the same lambda runs on the CPU and the GPU.
#pragma once

#include "ctnn/core/config.hpp"

namespace ctnn {

/// Whether a GEMM operand is used as stored or transposed.
enum class Trans { no, yes };

/// The default device (device/cpu.hpp), declared here so that network types can name it as their
/// default without pulling Eigen into translation units for other devices (nvcc's).
struct Cpu;

}  // namespace ctnn
