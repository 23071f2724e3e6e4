// Checkpoints: every network's parameters and buffers, optimizer states, counters and random
// state in one safetensors file. Network tensors are named "<prefix>.<state_dict key>", so
// `{k[len(prefix)+1:]: v for k, v in file.items() if k.startswith(prefix + ".")}` is the PyTorch
// twin's state_dict. Loading is all or nothing: everything is validated against what it will be
// loaded into before anything is changed.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "ctnn/core/random.hpp"
#include "ctnn/io/safetensors.hpp"

namespace ctnn::io {

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
    template <class Opt>
    Checkpoint& optimizer(const std::string& prefix, Opt& opt) {
        bindings_.push_back(Binding{
            [&opt, prefix](SafeTensors& st) {
                opt.visit_state([&](const std::string& n, auto& t) { put_flat(st, prefix + "." + n, t); });
            },
            [&opt, prefix](const SafeTensors& st, const std::string& file, std::vector<std::string>& seen) {
                opt.visit_state([&](const std::string& n, auto& t) { check_flat(st, file, prefix + "." + n, t, seen); });
            },
            [&opt, prefix](const SafeTensors& st) {
                opt.visit_state([&](const std::string& n, auto& t) { get_flat(st, prefix + "." + n, t); });
            }});
        return *this;
    }

    /// An integer counter (step, epoch), kept in the metadata.
    Checkpoint& counter(const std::string& key, std::int64_t& value) {
        metadata_bindings_.push_back({key, [&value] { return std::to_string(value); },
                                      [&value](const std::string& s) { value = std::stoll(s); }});
        return *this;
    }

    /// A random engine's exact state, kept in the metadata.
    Checkpoint& rng(const std::string& key, Rng& r) {
        metadata_bindings_.push_back({key, [&r] { return r.state(); }, [&r](const std::string& s) { r.restore(s); }});
        return *this;
    }

    /// Writes everything bound, atomically.
    void save(const std::filesystem::path& path) const {
        SafeTensors st;
        for (const auto& b : bindings_) b.store(st);
        for (const auto& m : metadata_bindings_) st.metadata[m.key] = m.get();
        st.metadata["format"] = "ctnn-checkpoint-1";
        st.save(path);
    }

    /// Reads `path`, checks that it holds exactly what is bound (names, dtypes, shapes), then
    /// loads it. On any error nothing bound has changed.
    void load(const std::filesystem::path& path) {
        const SafeTensors st = SafeTensors::load(path);
        const std::string file = path.string();
        std::vector<std::string> seen;
        for (const auto& b : bindings_) b.check(st, file, seen);
        for (const auto& [name, t] : st.tensors)
            if (std::find(seen.begin(), seen.end(), name) == seen.end())
                throw FormatError(file + ": mismatch: tensor " + name + " belongs to nothing being loaded");
        for (const auto& m : metadata_bindings_) {
            auto it = st.metadata.find(m.key);
            if (it == st.metadata.end()) throw FormatError(file + ": mismatch: no metadata entry " + m.key);
        }
        for (const auto& b : bindings_) b.load(st);
        for (const auto& m : metadata_bindings_) m.set(st.metadata.at(m.key));
    }

private:
    struct Binding {
        std::function<void(SafeTensors&)> store;
        std::function<void(const SafeTensors&, const std::string&, std::vector<std::string>&)> check;
        std::function<void(const SafeTensors&)> load;
    };
    struct MetadataBinding {
        std::string key;
        std::function<std::string()> get;
        std::function<void(const std::string&)> set;
    };

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
};

}  // namespace ctnn::io
