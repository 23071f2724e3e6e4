// Linear, activations, Flatten and Reshape against PyTorch, and by finite differences.
#define BOOST_TEST_MODULE basic_layers
#include <boost/test/unit_test.hpp>

#include "support/golden.hpp"
#include "support/gradcheck.hpp"

using namespace ctnn;
using ctnn::test::check_against_golden;
using ctnn::test::gradcheck;

BOOST_AUTO_TEST_SUITE(golden_double)
BOOST_AUTO_TEST_CASE(linear) { check_against_golden<Sequential<Input<7>, Linear<7, 5>>>("linear", 1e-12, 1e-12); }
BOOST_AUTO_TEST_CASE(linear_nobias) {
    check_against_golden<Sequential<Input<6>, Linear<6, 3, false>>>("linear_nobias", 1e-12, 1e-12);
}
BOOST_AUTO_TEST_CASE(relu) { check_against_golden<Sequential<Input<3, 4, 5>, ReLU>>("relu", 1e-12, 1e-12); }
BOOST_AUTO_TEST_CASE(leaky_relu) {
    check_against_golden<Sequential<Input<11>, LeakyReLU<0.2>>>("leaky_relu", 1e-7, 1e-12);
}
BOOST_AUTO_TEST_CASE(tanh) { check_against_golden<Sequential<Input<2, 3, 3>, Tanh>>("tanh", 1e-12, 1e-12); }
BOOST_AUTO_TEST_CASE(sigmoid) { check_against_golden<Sequential<Input<9>, Sigmoid>>("sigmoid", 1e-12, 1e-15); }
BOOST_AUTO_TEST_CASE(flatten_linear) {
    check_against_golden<Sequential<Input<2, 3, 4>, Flatten, Linear<24, 5>, Tanh>>("flatten_linear",
                                                                              1e-12, 1e-12);
}
BOOST_AUTO_TEST_CASE(mlp_reshape) {
    using Net = Sequential<Input<4>, Linear<4, 12>, LeakyReLU<0.01>, Reshape<3, 2, 2>, Sigmoid,
                           Flatten, Linear<12, 2>>;
    check_against_golden<Net>("mlp_reshape", 1e-7, 1e-9);
}
BOOST_AUTO_TEST_SUITE_END()

// float: the same cases within single-precision rounding.
BOOST_AUTO_TEST_CASE(linear_float) {
    check_against_golden<Sequential<Input<7>, Linear<7, 5>>, Cpu, float>("linear", 1e-5, 1e-6);
}
BOOST_AUTO_TEST_CASE(mlp_reshape_float) {
    using Net = Sequential<Input<4>, Linear<4, 12>, LeakyReLU<0.01>, Reshape<3, 2, 2>, Sigmoid,
                           Flatten, Linear<12, 2>>;
    check_against_golden<Net, Cpu, float>("mlp_reshape", 1e-5, 1e-6);
}

BOOST_AUTO_TEST_SUITE(finite_differences)
BOOST_AUTO_TEST_CASE(linear) { gradcheck<Sequential<Input<7>, Linear<7, 5>>>(); }
BOOST_AUTO_TEST_CASE(activations) {
    gradcheck<Sequential<Input<6>, Linear<6, 8>, ReLU, Linear<8, 8>, LeakyReLU<0.2>, Linear<8, 8>,
                         Tanh, Linear<8, 3>, Sigmoid>>();
}
BOOST_AUTO_TEST_CASE(flatten_reshape) {
    gradcheck<Sequential<Input<2, 2, 3>, Flatten, Linear<12, 12>, Reshape<3, 4>, Tanh, Flatten,
                         Linear<12, 2>>>();
}
BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(pytorch_default_init_bounds) {
    // kaiming_uniform(a = sqrt(5)) and the bias both draw from U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
    Rng rng(3);
    Network<Sequential<Input<400>, Linear<400, 300>>> net(rng);
    const double bound = 1.0 / 20.0;
    net.visit_parameters([&](const std::string& name, auto& p, auto&) {
        const auto v = p.to_host();
        double lo = 1, hi = -1, mean = 0;
        for (float e : v) {
            lo = std::min<double>(lo, e);
            hi = std::max<double>(hi, e);
            mean += e;
        }
        mean /= static_cast<double>(v.size());
        BOOST_TEST_CONTEXT(name) {
            BOOST_TEST(lo >= -bound);
            BOOST_TEST(hi <= bound);
            BOOST_TEST(hi - lo > 1.8 * bound);  // the whole range is used
            BOOST_TEST(std::abs(mean) < 0.1 * bound);
        }
    });
}

// Conditional networks: Embedding, and ConcatLabel along features and as channels
// (tests/reference/golden_conditional.py), against PyTorch and by finite differences.
namespace conditional {
using Embed = Sequential<Input<1>, Embedding<5, 3>>;
using Features = Sequential<Input<4>, Linear<4, 6>, ConcatLabel<Embedding<5, 3>>, Linear<9, 2>, Tanh>;
using Channels = Sequential<Input<2, 3, 3>, ConcatLabel<Sequential<Embedding<4, 5>, Linear<5, 18>>, Along::channels>,
                            Conv2d<4, 2, 2>>;
static_assert(Network<Features>::label_classes == 5 && Network<Channels>::label_classes == 4);
static_assert(Network<Embed>::label_classes == 0 && Embed::input_classes == 5);
static_assert(std::is_same_v<Network<Channels>::output_shape, Shape<2, 2, 2>>);
static_assert(Features::parameter_count == 4 * 6 + 6 + 5 * 3 + 9 * 2 + 2);
}  // namespace conditional

BOOST_AUTO_TEST_SUITE(conditional_layers)
BOOST_AUTO_TEST_CASE(golden) {
    check_against_golden<conditional::Embed>("embedding", 1e-12, 1e-12);
    check_against_golden<conditional::Features>("concat_features", 1e-12, 1e-12);
    check_against_golden<conditional::Channels>("concat_channels", 1e-12, 1e-12);
    check_against_golden<conditional::Channels, Cpu, float>("concat_channels", 1e-5, 1e-6);
}
BOOST_AUTO_TEST_CASE(finite_differences) {
    gradcheck<conditional::Features>({.batch = 7});
    gradcheck<conditional::Channels>({.batch = 5});
}
BOOST_AUTO_TEST_CASE(embedding_init_is_standard_normal) {
    // torch.nn.Embedding draws N(0, 1), and the DCGAN scheme leaves it so.
    for (const Init init : {Init::pytorch, Init::dcgan}) {
        Rng rng(5);
        Network<Sequential<Input<1>, Embedding<100, 100>>> net(rng, init);
        double sum = 0, squares = 0;
        net.visit_parameters([&](const std::string&, auto& w, auto&) {
            for (const float v : w.to_host()) sum += v, squares += double(v) * v;
        });
        BOOST_TEST(std::abs(sum / 1e4) < 0.03);
        BOOST_TEST(std::abs(squares / 1e4 - 1) < 0.05);
    }
}
BOOST_AUTO_TEST_CASE(bad_labels_are_named) {
    Rng rng(1);
    Network<conditional::Features> net(rng);
    const auto x = Tensor<Shape<4>, Cpu, float>::from_host(std::vector<float>(8, 0.5f));
    const auto two = Tensor<Shape<1>, Cpu, std::int32_t>::from_host({1, 5});
    BOOST_CHECK_EXCEPTION(net.forward(x, two), std::out_of_range, [](const std::out_of_range& e) {
        return std::string(e.what()).find("Embedding<5, 3>: 1 of 2 indices are not a class in [0, 5)") != std::string::npos;
    });
    const auto one = Tensor<Shape<1>, Cpu, std::int32_t>::from_host({1});
    BOOST_CHECK_THROW(net.forward(x, one), std::invalid_argument);
}
BOOST_AUTO_TEST_SUITE_END()
