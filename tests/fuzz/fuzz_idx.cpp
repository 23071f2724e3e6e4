// libFuzzer target: the IDX readers (raw and gzip) on arbitrary bytes.
#include <ctnn/data/idx.hpp>

#include "fuzz_target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace ctnn;
    fuzz::run(data, size, [](const auto& p) { (void)data::read_idx_labels(p); });
    fuzz::run(data, size, [](const auto& p) { (void)data::read_idx_images<Shape<1, 4, 3>>(p); });
    fuzz::run(data, size, [](const auto& p) { (void)data::read_idx_images<Shape<1, 28, 28>>(p); });
    return 0;
}
