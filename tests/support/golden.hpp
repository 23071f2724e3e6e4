// Reads the golden files written by tests/reference/*.py and checks a network against them.
#pragma once

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstdint>
#include <fstream>
#include <iomanip>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <ctnn/network/network.hpp>

#ifndef CTNN_GOLDEN_DIR
#error "CTNN_GOLDEN_DIR must point at tests/reference/golden"
#endif

namespace ctnn::test {

/// One named record of a golden file (see tests/reference/golden_lib.py for the format).
struct GoldenRecord {
    std::string kind;  // full, formula, sampled
    std::size_t count = 0;
    std::vector<double> values;        // full
    double offset = 0, scale = 0, phase = 0;  // formula
    std::vector<std::size_t> indices;  // sampled
    double norm = 0;                   // sampled

    /// All values (full or formula records).
    std::vector<double> materialize() const {
        if (kind == "full") return values;
        BOOST_REQUIRE_MESSAGE(kind == "formula", "a sampled golden record cannot be materialized");
        std::vector<double> v(count);
        for (std::size_t i = 0; i < count; ++i) {
            // Rounded as Python rounds it: a fused multiply-add (-march=native) would move the
            // sine's argument by an ulp of 0.7 i, and the weight by up to 1e-10.
            volatile double arg = 0.7 * static_cast<double>(i);
            v[i] = offset + scale * std::sin(arg + phase);
        }
        return v;
    }
};

class GoldenFile {
public:
    explicit GoldenFile(const std::string& case_name)
        : path_(std::string(CTNN_GOLDEN_DIR) + "/" + case_name + ".txt") {
        std::ifstream in(path_);
        BOOST_REQUIRE_MESSAGE(in, "cannot open golden file " << path_);
        std::string line;
        while (std::getline(in, line)) {
            if (line.empty() || line[0] == '#') continue;
            std::istringstream head(line);
            std::string name, kind;
            head >> name >> kind;
            if (name == "mode") {
                mode_ = kind;
                continue;
            }
            if (name == "batch") {
                batch_ = std::stoul(kind);
                continue;
            }
            GoldenRecord r;
            r.kind = kind;
            head >> r.count;
            std::string body;
            if (kind == "full") {
                std::getline(in, body);
                std::istringstream vs(body);
                r.values.reserve(r.count);
                for (std::string tok; vs >> tok;) r.values.push_back(std::stod(tok));
                BOOST_REQUIRE_MESSAGE(r.values.size() == r.count,
                                      path_ << ": record " << name << " is short");
            } else if (kind == "formula") {
                head >> r.offset >> r.scale >> r.phase;
            } else if (kind == "sampled") {
                std::size_t k = 0;
                std::string norm;
                head >> k >> norm;
                r.norm = std::stod(norm);
                std::getline(in, body);
                std::istringstream vs(body);
                for (std::size_t j = 0; j < k; ++j) {
                    std::size_t idx = 0;
                    std::string v;
                    vs >> idx >> v;
                    r.indices.push_back(idx);
                    r.values.push_back(std::stod(v));
                }
            } else {
                BOOST_FAIL(path_ << ": unknown record kind '" << kind << "'");
            }
            records_.emplace(name, std::move(r));
        }
    }

    bool has(const std::string& name) const { return records_.count(name) != 0; }
    const GoldenRecord& at(const std::string& name) const {
        auto it = records_.find(name);
        BOOST_REQUIRE_MESSAGE(it != records_.end(), path_ << " has no record " << name);
        return it->second;
    }
    const std::string& mode() const { return mode_; }
    std::size_t batch() const { return batch_; }
    const std::string& path() const { return path_; }

private:
    std::string path_;
    std::string mode_ = "train";
    std::size_t batch_ = 0;
    std::map<std::string, GoldenRecord> records_;
};

/// Checks got against a golden record: |got - want| <= atol + rtol * |want| element-wise (at the
/// sampled indices for a sampled record, plus the L2 norm). Reports the first failures by index.
template <class T>
void expect_close(const std::string& what, const std::vector<T>& got, const GoldenRecord& want,
                  double rtol, double atol) {
    BOOST_REQUIRE_MESSAGE(got.size() == want.count,
                          what << ": " << got.size() << " values, golden has " << want.count);
    const bool sampled = want.kind == "sampled";
    const std::vector<double> ref = sampled ? want.values : want.materialize();
    std::size_t bad = 0;
    for (std::size_t j = 0; j < ref.size(); ++j) {
        const std::size_t i = sampled ? want.indices[j] : j;
        const double g = static_cast<double>(got[i]);
        if (!(std::abs(g - ref[j]) <= atol + rtol * std::abs(ref[j]))) {
            if (++bad <= 5)
                BOOST_ERROR(what << "[" << i << "] = " << std::setprecision(17) << g << ", PyTorch gives "
                                 << ref[j] << " (difference " << std::setprecision(3) << g - ref[j] << ")");
        }
    }
    if (bad > 5) BOOST_ERROR(what << ": " << bad << " values differ in all");
    if (sampled) {
        double n2 = 0;
        for (T v : got) n2 += static_cast<double>(v) * static_cast<double>(v);
        const double n = std::sqrt(n2);
        BOOST_CHECK_MESSAGE(std::abs(n - want.norm) <= atol + rtol * want.norm,
                            what << ": L2 norm " << n << ", PyTorch gives " << want.norm);
    }
    BOOST_TEST_MESSAGE(what << ": " << ref.size() << " values checked");
}

template <class T>
std::vector<T> cast_values(const std::vector<double>& v) {
    return std::vector<T>(v.begin(), v.end());
}

/// Loads a golden case's parameters and buffers into `net` (every state tensor must be named in
/// the file, and every param: record must belong to the network).
template <class NetT>
void load_golden_state(NetT& net, const GoldenFile& g) {
    using T = typename NetT::scalar;
    std::size_t loaded = 0;
    net.visit_parameters([&](const std::string& name, auto& p, auto&) {
        p.copy_from_host(cast_values<T>(g.at("param:" + name).materialize()));
        ++loaded;
    });
    net.visit_buffers([&](const std::string& name, auto& b) {
        if constexpr (std::is_integral_v<std::remove_cvref_t<decltype(b)>>) {
            b = 0;  // num_batches_tracked: torch modules start at 0 in the golden cases
        } else {
            b.copy_from_host(cast_values<T>(g.at("buffer:" + name).materialize()));
        }
    });
    BOOST_TEST_MESSAGE(g.path() << ": loaded " << loaded << " parameter tensors");
}

/// net.forward(x), or net.forward(x, labels) for a conditional network (label_classes > 0).
template <class NetT, class X, class Labels>
const auto& forward_of(NetT& net, const X& x, const Labels& labels) {
    if constexpr (NetT::label_classes > 0)
        return net.forward(x, labels);
    else
        return net.forward(x);
}

/// Runs Net on the golden case's input (and labels, for a conditional network) in its mode, back-propagates its grad_output, and compares
/// the output, the input gradient, every parameter gradient and every buffer afterwards.
template <class Net, class Dev = Cpu, class T = double>
void check_against_golden(const std::string& case_name, double rtol, double atol) {
    GoldenFile g(case_name);
    Rng rng(0);
    Network<Net, Dev, T> net(rng);
    load_golden_state(net, g);
    if (g.mode() == "eval") net.eval();
    using In = typename Network<Net, Dev, T>::input_shape;
    using Out = typename Network<Net, Dev, T>::output_shape;
    const auto x = Tensor<In, Dev, T>::from_host(cast_values<T>(g.at("input").materialize()));
    BOOST_REQUIRE_EQUAL(x.batch(), g.batch());
    Tensor<Shape<1>, Dev, std::int32_t> labels;
    if constexpr (Network<Net, Dev, T>::label_classes > 0) {
        const auto values = g.at("labels").values;
        labels = Tensor<Shape<1>, Dev, std::int32_t>::from_host(std::vector<std::int32_t>(values.begin(), values.end()));
    }
    const auto& y = forward_of(net, x, labels);
    expect_close(case_name + " output", y.to_host(), g.at("output"), rtol, atol);
    const auto dy = Tensor<Out, Dev, T>::from_host(cast_values<T>(g.at("grad_output").materialize()));
    const auto& dx = net.backward(dy, {ParamGrads::accumulate, true});
    expect_close(case_name + " grad_input", dx.to_host(), g.at("grad_input"), rtol, atol);
    net.visit_parameters([&](const std::string& name, auto&, auto& grad) {
        expect_close(case_name + " grad:" + name, grad.to_host(), g.at("grad:" + name), rtol, atol);
    });
    net.visit_buffers([&](const std::string& name, auto& b) {
        if constexpr (std::is_integral_v<std::remove_cvref_t<decltype(b)>>) {
            const auto& want = g.at("buffer_after:" + name);
            BOOST_CHECK_EQUAL(static_cast<double>(b), want.values.at(0));
        } else {
            expect_close(case_name + " buffer_after:" + name, b.to_host(),
                         g.at("buffer_after:" + name), rtol, atol);
        }
    });
}

}  // namespace ctnn::test
