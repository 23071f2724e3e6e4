// The Thrust device (on Thrust's OpenMP system) against the Cpu device: same parameters, same
// inputs, same outputs and gradients. This is the code path the Cuda device shares.
#include <ctnn/device/thrust_omp.hpp>

#define BOOST_TEST_MODULE thrust_parity
#include <boost/test/unit_test.hpp>

#include <ctnn/ctnn.hpp>
#include <ctnn/models/seeds.hpp>

#include <cmath>

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

    const auto yc = cpu.forward(Tensor<In, Cpu, T>::from_host(xs)).to_host();
    const auto xt = Tensor<In, ThrustOmp, T>::from_host(xs);
    const auto yt = thr.forward(xt).to_host();
    close("output", yc, yt);
    const auto xc = Tensor<In, Cpu, T>::from_host(xs);
    cpu.forward(xc);
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
