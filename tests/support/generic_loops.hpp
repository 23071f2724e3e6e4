// A Cpu with the kernels in their per-item form (device/kernels.hpp), the one the GPU runs: the
// tests check both forms on the CPU.
#pragma once

#include <ctnn/device/cpu.hpp>
#include <ctnn/device/kernels.hpp>

namespace ctnn::test {

struct GenericLoopsCpu : ctnn::detail::CpuLoops, ctnn::detail::GenericKernels<GenericLoopsCpu> {};

}  // namespace ctnn::test
