// ctnn: compile-time, statically shaped neural networks.
// Build-wide definitions shared by every header.
#pragma once

#include <cstddef>

// Functions that element-wise kernels call must compile for the host and, under nvcc, for the
// device; g++ and clang do not know the CUDA keywords, so they expand to nothing there.
#if defined(__CUDACC__)
#define CTNN_HD __host__ __device__
#else
#define CTNN_HD
#endif

/// ctnn: compile-time, statically shaped neural networks. Layers (Linear, Conv2d, ...) compose
/// into a Sequential whose shapes the compiler checks; Network runs it on a Device; the
/// optimisers, losses and trainers (Gan, Vae) work on a Network. The sub-namespaces hold what
/// surrounds training: data, io, logging, metrics, viz.
namespace ctnn {

/// Sizes and indices. Batch sizes are run-time values; sample sizes are compile-time constants.
using index_t = std::size_t;

}  // namespace ctnn
