// What every reader fuzzer shares: the input goes into a file (the readers take paths), and a
// DataError is the one acceptable outcome besides success; anything else (a crash, a sanitizer
// report, another exception) is a finding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

#include <unistd.h>

#include <ctnn/data/file.hpp>

namespace ctnn::fuzz {

/// A file of this process's own, in memory (/dev/shm) where there is one.
inline const std::filesystem::path& input_path() {
    static const std::filesystem::path p =
        (std::filesystem::is_directory("/dev/shm") ? std::filesystem::path("/dev/shm") : std::filesystem::temp_directory_path()) /
        ("ctnn_fuzz_" + std::to_string(::getpid()));
    return p;
}

/// Writes data to input_path() and runs read(path), accepting DataError.
template <class Read>
void run(const std::uint8_t* data, std::size_t size, Read read) {
    const auto& path = input_path();
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) __builtin_trap();
    if (size) std::fwrite(data, 1, size, f);
    std::fclose(f);
    try {
        read(path);
    } catch (const ctnn::data::DataError&) {
    }
}

}  // namespace ctnn::fuzz
