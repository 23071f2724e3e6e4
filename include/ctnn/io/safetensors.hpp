// The safetensors format (https://huggingface.co/docs/safetensors): an 8-byte little-endian header
// length, a JSON header naming each tensor's dtype, shape and byte range, then the bytes. PyTorch
// users read it with a few lines of Python (tests/reference/read_safetensors.py). Reading validates
// everything; writing is atomic and adds a checksum of the whole file (every tensor's name, dtype,
// shape, byte range and bytes, and every metadata entry) to the metadata, so that a corrupt file,
// header included, is told apart from a truncated file or a mismatched network.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ctnn/io/atomic_file.hpp"

namespace ctnn::io {

/// A checkpoint or tensor file that cannot be used; the message names the file and says whether
/// it is missing, truncated, corrupt or does not match what it is loaded into.
struct FormatError : IoError {
    using IoError::IoError;
};

/// The element types ctnn stores, by their safetensors names.
enum class DType { F32, F64, I64, I32, U8 };

/// The safetensors name ("F32", ...).
inline const char* dtype_name(DType d) {
    switch (d) {
        case DType::F32: return "F32";
        case DType::F64: return "F64";
        case DType::I64: return "I64";
        case DType::I32: return "I32";
        case DType::U8: return "U8";
    }
    return "?";
}
/// Bytes per element.
inline std::size_t dtype_size(DType d) {
    switch (d) {
        case DType::F32: case DType::I32: return 4;
        case DType::F64: case DType::I64: return 8;
        case DType::U8: return 1;
    }
    return 0;
}
/// The DType of C++ type T; a type without one is a compile error.
template <class T>
constexpr DType dtype_of() {
    if constexpr (std::is_same_v<T, float>) return DType::F32;
    else if constexpr (std::is_same_v<T, double>) return DType::F64;
    else if constexpr (std::is_same_v<T, std::int64_t>) return DType::I64;
    else if constexpr (std::is_same_v<T, std::int32_t>) return DType::I32;
    else {
        static_assert(std::is_same_v<T, std::uint8_t>, "ctnn: no safetensors dtype for this type");
        return DType::U8;
    }
}

/// One tensor of a safetensors file: its element type, shape and raw little-endian bytes.
struct StoredTensor {
    DType dtype = DType::F32;          ///< element type
    std::vector<std::int64_t> shape;   ///< dimensions, outermost first
    std::vector<std::uint8_t> bytes;   ///< elements() * dtype_size(dtype) bytes, C order

    /// The product of the dimensions (1 for a scalar's empty shape).
    std::size_t elements() const {
        std::size_t n = 1;
        for (auto d : shape) n *= static_cast<std::size_t>(d);
        return n;
    }
};

namespace detail {
inline constexpr std::uint64_t fnv1a_basis = 14695981039346656037ull;
/// FNV-1a, 64 bit: cheap, dependency-free, and enough to notice flipped bytes.
inline std::uint64_t fnv1a(const std::uint8_t* p, std::size_t n, std::uint64_t h = fnv1a_basis) {
    for (std::size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
    return h;
}
inline std::string shape_text(const std::vector<std::int64_t>& s) {
    std::string t = "[";
    for (std::size_t i = 0; i < s.size(); ++i) t += (i ? ", " : "") + std::to_string(s[i]);
    return t + "]";
}
}  // namespace detail

/// Named tensors plus string metadata, as one safetensors file holds them.
class SafeTensors {
public:
    /// The checksum of the whole file, header included (see checksum()).
    static constexpr const char* checksum_key = "ctnn.checksum.fnv1a64.file";
    /// Older files' checksum, of the tensor bytes alone; still verified when a file has it.
    static constexpr const char* bytes_checksum_key = "ctnn.checksum.fnv1a64";

    std::map<std::string, StoredTensor> tensors;  ///< sorted: files are byte-for-byte reproducible
    std::map<std::string, std::string> metadata;  ///< the header's "__metadata__" strings

    /// Stores n values from data as tensor `name` of the given shape, replacing one of that name;
    /// throws std::invalid_argument when the shape does not hold n values.
    template <class T>
    void put(const std::string& name, std::vector<std::int64_t> shape, const T* data, std::size_t n) {
        StoredTensor t{dtype_of<T>(), std::move(shape), {}};
        if (t.elements() != n)
            throw std::invalid_argument("ctnn::io::SafeTensors::put(" + name + "): shape " +
                                        detail::shape_text(t.shape) + " does not hold " +
                                        std::to_string(n) + " values");
        t.bytes.resize(n * sizeof(T));
        if (n) std::memcpy(t.bytes.data(), data, n * sizeof(T));
        tensors[name] = std::move(t);
    }

    /// Whether a tensor of that name is stored.
    bool has(const std::string& name) const { return tensors.count(name) != 0; }

    /// Copies tensor `name` into out[0..n), checking its dtype and element count.
    template <class T>
    void get(const std::string& name, T* out, std::size_t n) const {
        const auto& t = tensors.at(name);
        if (t.dtype != dtype_of<T>() || t.elements() != n)
            throw std::logic_error("ctnn::io::SafeTensors::get(" + name + "): checked access failed");
        if (n) std::memcpy(out, t.bytes.data(), n * sizeof(T));
    }

    /// Writes the file atomically (see write_atomically).
    void save(const std::filesystem::path& path) const {
        nlohmann::ordered_json header;
        std::uint64_t offset = 0;
        for (const auto& [name, t] : tensors) {
            header[name] = {{"dtype", dtype_name(t.dtype)},
                            {"shape", t.shape},
                            {"data_offsets", {offset, offset + t.bytes.size()}}};
            offset += t.bytes.size();
        }
        auto meta = metadata;
        meta.erase(checksum_key);
        meta[checksum_key] = std::to_string(checksum());
        header["__metadata__"] = meta;
        std::string text = header.dump();
        text.append((8 - text.size() % 8) % 8, ' ');  // keeps the data 8-byte aligned, as the format allows
        const std::uint64_t size = text.size();
        std::uint8_t le[8];
        for (int i = 0; i < 8; ++i) le[i] = static_cast<std::uint8_t>(size >> (8 * i));
        write_atomically(path, [&](std::FILE* f) {
            write_bytes(f, le, 8, path.string());
            write_bytes(f, text.data(), text.size(), path.string());
            for (const auto& [name, t] : tensors) write_bytes(f, t.bytes.data(), t.bytes.size(), path.string());
        });
    }

    /// Reads and validates a whole file. Throws FormatError naming the file and the problem.
    static SafeTensors load(const std::filesystem::path& path) {
        const std::string file = path.string();
        std::error_code ec;
        if (!std::filesystem::exists(path, ec)) throw FormatError(file + ": no such file");
        if (std::filesystem::is_directory(path, ec)) throw FormatError(file + ": is a directory, not a file");
        std::ifstream in(path, std::ios::binary);
        if (!in) throw FormatError(file + ": cannot open for reading");
        // One read of the whole file: a checkpoint with Adam's state is 100 MB and more, which an
        // istreambuf_iterator copied a byte at a time (the slowest part of a trainer's --resume).
        const std::uintmax_t size = std::filesystem::file_size(path, ec);
        if (ec) throw FormatError(file + ": cannot read its size (" + ec.message() + ")");
        std::vector<std::uint8_t> all(static_cast<std::size_t>(size));
        if (!in.read(reinterpret_cast<char*>(all.data()), static_cast<std::streamsize>(all.size())))
            throw FormatError(file + ": cannot read its " + std::to_string(all.size()) + " bytes (" +
                              std::to_string(in.gcount()) + " read)");
        if (all.size() < 8)
            throw FormatError(file + ": truncated: " + std::to_string(all.size()) +
                              " bytes, less than the 8-byte header length");
        std::uint64_t hsize = 0;
        for (int i = 0; i < 8; ++i) hsize |= std::uint64_t{all[i]} << (8 * i);
        if (hsize > all.size() - 8)
            throw FormatError(file + ": truncated: the header alone should be " + std::to_string(hsize) +
                              " bytes but only " + std::to_string(all.size() - 8) + " follow");
        nlohmann::json header;
        try {
            header = nlohmann::json::parse(all.begin() + 8, all.begin() + 8 + static_cast<std::ptrdiff_t>(hsize));
        } catch (const nlohmann::json::exception& e) {
            throw FormatError(file + ": corrupt: the header is not valid JSON (" + e.what() + ")");
        }
        if (!header.is_object()) throw FormatError(file + ": corrupt: the header is not a JSON object");
        const std::uint8_t* data = all.data() + 8 + hsize;
        const std::uint64_t data_size = all.size() - 8 - hsize;
        SafeTensors st;
        std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
        for (const auto& [name, entry] : header.items()) {
            if (name == "__metadata__") {
                if (!entry.is_object()) throw FormatError(file + ": corrupt: __metadata__ is not an object");
                for (const auto& [k, v] : entry.items()) {
                    if (!v.is_string()) throw FormatError(file + ": corrupt: metadata " + k + " is not a string");
                    st.metadata[k] = v.get<std::string>();
                }
                continue;
            }
            st.tensors[name] = parse_entry(file, name, entry, data, data_size, ranges);
        }
        // The format requires the byte buffer to be covered exactly, without holes or overlaps.
        std::sort(ranges.begin(), ranges.end());
        std::uint64_t at = 0;
        for (const auto& [b, e] : ranges) {
            if (b != at) throw FormatError(file + ": corrupt: tensor byte ranges overlap or leave a hole at " + std::to_string(at));
            at = e;
        }
        if (at < data_size)
            throw FormatError(file + ": corrupt: " + std::to_string(data_size - at) + " bytes after the last tensor");
        if (auto it = st.metadata.find(checksum_key); it != st.metadata.end()) {
            const std::string stored = it->second;
            st.metadata.erase(it);
            if (std::to_string(st.checksum()) != stored)
                throw FormatError(file + ": corrupt: the header or the tensor data does not match the file's checksum");
            st.checksummed = true;
        } else if (auto old = st.metadata.find(bytes_checksum_key); old != st.metadata.end()) {
            std::uint64_t sum = detail::fnv1a_basis;
            for (const auto& [name, t] : st.tensors) sum = detail::fnv1a(t.bytes.data(), t.bytes.size(), sum);
            if (std::to_string(sum) != old->second)
                throw FormatError(file + ": corrupt: the tensor data does not match its checksum");
            st.metadata.erase(old);
        }
        return st;
    }

    /// True after load() when the file carried the whole-file checksum and matched it (files
    /// written by older versions, or by other programs, have none).
    bool checksummed = false;

    /// FNV-1a over a canonical form of everything the file says: each metadata entry (sorted, the
    /// checksum's own excluded), then each tensor (sorted by name) with its dtype, shape, byte
    /// range and bytes. A byte changed anywhere in the header either breaks its JSON or changes
    /// one of these (only the padding's spaces are free).
    std::uint64_t checksum() const {
        std::uint64_t h = detail::fnv1a_basis;
        const auto text = [&](const std::string& s) {
            const std::uint64_t n = s.size();
            h = detail::fnv1a(reinterpret_cast<const std::uint8_t*>(&n), sizeof n, h);
            h = detail::fnv1a(reinterpret_cast<const std::uint8_t*>(s.data()), s.size(), h);
        };
        for (const auto& [k, v] : metadata)
            if (k != checksum_key) {
                text(k);
                text(v);
            }
        std::uint64_t offset = 0;
        for (const auto& [name, t] : tensors) {
            text(name);
            text(dtype_name(t.dtype));
            text(detail::shape_text(t.shape));
            text(std::to_string(offset) + "," + std::to_string(offset + t.bytes.size()));
            offset += t.bytes.size();
            h = detail::fnv1a(t.bytes.data(), t.bytes.size(), h);
        }
        return h;
    }

private:
    static StoredTensor parse_entry(const std::string& file, const std::string& name,
                                    const nlohmann::json& e, const std::uint8_t* data,
                                    std::uint64_t data_size,
                                    std::vector<std::pair<std::uint64_t, std::uint64_t>>& ranges) {
        const auto bad = [&](const std::string& why) {
            return FormatError(file + ": corrupt: tensor " + name + ": " + why);
        };
        if (!e.is_object() || !e.contains("dtype") || !e.contains("shape") || !e.contains("data_offsets"))
            throw bad("needs dtype, shape and data_offsets");
        StoredTensor t;
        const std::string dt = e["dtype"].is_string() ? e["dtype"].get<std::string>() : "";
        bool known = false;
        for (DType d : {DType::F32, DType::F64, DType::I64, DType::I32, DType::U8})
            if (dt == dtype_name(d)) t.dtype = d, known = true;
        if (!known) throw bad("unsupported dtype '" + dt + "'");
        if (!e["shape"].is_array()) throw bad("shape is not a list");
        for (const auto& d : e["shape"]) {
            if (!d.is_number_unsigned()) throw bad("shape has a non-integer or negative dimension");
            t.shape.push_back(d.get<std::int64_t>());
        }
        const auto& off = e["data_offsets"];
        if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() || !off[1].is_number_unsigned())
            throw bad("data_offsets is not two byte offsets");
        const auto b = off[0].get<std::uint64_t>(), en = off[1].get<std::uint64_t>();
        if (b > en) throw bad("data_offsets end before they begin");
        if (en > data_size)
            throw FormatError(file + ": truncated: tensor " + name + " ends at byte " + std::to_string(en) +
                              " of the data but the file holds " + std::to_string(data_size));
        if (en - b != t.elements() * dtype_size(t.dtype))
            throw bad("shape " + detail::shape_text(t.shape) + " of " + dt + " needs " +
                      std::to_string(t.elements() * dtype_size(t.dtype)) + " bytes, data_offsets give " +
                      std::to_string(en - b));
        t.bytes.assign(data + b, data + en);
        ranges.emplace_back(b, en);
        return t;
    }
};

}  // namespace ctnn::io
