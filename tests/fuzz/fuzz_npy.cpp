// libFuzzer target: the .npy reader (float32 and uint8) on arbitrary bytes.
#include <ctnn/data/npy.hpp>

#include "fuzz_target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace ctnn;
    fuzz::run(data, size, [](const auto& p) { (void)data::read_npy<Shape<3>>(p); });
    fuzz::run(data, size, [](const auto& p) { (void)data::read_npy<Shape<2, 2>, std::uint8_t>(p); });
    return 0;
}
