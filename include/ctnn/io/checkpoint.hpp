// Checkpoints: every network's parameters and buffers, optimizer states, counters and random
// state in one safetensors file. Network tensors are named "<prefix>.<state_dict key>", so
// `{k[len(prefix)+1:]: v for k, v in file.items() if k.startswith(prefix + ".")}` is the PyTorch
// twin's state_dict. Loading is all or nothing: everything is validated against what it will be
// loaded into before anything is changed. The file's checksum covers its metadata too, so a flipped
// byte in a counter or a random state is refused rather than trusted.
#pragma once

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "ctnn/core/random.hpp"
#include "ctnn/io/safetensors.hpp"

namespace ctnn::io {

/// A checkpoint whose stored run settings differ from those it is loaded with (Checkpoint::settings).
struct SettingsError : FormatError {
    using FormatError::FormatError;
};

/// What a run saves and restores, bound once by reference (networks, optimizers, counters,
/// random engines, loaders, settings), then written by save() and read back by load() from one
/// safetensors file, as the top of this file says.
class Checkpoint {
public:
    /// A network's parameters and buffers, under prefix + "." + state_dict key.
    template <class NetT>
    Checkpoint& network(const std::string& prefix, NetT& net) {
        bindings_.push_back(Binding{
            [&net, prefix](SafeTensors& st) {
                net.visit_parameters([&](const std::string& n, auto& p, auto&) { put_shaped(st, prefix + "." + n, p); });
                net.visit_buffers([&](const std::string& n, auto& b) { put_shaped(st, prefix + "." + n, b); });
            },
            [&net, prefix](const SafeTensors& st, const std::string& file, std::vector<std::string>& seen) {
                net.visit_parameters([&](const std::string& n, auto& p, auto&) { check_shaped(st, file, prefix + "." + n, p, seen); });
                net.visit_buffers([&](const std::string& n, auto& b) { check_shaped(st, file, prefix + "." + n, b, seen); });
            },
            [&net, prefix](const SafeTensors& st) {
                net.visit_parameters([&](const std::string& n, auto& p, auto&) { get_shaped(st, prefix + "." + n, p); });
                net.visit_buffers([&](const std::string& n, auto& b) { get_shaped(st, prefix + "." + n, b); });
            }});
        return *this;
    }

    /// An optimizer's state buffers (flat) and step count, under prefix + "." + its names.
    /// save() refuses (std::logic_error) a state that sharded updates left in parts across the
    /// ranks (Optimizer::state_partial): each rank must gather it first.
    template <class Opt>
    Checkpoint& optimizer(const std::string& prefix, Opt& opt) {
        bindings_.push_back(Binding{
            [&opt, prefix](SafeTensors& st) {
                if (opt.state_partial())
                    throw std::logic_error("ctnn::io::Checkpoint: " + prefix +
                                           "'s state is split across the ranks of a sharded update: call "
                                           "gather_optimizer_state() on every rank before saving");
                opt.visit_state([&](const std::string& n, auto& t) { put_flat(st, prefix + "." + n, t); });
            },
            [&opt, prefix](const SafeTensors& st, const std::string& file, std::vector<std::string>& seen) {
                opt.visit_state([&](const std::string& n, auto& t) { check_flat(st, file, prefix + "." + n, t, seen); });
            },
            [&opt, prefix](const SafeTensors& st) {
                opt.visit_state([&](const std::string& n, auto& t) { get_flat(st, prefix + "." + n, t); });
                opt.state_made_whole();
            }});
        return *this;
    }

    /// An integer counter (step, epoch), kept in the metadata.
    Checkpoint& counter(const std::string& key, std::int64_t& value) {
        metadata_bindings_.push_back({key, [&value] { return std::to_string(value); },
                                      [](const std::string& s) { return parse_counter(s) ? "" : "not an integer"; },
                                      [&value](const std::string& s) { value = *parse_counter(s); }});
        return *this;
    }

    /// A random engine's exact state, kept in the metadata.
    Checkpoint& rng(const std::string& key, Rng& r) { return state(key, r); }

    /// Anything with `std::string state() const` and `void restore(const std::string&)` (a random
    /// engine, a DataLoader's position), kept in the metadata. restore() must throw on text it
    /// cannot use; it is tried on a copy first, or by `check_state(text)` where the object has
    /// one (for objects too big to copy), so that a bad entry changes nothing. With `optional`, a
    /// file without the entry (an older checkpoint) still loads, and missing(key) says so.
    template <class T>
    Checkpoint& state(const std::string& key, T& object, bool optional = false) {
        metadata_bindings_.push_back({key, [&object] { return object.state(); },
                                      [&object](const std::string& s) -> std::string {
                                          try {
                                              if constexpr (requires(const T& o) { o.check_state(s); })
                                                  object.check_state(s);
                                              else
                                                  T(object).restore(s);
                                              return "";
                                          } catch (const std::exception& e) {
                                              return e.what();
                                          }
                                      },
                                      [&object](const std::string& s) { object.restore(s); }, optional});
        return *this;
    }

    /// The run's settings (name -> value, e.g. a trainer's flags), saved with it. load() refuses a
    /// file whose settings differ, naming each difference (SettingsError), unless `allow_changes`; then each
    /// difference is a note instead. A file without stored settings (an older one) loads with a note.
    Checkpoint& settings(std::map<std::string, std::string> values, bool allow_changes = false) {
        settings_ = std::move(values);
        allow_changed_settings_ = allow_changes;
        return *this;
    }

    /// Writes everything bound, atomically.
    void save(const std::filesystem::path& path) const {
        SafeTensors st;
        for (const auto& b : bindings_) b.store(st);
        for (const auto& m : metadata_bindings_) st.metadata[m.key] = m.get();
        for (const auto& [k, v] : settings_) st.metadata[settings_prefix + k] = v;
        st.metadata["format"] = format;
        st.save(path);
    }

    /// Reads `path`, checks that it holds exactly what is bound (names, dtypes, shapes, metadata,
    /// settings), then loads it. On any error nothing bound has changed.
    void load(const std::filesystem::path& path) {
        const SafeTensors st = SafeTensors::load(path);
        const std::string file = path.string();
        notes_.clear();
        missing_.clear();
        const auto fmt = st.metadata.find("format");
        if (fmt != st.metadata.end() && fmt->second != format && fmt->second != "ctnn-checkpoint-1")
            throw FormatError(file + ": corrupt or from a newer ctnn: format \"" + fmt->second + "\", expected \"" +
                              format + "\"");
        if (fmt != st.metadata.end() && fmt->second == format && !st.checksummed)
            throw FormatError(file + ": corrupt: a " + format + " file without its checksum entry");
        std::vector<std::string> seen;
        for (const auto& b : bindings_) b.check(st, file, seen);
        for (const auto& [name, t] : st.tensors)
            if (std::find(seen.begin(), seen.end(), name) == seen.end())
                throw FormatError(file + ": mismatch: tensor " + name + " belongs to nothing being loaded");
        check_settings(st, file);
        for (const auto& m : metadata_bindings_) {
            auto it = st.metadata.find(m.key);
            if (it == st.metadata.end()) {
                if (!m.optional) throw FormatError(file + ": mismatch: no metadata entry " + m.key);
                missing_.push_back(m.key);
            } else if (const std::string why = m.check(it->second); !why.empty()) {
                throw FormatError(file + ": mismatch: metadata entry " + m.key + " \"" + it->second +
                                  "\" cannot be restored: " + why);
            }
        }
        for (const auto& b : bindings_) b.load(st);
        for (const auto& m : metadata_bindings_)
            if (auto it = st.metadata.find(m.key); it != st.metadata.end()) m.set(it->second);
    }

    /// What the last load() has to say that is not an error (settings it was allowed to change,
    /// settings an older file did not store).
    const std::vector<std::string>& notes() const { return notes_; }
    /// Whether the last load() found no entry for an optional state binding.
    bool missing(const std::string& key) const {
        return std::find(missing_.begin(), missing_.end(), key) != missing_.end();
    }

    /// The "format" metadata this version writes; it also reads "ctnn-checkpoint-1".
    static constexpr const char* format = "ctnn-checkpoint-2";
    /// Metadata keys of settings(): settings_prefix + name.
    static constexpr const char* settings_prefix = "setting.";

private:
    struct Binding {
        std::function<void(SafeTensors&)> store;
        std::function<void(const SafeTensors&, const std::string&, std::vector<std::string>&)> check;
        std::function<void(const SafeTensors&)> load;
    };
    struct MetadataBinding {
        std::string key;
        std::function<std::string()> get;
        std::function<std::string(const std::string&)> check;  ///< why set() would refuse the text, or ""
        std::function<void(const std::string&)> set;
        bool optional = false;
    };

    /// The int64 that `s` is the whole decimal text of, if it is.
    static std::optional<std::int64_t> parse_counter(const std::string& s) {
        std::int64_t v = 0;
        const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
        return v;
    }

    void check_settings(const SafeTensors& st, const std::string& file) {
        if (settings_.empty()) return;
        std::map<std::string, std::string> stored;
        for (const auto& [k, v] : st.metadata)
            if (k.rfind(settings_prefix, 0) == 0) stored[k.substr(std::string(settings_prefix).size())] = v;
        if (stored.empty()) {
            notes_.push_back(file + " stores no run settings (an older checkpoint, or one saved without them): they are not checked");
            return;
        }
        std::vector<std::string> differences;
        for (const auto& [k, v] : settings_) {
            const auto it = stored.find(k);
            if (it == stored.end())
                differences.push_back(k + ": " + v + " here, not stored in the checkpoint");
            else if (it->second != v)
                differences.push_back(k + ": " + v + " here, " + it->second + " in the checkpoint's run");
        }
        for (const auto& [k, v] : stored)
            if (!settings_.count(k)) differences.push_back(k + ": not a setting here, " + v + " in the checkpoint's run");
        if (differences.empty()) return;
        if (!allow_changed_settings_) {
            std::string text;
            for (const auto& d : differences) text += "\n  " + d;
            throw SettingsError(file + ": mismatch: this run's settings differ from the checkpoint's:" + text);
        }
        for (const auto& d : differences) notes_.push_back("changed setting: " + d);
    }

    template <class Tn>
    static std::vector<std::int64_t> shape_of(const Tn& t) {
        using S = typename Tn::shape;
        std::vector<std::int64_t> s;
        if (t.batch() != 1) s.push_back(static_cast<std::int64_t>(t.batch()));
        for (auto d : S::dims) s.push_back(static_cast<std::int64_t>(d));
        return s;
    }
    template <class V>
    static void put_shaped(SafeTensors& st, const std::string& name, V& v) {
        if constexpr (std::is_integral_v<V>) {
            const std::int64_t x = v;
            st.put<std::int64_t>(name, {}, &x, 1);
        } else {
            const auto host = v.to_host();
            st.put(name, shape_of(v), host.data(), host.size());
        }
    }
    template <class V>
    static void check_shaped(const SafeTensors& st, const std::string& file, const std::string& name, V& v,
                             std::vector<std::string>& seen) {
        if constexpr (std::is_integral_v<V>)
            check(st, file, name, dtype_of<std::int64_t>(), {}, seen);
        else
            check(st, file, name, dtype_of<typename V::scalar>(), shape_of(v), seen);
    }
    template <class V>
    static void get_shaped(const SafeTensors& st, const std::string& name, V& v) {
        if constexpr (std::is_integral_v<V>) {
            std::int64_t x = 0;
            st.get(name, &x, 1);
            v = static_cast<V>(x);
        } else {
            std::vector<typename V::scalar> host(v.size());
            st.get(name, host.data(), host.size());
            v.copy_from_host(host);
        }
    }
    template <class V>
    static void put_flat(SafeTensors& st, const std::string& name, V& v) {
        if constexpr (std::is_integral_v<V>) {
            put_shaped(st, name, v);
        } else {
            const auto host = v.to_host();
            st.put(name, {static_cast<std::int64_t>(host.size())}, host.data(), host.size());
        }
    }
    template <class V>
    static void check_flat(const SafeTensors& st, const std::string& file, const std::string& name, V& v,
                           std::vector<std::string>& seen) {
        if constexpr (std::is_integral_v<V>)
            check_shaped(st, file, name, v, seen);
        else
            check(st, file, name, dtype_of<typename V::scalar>(), {static_cast<std::int64_t>(v.size())}, seen);
    }
    template <class V>
    static void get_flat(const SafeTensors& st, const std::string& name, V& v) {
        get_shaped(st, name, v);
    }
    static void check(const SafeTensors& st, const std::string& file, const std::string& name, DType dtype,
                      const std::vector<std::int64_t>& shape, std::vector<std::string>& seen) {
        auto it = st.tensors.find(name);
        if (it == st.tensors.end()) throw FormatError(file + ": mismatch: no tensor " + name);
        if (it->second.dtype != dtype)
            throw FormatError(file + ": mismatch: tensor " + name + " is " + dtype_name(it->second.dtype) +
                              ", expected " + dtype_name(dtype));
        if (it->second.shape != shape)
            throw FormatError(file + ": mismatch: tensor " + name + " has shape " +
                              detail::shape_text(it->second.shape) + ", expected " + detail::shape_text(shape));
        seen.push_back(name);
    }

    std::vector<Binding> bindings_;
    std::vector<MetadataBinding> metadata_bindings_;
    std::map<std::string, std::string> settings_;
    bool allow_changed_settings_ = false;
    std::vector<std::string> notes_, missing_;
};

}  // namespace ctnn::io
