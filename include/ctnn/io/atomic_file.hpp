// Files that matter (checkpoints, pictures, metrics) are written atomically: into a temporary
// file in the same directory, flushed and fsync'ed, then renamed over the target. A crash or an
// error at any point leaves either the old file or the new one, never a half-written one.
#pragma once

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>

#include <fcntl.h>
#include <unistd.h>

namespace ctnn::io {

/// An I/O failure; the message names the file and the problem.
struct IoError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

namespace detail {
inline std::string errno_text() { return std::strerror(errno); }
}  // namespace detail

/// Calls write(FILE*) on a temporary file next to `path`, then makes it `path` atomically.
/// If write throws, or any step fails, the temporary file is removed and `path` is untouched.
inline void write_atomically(const std::filesystem::path& path,
                             const std::function<void(std::FILE*)>& write) {
    const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : ".";
    if (!std::filesystem::is_directory(dir))
        throw IoError(path.string() + ": cannot write: directory " + dir.string() + " does not exist");
    const std::filesystem::path tmp =
        dir / ("." + path.filename().string() + ".tmp." + std::to_string(::getpid()));
    std::FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f) throw IoError(path.string() + ": cannot create " + tmp.string() + ": " + detail::errno_text());
    try {
        write(f);
        if (std::fflush(f) != 0 || ::fsync(::fileno(f)) != 0)
            throw IoError(path.string() + ": cannot flush: " + detail::errno_text());
    } catch (...) {
        std::fclose(f);
        std::filesystem::remove(tmp);
        throw;
    }
    if (std::fclose(f) != 0) {
        std::filesystem::remove(tmp);
        throw IoError(path.string() + ": cannot close: " + detail::errno_text());
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        const std::string why = detail::errno_text();
        std::filesystem::remove(tmp);
        throw IoError(path.string() + ": cannot rename the written file into place: " + why);
    }
    // Make the rename itself durable.
    if (const int d = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY); d >= 0) {
        ::fsync(d);
        ::close(d);
    }
}

/// fwrite that throws with the target's name when the disk refuses.
inline void write_bytes(std::FILE* f, const void* data, std::size_t n, const std::string& what) {
    if (n && std::fwrite(data, 1, n, f) != n) throw IoError(what + ": write failed: " + detail::errno_text());
}

}  // namespace ctnn::io
