// CIFAR-10 binary batches (data_batch_1.bin ... test_batch.bin), raw or gzip-compressed.
//
// Each record is 1 label byte (0-9) then 3072 pixel bytes: the 32x32 red plane, then green, then
// blue, row-major; that is a [3, 32, 32] sample as PyTorch lays it out.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "ctnn/data/dataset.hpp"
#include "ctnn/data/file.hpp"

namespace ctnn::data {

/// Appends the records of one file in CIFAR-10's binary layout generalised to any sample shape S
/// ("CIFAR-style"): each record is 1 label byte (0-9) then S::size pixel bytes, planes in C, H, W
/// order. CIFAR-10 itself is S = Shape<3, 32, 32>; 64x64 RGB data is Shape<3, 64, 64>.
template <AnyShape S>
void append_labelled_records(const std::filesystem::path& path, Dataset<S>& out) {
    constexpr std::size_t record_bytes = 1 + S::size;
    ByteReader in(path);
    // A raw file's size is known: reserve once and report a bad size before reading.
    const std::uint64_t bytes = in.gzip() ? 0 : in.file_size();
    const auto bad_size = [&](std::uint64_t n) {
        std::string msg = "size " + std::to_string(n) + " bytes" + (in.gzip() ? " (decompressed)" : "") +
                          " is not a whole number of records of shape " + S::str(false) + " (1 label byte + " +
                          std::to_string(S::size) + " pixel bytes = " + std::to_string(record_bytes) +
                          " bytes each): " + std::to_string(n / record_bytes) + " records and " +
                          std::to_string(n % record_bytes) + " bytes left over";
        if (S::size == 3 * 32 * 32 && n % (record_bytes + 1) == 0) msg += " (a multiple of 3074: a CIFAR-100 file?)";
        in.fail(msg);
    };
    if (!in.gzip() && bytes % record_bytes != 0) bad_size(bytes);
    out.samples.reserve(out.samples.size() + bytes / record_bytes * S::size);
    out.labels.reserve(out.labels.size() + bytes / record_bytes);

    std::vector<std::uint8_t> record(record_bytes);
    for (std::uint64_t i = 0;; ++i) {
        const std::size_t got = in.read(record.data(), record.size());
        if (got == 0) break;
        if (got < record.size()) bad_size(in.position() + in.count_rest());
        if (record[0] > 9)
            in.fail("record " + std::to_string(i) + ": label " + std::to_string(record[0]) + " is not a class 0-9");
        out.labels.push_back(record[0]);
        out.samples.insert(out.samples.end(), record.begin() + 1, record.end());
    }
}

/// Appends the records of one CIFAR-10 batch file to out.
template <AnyShape S>
void append_cifar10(const std::filesystem::path& path, Dataset<S>& out) {
    static constexpr std::array<std::uint64_t, 3> cifar_shape{3, 32, 32};
    static_assert(sample_shape_fits<S>(cifar_shape),
                  "ctnn: CIFAR-10 samples are [3, 32, 32]: the network's input must be Shape<3, 32, 32> or "
                  "Shape<3072>");
    append_labelled_records<S>(path, out);
}

/// The records of CIFAR-10 batch files, in the order given, as labelled samples of S
/// (Shape<3, 32, 32>, or Shape<3072> for the seeds' flat MLPs).
template <AnyShape S = Shape<3, 32, 32>>
Dataset<S> read_cifar10(const std::vector<std::filesystem::path>& paths) {
    Dataset<S> out;
    for (const auto& p : paths) append_cifar10<S>(p, out);
    return out;
}

/// The records of one CIFAR-10 batch file.
template <AnyShape S = Shape<3, 32, 32>>
Dataset<S> read_cifar10(const std::filesystem::path& path) {
    return read_cifar10<S>(std::vector<std::filesystem::path>{path});
}

}  // namespace ctnn::data
