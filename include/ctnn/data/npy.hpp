// NumPy .npy files: float32 (or uint8) arrays of shape [N, sample dims...]. Writing goes through
// xtensor's xnpy. Reading does not: xtensor 0.24's reader trusts its input (no truncation check,
// undefined behaviour on some malformed headers) and misreads header lengths whose low byte is
// 0x80 or more (it cannot read back its own files once the header reaches 182 bytes). So the header
// is parsed strictly here and the checked payload copied as is (little-endian host assumed).
#pragma once

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include <xtensor/xadapt.hpp>
#include <xtensor/xnpy.hpp>

#include "ctnn/core/tensor.hpp"
#include "ctnn/data/dataset.hpp"
#include "ctnn/data/file.hpp"
#include "ctnn/io/atomic_file.hpp"

namespace ctnn::data {

namespace detail {

/// What a .npy header's dictionary says.
struct NpyHeader {
    std::string descr;
    bool fortran_order = false;
    std::vector<std::uint64_t> shape;
};

/// Parses the header dictionary, e.g. "{'descr': '<f4', 'fortran_order': False, 'shape': (8, 2), }"
/// followed by space padding and a newline: exactly the three keys, each once, in any order.
inline NpyHeader parse_npy_header(const ByteReader& in, const std::string& text) {
    std::size_t pos = 0;
    const auto bad = [&](const std::string& why) {
        in.fail("malformed .npy header (" + why + " at character " + std::to_string(pos) + "): " + text);
    };
    const auto skip = [&] {
        while (pos < text.size() && text[pos] == ' ') ++pos;
    };
    const auto expect = [&](char c) {
        skip();
        if (pos >= text.size() || text[pos] != c) bad(std::string("expected '") + c + "'");
        ++pos;
    };
    const auto peek = [&](char c) {
        skip();
        return pos < text.size() && text[pos] == c;
    };
    const auto quoted = [&] {
        skip();
        if (pos >= text.size() || (text[pos] != '\'' && text[pos] != '"')) bad("expected a quoted string");
        const char q = text[pos++];
        const std::size_t end = text.find(q, pos);
        if (end == std::string::npos) bad("unterminated string");
        std::string s = text.substr(pos, end - pos);
        pos = end + 1;
        return s;
    };

    NpyHeader h;
    bool seen_descr = false, seen_fortran = false, seen_shape = false;
    expect('{');
    while (!peek('}')) {
        const std::string key = quoted();
        expect(':');
        skip();
        if (key == "descr" && !seen_descr) {
            h.descr = quoted();
            seen_descr = true;
        } else if (key == "fortran_order" && !seen_fortran) {
            if (text.compare(pos, 4, "True") == 0) {
                h.fortran_order = true;
                pos += 4;
            } else if (text.compare(pos, 5, "False") == 0) {
                pos += 5;
            } else {
                bad("fortran_order must be True or False");
            }
            seen_fortran = true;
        } else if (key == "shape" && !seen_shape) {
            expect('(');
            while (!peek(')')) {
                if (pos >= text.size() || text[pos] < '0' || text[pos] > '9') bad("expected a dimension");
                std::uint64_t d = 0;
                for (; pos < text.size() && text[pos] >= '0' && text[pos] <= '9'; ++pos) {
                    if (d > (std::uint64_t(1) << 62) / 10) bad("dimension too large");
                    d = d * 10 + std::uint64_t(text[pos] - '0');
                }
                h.shape.push_back(d);
                if (!peek(')')) expect(',');
            }
            ++pos;
            seen_shape = true;
        } else {
            bad("unexpected or repeated key '" + key + "'");
        }
        if (!peek('}')) expect(',');
    }
    ++pos;
    skip();
    if (pos + 1 != text.size() || text[pos] != '\n') bad("expected spaces then a newline after the dictionary");
    if (!seen_descr || !seen_fortran || !seen_shape) bad("'descr', 'fortran_order' and 'shape' are all required");
    return h;
}

/// numpy's name for T's dtype, as xtensor writes it on a little-endian host.
template <class T>
std::string npy_descr() {
    return std::is_same_v<T, float> ? "<f4" : "|u1";
}

/// A dtype's name as a user knows it: "'<f8' (float64)".
inline std::string npy_dtype_text(const std::string& descr) {
    const std::pair<const char*, const char*> names[] = {
        {"<f4", "float32"}, {"|u1", "uint8"}, {"<f8", "float64"}, {"<f2", "float16"}, {"|i1", "int8"},
        {"<i2", "int16"},   {"<i4", "int32"}, {"<i8", "int64"},   {"<u2", "uint16"},  {">f4", "big-endian float32"}};
    for (const auto& [d, name] : names)
        if (descr == d) return "'" + descr + "' (" + name + ")";
    return "'" + descr + "'";
}

/// Reads a .npy file's magic, version and header, and checks the header (dtype aside: the
/// caller decides which it reads). Returns the header; `data_offset` is where the array begins.
inline NpyHeader read_npy_header(ByteReader& in, std::uint64_t& data_offset) {
    unsigned char magic[8];
    if (in.read(magic, 8) < 8 || std::memcmp(magic, "\x93NUMPY", 6) != 0)
        in.fail("not a .npy file: it does not start with \\x93NUMPY and a version");
    const int major = magic[6], minor = magic[7];
    if ((major != 1 && major != 2) || minor != 0)
        in.fail("unsupported .npy format version " + std::to_string(major) + "." + std::to_string(minor) +
                " (1.0 and 2.0 are read)");
    const std::size_t len_bytes = major == 1 ? 2 : 4;
    unsigned char len[4] = {};
    if (in.read(len, len_bytes) < len_bytes) in.fail("truncated: the file ends inside the .npy header");
    const std::uint64_t header_len =
        std::uint64_t(len[0]) | std::uint64_t(len[1]) << 8 | std::uint64_t(len[2]) << 16 | std::uint64_t(len[3]) << 24;
    // numpy keeps headers short (a few hundred bytes); a longer one is corrupt, not big.
    if (header_len == 0 || header_len > (1 << 16))
        in.fail("implausible .npy header length " + std::to_string(header_len) + " bytes");
    std::string text(header_len, '\0');
    if (in.read(text.data(), header_len) < header_len)
        in.fail("truncated: the header says it is " + std::to_string(header_len) + " bytes long but " + in.has() +
                " " + std::to_string(in.position()) + " bytes");
    data_offset = 8 + len_bytes + header_len;
    NpyHeader h = parse_npy_header(in, text);
    if (h.shape.empty()) in.fail("holds a scalar (shape ()), not an array of samples");
    if (h.fortran_order && h.shape.size() > 1)
        in.fail("fortran_order is True: only C-order (row-major) arrays are read");
    return h;
}

/// The samples of S in the array `h` describes, whose values are T (its dtype checked by the caller).
template <AnyShape S, class T>
Dataset<S, T> read_npy_samples(ByteReader& in, const NpyHeader& h, std::uint64_t data_offset) {
    std::uint64_t count = 1;
    for (std::size_t i = 0; i < h.shape.size(); ++i) {
        if (h.shape[i] == 0)
            in.fail("impossible shape " + dims_str(h.shape) + ": dimension " + std::to_string(i) + " is zero");
        if (count > (std::uint64_t(1) << 62) / sizeof(T) / h.shape[i])
            in.fail("impossible shape " + dims_str(h.shape) + ": more than 2^62 bytes of data");
        count *= h.shape[i];
    }
    check_sample_shape<S>(in, std::span<const std::uint64_t>(h.shape.data() + 1, h.shape.size() - 1));
    const std::vector<std::uint8_t> payload =
        read_payload(in, data_offset, count * sizeof(T), "header says shape " + dims_str(h.shape) + " of " + h.descr);
    Dataset<S, T> out;
    out.samples.resize(count);
    std::memcpy(out.samples.data(), payload.data(), payload.size());
    return out;
}

}  // namespace detail

/// The array in a .npy file as samples of S: its shape must be [N, sample dims...] with the sample
/// dims fitting S (see sample_shape_fits), and its dtype T's (float32 '<f4' or uint8 '|u1').
template <AnyShape S, class T = float>
Dataset<S, T> read_npy(const std::filesystem::path& path) {
    static_assert(std::is_same_v<T, float> || std::is_same_v<T, std::uint8_t>,
                  "ctnn: read_npy reads float32 or uint8 arrays");
    ByteReader in(path);
    std::uint64_t offset = 0;
    const detail::NpyHeader h = detail::read_npy_header(in, offset);
    if (h.descr != detail::npy_descr<T>())
        in.fail("dtype " + detail::npy_dtype_text(h.descr) + " where " + detail::npy_dtype_text(detail::npy_descr<T>()) +
                " was asked for");
    return detail::read_npy_samples<S, T>(in, h, offset);
}

/// Images in a .npy file as floats in [0, 1], whichever of the two ways images are stored it
/// holds: float32 ('<f4', values already in [0, 1]) or uint8 ('|u1', 0-255, divided by 255).
template <AnyShape S>
Dataset<S, float> read_npy_images(const std::filesystem::path& path) {
    ByteReader in(path);
    std::uint64_t offset = 0;
    const detail::NpyHeader h = detail::read_npy_header(in, offset);
    if (h.descr == detail::npy_descr<float>()) return detail::read_npy_samples<S, float>(in, h, offset);
    if (h.descr != detail::npy_descr<std::uint8_t>())
        in.fail("dtype " + detail::npy_dtype_text(h.descr) +
                ": images are read as float32 ('<f4', values in [0, 1]) or uint8 ('|u1', 0-255); convert with "
                "numpy's a.astype(np.float32)");
    const Dataset<S, std::uint8_t> bytes = detail::read_npy_samples<S, std::uint8_t>(in, h, offset);
    Dataset<S, float> out;
    out.samples.resize(bytes.samples.size());
    for (std::size_t i = 0; i < bytes.samples.size(); ++i) out.samples[i] = bytes.samples[i] / 255.0f;
    return out;
}

/// Writes values (whole samples of S, one after the other) as a C-order .npy array of shape
/// [N, S dims...], e.g. float32 N x C x H x W for images; atomically (io::write_atomically).
template <AnyShape S, class T>
void write_npy(const std::filesystem::path& path, std::span<const T> values) {
    if (values.size() % S::size != 0)
        throw DataError(path.string() + ": cannot write " + std::to_string(values.size()) +
                        " values: not a whole number of samples of shape " + S::str(false));
    std::vector<std::size_t> shape{values.size() / S::size};
    shape.insert(shape.end(), S::dims.begin(), S::dims.end());
    const std::string bytes = xt::dump_npy(xt::adapt(values.data(), values.size(), xt::no_ownership(), shape));
    io::write_atomically(path, [&](std::FILE* f) { io::write_bytes(f, bytes.data(), bytes.size(), path.string()); });
}

/// Writes a data set's samples (not its labels) as write_npy of its values does.
template <AnyShape S, class T>
void write_npy(const std::filesystem::path& path, const Dataset<S, T>& data) {
    write_npy<S>(path, std::span<const T>(data.samples));
}

/// A tensor's batch, copied to the host first.
template <AnyShape S, class Dev, class T>
void write_npy(const std::filesystem::path& path, const Tensor<S, Dev, T>& t) {
    const std::vector<T> host = t.to_host();
    write_npy<S>(path, std::span<const T>(host));
}

}  // namespace ctnn::data
