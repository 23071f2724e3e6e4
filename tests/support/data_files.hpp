// Builds data files byte by byte (valid ones and each kind of broken one) for the reader tests and
// the fuzzers' seed corpus.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <zlib.h>

namespace ctnn::test {

using Bytes = std::vector<unsigned char>;

/// An unsigned-byte IDX file: magic 0x0000 08 <rank>, big-endian dims, then the values.
inline Bytes idx_file(const std::vector<std::uint32_t>& dims, const Bytes& values) {
    Bytes b{0, 0, 0x08, static_cast<unsigned char>(dims.size())};
    for (std::uint32_t d : dims)
        for (int shift = 24; shift >= 0; shift -= 8) b.push_back(static_cast<unsigned char>(d >> shift));
    b.insert(b.end(), values.begin(), values.end());
    return b;
}

/// n images of rows x cols whose pixel j of image i is (i * 7 + j) % 256, and labels i % 10.
inline Bytes idx_images(std::uint32_t n, std::uint32_t rows, std::uint32_t cols) {
    Bytes v(std::size_t(n) * rows * cols);
    for (std::size_t k = 0; k < v.size(); ++k) v[k] = static_cast<unsigned char>((k / (rows * cols) * 7 + k % (rows * cols)) % 256);
    return idx_file({n, rows, cols}, v);
}
inline Bytes idx_labels(std::uint32_t n) {
    Bytes v(n);
    for (std::uint32_t i = 0; i < n; ++i) v[i] = static_cast<unsigned char>(i % 10);
    return idx_file({n}, v);
}

/// data gzip-compressed, as `gzip` would write it.
inline Bytes gzip(const Bytes& data) {
    z_stream z{};
    if (deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        throw std::runtime_error("deflateInit2 failed");
    Bytes out(deflateBound(&z, data.size()));
    z.next_in = const_cast<unsigned char*>(data.data());
    z.avail_in = static_cast<uInt>(data.size());
    z.next_out = out.data();
    z.avail_out = static_cast<uInt>(out.size());
    const int r = deflate(&z, Z_FINISH);
    out.resize(z.total_out);
    deflateEnd(&z);
    if (r != Z_STREAM_END) throw std::runtime_error("deflate failed");
    return out;
}

/// n CIFAR-10 records: label i % 10, then 3072 pixel bytes (i + j) % 256.
inline Bytes cifar_file(std::size_t n) {
    Bytes b;
    for (std::size_t i = 0; i < n; ++i) {
        b.push_back(static_cast<unsigned char>(i % 10));
        for (std::size_t j = 0; j < 3072; ++j) b.push_back(static_cast<unsigned char>((i + j) % 256));
    }
    return b;
}

/// A version 1.0 .npy file with the given header dictionary (padded as numpy pads it) and payload.
inline Bytes npy_file(const std::string& dict, const Bytes& payload) {
    std::string header = dict;
    while ((10 + header.size() + 1) % 64 != 0) header += ' ';
    header += '\n';
    const std::string head = std::string("\x93NUMPY\x01\x00", 8) + static_cast<char>(header.size() & 0xFF) +
                             static_cast<char>(header.size() >> 8) + header;
    Bytes b(head.begin(), head.end());
    b.insert(b.end(), payload.begin(), payload.end());
    return b;
}

inline void write_file(const std::filesystem::path& path, const Bytes& bytes) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!f) throw std::runtime_error("cannot write " + path.string());
}

}  // namespace ctnn::test
