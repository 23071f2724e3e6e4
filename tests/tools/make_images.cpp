// Generated image data for the trainer tests that take a PATH (no real 64x64 or CIFAR data here):
//   make_images npy64 FILE N    uint8 .npy of N x 3 x 64 x 64 (dcgan64)
//   make_images cifar FILE N    a CIFAR-10 binary batch of N records (cifar_mlp_gan)
//   make_images npy28 FILE N    uint8 .npy of N x 1 x 28 x 28 (the digit trainers' tiny runs)
// Pixels are smooth gradients that differ per image; labels are i % 10.
//   make_images mnist DIR N M   the first N training and M test digits of the real MNIST
//                               (data/mnist, scripts/prepare-data.sh) as IDX files in DIR/mnist:
//                               the small real set the digit trainers' tests use ($CTNN_DATA_DIR)
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include <ctnn/data/datasets.hpp>
#include <ctnn/data/npy.hpp>
#include <ctnn/io/atomic_file.hpp>

#include "support/data_files.hpp"

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

void write_file(const std::filesystem::path& path, const ctnn::test::Bytes& bytes) {
    ctnn::io::write_atomically(path, [&](std::FILE* f) { ctnn::io::write_bytes(f, bytes.data(), bytes.size(), path.string()); });
}

/// The first n digits of a split, as the IDX pair `prefix`-images-idx3-ubyte and -labels-idx1-ubyte.
void write_mnist_prefix(const std::filesystem::path& dir, const std::string& prefix, ctnn::data::Split split, std::uint32_t n) {
    using S = ctnn::Shape<28, 28>;
    const auto digits = ctnn::data::mnist_digits<S>(split);
    if (n > digits.size()) throw std::invalid_argument("make_images: MNIST has only " + std::to_string(digits.size()) + " " + prefix + " digits");
    write_file(dir / (prefix + "-images-idx3-ubyte"),
               ctnn::test::idx_file({n, 28, 28}, ctnn::test::Bytes(digits.samples.begin(), digits.samples.begin() + n * S::size)));
    write_file(dir / (prefix + "-labels-idx1-ubyte"),
               ctnn::test::idx_file({n}, ctnn::test::Bytes(digits.labels.begin(), digits.labels.begin() + n)));
}
}  // namespace

int main(int argc, char** argv) {
    if (argc == 5 && std::string(argv[1]) == "mnist") {
        try {
            const std::filesystem::path dir = std::filesystem::path(argv[2]) / "mnist";
            std::filesystem::create_directories(dir);
            write_mnist_prefix(dir, "train", ctnn::data::Split::train, static_cast<std::uint32_t>(std::stoul(argv[3])));
            write_mnist_prefix(dir, "t10k", ctnn::data::Split::test, static_cast<std::uint32_t>(std::stoul(argv[4])));
            return 0;
        } catch (const std::exception& e) {
            std::cerr << "make_images: " << e.what() << "\n";
            return 1;
        }
    }
    if (argc != 4) {
        std::cerr << "usage: make_images npy64|npy28|cifar FILE N, or make_images mnist DIR N M\n";
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
