// The Thrust device (on Thrust's OpenMP system) against the Cpu device: same parameters, same
// inputs, same outputs and gradients. This is the code path the Cuda device shares.
#include <ctnn/device/thrust_omp.hpp>

#define BOOST_TEST_MODULE thrust_parity
#include <boost/test/unit_test.hpp>

#include <ctnn/ctnn.hpp>
#include <ctnn/models/seeds.hpp>
#include <ctnn/train/gan.hpp>
#include <ctnn/train/vae.hpp>

#include <cmath>
#include <limits>

#include "support/parity.hpp"

using namespace ctnn;

namespace {

/// Runs Net on both devices with the same seed and compares everything a training step reads.
template <class Net, class T = float>
void check_parity(index_t batch, double tol) {
    Rng rc(11), rt(11);
    Network<Net, Cpu, T> cpu(rc);
    Network<Net, ThrustOmp, T> thr(rt);
    using In = typename Network<Net, Cpu, T>::input_shape;
    using Out = typename Network<Net, Cpu, T>::output_shape;
    Rng data(5);
    std::vector<T> xs(batch * In::size), gs(batch * Out::size);
    for (auto& v : xs) v = data.normal<T>();
    for (auto& v : gs) v = data.normal<T>();
    const auto close = [&](const std::string& what, const std::vector<T>& a, const std::vector<T>& b) {
        test::expect_same_on_devices(what, a, b, tol);
    };
    // Same initial parameters (both drew from the same seed).
    std::vector<std::vector<T>> pc;
    cpu.visit_parameters([&](const std::string&, auto& p, auto&) { pc.push_back(p.to_host()); });
    std::size_t k = 0;
    thr.visit_parameters([&](const std::string& n, auto& p, auto&) { close("init " + n, pc[k++], p.to_host()); });

    // One forward each (a second would draw new Dropout masks on one side only).
    const auto xc = Tensor<In, Cpu, T>::from_host(xs);
    const auto yc = cpu.forward(xc).to_host();
    const auto xt = Tensor<In, ThrustOmp, T>::from_host(xs);
    const auto yt = thr.forward(xt).to_host();
    close("output", yc, yt);
    const auto dxc = cpu.backward(Tensor<Out, Cpu, T>::from_host(gs), {ParamGrads::accumulate, true}).to_host();
    const auto dxt = thr.backward(Tensor<Out, ThrustOmp, T>::from_host(gs), {ParamGrads::accumulate, true}).to_host();
    close("grad_input", dxc, dxt);
    std::vector<std::vector<T>> gc;
    cpu.visit_parameters([&](const std::string&, auto&, auto& g) { gc.push_back(g.to_host()); });
    k = 0;
    thr.visit_parameters([&](const std::string& n, auto&, auto& g) { close("grad " + n, gc[k++], g.to_host()); });
}

}  // namespace

BOOST_AUTO_TEST_CASE(linear) { check_parity<Sequential<Input<33>, Linear<33, 17>>>(9, 1e-5); }

BOOST_AUTO_TEST_CASE(activations) {
    check_parity<Sequential<Input<3, 8, 8>, ReLU, Tanh, LeakyReLU<0.2>, Sigmoid>>(4, 1e-6);
}

BOOST_AUTO_TEST_CASE(mlp_gan_discriminator) {
    // seed 003's MLP discriminator, large enough that loops run on several threads.
    check_parity<Sequential<Input<1, 28, 28>, Flatten, Linear<784, 256>, LeakyReLU<0.01>,
                            Linear<256, 256>, LeakyReLU<0.01>, Linear<256, 1>>>(64, 1e-4);
}

BOOST_AUTO_TEST_CASE(generator_in_double) {
    check_parity<Sequential<Input<10>, Linear<10, 64>, ReLU, Linear<64, 49>, Tanh, Reshape<1, 7, 7>>,
                 double>(16, 1e-12);
}

BOOST_AUTO_TEST_CASE(dcgan_discriminator) {
    // Convolutions, pooling (im2col, col2im and MaxPool's gathers) on Thrust.
    check_parity<models::DcganDiscriminator>(6, 1e-4);
}

BOOST_AUTO_TEST_CASE(dcgan_generator) {
    // BatchNorm in train mode and transposed convolutions on Thrust.
    check_parity<models::DcganGenerator<>>(6, 1e-4);
}

BOOST_AUTO_TEST_CASE(reductions) {
    // Dev::sum: Thrust's transform_reduce and the Cpu's fixed-order chunked sum agree.
    const index_t n = 100'003;
    const auto f = [] CTNN_HD(index_t i) { return 1.0 / (1.0 + static_cast<double>(i)); };
    const double a = Cpu::sum<double>(n, f), b = ThrustOmp::sum<double>(n, f);
    BOOST_TEST(std::abs(a - b) < 1e-10);
    double ref = 0;
    for (index_t i = 0; i < n; ++i) ref += f(i);
    BOOST_TEST(std::abs(a - ref) < 1e-10);
}

BOOST_AUTO_TEST_CASE(dropout_and_batchnorm) {
    // Dropout's masks are seeded by the Rng and drawn from a counter-based stream, so the same
    // seed masks the same units on both.
    check_parity<Sequential<Input<16>, Linear<16, 8>, BatchNorm1d<8>, ReLU, Dropout<0.3>, Linear<8, 4>>>(8, 1e-5);
}

BOOST_AUTO_TEST_CASE(whole_buffer_ops) {
    // The divergence guard's count and the WGAN clip (device/ops.hpp).
    std::vector<float> x{1.0f, -3.0f, 0.5f, 7.0f, -0.25f};
    x.push_back(std::numeric_limits<float>::infinity());
    x.push_back(std::numeric_limits<float>::quiet_NaN());
    auto c = Tensor<Shape<1>, Cpu, float>::from_host(x);
    auto t = Tensor<Shape<1>, ThrustOmp, float>::from_host(x);
    BOOST_TEST(ops::count_nonfinite<Cpu>(c.data(), c.size()) == 2u);
    BOOST_TEST(ops::count_nonfinite<ThrustOmp>(t.data(), t.size()) == 2u);
    x.resize(5);
    c = Tensor<Shape<1>, Cpu, float>::from_host(x);
    t = Tensor<Shape<1>, ThrustOmp, float>::from_host(x);
    ops::clamp<Cpu>(c.data(), c.size(), -0.5f, 0.5f);
    ops::clamp<ThrustOmp>(t.data(), t.size(), -0.5f, 0.5f);
    test::expect_same_on_devices("clamp", c.to_host(), t.to_host(), 0.0);
    BOOST_TEST(c.to_host() == (std::vector<float>{0.5f, -0.5f, 0.5f, 0.5f, -0.25f}), boost::test_tools::per_element());
}

namespace {
// Small networks: the whole-step cases check the training objects' code on both devices, which
// does not need the seeds' widths (and every layer type costs both devices' compile time).
using GanG = Sequential<Input<2>, Linear<2, 8>, ReLU, Linear<8, 2>, Tanh>;
using GanD = Sequential<Input<2>, Linear<2, 8>, LeakyReLU<0.2>, Linear<8, 1>, Sigmoid>;
using VaeE = Sequential<Input<6>, Linear<6, 8>, ReLU, Linear<8, 4>>;  // mu and log-variance of Z = 2
using VaeD = Sequential<Input<2>, Linear<2, 8>, ReLU, Linear<8, 6>>;

/// Three Gan::step iterations (and the parameters after them) on Dev from seed 3.
template <class Dev>
std::vector<float> gan_steps(AdversarialLoss loss) {
    Rng rng(3);
    Gan<GanG, GanD, Adam<Dev, float>, Adam<Dev, float>, Dev> gan(rng, {.loss = loss, .d_steps = 2, .weight_clip = 0.05},
                                                                 {.lr = 1e-3}, {.lr = 1e-3});
    Rng data(4);
    Tensor<Shape<2>, Dev, float> real;
    std::vector<float> out;
    for (int s = 0; s < 3; ++s) {
        const auto l = gan.step([&] {
            std::vector<float> host(16 * 2);
            for (auto& v : host) v = data.normal<float>();
            real = Tensor<Shape<2>, Dev, float>::from_host(host);
            return real.cview();
        });
        out.push_back(static_cast<float>(l.d_loss));
        out.push_back(static_cast<float>(l.g_loss));
    }
    gan.generator.visit_parameters([&](const std::string&, auto& p, auto&) {
        const auto v = p.to_host();
        out.insert(out.end(), v.begin(), v.end());
    });
    return out;
}

/// Two Vae::step iterations (their losses, eps drawn from the Vae's Rng, and the decoder's
/// output) on Dev from seed 6.
template <class Dev>
std::vector<float> vae_steps() {
    Rng rng(6);
    Vae<VaeE, VaeD, Adam<Dev, float>, Dev> vae(rng, {}, {.lr = 1e-3});
    Rng data(7);
    std::vector<float> pixels(8 * 6);
    for (auto& v : pixels) v = data.uniform<float>(0.0f, 1.0f);
    const auto x = Tensor<Shape<6>, Dev, float>::from_host(pixels);
    std::vector<float> out;
    for (int s = 0; s < 2; ++s) {
        const auto l = vae.step(x.cview(), x.cview());
        out.push_back(static_cast<float>(l.reconstruction));
        out.push_back(static_cast<float>(l.kl));
    }
    const auto y = vae.decoder.output().to_host();
    out.insert(out.end(), y.begin(), y.end());
    return out;
}
}  // namespace

BOOST_AUTO_TEST_CASE(gan_steps_agree) {
    // The whole iteration the trainers run: noise, D steps, G step through a frozen D, Adam,
    // the divergence guard, and for the Wasserstein loss the clipping of D's weights.
    test::expect_same_on_devices("bce", gan_steps<Cpu>(AdversarialLoss::bce), gan_steps<ThrustOmp>(AdversarialLoss::bce),
                                 1e-4);
    test::expect_same_on_devices("wasserstein", gan_steps<Cpu>(AdversarialLoss::wasserstein),
                                 gan_steps<ThrustOmp>(AdversarialLoss::wasserstein), 1e-4);
}

BOOST_AUTO_TEST_CASE(vae_steps_agree) {
    test::expect_same_on_devices("vae", vae_steps<Cpu>(), vae_steps<ThrustOmp>(), 1e-4);
}
