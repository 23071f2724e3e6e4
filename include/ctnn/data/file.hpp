// Reading data files: the error every reader throws, and a byte stream that gunzips on the fly.
#pragma once

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <zlib.h>

/// Data sets: reading them from files (IDX, CIFAR-10, .npy, gzip or not) with clear errors,
/// holding them in memory (Dataset) and batching them onto a device (DataLoader).
namespace ctnn::data {

/// A data file that cannot be used; the message names the file and the problem.
struct DataError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// The bytes of a file in order. A file that starts with the gzip magic (1f 8b) is inflated as it
/// is read, whatever its name, so every reader takes `x` and `x.gz` alike. The constructor refuses
/// a missing file, a directory, anything but a regular file, and an empty file, each with its own
/// message; a corrupt or truncated gzip stream, or garbage after it, fails the read that meets it.
class ByteReader {
public:
    /// Opens path; throws DataError naming it when it is missing, not a regular file or empty.
    explicit ByteReader(std::filesystem::path path) : path_(std::move(path)) {
        std::error_code ec;
        const auto st = std::filesystem::status(path_, ec);
        if (st.type() == std::filesystem::file_type::not_found) fail("no such file");
        if (ec) fail("cannot inspect: " + ec.message());
        if (st.type() == std::filesystem::file_type::directory) fail("is a directory, not a file");
        if (st.type() != std::filesystem::file_type::regular) fail("is not a regular file");
        file_size_ = std::filesystem::file_size(path_, ec);
        if (ec) fail("cannot inspect: " + ec.message());
        if (file_size_ == 0) fail("empty file");
        file_.reset(std::fopen(path_.c_str(), "rb"));
        if (!file_) fail(std::string("cannot open: ") + std::strerror(errno));
        refill();
        gzip_ = avail_ >= 2 && in_[0] == 0x1f && in_[1] == 0x8b;
        if (gzip_) {
            zs_ = std::make_unique<z_stream>();
            // 16 + MAX_WBITS: gzip framing only (header, CRC-32 and length trailer checked).
            if (inflateInit2(zs_.get(), 16 + MAX_WBITS) != Z_OK) fail("zlib cannot start inflating");
        }
    }
    ~ByteReader() {
        if (zs_) inflateEnd(zs_.get());
    }
    ByteReader(const ByteReader&) = delete;
    ByteReader& operator=(const ByteReader&) = delete;

    const std::filesystem::path& path() const { return path_; }  ///< the file, as given
    bool gzip() const { return gzip_; }  ///< whether the file is gzip-compressed
    /// Size on disk (compressed, for a gzip file).
    std::uint64_t file_size() const { return file_size_; }
    /// Bytes delivered so far (after decompression).
    std::uint64_t position() const { return position_; }
    /// "the file has" or, for a gzip file, "the decompressed file has": for size messages.
    std::string has() const { return gzip_ ? "the decompressed file has" : "the file has"; }

    /// Reads up to n bytes into out; fewer only at the end of the data.
    std::size_t read(void* out, std::size_t n) {
        auto* dst = static_cast<unsigned char*>(out);
        std::size_t got = 0;
        while (got < n) {
            const std::size_t step = gzip_ ? inflate_some(dst + got, n - got) : copy_some(dst + got, n - got);
            if (step == 0) break;
            got += step;
        }
        position_ += got;
        return got;
    }

    /// Reads and counts the bytes left, so that a size message can give the file's full size.
    std::uint64_t count_rest() {
        if (!gzip_) {
            const std::uint64_t rest = file_size_ - position_;
            position_ = file_size_;
            return rest;
        }
        std::vector<unsigned char> scratch(1 << 16);
        std::uint64_t rest = 0;
        while (const std::size_t got = read(scratch.data(), scratch.size())) rest += got;
        return rest;
    }

    /// Throws DataError "<path>: <problem>": how readers report what is wrong with the file.
    [[noreturn]] void fail(const std::string& problem) const { throw DataError(path_.string() + ": " + problem); }

private:
    struct Close {
        void operator()(std::FILE* f) const { std::fclose(f); }
    };

    void refill() {
        start_ = 0;
        avail_ = std::fread(in_.data(), 1, in_.size(), file_.get());
        if (avail_ == 0 && std::ferror(file_.get())) fail(std::string("read error: ") + std::strerror(errno));
    }

    std::size_t copy_some(unsigned char* dst, std::size_t n) {
        if (avail_ == 0) refill();
        const std::size_t k = std::min(n, avail_);
        std::memcpy(dst, in_.data() + start_, k);
        start_ += k;
        avail_ -= k;
        return k;
    }

    std::size_t inflate_some(unsigned char* dst, std::size_t n) {
        if (finished_) return 0;
        z_stream& z = *zs_;
        z.next_out = dst;
        z.avail_out = static_cast<uInt>(std::min<std::size_t>(n, 1u << 30));
        const uInt want = z.avail_out;
        while (z.avail_out == want) {
            if (avail_ == 0) {
                refill();
                if (avail_ == 0) {
                    if (members_ > 0 && !member_output_) fail("trailing garbage after the gzip stream");
                    fail("corrupt gzip: the compressed data ends before the end of the stream (truncated .gz file?)");
                }
            }
            z.next_in = in_.data() + start_;
            z.avail_in = static_cast<uInt>(avail_);
            const int r = inflate(&z, Z_NO_FLUSH);
            const std::size_t used = avail_ - z.avail_in;
            start_ += used;
            avail_ -= used;
            if (z.avail_out != want) member_output_ = true;
            if (r == Z_STREAM_END) {
                ++members_;
                member_output_ = false;
                // gzip allows several members one after the other (`cat a.gz b.gz`); anything
                // else after the first is garbage, which the next member's header check catches.
                if (avail_ == 0) refill();
                if (avail_ == 0) {
                    finished_ = true;
                    break;
                }
                inflateReset(&z);
            } else if (r != Z_OK) {
                if (members_ > 0 && !member_output_) fail("trailing garbage after the gzip stream");
                fail(std::string("corrupt gzip data: ") + (z.msg ? z.msg : zError(r)));
            }
        }
        return want - z.avail_out;
    }

    std::filesystem::path path_;
    std::unique_ptr<std::FILE, Close> file_;
    std::uint64_t file_size_ = 0;
    std::uint64_t position_ = 0;
    std::vector<unsigned char> in_ = std::vector<unsigned char>(1 << 16);
    std::size_t start_ = 0, avail_ = 0;
    bool gzip_ = false;
    std::unique_ptr<z_stream> zs_;
    int members_ = 0;            // gzip members fully read
    bool member_output_ = false;  // whether the member being read has produced bytes yet
    bool finished_ = false;
};

/// Reads the data_bytes bytes that follow a header_bytes-long header and checks that nothing
/// follows them. `says` words what the header promises ("header says 60000 images of 28x28").
inline std::vector<std::uint8_t> read_payload(ByteReader& in, std::uint64_t header_bytes, std::uint64_t data_bytes,
                                              const std::string& says) {
    const std::string promise = says + " (" + std::to_string(header_bytes + data_bytes) + " bytes)";
    // Reserve no more than the file can hold: a header may claim terabytes. Deflate expands at
    // most 1032-fold.
    const std::uint64_t can_hold = in.gzip() ? in.file_size() * 1032 + 1024 : in.file_size();
    std::vector<std::uint8_t> values;
    values.reserve(std::min(data_bytes, can_hold));
    constexpr std::uint64_t chunk = 1 << 20;
    while (values.size() < data_bytes) {
        const std::size_t old = values.size();
        const std::size_t want = std::min(chunk, data_bytes - old);
        values.resize(old + want);
        if (const std::size_t got = in.read(values.data() + old, want); got < want)
            in.fail("truncated: " + promise + " but " + in.has() + " " + std::to_string(header_bytes + old + got) +
                    " bytes");
    }
    if (const std::uint64_t rest = in.count_rest())
        in.fail("trailing garbage: " + promise + " but " + in.has() + " " +
                std::to_string(header_bytes + data_bytes + rest) + " bytes");
    return values;
}

}  // namespace ctnn::data
