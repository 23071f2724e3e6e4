// BatchNorm1d, BatchNorm2d and Dropout against PyTorch and by finite differences; running
// statistics, masks, initialisation and errors.
#define BOOST_TEST_MODULE norm_layers
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <vector>

#include "support/generic_loops.hpp"
#include "support/golden.hpp"
#include "support/gradcheck.hpp"

using namespace ctnn;
using ctnn::test::check_against_golden;
using ctnn::test::gradcheck;
using ctnn::test::GenericLoopsCpu;
using ctnn::test::GradcheckOptions;

static_assert(BatchNorm2d<64>::parameter_count == 128);
static_assert(BatchNorm1d<7>::eps == 1e-5 && BatchNorm1d<7>::momentum == 0.1);
static_assert(BatchNorm2d<3, BatchNormOptions{.eps = 1e-3, .momentum = 0.01}>::eps == 1e-3);
static_assert(std::is_same_v<output_shape_t<BatchNorm1d<3>, 0, Shape<3, 8>>, Shape<3, 8>>);
static_assert(Dropout<>::p == 0.5 && Dropout<0.3f>::p == 0.3);

namespace {
template <class T>
std::vector<T> normal_values(std::size_t n, std::uint64_t seed) {
    Rng r(seed);
    std::vector<T> v(n);
    for (auto& e : v) e = r.normal<T>();
    return v;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(golden_double)
BOOST_AUTO_TEST_CASE(bn1d_train) {
    check_against_golden<Sequential<Input<5>, BatchNorm1d<5>>>("bn1d_train", 1e-10, 1e-12);
}
BOOST_AUTO_TEST_CASE(bn1d_eval) {
    check_against_golden<Sequential<Input<5>, BatchNorm1d<5>>>("bn1d_eval", 1e-10, 1e-12);
}
BOOST_AUTO_TEST_CASE(bn1d_ncl_train) {
    check_against_golden<Sequential<Input<3, 4>, BatchNorm1d<3>>>("bn1d_ncl_train", 1e-10, 1e-12);
}
BOOST_AUTO_TEST_CASE(bn2d_train) {
    check_against_golden<Sequential<Input<3, 4, 5>, BatchNorm2d<3>>>("bn2d_train", 1e-10, 1e-12);
}
BOOST_AUTO_TEST_CASE(bn2d_eval) {
    check_against_golden<Sequential<Input<4, 3, 3>, BatchNorm2d<4>>>("bn2d_eval", 1e-10, 1e-12);
}
BOOST_AUTO_TEST_CASE(linear_relu_bn1d) {
    check_against_golden<Sequential<Input<6>, Linear<6, 8>, ReLU, BatchNorm1d<8>>>(
        "linear_relu_bn1d", 1e-10, 1e-12);
}
BOOST_AUTO_TEST_CASE(dropout_eval) {
    check_against_golden<Sequential<Input<10>, Dropout<0.3>>>("dropout_eval", 1e-15, 0);
}
BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(bn2d_train_float) {
    check_against_golden<Sequential<Input<3, 4, 5>, BatchNorm2d<3>>, Cpu, float>("bn2d_train", 1e-4,
                                                                                 1e-5);
}

BOOST_AUTO_TEST_SUITE(finite_differences)
BOOST_AUTO_TEST_CASE(bn1d_train) {
    gradcheck<Sequential<Input<5>, Linear<5, 4>, BatchNorm1d<4>, Tanh, Linear<4, 3>>>();
}
BOOST_AUTO_TEST_CASE(bn1d_eval) {
    GradcheckOptions o;
    o.mode = Mode::eval;
    gradcheck<Sequential<Input<5>, Linear<5, 4>, BatchNorm1d<4>, Tanh, Linear<4, 3>>>(o);
}
BOOST_AUTO_TEST_CASE(bn1d_ncl_train) { gradcheck<Sequential<Input<2, 3>, BatchNorm1d<2>, Tanh>>(); }
BOOST_AUTO_TEST_CASE(bn2d_train) {
    gradcheck<Sequential<Input<2, 3, 3>, BatchNorm2d<2>, Flatten, Linear<18, 4>>>();
}
BOOST_AUTO_TEST_CASE(bn2d_eval) {
    GradcheckOptions o;
    o.mode = Mode::eval;
    gradcheck<Sequential<Input<2, 3, 3>, BatchNorm2d<2>, Flatten, Linear<18, 4>>>(o);
}
BOOST_AUTO_TEST_CASE(dropout_train) {
    GradcheckOptions o;
    o.batch = 4;
    gradcheck<Sequential<Input<6>, Linear<6, 8>, Dropout<0.5>, Tanh, Linear<8, 3>>>(o);
}
BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(dropout)
BOOST_AUTO_TEST_CASE(drops_a_fraction_p_and_scales_the_rest) {
    Rng rng(21);
    Network<Sequential<Input<1000>, Dropout<0.3>>, Cpu, double> net(rng);
    Tensor<Shape<1000>, Cpu, double> x(100);
    x.fill(1.0);
    const auto y = net.forward(x).to_host();
    std::size_t dropped = 0, misscaled = 0;
    for (double v : y) {
        if (v == 0)
            ++dropped;
        else if (std::abs(v - 1 / 0.7) > 1e-15)
            ++misscaled;
    }
    BOOST_TEST(misscaled == 0u);
    // 100,000 draws: the standard deviation of the fraction is 0.0015.
    BOOST_TEST(static_cast<double>(dropped) / static_cast<double>(y.size()) ==
               0.3, boost::test_tools::tolerance(0.03));
}

BOOST_AUTO_TEST_CASE(backward_uses_the_forward_mask) {
    Rng rng(22);
    Network<Sequential<Input<50>, Dropout<0.5>>, Cpu, double> net(rng);
    Tensor<Shape<50>, Cpu, double> x(4);
    x.fill(1.0);
    const auto mask = net.forward(x).to_host();
    const auto dys = normal_values<double>(200, 23);
    const auto dx = net.backward(Tensor<Shape<50>, Cpu, double>::from_host(dys),
                                 {ParamGrads::accumulate, true})
                        .to_host();
    for (std::size_t i = 0; i < dx.size(); ++i) BOOST_TEST(dx[i] == dys[i] * mask[i]);
}

BOOST_AUTO_TEST_CASE(same_seed_same_mask) {
    using Net = Sequential<Input<64>, Dropout<0.5>>;
    Rng r1(5), r2(5), r3(6);
    Network<Net, Cpu, float> a(r1), b(r2), c(r3);
    Tensor<Shape<64>, Cpu, float> x(8);
    x.fill(1.0f);
    const auto ya = a.forward(x).to_host();
    BOOST_TEST(ya == b.forward(x).to_host(), boost::test_tools::per_element());
    BOOST_TEST(ya != c.forward(x).to_host());
    // The next forward draws a fresh mask.
    BOOST_TEST(ya != a.forward(x).to_host());
}

BOOST_AUTO_TEST_CASE(the_mask_does_not_depend_on_the_thread_count) {
    // Drawn in parallel from a counter-based stream: 1 and 2 threads mask the same units.
    using Net = Sequential<Input<4096>, Dropout<0.5>>;
    const int saved = Cpu::threads();
    std::vector<std::vector<float>> masks;
    for (int threads : {1, 2}) {
        Cpu::set_threads(threads);
        Rng rng(9);
        Network<Net, Cpu, float> net(rng);
        Tensor<Shape<4096>, Cpu, float> x(16);
        x.fill(1.0f);
        masks.push_back(net.forward(x).to_host());
    }
    Cpu::set_threads(saved);
    BOOST_TEST(masks[0] == masks[1], boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(eval_is_the_identity) {
    Rng rng(24);
    Network<Sequential<Input<30>, Dropout<0.5>>, Cpu, double> net(rng);
    net.eval();
    const auto xs = normal_values<double>(90, 25);
    const auto y = net.forward(Tensor<Shape<30>, Cpu, double>::from_host(xs)).to_host();
    BOOST_TEST(y == xs, boost::test_tools::per_element());
    const auto dx =
        net.backward(Tensor<Shape<30>, Cpu, double>::from_host(xs), {ParamGrads::accumulate, true})
            .to_host();
    BOOST_TEST(dx == xs, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(p0_is_the_identity_and_p1_gives_zeros) {
    const auto xs = normal_values<double>(60, 26);
    Rng rng(27);
    const std::uint64_t next = Rng(27).bits();
    Network<Sequential<Input<20>, Dropout<0.0>>, Cpu, double> keep(rng);
    BOOST_TEST(keep.forward(Tensor<Shape<20>, Cpu, double>::from_host(xs)).to_host() == xs,
               boost::test_tools::per_element());
    BOOST_TEST(rng.bits() == next);  // nothing drawn, as in PyTorch
    Network<Sequential<Input<20>, Dropout<1.0>>, Cpu, double> drop(rng);
    const auto y = drop.forward(Tensor<Shape<20>, Cpu, double>::from_host(xs)).to_host();
    const auto dx =
        drop.backward(Tensor<Shape<20>, Cpu, double>::from_host(xs), {ParamGrads::accumulate, true})
            .to_host();
    for (std::size_t i = 0; i < y.size(); ++i) {
        BOOST_TEST(y[i] == 0.0);
        BOOST_TEST(dx[i] == 0.0);
    }
}

BOOST_AUTO_TEST_CASE(train_mode_needs_an_rng) {
    Dropout<0.5>::impl<Shape<4>, Cpu, float> d;
    Tensor<Shape<4>, Cpu, float> x(2), y(2);
    x.fill(1.0f);
    BOOST_CHECK_THROW(d.forward(x, y, ForwardContext{Mode::train, nullptr}), std::logic_error);
    d.forward(x, y, ForwardContext{Mode::eval, nullptr});
    BOOST_TEST(y.to_host() == x.to_host(), boost::test_tools::per_element());
}
BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(batchnorm)
BOOST_AUTO_TEST_CASE(one_value_per_channel_in_train_mode_is_an_error) {
    Rng rng(31);
    Network<Sequential<Input<4>, BatchNorm1d<4>>, Cpu, double> bn1(rng);
    const Tensor<Shape<4>, Cpu, double> one(1);
    BOOST_CHECK_THROW(bn1.forward(one), std::invalid_argument);
    BOOST_TEST(bn1.layers().layer<0>().num_batches_tracked == 0);
    bn1.eval();
    BOOST_CHECK_NO_THROW(bn1.forward(one));

    Network<Sequential<Input<2, 1, 1>, BatchNorm2d<2>>, Cpu, double> bn2(rng);
    BOOST_CHECK_THROW(bn2.forward(Tensor<Shape<2, 1, 1>, Cpu, double>(1)), std::invalid_argument);
    // One sample of several positions per channel is enough, as in PyTorch.
    Network<Sequential<Input<2, 2, 2>, BatchNorm2d<2>>, Cpu, double> bn3(rng);
    BOOST_CHECK_NO_THROW(bn3.forward(Tensor<Shape<2, 2, 2>, Cpu, double>(1)));
}

BOOST_AUTO_TEST_CASE(running_statistics_after_three_batches) {
    // BatchNorm2d<2> on 3 samples of 2 x 2 x 2, and a custom momentum; by hand in double.
    constexpr index_t C = 2, HW = 4, N = 3;
    constexpr double momentum = 0.25;
    using Layer = BatchNorm2d<C, BatchNormOptions{.momentum = momentum}>;
    Rng rng(32);
    Network<Sequential<Input<C, 2, 2>, Layer>, Cpu, double> net(rng);
    std::vector<double> mean(C, 0.0), var(C, 1.0);
    for (std::uint64_t step = 0; step < 3; ++step) {
        auto xs = normal_values<double>(N * C * HW, 40 + step);
        for (auto& v : xs) v = 2 * v + static_cast<double>(step);
        net.forward(Tensor<Shape<C, 2, 2>, Cpu, double>::from_host(xs));
        for (index_t c = 0; c < C; ++c) {
            double s = 0, ss = 0;
            for (index_t n = 0; n < N; ++n)
                for (index_t k = 0; k < HW; ++k) s += xs[(n * C + c) * HW + k];
            const double mu = s / (N * HW);
            for (index_t n = 0; n < N; ++n)
                for (index_t k = 0; k < HW; ++k) {
                    const double d = xs[(n * C + c) * HW + k] - mu;
                    ss += d * d;
                }
            mean[c] = (1 - momentum) * mean[c] + momentum * mu;
            var[c] = (1 - momentum) * var[c] + momentum * ss / (N * HW - 1);
        }
    }
    const auto& bn = net.layers().layer<0>();
    BOOST_TEST(bn.running_mean.to_host() == mean, boost::test_tools::tolerance(1e-12) <<
               boost::test_tools::per_element());
    BOOST_TEST(bn.running_var.to_host() == var, boost::test_tools::tolerance(1e-12) <<
               boost::test_tools::per_element());
    BOOST_TEST(bn.num_batches_tracked == 3);
}

BOOST_AUTO_TEST_CASE(eval_mode_leaves_running_statistics_alone) {
    Rng rng(33);
    Network<Sequential<Input<3>, BatchNorm1d<3>>, Cpu, double> net(rng);
    net.eval();
    net.forward(Tensor<Shape<3>, Cpu, double>::from_host(normal_values<double>(12, 34)));
    const auto& bn = net.layers().layer<0>();
    BOOST_TEST(bn.running_mean.to_host() == std::vector<double>(3, 0.0),
               boost::test_tools::per_element());
    BOOST_TEST(bn.running_var.to_host() == std::vector<double>(3, 1.0),
               boost::test_tools::per_element());
    BOOST_TEST(bn.num_batches_tracked == 0);
}

BOOST_AUTO_TEST_CASE(dcgan_init) {
    Rng rng(35);
    Network<Sequential<Input<4096>, BatchNorm1d<4096>>> net(rng, Init::dcgan);
    const auto& bn = net.layers().layer<0>();
    const auto w = bn.weight.to_host();
    double mean = 0, sq = 0;
    for (float v : w) mean += v;
    mean /= static_cast<double>(w.size());
    for (float v : w) sq += (v - mean) * (v - mean);
    const double stddev = std::sqrt(sq / static_cast<double>(w.size() - 1));
    BOOST_TEST(mean == 1.0, boost::test_tools::tolerance(0.002));
    BOOST_TEST(stddev == 0.02, boost::test_tools::tolerance(0.05));
    BOOST_TEST(bn.bias.to_host() == std::vector<float>(4096, 0.0f), boost::test_tools::per_element());

    Network<Sequential<Input<8>, BatchNorm1d<8>>> plain(rng);
    BOOST_TEST(plain.layers().layer<0>().weight.to_host() == std::vector<float>(8, 1.0f),
               boost::test_tools::per_element());
}
BOOST_AUTO_TEST_SUITE_END()

// The per-channel sums behind BatchNorm's statistics and the bias gradients, on the host's paths
// (blocks of channels swept a sample at a time when HW is 1) and on the GPU's (an item per
// channel): the same floats on both, each sum within rounding of an exact one, and the maps
// visiting every value once with its channel. Sizes cross the blocks of 64 channels, the 16
// partial-sum lanes and a plane's tail.
template <index_t C, index_t HW, class Dev>
std::vector<float> channel_sums_on(index_t n, const std::vector<float>& x) {
    std::vector<float> sums(2 * C, -1.0f);
    const float* in = x.data();
    float* out = sums.data();
    Dev::template channel_sums<float, C, HW, 2>(
        n, [=](index_t i, index_t c, float* t) { t[0] = in[i]; t[1] = in[i] * static_cast<float>(c + 1); },
        [=](index_t c, const float* total) { out[c] = total[0]; out[C + c] = total[1]; });
    return sums;
}

template <index_t C, index_t HW, class Dev>
void check_channel_values_on(index_t n) {
    std::vector<int> seen(n * C * HW, 0), channel(n * C * HW, -1);
    int* s = seen.data();
    int* ch = channel.data();
    Dev::template for_each_channel_value<C, HW>(n, [=](index_t i, index_t c) { ++s[i]; ch[i] = static_cast<int>(c); });
    for (index_t i = 0; i < n * C * HW; ++i) {
        BOOST_TEST_REQUIRE(seen[i] == 1, "C " << C << " HW " << HW << " value " << i);
        BOOST_TEST_REQUIRE(channel[i] == static_cast<int>(i / HW % C), "C " << C << " HW " << HW << " value " << i);
    }
}

template <index_t C, index_t HW>
void check_channel_loops(index_t n) {
    const auto x = normal_values<float>(n * C * HW, 40 + C + HW);
    const auto host = channel_sums_on<C, HW, Cpu>(n, x);
    const auto generic = channel_sums_on<C, HW, GenericLoopsCpu>(n, x);
    for (index_t c = 0; c < C; ++c) {
        double exact = 0, exact_weighted = 0, magnitude = 0;
        for (index_t j = 0; j < n; ++j)
            for (index_t k = 0; k < HW; ++k) {
                const double v = x[(j * C + c) * HW + k];
                exact += v;
                exact_weighted += v * static_cast<double>(c + 1);
                magnitude += std::abs(v);
            }
        for (index_t q = 0; q < 2; ++q) {
            const index_t at = q * C + c;
            BOOST_TEST_REQUIRE(host[at] == generic[at], "C " << C << " HW " << HW << " sum " << q << " channel " << c);
            const double want = q == 0 ? exact : exact_weighted;
            // Rounding bound of a lane's chain of additions, plus the lanes' pairwise total.
            const double bound = (static_cast<double>(n * HW) / 16 + 6) * 0x1p-24 * magnitude * static_cast<double>(c + 1);
            BOOST_TEST_REQUIRE(std::abs(host[at] - want) <= bound,
                               "C " << C << " HW " << HW << " sum " << q << " channel " << c << ": " << host[at]
                                    << " against " << want);
        }
    }
    check_channel_values_on<C, HW, Cpu>(n);
    check_channel_values_on<C, HW, GenericLoopsCpu>(n);
}

BOOST_AUTO_TEST_CASE(channel_sums_and_maps_on_both_paths) {
    check_channel_loops<130, 1>(37);  // three blocks of channels, the lanes wrapping twice
    check_channel_loops<5, 7>(19);    // planes shorter than the lanes
    check_channel_loops<2, 16>(20);   // a plane of exactly one set of lanes
    check_channel_loops<3, 49>(5);    // a plane with a tail
}

