// Weights from PyTorch: a plain state_dict saved as safetensors (what
// `safetensors.torch.save_file(model.state_dict(), path)` writes) loaded into a ctnn network.
//
//   ctnn::io::load_state_dict(net, "classifier.safetensors",
//                             {.rename = {{"features.conv", "0"}, {"features.bn", "1"}, {"fc", "5"}}});
//
// ctnn names a parameter by its layer's position, as nn.Sequential does ("0.weight", "1.running_mean",
// nested: "2.0.bias"); a module whose attributes have other names needs `rename`. Shapes and
// dtypes are checked against the network and every error names the key and the file; on an
// error nothing in the network has changed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <type_traits>
#include <vector>

#include "ctnn/io/safetensors.hpp"

namespace ctnn::io {

/// Which of a file's tensors load_state_dict reads, under which names, and how strictly.
struct StateDictOptions {
    /// Only the file's keys that start with prefix are read, without it: "generator." picks one
    /// network out of a file holding several (e.g. a GAN's state_dict); the rest are ignored.
    std::string prefix{};
    /// File names (after prefix) to ctnn's, by leading components: {"fc1", "0"} reads
    /// "fc1.weight" into "0.weight"; a whole key maps too. The longest matching entry applies.
    std::map<std::string, std::string> rename{};
    /// true: every parameter and buffer of the network must be in the file and every key read
    /// (under prefix) must belong to one, as torch's load_state_dict(strict=True). false: what
    /// matches is loaded, the rest is reported.
    bool strict = true;
};

/// What load_state_dict did, by ctnn names (missing) and file keys (unexpected), as torch's
/// load_state_dict reports missing_keys and unexpected_keys.
struct StateDictReport {
    std::vector<std::string> loaded;      ///< ctnn names now holding the file's values
    std::vector<std::string> missing;     ///< ctnn names the file has no tensor for
    std::vector<std::string> unexpected;  ///< file keys (under prefix) that name nothing in the network
};

namespace detail {

/// key with its longest `rename` prefix (whole dotted components) replaced.
inline std::string renamed(const std::string& key, const std::map<std::string, std::string>& rename) {
    const std::pair<const std::string, std::string>* best = nullptr;
    for (const auto& entry : rename) {
        const std::string& from = entry.first;
        const bool match = key == from || (key.size() > from.size() && key.compare(0, from.size(), from) == 0 &&
                                           key[from.size()] == '.');
        if (match && (!best || from.size() > best->first.size())) best = &entry;
    }
    return best ? best->second + key.substr(best->first.size()) : key;
}

/// The state_dict shape of a parameter or buffer v: its sample shape ([] for a counter).
template <class V>
std::vector<std::int64_t> state_shape(const V&) {
    if constexpr (std::is_integral_v<V>) {
        return {};
    } else {
        std::vector<std::int64_t> s;
        for (auto d : V::shape::dims) s.push_back(static_cast<std::int64_t>(d));
        return s;
    }
}

/// The scalar a parameter or buffer holds: a counter's is the file's int64.
template <class V>
struct state_scalar_of {
    using type = typename V::scalar;
};
template <class V>
    requires std::is_integral_v<V>
struct state_scalar_of<V> {
    using type = std::int64_t;
};
template <class V>
using state_scalar = typename state_scalar_of<V>::type;

}  // namespace detail

/// Loads the tensors of the safetensors file `path` into net's parameters and buffers (see
/// StateDictOptions). Throws FormatError naming the file and the key for a missing or
/// unexpected tensor (strict), or for a dtype or shape that differs from the network's.
template <class Net>
StateDictReport load_state_dict(Net& net, const std::filesystem::path& path, const StateDictOptions& options = {}) {
    const SafeTensors st = SafeTensors::load(path);
    const std::string file = path.string();
    // ctnn name -> file key, for the keys under prefix.
    std::map<std::string, std::string> by_name;
    for (const auto& [key, t] : st.tensors) {
        if (key.compare(0, options.prefix.size(), options.prefix) != 0) continue;
        const std::string name = detail::renamed(key.substr(options.prefix.size()), options.rename);
        if (auto [it, fresh] = by_name.emplace(name, key); !fresh)
            throw FormatError(file + ": tensors " + it->second + " and " + key + " both map to " + name);
    }
    StateDictReport report;
    std::map<std::string, std::string> used;  // file key -> ctnn name
    // First check everything, then load: on an error nothing has changed.
    const auto check = [&](const std::string& name, const auto& v) {
        using V = std::remove_cvref_t<decltype(v)>;
        auto it = by_name.find(name);
        if (it == by_name.end()) {
            report.missing.push_back(name);
            return;
        }
        const std::string& key = it->second;
        const StoredTensor& t = st.tensors.at(key);
        const DType want = dtype_of<detail::state_scalar<V>>();
        if (t.dtype != want)
            throw FormatError(file + ": tensor " + key + " (for " + name + ") is " + dtype_name(t.dtype) +
                              ", the network holds " + dtype_name(want));
        const auto shape = detail::state_shape(v);
        if (t.shape != shape)
            throw FormatError(file + ": tensor " + key + " (for " + name + ") has shape " +
                              io::detail::shape_text(t.shape) + ", the network's is " + io::detail::shape_text(shape));
        used[key] = name;
    };
    net.visit_parameters([&](const std::string& name, auto& p, auto&) { check(name, p); });
    net.visit_buffers([&](const std::string& name, auto& b) { check(name, b); });
    for (const auto& [name, key] : by_name)
        if (!used.count(key)) report.unexpected.push_back(key);
    if (options.strict && !report.missing.empty())
        throw FormatError(file + ": no tensor for " + report.missing.front() +
                          (options.prefix.empty() ? "" : " (under prefix " + options.prefix + ")") + " (" +
                          std::to_string(report.missing.size()) +
                          " missing in all; StateDictOptions::rename maps other names, strict = false loads the rest)");
    if (options.strict && !report.unexpected.empty())
        throw FormatError(file + ": tensor " + report.unexpected.front() + " names nothing in the network (" +
                          std::to_string(report.unexpected.size()) +
                          " such in all; StateDictOptions::rename maps it, strict = false ignores it)");
    const auto load = [&](const std::string& name, auto& v) {
        using V = std::remove_cvref_t<decltype(v)>;
        auto it = by_name.find(name);
        if (it == by_name.end()) return;
        const StoredTensor& t = st.tensors.at(it->second);
        std::vector<detail::state_scalar<V>> host(t.elements());
        st.get(it->second, host.data(), host.size());
        if constexpr (std::is_integral_v<V>)
            v = static_cast<V>(host[0]);
        else
            v.copy_from_host(host);
        report.loaded.push_back(name);
    };
    net.visit_parameters([&](const std::string& name, auto& p, auto&) { load(name, p); });
    net.visit_buffers([&](const std::string& name, auto& b) { load(name, b); });
    return report;
}

}  // namespace ctnn::io
