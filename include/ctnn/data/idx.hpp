// IDX files (MNIST, Fashion-MNIST), raw or gzip-compressed: unsigned-byte images and labels.
//
// Format: two zero bytes, a dtype byte (0x08: unsigned byte), the number of dimensions, then each
// dimension as a big-endian uint32, then the values row-major. Images are [count, rows, cols],
// labels [count]. Everything the header says is checked against the file before it is believed.
#pragma once

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "ctnn/data/dataset.hpp"
#include "ctnn/data/file.hpp"

namespace ctnn::data {

namespace detail {

inline std::string hex32(std::uint32_t v) {
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string s = "0x";
    for (int shift = 28; shift >= 0; shift -= 4) s += digits[(v >> shift) & 0xF];
    return s;
}

struct IdxHeader {
    std::vector<std::uint64_t> dims;  ///< dims[0]: the number of items
    std::uint64_t header_bytes = 0;
    std::uint64_t data_bytes = 0;  ///< the product of dims (one byte per value)
};

/// Reads and checks the header of an unsigned-byte IDX file whose dimension count must lie in
/// [min_rank, max_rank]; `what` ("image", "label") and `magic` (the usual magic number) word the
/// message when it does not.
inline IdxHeader read_idx_header(ByteReader& in, std::size_t min_rank, std::size_t max_rank,
                                 const std::string& what, std::uint32_t magic) {
    unsigned char m[4];
    if (const std::size_t got = in.read(m, 4); got < 4)
        in.fail("truncated: " + in.has() + " " + std::to_string(got) +
                " bytes, too few for an IDX header (a 4-byte magic number first)");
    const std::uint32_t found = std::uint32_t(m[0]) << 24 | std::uint32_t(m[1]) << 16 | std::uint32_t(m[2]) << 8 | m[3];
    if (m[0] != 0 || m[1] != 0)
        in.fail("not an IDX file: magic number " + hex32(found) + " (an IDX " + what + " file starts with " +
                hex32(magic) + ")");
    if (m[2] != 0x08) {
        const char* name = m[2] == 0x09 ? "signed byte" : m[2] == 0x0B ? "int16" : m[2] == 0x0C ? "int32"
                         : m[2] == 0x0D ? "float32" : m[2] == 0x0E ? "float64" : nullptr;
        if (!name) in.fail("not an IDX file: invalid dtype byte 0x" + hex32(m[2]).substr(8) + " in magic number " + hex32(found));
        in.fail(std::string("unsupported IDX dtype ") + name + " (magic number " + hex32(found) +
                "): ctnn reads unsigned-byte (0x08) images and labels");
    }
    const std::size_t rank = m[3];
    if (rank < min_rank || rank > max_rank)
        in.fail("an IDX " + what + " file has " +
                (min_rank == max_rank ? std::to_string(min_rank) : "at least " + std::to_string(min_rank)) +
                " dimension" + (max_rank > 1 ? "s" : "") + " (magic number " + hex32(magic) + ") but this one has " +
                std::to_string(rank) + " (magic number " + hex32(found) + ")");

    IdxHeader h;
    h.header_bytes = 4 + 4 * rank;
    std::vector<unsigned char> raw(4 * rank);
    if (const std::size_t got = in.read(raw.data(), raw.size()); got < raw.size())
        in.fail("truncated header: " + std::to_string(rank) + (rank == 1 ? " dimension needs " : " dimensions need ") +
                std::to_string(h.header_bytes) + " header bytes but " + in.has() + " " + std::to_string(4 + got));
    for (std::size_t i = 0; i < rank; ++i)
        h.dims.push_back(std::uint64_t(raw[4 * i]) << 24 | std::uint64_t(raw[4 * i + 1]) << 16 |
                         std::uint64_t(raw[4 * i + 2]) << 8 | raw[4 * i + 3]);

    constexpr std::uint64_t limit = std::uint64_t(1) << 62;  // far beyond any file, far from overflow
    h.data_bytes = 1;
    for (std::size_t i = 0; i < rank; ++i) {
        if (h.dims[i] == 0)
            in.fail("impossible dimensions " + dims_str(h.dims) + ": dimension " + std::to_string(i) + " is zero");
        if (h.data_bytes > limit / h.dims[i])
            in.fail("impossible dimensions " + dims_str(h.dims) + ": more than 2^62 bytes of data");
        h.data_bytes *= h.dims[i];
    }
    return h;
}

}  // namespace detail

/// The images of an IDX file (e.g. MNIST's train-images-idx3-ubyte[.gz]) as samples of S, the
/// network's input shape: the file's sample shape must fit S (see sample_shape_fits). Values stay
/// bytes in [0, 255]; the loader scales them.
template <AnyShape S>
Dataset<S> read_idx_images(const std::filesystem::path& path) {
    ByteReader in(path);
    const detail::IdxHeader h = detail::read_idx_header(in, 2, 255, "image", 0x00000803);
    const std::span<const std::uint64_t> sample(h.dims.data() + 1, h.dims.size() - 1);
    check_sample_shape<S>(in, sample);
    std::string dims;
    for (std::uint64_t d : sample) dims += (dims.empty() ? "" : "x") + std::to_string(d);
    Dataset<S> out;
    out.samples = read_payload(in, h.header_bytes, h.data_bytes,
                               "header says " + std::to_string(h.dims[0]) + " images of " + dims);
    return out;
}

/// The labels of an IDX file (e.g. train-labels-idx1-ubyte[.gz]), each checked to lie in
/// [0, classes).
inline std::vector<std::int32_t> read_idx_labels(const std::filesystem::path& path, int classes = 10) {
    ByteReader in(path);
    const detail::IdxHeader h = detail::read_idx_header(in, 1, 1, "label", 0x00000801);
    const std::vector<std::uint8_t> bytes =
        read_payload(in, h.header_bytes, h.data_bytes, "header says " + std::to_string(h.dims[0]) + " labels");
    std::vector<std::int32_t> labels(bytes.begin(), bytes.end());
    for (std::size_t i = 0; i < labels.size(); ++i)
        if (labels[i] >= classes)
            in.fail("label " + std::to_string(labels[i]) + " at index " + std::to_string(i) + " is outside [0, " +
                    std::to_string(classes) + ")");
    return labels;
}

/// Images and their labels, from two IDX files that must hold the same number of items.
template <AnyShape S>
Dataset<S> read_idx(const std::filesystem::path& images, const std::filesystem::path& labels, int classes = 10) {
    Dataset<S> out = read_idx_images<S>(images);
    out.labels = read_idx_labels(labels, classes);
    if (out.labels.size() != out.size())
        throw DataError(labels.string() + ": holds " + std::to_string(out.labels.size()) + " labels but " +
                        images.string() + " holds " + std::to_string(out.size()) + " images");
    return out;
}

}  // namespace ctnn::data
