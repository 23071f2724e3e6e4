// Files that matter (checkpoints, pictures, metrics) are written atomically: into a temporary
// file in the same directory, flushed and fsync'ed, then renamed over the target. A crash or an
// error at any point leaves either the old file or the new one, never a half-written one. A writer
// killed mid-write (kill -9, a power cut) leaves its temporary file behind;
// remove_stale_temporaries() clears those of writers that are gone.
#pragma once

#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>

#include <fcntl.h>
#include <unistd.h>

/// Files a run writes and reads back: safetensors, PyTorch-compatible state_dicts, checkpoints,
/// and the atomic writes that keep a half-written file from ever being trusted.
namespace ctnn::io {

/// An I/O failure; the message names the file and the problem.
struct IoError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

namespace detail {
inline std::string errno_text() { return std::strerror(errno); }
inline constexpr const char* temporary_tag = ".tmp.";
}  // namespace detail

/// Who may still be writing temporary files in a directory.
enum class Writers {
    any,         ///< other processes may: only files whose pid runs no process are stale
    locked_out,  ///< the caller holds the directory's only-writer lock: every such file is stale
};

/// Removes the temporary files write_atomically() left in `dir` when the process writing them
/// died (".<name>.tmp.<pid>"). With Writers::any a file counts as stale when its pid runs no
/// process, which misses files whose pid the system has given to another process since (pids
/// wrap at /proc/sys/kernel/pid_max, 32768 by default); a caller that holds the directory's
/// writer lock passes Writers::locked_out and every such file goes. Returns how many it removed.
inline int remove_stale_temporaries(const std::filesystem::path& dir, Writers writers = Writers::any) {
    int removed = 0;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        const std::string name = entry.path().filename().string();
        const auto tag = name.rfind(detail::temporary_tag);
        if (name.empty() || name[0] != '.' || tag == std::string::npos) continue;
        const char* first = name.data() + tag + std::char_traits<char>::length(detail::temporary_tag);
        const char* last = name.data() + name.size();
        long pid = 0;
        const auto [end, err] = std::from_chars(first, last, pid);
        if (err != std::errc{} || end != last || pid <= 0) continue;
        if (writers == Writers::any && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH))
            continue;  // its writer may still run
        if (std::filesystem::remove(entry.path(), ec)) ++removed;
    }
    return removed;
}

/// Flushes `f` and asks the kernel to put its data on disk; throws naming `what` if either fails.
inline void sync_file(std::FILE* f, const std::string& what) {
    if (std::fflush(f) != 0 || ::fsync(::fileno(f)) != 0) throw IoError(what + ": cannot flush: " + detail::errno_text());
}

/// Calls write(FILE*) on a temporary file next to `path`, then makes it `path` atomically.
/// If write throws, or any step fails, the temporary file is removed and `path` is untouched.
inline void write_atomically(const std::filesystem::path& path,
                             const std::function<void(std::FILE*)>& write) {
    const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : ".";
    if (!std::filesystem::is_directory(dir))
        throw IoError(path.string() + ": cannot write: directory " + dir.string() + " does not exist");
    const std::filesystem::path tmp =
        dir / ("." + path.filename().string() + detail::temporary_tag + std::to_string(::getpid()));
    std::FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f) throw IoError(path.string() + ": cannot create " + tmp.string() + ": " + detail::errno_text());
    try {
        write(f);
        sync_file(f, path.string());
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
