// SpectralNorm<Linear / Conv2d / ConvTranspose2d> against torch.nn.utils.spectral_norm
// (tests/reference/golden_sngan.py) and by finite differences.
#define BOOST_TEST_MODULE spectral_norm
#include <boost/test/unit_test.hpp>

#include <cmath>

#include "support/golden.hpp"
#include "support/gradcheck.hpp"

using namespace ctnn;
using ctnn::test::cast_values;
using ctnn::test::expect_close;
using ctnn::test::GoldenFile;

namespace {

using SnLinear = Sequential<Input<5>, SpectralNorm<Linear<5, 4>>>;
using SnConv = Sequential<Input<2, 5, 5>, SpectralNorm<Conv2d<2, 3, 3, 2, 1>>>;
using SnConvT = Sequential<Input<3, 3, 3>, SpectralNorm<ConvTranspose2d<3, 2, 4, 2, 1>>>;

template <class T>
double l2(const std::vector<T>& v) {
    double s = 0;
    for (T e : v) s += static_cast<double>(e) * static_cast<double>(e);
    return std::sqrt(s);
}

/// The golden case's `steps` training forwards on its input, the last one back-propagated, then
/// one eval forward: outputs, gradients, u, v and sigma against PyTorch's.
template <class Net, class T>
void check_case(const std::string& name, double rtol, double atol) {
    GoldenFile g(name);
    Rng rng(0);
    Network<Net, Cpu, T> net(rng);
    test::load_golden_state(net, g);
    using In = typename Network<Net, Cpu, T>::input_shape;
    using Out = typename Network<Net, Cpu, T>::output_shape;
    const auto x = Tensor<In, Cpu, T>::from_host(cast_values<T>(g.at("input").materialize()));
    const int steps = static_cast<int>(g.at("steps").values.at(0));
    for (int k = 0; k + 1 < steps; ++k) net.forward(x);
    const auto& y = net.forward(x);
    expect_close(name + " output", y.to_host(), g.at("output"), rtol, atol);
    const auto dy = Tensor<Out, Cpu, T>::from_host(cast_values<T>(g.at("grad_output").materialize()));
    const auto& dx = net.backward(dy, {ParamGrads::accumulate, true});
    expect_close(name + " grad_input", dx.to_host(), g.at("grad_input"), rtol, atol);
    net.visit_parameters([&](const std::string& key, auto&, auto& grad) {
        expect_close(name + " grad:" + key, grad.to_host(), g.at("grad:" + key), rtol, atol);
    });
    auto& sn = net.layers().template layer<0>();
    expect_close(name + " sigma", std::vector<T>{sn.sigma()}, g.at("sigma"), rtol, atol);
    net.visit_buffers([&](const std::string& key, auto& b) {
        expect_close(name + " buffer_after:" + key, b.to_host(), g.at("buffer_after:" + key), rtol, atol);
    });
    // Eval: no power iteration, u and v stay as they are.
    const auto u = sn.weight_u.to_host();
    net.eval();
    expect_close(name + " eval_output", net.forward(x).to_host(), g.at("eval_output"), rtol, atol);
    BOOST_CHECK(sn.weight_u.to_host() == u);
}

}  // namespace

BOOST_AUTO_TEST_CASE(golden_double) {
    check_case<SnLinear, double>("sn_linear", 1e-9, 1e-12);
    check_case<SnConv, double>("sn_conv2d", 1e-9, 1e-12);
    check_case<SnConvT, double>("sn_conv_transpose2d", 1e-9, 1e-12);
}

BOOST_AUTO_TEST_CASE(golden_float) {
    check_case<SnConv, float>("sn_conv2d", 1e-4, 1e-5);
    check_case<SnConvT, float>("sn_conv_transpose2d", 1e-4, 1e-5);
}

// In eval mode the layer is a fixed function of x and W (u and v constant), which finite
// differences can follow; the training-mode gradient is the same formula (checked above).
BOOST_AUTO_TEST_CASE(finite_differences) {
    test::GradcheckOptions o;
    o.mode = Mode::eval;
    test::gradcheck<SnLinear>(o);
    test::gradcheck<SnConv>(o);
    test::gradcheck<SnConvT>(o);
}

// PyTorch's state_dict names; u and v drawn as unit vectors after the layer's parameters; a
// frozen backward gives the same input gradient and leaves the parameter gradients alone.
BOOST_AUTO_TEST_CASE(names_init_and_frozen_backward) {
    Rng rng(3);
    Network<Sequential<Input<2, 5, 5>, SpectralNorm<Conv2d<2, 3, 3, 2, 1>>, Flatten, SpectralNorm<Linear<27, 1, false>>>,
            Cpu, double>
        net(rng);
    std::vector<std::string> params, buffers;
    net.visit_parameters([&](const std::string& k, auto&, auto&) { params.push_back(k); });
    net.visit_buffers([&](const std::string& k, auto&) { buffers.push_back(k); });
    BOOST_TEST(params == (std::vector<std::string>{"0.weight_orig", "0.bias", "2.weight_orig"}),
               boost::test_tools::per_element());
    BOOST_TEST(buffers == (std::vector<std::string>{"0.weight_u", "0.weight_v", "2.weight_u", "2.weight_v"}),
               boost::test_tools::per_element());
    net.visit_buffers([&](const std::string& k, auto& b) { BOOST_CHECK_MESSAGE(std::abs(l2(b.to_host()) - 1) < 1e-12, k); });
    // W drawn as Conv2d draws it: the same Rng gives an unwrapped Conv2d the same weight.
    Rng rng2(3);
    Network<Sequential<Input<2, 5, 5>, Conv2d<2, 3, 3, 2, 1>>, Cpu, double> plain(rng2);
    std::vector<double> w_sn, w_plain;
    net.visit_parameters([&](const std::string& k, auto& p, auto&) { if (k == "0.weight_orig") w_sn = p.to_host(); });
    plain.visit_parameters([&](const std::string& k, auto& p, auto&) { if (k == "0.weight") w_plain = p.to_host(); });
    BOOST_TEST(w_sn == w_plain, boost::test_tools::per_element());

    Rng data(5);
    std::vector<double> xs(4 * 50), ws(4);
    for (auto& v : xs) v = data.normal<double>();
    for (auto& v : ws) v = data.normal<double>();
    const auto x = Tensor<Shape<2, 5, 5>, Cpu, double>::from_host(xs);
    const auto dy = Tensor<Shape<1>, Cpu, double>::from_host(ws);
    net.eval();  // the same u, v and sigma in both passes
    net.forward(x);
    const auto dx = net.backward(dy, {ParamGrads::overwrite, true}).to_host();
    const auto grads = std::vector<double>(net.parameters().gradients(), net.parameters().gradients() + net.parameters().size());
    net.forward(x);
    BOOST_TEST(net.backward_frozen(dy).to_host() == dx, boost::test_tools::per_element());
    BOOST_TEST(std::vector<double>(net.parameters().gradients(), net.parameters().gradients() + net.parameters().size()) == grads,
               boost::test_tools::per_element());
}
