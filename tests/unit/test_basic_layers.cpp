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
