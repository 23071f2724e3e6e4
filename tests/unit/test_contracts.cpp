// The contracts as concepts: every device, layer, loss and loss term passes its own (a compile
// test: the static_asserts are the checks), and a layer written from the Layer contract alone runs
// in a network. ThrustOmp and Cuda are checked where they are defined (device/thrust_omp.hpp,
// device/cuda.hpp); tests/compile_fail/device_missing_member.cpp shows a device that misses a
// member refused by name.
#define BOOST_TEST_MODULE contracts
#include <boost/test/unit_test.hpp>

#include <ctnn/ctnn.hpp>

#include <vector>

#include "support/generic_loops.hpp"

using namespace ctnn;
using ctnn::test::GenericLoopsCpu;

static_assert(Device<Cpu> && Device<GenericLoopsCpu>);
struct NoKernels : detail::CpuLoops {};
static_assert(!Device<NoKernels>);

namespace {

template <class In, class... Layers>
constexpr bool all_layers_on_every_host_device() {
    return ((Layer<Layers, In, Cpu, float> && Layer<Layers, In, Cpu, double> && Layer<Layers, In, GenericLoopsCpu, float>) && ...);
}

using Image = Shape<2, 6, 6>;
using Flat = Shape<8>;
static_assert(all_layers_on_every_host_device<Image, Conv2d<2, 3, 3>, Conv2d<2, 4, 3, 2, 1, false>, ConvTranspose2d<2, 3, 3, 2, 1, 1>,
                                              MaxPool2d<2>, MaxPool2d<3, 2, 1>, BatchNorm2d<2>, Dropout<0.3>, ReLU,
                                              LeakyReLU<0.2>, Tanh, Sigmoid, Flatten, Reshape<72>,
                                              SpectralNorm<Conv2d<2, 3, 3>>, SpectralNorm<ConvTranspose2d<2, 3, 3, 2, 1, 1>>>());
static_assert(all_layers_on_every_host_device<Flat, Linear<8, 4>, Linear<8, 4, false>, BatchNorm1d<8>, Dropout<0.5>,
                                              Reshape<2, 2, 2>, Sequential<Linear<8, 3>, ReLU>, SpectralNorm<Linear<8, 4>>>());
static_assert(all_layers_on_every_host_device<Shape<1>, Embedding<5, 3>, Sequential<Embedding<5, 3>, Linear<3, 2>>>() &&
              all_layers_on_every_host_device<Flat, ConcatLabel<Embedding<5, 3>>>() &&
              all_layers_on_every_host_device<Image, ConcatLabel<Embedding<5, 36>, Along::channels>>());
static_assert(Layer<Sequential<Input<8>, Linear<8, 3>>, Flat>);  // Cpu and float by default
static_assert(!Layer<int, Flat> && !Layer<Linear<8, 4>, int>);

// Every element-wise loss term, and every loss function with its kind of target.
static_assert(LossTerm<detail::BceTerm, float> && LossTerm<detail::BceWithLogitsTerm, double> &&
              LossTerm<detail::SquaredErrorTerm<float>, float> && LossTerm<detail::SignedScoreTerm<float>, float> &&
              LossTerm<detail::ContinuousBernoulliTerm<double>, double>);
using S = Shape<3>;
template <class T>
using Tgt = Target<S, Cpu, T>;
constexpr auto bce_fn = [](auto x, auto y, auto g, Reduction r = Reduction::mean) { return bce(x, y, g, r); };
constexpr auto logits_fn = [](auto x, auto y, auto g, Reduction r = Reduction::mean) { return bce_with_logits(x, y, g, r); };
constexpr auto mse_fn = [](auto x, auto y, auto g, Reduction r = Reduction::mean) { return mse(x, y, g, r); };
constexpr auto ls_fn = [](auto x, auto y, auto g, Reduction r = Reduction::mean) { return least_squares(x, y, g, r); };
constexpr auto cb_fn = [](auto x, auto y, auto g, Reduction r = Reduction::mean) { return continuous_bernoulli_nll(x, y, g, r); };
constexpr auto w_fn = [](auto x, auto sign, auto g, Reduction r = Reduction::mean) { return wasserstein(x, sign, g, r); };
constexpr auto adv_fn = [](auto x, auto label, auto g, Reduction r = Reduction::mean) {
    return adversarial_loss(AdversarialLoss::least_squares, x, label, g, r);
};
constexpr auto kl_fn = [](auto x, std::nullptr_t, auto g, Reduction r = Reduction::mean) { return gaussian_kl(x, g, r); };
constexpr auto ce_fn = [](auto x, auto labels, auto g, Reduction r = Reduction::mean) { return cross_entropy(x, labels, g, r); };
static_assert(Loss<decltype(bce_fn), S, Cpu, float, Tgt<float>> && Loss<decltype(logits_fn), S, Cpu, double, Tgt<double>> &&
              Loss<decltype(mse_fn), S, Cpu, float, Tgt<float>> && Loss<decltype(ls_fn), S, Cpu, float, Tgt<float>> &&
              Loss<decltype(cb_fn), S, Cpu, float, Tgt<float>> && Loss<decltype(w_fn), S, Cpu, float, float> &&
              Loss<decltype(adv_fn), S, Cpu, float, float> && Loss<decltype(kl_fn), Shape<4>, Cpu, float, std::nullptr_t> &&
              Loss<decltype(ce_fn), S, Cpu, float, ConstView<Shape<1>, Cpu, std::int32_t>>);

/// A layer written from the contract in layers/layer.hpp alone: y = 2x, with nothing cached.
struct Double {
    static constexpr std::string_view type_name = "Double";
    static constexpr index_t parameter_count = 0;
    static constexpr bool per_sample = true;
    template <index_t, AnyShape In>
    static consteval auto infer() {
        return In{};
    }
    template <AnyShape In, class Dev, class T>
    struct impl : LayerBase<In, In, Dev, T> {
        using Base = LayerBase<In, In, Dev, T>;
        void forward(typename Base::in_view x, typename Base::out_view y, const ForwardContext&) {
            Dev::map(x.size(), x.data(), y.data(), Twice{});
        }
        void backward(typename Base::in_view, typename Base::out_cview, typename Base::out_cview dy,
                      typename Base::in_grad_view dx, ParamGrads) {
            if (!dx.empty()) Dev::map(dy.size(), dy.data(), dx.data(), Twice{});
        }
        struct Twice {
            CTNN_HD T operator()(T v) const { return T(2) * v; }
        };
    };
};
static_assert(Layer<Double, Flat> && Layer<Double, Image, GenericLoopsCpu, double>);

}  // namespace

BOOST_AUTO_TEST_CASE(a_layer_written_from_the_contract_runs_in_a_network) {
    Rng rng(3);
    Network<Sequential<Input<3>, Double, Linear<3, 2>, Double>> net(rng);
    const auto x = Tensor<Shape<3>, Cpu>::from_host({1.0f, -2.0f, 0.5f, 4.0f, 0.0f, -1.0f});
    std::vector<float> w, b;
    net.visit_parameters([&](const std::string& name, auto& p, auto&) { (name == "1.weight" ? w : b) = p.to_host(); });
    const auto y = net.forward(x).to_host();
    BOOST_REQUIRE(y.size() == 4u);
    for (index_t n = 0; n < 2; ++n)
        for (index_t o = 0; o < 2; ++o) {
            float want = b[o];
            for (index_t i = 0; i < 3; ++i) want += w[o * 3 + i] * 2 * x.to_host()[n * 3 + i];
            BOOST_TEST(y[n * 2 + o] == 2 * want, boost::test_tools::tolerance(1e-5f));
        }
    const auto dx = net.backward(Tensor<Shape<2>, Cpu>::from_host({1, 0, 0, 1}), {ParamGrads::accumulate, true}).to_host();
    for (index_t i = 0; i < 3; ++i) {  // sample 0's gradient: 2 * 2 * W[0][i]
        BOOST_TEST(dx[i] == 4 * w[i], boost::test_tools::tolerance(1e-5f));
        BOOST_TEST(dx[3 + i] == 4 * w[3 + i], boost::test_tools::tolerance(1e-5f));
    }
}
