// Generated image data for the trainer tests that take a PATH (no real 64x64 or CIFAR data here):
//   make_images npy64 FILE N    uint8 .npy of N x 3 x 64 x 64 (dcgan64)
//   make_images cifar FILE N    a CIFAR-10 binary batch of N records (cifar_mlp_gan)
//   make_images npy28 FILE N    uint8 .npy of N x 1 x 28 x 28 (the digit trainers' tiny runs)
// Pixels are smooth gradients that differ per image; labels are i % 10.
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include <ctnn/data/npy.hpp>
#include <ctnn/io/atomic_file.hpp>

namespace {
template <ctnn::AnyShape S>
std::vector<std::uint8_t> images(ctnn::index_t n) {
    std::vector<std::uint8_t> v(n * S::size);
    const ctnn::index_t channels = S::dims[0], h = S::dims[1], w = S::dims[2];
    for (ctnn::index_t i = 0; i < n; ++i)
        for (ctnn::index_t c = 0; c < channels; ++c)
            for (ctnn::index_t y = 0; y < h; ++y)
                for (ctnn::index_t x = 0; x < w; ++x)
                    v[((i * channels + c) * h + y) * w + x] = static_cast<std::uint8_t>((x * (c + 1) + y * (i % 5 + 1) + 40 * i) % 256);
    return v;
}
}  // namespace

int main(int argc, char** argv) {
    if (argc != 4) {
        std::cerr << "usage: make_images npy64|npy28|cifar FILE N\n";
        return 2;
    }
    const std::string kind = argv[1];
    const std::filesystem::path path = argv[2];
    const auto n = static_cast<ctnn::index_t>(std::stoul(argv[3]));
    if (kind == "npy64") {
        const auto v = images<ctnn::Shape<3, 64, 64>>(n);
        ctnn::data::write_npy<ctnn::Shape<3, 64, 64>>(path, std::span<const std::uint8_t>(v));
    } else if (kind == "npy28") {
        const auto v = images<ctnn::Shape<1, 28, 28>>(n);
        ctnn::data::write_npy<ctnn::Shape<1, 28, 28>>(path, std::span<const std::uint8_t>(v));
    } else if (kind == "cifar") {
        using S = ctnn::Shape<3, 32, 32>;
        const auto v = images<S>(n);
        std::vector<std::uint8_t> records;
        for (ctnn::index_t i = 0; i < n; ++i) {
            records.push_back(static_cast<std::uint8_t>(i % 10));
            records.insert(records.end(), v.begin() + i * S::size, v.begin() + (i + 1) * S::size);
        }
        ctnn::io::write_atomically(path, [&](std::FILE* f) { ctnn::io::write_bytes(f, records.data(), records.size(), path.string()); });
    } else {
        std::cerr << "make_images: unknown kind " << kind << "\n";
        return 2;
    }
    return 0;
}
