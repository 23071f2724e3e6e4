// A Cpu with the kernels in their per-item form (device/kernels.hpp), the one the GPU runs: the
// tests check both forms on the CPU.
#pragma once

#include <ctnn/device/cpu.hpp>

namespace ctnn::test {

struct GenericLoopsCpu : detail::CpuLoops, detail::GenericKernels<GenericLoopsCpu> {};

}  // namespace ctnn::test
