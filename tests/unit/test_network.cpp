// Sequential and Network: shapes, parameter names, nesting, frozen backward, modes, batch sizes.
#define BOOST_TEST_MODULE network
#include <boost/test/unit_test.hpp>

#include <ctnn/ctnn.hpp>

#include <limits>
#include <set>

using namespace ctnn;

using Inner = Sequential<Linear<8, 8>, ReLU>;
using Outer = Sequential<Input<4>, Linear<4, 8>, Inner, Linear<8, 2>>;

static_assert(std::is_same_v<Network<Outer>::output_shape, Shape<2>>);
static_assert(Outer::parameter_count == (4 * 8 + 8) + (8 * 8 + 8) + (8 * 2 + 2));
static_assert(Shape<3, 4, 5>::size == 60 && Shape<3, 4, 5>::rank == 3);
static_assert(Shape<3, 4, 5>::strides[0] == 20 && Shape<3, 4, 5>::strides[2] == 1);

BOOST_AUTO_TEST_CASE(state_dict_names_follow_pytorch) {
    Rng rng(1);
    Network<Outer> net(rng);
    std::vector<std::string> names;
    net.visit_parameters([&](const std::string& n, auto&, auto&) { names.push_back(n); });
    const std::vector<std::string> want{"0.weight", "0.bias", "1.0.weight", "1.0.bias", "2.weight",
                                        "2.bias"};
    BOOST_TEST(names == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(frozen_backward_leaves_parameters_and_gradients) {
    Rng rng(2);
    Network<Outer> net(rng);
    const auto x = Tensor<Shape<4>, Cpu>::from_host({1, 2, 3, 4, -1, -2, -3, -4});
    net.forward(x);
    const auto dy = Tensor<Shape<2>, Cpu>::from_host({1, 0, 0, 1});
    net.backward(dy);  // accumulate once so the gradients are non-zero
    std::vector<std::vector<float>> params, grads;
    net.visit_parameters([&](const std::string&, auto& p, auto& g) {
        params.push_back(p.to_host());
        grads.push_back(g.to_host());
    });
    net.forward(x);
    const auto& dx = net.backward_frozen(dy);
    BOOST_TEST(dx.batch() == 2u);
    double norm = 0;
    for (float v : dx.to_host()) norm += std::abs(v);
    BOOST_TEST(norm > 0);
    std::size_t i = 0;
    net.visit_parameters([&](const std::string& n, auto& p, auto& g) {
        BOOST_TEST_CONTEXT(n) {
            BOOST_TEST(p.to_host() == params[i], boost::test_tools::per_element());
            BOOST_TEST(g.to_host() == grads[i], boost::test_tools::per_element());
        }
        ++i;
    });
}

BOOST_AUTO_TEST_CASE(gradients_accumulate_until_zero_grad) {
    Rng rng(3);
    Network<Outer> net(rng);
    const auto x = Tensor<Shape<4>, Cpu>::from_host({1, 2, 3, 4});
    const auto dy = Tensor<Shape<2>, Cpu>::from_host({1, -1});
    net.forward(x);
    net.backward(dy);
    std::vector<float> once;
    net.visit_parameters([&](const std::string& n, auto&, auto& g) {
        if (n == "0.weight") once = g.to_host();
    });
    net.forward(x);
    net.backward(dy);
    net.visit_parameters([&](const std::string& n, auto&, auto& g) {
        if (n != "0.weight") return;
        const auto twice = g.to_host();
        for (std::size_t k = 0; k < once.size(); ++k) BOOST_TEST(twice[k] == 2 * once[k]);
    });
    net.zero_grad();
    net.visit_parameters([&](const std::string&, auto&, auto& g) {
        for (float v : g.to_host()) BOOST_TEST(v == 0.0f);
    });
}

// Every kind of layer with parameters, and images big enough that the convolutions' weight
// gradients are summed over several column blocks (the first block overwrites, the rest add).
using EveryParameterKind = Sequential<Input<1, 64, 64>, Conv2d<1, 3, 3>, BatchNorm2d<3>, ReLU,
                                      ConvTranspose2d<3, 2, 4, 2, 1>, Flatten, Linear<2 * 124 * 124, 5>>;

BOOST_AUTO_TEST_CASE(overwrite_stores_the_gradients_whatever_they_held) {
    // The Conv2d's columns: 3 x 3 taps by 62 x 62 positions per sample.
    static_assert(3 * 3 * 62 * 62 * 40 > 2 * Cpu::column_budget, "the batch below must span several column blocks");
    Rng rng(3);
    Network<EveryParameterKind> net(rng);
    const index_t batch = 40;
    std::vector<float> xs(batch * 64 * 64), dys(batch * 5);
    for (std::size_t i = 0; i < xs.size(); ++i) xs[i] = std::sin(0.37f * static_cast<float>(i));
    for (std::size_t i = 0; i < dys.size(); ++i) dys[i] = std::cos(0.91f * static_cast<float>(i));
    const auto x = Tensor<Shape<1, 64, 64>, Cpu>::from_host(xs);
    const auto dy = Tensor<Shape<5>, Cpu>::from_host(dys);
    const auto gradients = [&] {
        std::vector<std::vector<float>> out;
        net.visit_parameters([&](const std::string&, auto&, auto& g) { out.push_back(g.to_host()); });
        return out;
    };
    const auto pass = [&](ParamGrads pg) {
        net.forward(x);
        net.backward(dy, {pg});
    };
    net.zero_grad();
    pass(ParamGrads::accumulate);
    const auto once = gradients();
    pass(ParamGrads::accumulate);
    const auto twice = gradients();
    // Garbage (NaN) in every gradient: overwrite must not read it.
    net.visit_parameters([&](const std::string&, auto&, auto& g) { g.fill(std::numeric_limits<float>::quiet_NaN()); });
    pass(ParamGrads::overwrite);
    const auto overwritten = gradients();
    BOOST_TEST_REQUIRE(overwritten.size() == std::size_t{8});
    for (std::size_t k = 0; k < overwritten.size(); ++k)
        BOOST_TEST(overwritten[k] == once[k], boost::test_tools::per_element());
    // A pass after an overwrite adds to it, as after zero_grad().
    pass(ParamGrads::accumulate);
    const auto added = gradients();
    for (std::size_t k = 0; k < added.size(); ++k) BOOST_TEST(added[k] == twice[k], boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(second_backward_without_forward_is_an_error) {
    Rng rng(4);
    Network<Outer> net(rng);
    const auto x = Tensor<Shape<4>, Cpu>::from_host({1, 2, 3, 4});
    const auto dy = Tensor<Shape<2>, Cpu>::from_host({1, -1});
    BOOST_CHECK_THROW(net.backward(dy), std::logic_error);
    net.forward(x);
    net.backward(dy);
    BOOST_CHECK_THROW(net.backward(dy), std::logic_error);
    const auto dy2 = Tensor<Shape<2>, Cpu>::from_host({1, -1, 1, 1});
    net.forward(x);
    BOOST_CHECK_THROW(net.backward(dy2), std::invalid_argument);  // batch 2 vs forward batch 1
}

BOOST_AUTO_TEST_CASE(any_batch_size_same_per_sample_results) {
    Rng rng(5);
    Network<Outer> net(rng);
    std::vector<float> xs(4 * 7);
    for (std::size_t i = 0; i < xs.size(); ++i) xs[i] = std::sin(0.3f * static_cast<float>(i));
    const auto big = net.forward(Tensor<Shape<4>, Cpu>::from_host(xs)).to_host();
    for (std::size_t n = 0; n < 7; ++n) {
        const std::vector<float> one(xs.begin() + 4 * n, xs.begin() + 4 * (n + 1));
        const auto y = net.forward(Tensor<Shape<4>, Cpu>::from_host(one)).to_host();
        // Batch 1 and batch 7 take different GEMM kernels: equal up to rounding.
        BOOST_TEST(std::abs(y[0] - big[2 * n]) <= 1e-6f);
        BOOST_TEST(std::abs(y[1] - big[2 * n + 1]) <= 1e-6f);
    }
}

BOOST_AUTO_TEST_CASE(same_seed_same_parameters) {
    Rng a(9), b(9), c(10);
    Network<Outer> na(a), nb(b), nc(c);
    std::vector<float> pa, pb, pc;
    na.visit_parameters([&](const std::string&, auto& p, auto&) { for (float v : p.to_host()) pa.push_back(v); });
    nb.visit_parameters([&](const std::string&, auto& p, auto&) { for (float v : p.to_host()) pb.push_back(v); });
    nc.visit_parameters([&](const std::string&, auto& p, auto&) { for (float v : p.to_host()) pc.push_back(v); });
    BOOST_TEST(pa == pb, boost::test_tools::per_element());
    BOOST_TEST(pa != pc);
}

BOOST_AUTO_TEST_CASE(rng_state_round_trip) {
    Rng a(123);
    for (int i = 0; i < 5; ++i) a.normal<double>();
    a.normal<float>();  // leaves a spare normal pending
    Rng b(0);
    b.restore(a.state());
    for (int i = 0; i < 10; ++i) BOOST_TEST(a.normal<double>() == b.normal<double>());
    BOOST_TEST(a.bits() == b.bits());
    BOOST_CHECK_THROW(b.restore("garbage"), std::invalid_argument);
}

// evaluating() holds eval mode for a scope and restores the previous mode when it ends, also
// when an exception leaves it.
BOOST_AUTO_TEST_CASE(eval_scope_restores_the_mode_on_exceptions) {
    Rng rng(5);
    Network<Outer> net(rng);
    {
        const auto scope = net.evaluating();
        BOOST_TEST((net.mode() == Mode::eval));
    }
    BOOST_TEST((net.mode() == Mode::train));
    try {
        const auto scope = net.evaluating();
        Tensor<Shape<4>, Cpu> empty;
        net.forward(empty);  // an empty batch throws
    } catch (const std::invalid_argument&) {
    }
    BOOST_TEST((net.mode() == Mode::train));
}
