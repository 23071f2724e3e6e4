// A Cpu whose loops claim not to run on host threads: layers then take the paths written for the
// GPU (per-element items, no stack buffers), so the tests can check both paths on the CPU.
#pragma once

#include <ctnn/device/cpu.hpp>

namespace ctnn::test {

struct GenericLoopsCpu : Cpu {
    static constexpr bool host_loops = false;
};

}  // namespace ctnn::test
