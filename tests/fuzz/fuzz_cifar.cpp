// libFuzzer target: the CIFAR-10 reader (raw and gzip) on arbitrary bytes.
#include <ctnn/data/cifar.hpp>

#include "fuzz_target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    ctnn::fuzz::run(data, size, [](const auto& p) { (void)ctnn::data::read_cifar10(p); });
    return 0;
}
