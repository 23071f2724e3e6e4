// Finite-difference gradient checks in double precision, as dlib's test_layer() does for every
// layer: the analytic input and parameter gradients of L = sum(w * net(x)), for a fixed random w,
// against central differences.
#pragma once

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <string>
#include <vector>

#include <ctnn/ctnn.hpp>

#include "support/golden.hpp"

namespace ctnn::test {

struct GradcheckOptions {
    index_t batch = 3;
    double eps = 1e-6;
    double rtol = 1e-5;
    double atol = 1e-7;
    std::size_t max_checks_per_tensor = 64;  ///< spread over the tensor when it is larger
    Mode mode = Mode::train;
    std::uint64_t seed = 7;
};

namespace detail {
inline std::vector<std::size_t> spread(std::size_t n, std::size_t k) {
    std::vector<std::size_t> idx;
    if (n <= k) {
        for (std::size_t i = 0; i < n; ++i) idx.push_back(i);
    } else {
        for (std::size_t j = 0; j < k; ++j) idx.push_back(j * (n - 1) / (k - 1));
    }
    return idx;
}
}  // namespace detail

/// Checks Net's gradients on Dev in double. The network's Rng is restored before every forward,
/// so Dropout sees the same mask in each evaluation.
template <class Net, class Dev = Cpu>
void gradcheck(const GradcheckOptions& o = {}) {
    using T = double;
    Rng rng(o.seed);
    Network<Net, Dev, T> net(rng);
    if (o.mode == Mode::eval) net.eval();
    using In = typename Network<Net, Dev, T>::input_shape;
    using Out = typename Network<Net, Dev, T>::output_shape;
    Rng data_rng(o.seed + 1);
    std::vector<T> xs(o.batch * In::size), ws(o.batch * Out::size);
    for (auto& v : xs) v = data_rng.normal<T>();
    for (auto& v : ws) v = data_rng.normal<T>();
    auto x = Tensor<In, Dev, T>::from_host(xs);
    // A conditional network's labels: classes drawn in turn, so that some repeat.
    std::vector<std::int32_t> ls(o.batch);
    for (std::size_t i = 0; i < ls.size(); ++i)
        ls[i] = static_cast<std::int32_t>((3 * i + 1) % std::max<index_t>(Network<Net, Dev, T>::label_classes, 1));
    const auto labels = Tensor<Shape<1>, Dev, std::int32_t>::from_host(ls);
    const auto w = Tensor<Out, Dev, T>::from_host(ws);
    const Rng saved = rng;

    const auto loss = [&] {
        rng = saved;
        const auto y = forward_of(net, x, labels).to_host();
        double s = 0;
        for (std::size_t i = 0; i < y.size(); ++i) s += y[i] * ws[i];
        return s;
    };
    const auto check = [&](const std::string& what, std::size_t i, double analytic, double numeric) {
        BOOST_CHECK_MESSAGE(std::abs(analytic - numeric) <= o.atol + o.rtol * std::abs(numeric),
                            what << "[" << i << "]: analytic " << analytic << ", numeric " << numeric);
    };

    // Analytic gradients.
    net.zero_grad();
    rng = saved;
    forward_of(net, x, labels);
    const auto dx = net.backward(w, {ParamGrads::accumulate, true}).to_host();
    std::vector<std::pair<std::string, std::vector<T>>> grads;
    net.visit_parameters([&](const std::string& name, auto&, auto& g) {
        grads.emplace_back(name, g.to_host());
    });

    // Numeric input gradient.
    for (std::size_t i : detail::spread(xs.size(), o.max_checks_per_tensor)) {
        auto v = xs;
        v[i] = xs[i] + o.eps;
        x.copy_from_host(v);
        const double up = loss();
        v[i] = xs[i] - o.eps;
        x.copy_from_host(v);
        const double down = loss();
        check("d/dinput", i, dx[i], (up - down) / (2 * o.eps));
    }
    x.copy_from_host(xs);

    // Numeric parameter gradients.
    std::size_t t = 0;
    net.visit_parameters([&](const std::string& name, auto& p, auto&) {
        const auto base = p.to_host();
        const auto& analytic = grads[t++].second;
        for (std::size_t i : detail::spread(base.size(), o.max_checks_per_tensor)) {
            auto v = base;
            v[i] = base[i] + o.eps;
            p.copy_from_host(v);
            const double up = loss();
            v[i] = base[i] - o.eps;
            p.copy_from_host(v);
            const double down = loss();
            check("d/d" + name, i, analytic[i], (up - down) / (2 * o.eps));
        }
        p.copy_from_host(base);
    });
}

}  // namespace ctnn::test
