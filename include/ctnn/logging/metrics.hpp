// Final or per-epoch metrics (Inception Score, losses, settings) as one flat JSON object, written
// atomically so a reader never sees half a file.
#pragma once

#include <algorithm>
#include <filesystem>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "ctnn/io/atomic_file.hpp"

namespace ctnn::logging {

/// Writes {name: number | string | bool | null} to `path`, keys in the order given, e.g.
/// write_metrics_json("metrics.json", {{"inception_score", 9.1}, {"epochs", 30}}).
/// Non-finite numbers become null (JSON has no NaN). Values are numbers, strings, bools or lists of
/// them (a label histogram); nested objects are refused: the file stays flat.
inline void write_metrics_json(const std::filesystem::path& path, const nlohmann::ordered_json& metrics) {
    if (!metrics.is_object())
        throw std::invalid_argument(path.string() + ": metrics must be a JSON object of name -> value");
    const auto flat = [](const nlohmann::ordered_json& v) { return !v.is_structured(); };
    for (const auto& [name, value] : metrics.items())
        if (value.is_object() || (value.is_array() && !std::all_of(value.begin(), value.end(), flat)))
            throw std::invalid_argument(path.string() + ": metric \"" + name +
                                        "\" is not a number, string, bool or list of them");
    const std::string text = metrics.dump(2) + "\n";
    io::write_atomically(path, [&](std::FILE* f) { io::write_bytes(f, text.data(), text.size(), path.string()); });
}

}  // namespace ctnn::logging
