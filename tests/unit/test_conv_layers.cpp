// Conv2d, ConvTranspose2d and MaxPool2d against PyTorch, by finite differences, and their shapes.
#define BOOST_TEST_MODULE conv_layers
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <limits>

#include "support/golden.hpp"
#include "support/generic_loops.hpp"
#include "support/gradcheck.hpp"

using namespace ctnn;
using ctnn::test::GenericLoopsCpu;
using ctnn::test::check_against_golden;
using ctnn::test::gradcheck;

// Shapes and parameter counts as PyTorch has them.
static_assert(Conv2d<1, 32, 5>::parameter_count == 832);
static_assert(ConvTranspose2d<100, 512, 4, 1, 0, 0, false>::parameter_count == 819'200);
static_assert(std::is_same_v<output_shape_t<Conv2d<3, 64, 4, 2, 1>, 0, Shape<3, 64, 64>>, Shape<64, 32, 32>>);
static_assert(std::is_same_v<output_shape_t<ConvTranspose2d<128, 64, 4, 2, 1>, 0, Shape<128, 7, 7>>, Shape<64, 14, 14>>);
static_assert(std::is_same_v<output_shape_t<ConvTranspose2d<2, 3, 3, 2, 1, 1>, 0, Shape<2, 3, 4>>, Shape<3, 6, 8>>);
static_assert(std::is_same_v<output_shape_t<MaxPool2d<2>, 0, Shape<32, 24, 24>>, Shape<32, 12, 12>>);
static_assert(std::is_same_v<output_shape_t<MaxPool2d<3, 2, 1>, 0, Shape<2, 7, 6>>, Shape<2, 4, 3>>);

using Conv = Sequential<Input<2, 6, 5>, Conv2d<2, 3, 3>>;
using ConvStridePad = Sequential<Input<3, 8, 7>, Conv2d<3, 4, 4, 2, 1>>;
using ConvNoBias = Sequential<Input<1, 5, 6>, Conv2d<1, 2, 5, 1, 2, false>>;
using Deconv = Sequential<Input<3, 4, 3>, ConvTranspose2d<3, 2, 4, 2, 1>>;
using DeconvOutPad = Sequential<Input<2, 3, 4>, ConvTranspose2d<2, 3, 3, 2, 1, 1>>;
using DeconvNoBias = Sequential<Input<4, 1, 1>, ConvTranspose2d<4, 2, 4, 1, 0, 0, false>>;
using Pool = Sequential<Input<2, 6, 5>, MaxPool2d<2>>;
using PoolPad = Sequential<Input<2, 7, 6>, MaxPool2d<3, 2, 1>>;
using Stack = Sequential<Input<1, 14, 14>, Conv2d<1, 4, 3>, LeakyReLU<0.01>, MaxPool2d<2>, Conv2d<4, 4, 3>,
                         LeakyReLU<0.01>, MaxPool2d<2>, Flatten, Linear<16, 5>, LeakyReLU<0.01>, Linear<5, 1>>;

constexpr double rel = 1e-11, abs_ = 1e-12;

BOOST_AUTO_TEST_SUITE(golden_double)
BOOST_AUTO_TEST_CASE(conv2d) { check_against_golden<Conv>("conv2d", rel, abs_); }
BOOST_AUTO_TEST_CASE(conv2d_stride_pad) { check_against_golden<ConvStridePad>("conv2d_stride_pad", rel, abs_); }
BOOST_AUTO_TEST_CASE(conv2d_pad2_nobias) { check_against_golden<ConvNoBias>("conv2d_pad2_nobias", rel, abs_); }
BOOST_AUTO_TEST_CASE(conv_transpose2d) { check_against_golden<Deconv>("conv_transpose2d", rel, abs_); }
BOOST_AUTO_TEST_CASE(conv_transpose2d_outpad) {
    check_against_golden<DeconvOutPad>("conv_transpose2d_outpad", rel, abs_);
}
BOOST_AUTO_TEST_CASE(conv_transpose2d_nobias) {
    check_against_golden<DeconvNoBias>("conv_transpose2d_nobias", rel, abs_);
}
BOOST_AUTO_TEST_CASE(maxpool2d) { check_against_golden<Pool>("maxpool2d", rel, abs_); }
BOOST_AUTO_TEST_CASE(maxpool2d_k3s2p1) { check_against_golden<PoolPad>("maxpool2d_k3s2p1", rel, abs_); }
BOOST_AUTO_TEST_CASE(conv_stack) { check_against_golden<Stack>("conv_stack", 1e-9, 1e-11); }
BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(golden_float)
BOOST_AUTO_TEST_CASE(conv2d) { check_against_golden<ConvStridePad, Cpu, float>("conv2d_stride_pad", 1e-4, 1e-5); }
BOOST_AUTO_TEST_CASE(conv_transpose2d) { check_against_golden<Deconv, Cpu, float>("conv_transpose2d", 1e-4, 1e-5); }
BOOST_AUTO_TEST_CASE(stack) { check_against_golden<Stack, Cpu, float>("conv_stack", 1e-4, 1e-5); }
BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(finite_differences)
BOOST_AUTO_TEST_CASE(conv2d) {
    gradcheck<Conv>();
    gradcheck<ConvStridePad>();
    gradcheck<ConvNoBias>();
}
BOOST_AUTO_TEST_CASE(conv_transpose2d) {
    gradcheck<Deconv>();
    gradcheck<DeconvOutPad>();
    gradcheck<DeconvNoBias>();
}
BOOST_AUTO_TEST_CASE(maxpool2d) {
    gradcheck<Pool>();
    gradcheck<PoolPad>();
}
BOOST_AUTO_TEST_SUITE_END()

// Each layer first, where it alone sees an empty dx when no input gradient is wanted. A frozen
// backward must give the same dx and leave parameters and gradients alone; one without dx the
// same parameter gradients.
template <class Net>
void check_backward_options() {
    using N = Network<Net, Cpu, double>;
    Rng rng(3);
    N net(rng);
    Rng data(4);
    std::vector<double> xs(2 * N::input_shape::size), dys(2 * N::output_shape::size);
    for (auto& v : xs) v = data.normal<double>();
    for (auto& v : dys) v = data.normal<double>();
    const auto x = Tensor<typename N::input_shape, Cpu, double>::from_host(xs);
    const auto dy = Tensor<typename N::output_shape, Cpu, double>::from_host(dys);
    const auto state = [&] {
        std::vector<std::vector<double>> s;
        net.visit_parameters([&](const std::string&, auto& p, auto& g) {
            s.push_back(p.to_host());
            s.push_back(g.to_host());
        });
        return s;
    };
    const auto same = [](const auto& a, const auto& b) {
        BOOST_REQUIRE_EQUAL(a.size(), b.size());
        for (std::size_t i = 0; i < a.size(); ++i)
            BOOST_TEST_CONTEXT(i) { BOOST_TEST(a[i] == b[i], boost::test_tools::per_element()); }
    };
    net.forward(x);
    const auto dx = net.backward(dy, {ParamGrads::accumulate, true}).to_host();
    const auto after = state();
    net.forward(x);
    BOOST_TEST(net.backward_frozen(dy).to_host() == dx, boost::test_tools::per_element());
    same(state(), after);
    net.zero_grad();
    net.forward(x);
    net.backward(dy);
    same(state(), after);
}

BOOST_AUTO_TEST_CASE(frozen_and_no_input_gradient) {
    check_backward_options<Sequential<Input<2, 6, 5>, Conv2d<2, 3, 3, 2, 1>, Tanh>>();
    check_backward_options<Sequential<Input<3, 4, 3>, ConvTranspose2d<3, 2, 4, 2, 1>, Tanh>>();
    check_backward_options<Sequential<Input<2, 7, 6>, MaxPool2d<3, 2, 1>, Conv2d<2, 2, 2>>>();
}

BOOST_AUTO_TEST_CASE(maxpool_first_maximum_wins_ties) {
    // PyTorch sends the gradient of a tied window to its first maximum (row-major order).
    Rng rng(1);
    Network<Sequential<Input<1, 2, 2>, MaxPool2d<2>>> pool(rng);
    const auto x = Tensor<Shape<1, 2, 2>, Cpu>::from_host({0.5f, 2.0f, 2.0f, 1.0f});
    BOOST_TEST(pool.forward(x).to_host()[0] == 2.0f);
    const auto dx = pool.backward(Tensor<Shape<1, 1, 1>, Cpu>::from_host({3.0f}), {ParamGrads::accumulate, true}).to_host();
    const std::vector<float> want{0.0f, 3.0f, 0.0f, 0.0f};
    BOOST_TEST(dx == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(maxpool_propagates_the_first_nan) {
    // torch.nn.MaxPool2d: a NaN in a window is its maximum, and the first NaN gets the gradient.
    Rng rng(1);
    Network<Sequential<Input<1, 2, 4>, MaxPool2d<2>>> pool(rng);
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const auto x = Tensor<Shape<1, 2, 4>, Cpu>::from_host({1.0f, nan, 5.0f, 6.0f, nan, 9.0f, 7.0f, 8.0f});
    const auto y = pool.forward(x).to_host();
    BOOST_TEST(std::isnan(y[0]));
    BOOST_TEST(y[1] == 8.0f);
    const auto dx = pool.backward(Tensor<Shape<1, 1, 2>, Cpu>::from_host({3.0f, 4.0f}), {ParamGrads::accumulate, true}).to_host();
    const std::vector<float> want{0.0f, 3.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 4.0f};
    BOOST_TEST(dx == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(dcgan_init_scheme) {
    Rng rng(5);
    Network<Sequential<Input<64, 8, 8>, Conv2d<64, 128, 4, 2, 1>, ConvTranspose2d<128, 64, 4, 2, 1>>> net(rng, Init::dcgan);
    net.visit_parameters([](const std::string& name, auto& p, auto&) {
        if (name.find("weight") == std::string::npos) return;
        const auto v = p.to_host();
        double mean = 0, sq = 0;
        for (float e : v) mean += e;
        mean /= static_cast<double>(v.size());
        for (float e : v) sq += (e - mean) * (e - mean);
        const double sd = std::sqrt(sq / static_cast<double>(v.size()));
        BOOST_TEST_CONTEXT(name) {
            BOOST_TEST(std::abs(mean) < 0.001);
            BOOST_TEST(std::abs(sd - 0.02) < 0.001);
        }
    });
}

// A batch whose columns exceed the device's column_budget is built, multiplied and consumed in
// blocks of samples (layers/im2col.hpp). Here blocks of 10 + 10 + 3 (Conv2d: 800 x 64 columns per
// sample) and 20 + 20 + 5 (ConvTranspose2d: 512 x 49): the batch must give each sample's output and
// input gradient as that sample alone does, and the sum of their parameter gradients.
template <class Net>
void check_blocked_batch(index_t batch, index_t columns_per_sample) {
    using N = Network<Net, Cpu, double>;
    using In = typename N::input_shape;
    using Out = typename N::output_shape;
    BOOST_REQUIRE(2 * (Cpu::column_budget / columns_per_sample) < batch);  // three blocks or more
    Rng rng_whole(6), rng_single(6);
    N whole(rng_whole), single(rng_single);
    Rng data(7);
    std::vector<double> xs(batch * In::size), dys(batch * Out::size);
    for (auto& v : xs) v = data.normal<double>();
    for (auto& v : dys) v = data.normal<double>();
    const auto x = Tensor<In, Cpu, double>::from_host(xs);  // backward reads the input again
    const auto y = whole.forward(x).to_host();
    const auto dx = whole.backward(Tensor<Out, Cpu, double>::from_host(dys), {ParamGrads::accumulate, true}).to_host();
    const auto close = [](double a, double b) { return std::abs(a - b) <= 1e-12 * (1 + std::abs(b)); };
    for (index_t s = 0; s < batch; ++s) {
        const auto pick = [s](const std::vector<double>& v, index_t size) {
            return std::vector<double>(v.begin() + s * size, v.begin() + (s + 1) * size);
        };
        const auto xs1 = Tensor<In, Cpu, double>::from_host(pick(xs, In::size));
        const auto ys = single.forward(xs1).to_host();
        const auto dxs = single.backward(Tensor<Out, Cpu, double>::from_host(pick(dys, Out::size)), {ParamGrads::accumulate, true}).to_host();
        for (index_t i = 0; i < Out::size; ++i) BOOST_TEST_REQUIRE(close(y[s * Out::size + i], ys[i]), "sample " << s << " y " << i);
        for (index_t i = 0; i < In::size; ++i) BOOST_TEST_REQUIRE(close(dx[s * In::size + i], dxs[i]), "sample " << s << " dx " << i);
    }
    std::vector<std::vector<double>> grads;
    whole.visit_parameters([&](const std::string&, auto&, auto& g) { grads.push_back(g.to_host()); });
    std::size_t k = 0;
    single.visit_parameters([&](const std::string& name, auto&, auto& g) {
        const auto sum = g.to_host();
        for (std::size_t i = 0; i < sum.size(); ++i) BOOST_TEST_REQUIRE(close(grads[k][i], sum[i]), name << " " << i);
        ++k;
    });
}

BOOST_AUTO_TEST_CASE(batches_larger_than_a_block_of_columns) {
    check_blocked_batch<Sequential<Input<32, 12, 12>, Conv2d<32, 64, 5>>>(23, 800 * 64);
    check_blocked_batch<Sequential<Input<64, 7, 7>, ConvTranspose2d<64, 32, 4, 2, 1>>>(45, 512 * 49);
}

// im2col and col2im against their definitions, element by element, where padding cuts taps off
// on either side: kernels 1-5, strides 1-3, paddings up to K - 1, even and odd sizes, and
// inputs narrower than the kernel's reach. Each entry of x is distinct, so a misplaced copy shows.
// Both paths: the host's zero-bordered plane (Cpu) and the per-element bounds tests that the GPU
// and planes too large for a thread's stack take (GenericLoopsCpu).

template <detail::ConvGeometry G, class Dev>
void check_im2col_definition() {
    constexpr index_t batch = 2;
    std::vector<double> x(batch * G.image_size()), cols(G.rows() * batch * G.cols(), -1.0);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<double>(i + 1);
    Dev::template im2col<G>(x.data(), cols.data(), batch);
    std::vector<double> back(x.size(), -1.0), expected_back(x.size(), 0.0);
    std::vector<double> weights(cols.size());
    for (std::size_t i = 0; i < weights.size(); ++i) weights[i] = static_cast<double>((i * 37) % 101) / 8;
    Dev::template col2im<G>(weights.data(), back.data(), batch);
    for (index_t n = 0; n < batch; ++n)
        for (index_t c = 0; c < G.C; ++c)
            for (index_t kh = 0; kh < G.K; ++kh)
                for (index_t kw = 0; kw < G.K; ++kw)
                    for (index_t oh = 0; oh < G.OH; ++oh)
                        for (index_t ow = 0; ow < G.OW; ++ow) {
                            const auto ih = static_cast<long>(oh * G.S + kh) - static_cast<long>(G.P);
                            const auto iw = static_cast<long>(ow * G.S + kw) - static_cast<long>(G.P);
                            const bool inside = ih >= 0 && iw >= 0 && ih < static_cast<long>(G.H) && iw < static_cast<long>(G.W);
                            const index_t pixel = inside ? ((n * G.C + c) * G.H + ih) * G.W + iw : 0;
                            const index_t at = ((c * G.K + kh) * G.K + kw) * batch * G.cols() + n * G.cols() + oh * G.OW + ow;
                            BOOST_TEST_REQUIRE(cols[at] == (inside ? x[pixel] : 0.0),
                                               "K " << G.K << " S " << G.S << " P " << G.P << " W " << G.W << " at " << at);
                            if (inside) expected_back[pixel] += weights[at];
                        }
    for (std::size_t i = 0; i < x.size(); ++i)
        BOOST_TEST_REQUIRE(back[i] == expected_back[i], "col2im K " << G.K << " S " << G.S << " P " << G.P << " pixel " << i);
}

template <index_t C, index_t H, index_t W, index_t K, index_t S, index_t P>
constexpr detail::ConvGeometry geometry{C, H, W, K, S, P, detail::conv_out(H, K, S, P), detail::conv_out(W, K, S, P)};

template <detail::ConvGeometry G>
void check_im2col_definition_on_both_paths() {
    static_assert(detail::padded_plane_fits<G, double>);  // the Cpu takes the zero-bordered plane
    check_im2col_definition<G, Cpu>();
    check_im2col_definition<G, GenericLoopsCpu>();
}

BOOST_AUTO_TEST_CASE(im2col_and_col2im_follow_their_definitions) {
    check_im2col_definition_on_both_paths<geometry<2, 5, 6, 1, 1, 0>>();
    check_im2col_definition_on_both_paths<geometry<2, 5, 6, 3, 1, 1>>();
    check_im2col_definition_on_both_paths<geometry<2, 5, 6, 3, 2, 2>>();
    check_im2col_definition_on_both_paths<geometry<1, 7, 7, 4, 2, 1>>();
    check_im2col_definition_on_both_paths<geometry<1, 8, 9, 4, 3, 3>>();
    check_im2col_definition_on_both_paths<geometry<3, 4, 3, 5, 1, 2>>();  // the kernel reaches past both sides
    check_im2col_definition_on_both_paths<geometry<1, 2, 2, 5, 2, 4>>();  // some taps never touch the image
    check_im2col_definition_on_both_paths<geometry<2, 9, 6, 5, 3, 0>>();
}
