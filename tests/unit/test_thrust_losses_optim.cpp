// The losses and optimizers on the Thrust device (Thrust's OpenMP system) against the Cpu device:
// the code path the Cuda device shares.
#include <ctnn/device/thrust_omp.hpp>

#define BOOST_TEST_MODULE thrust_losses_optim
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstdint>

#include <ctnn/ctnn.hpp>

#include "support/parity.hpp"

using namespace ctnn;

namespace {


/// loss(input, target, grad) on both devices, on a batch large enough for several threads.
template <AnyShape S, class Loss>
void loss_parity(const std::string& what, const std::vector<double>& x, const std::vector<double>& t, Loss loss) {
    const auto run = [&]<class Dev>(Dev) {
        const auto xd = Tensor<S, Dev, double>::from_host(x);
        const auto td = Tensor<S, Dev, double>::from_host(t);
        Tensor<S, Dev, double> g(xd.batch());
        const double v = loss(xd.cview(), td.cview(), g.view());
        return std::pair{v, g.to_host()};
    };
    const auto [vc, gc] = run(Cpu{});
    const auto [vt, gt] = run(ThrustOmp{});
    test::expect_same_on_devices<double>(what + " loss", {vc}, {vt}, 1e-12);
    test::expect_same_on_devices(what + " grad", gc, gt, 1e-15);
}

std::vector<double> draw(std::size_t n, double lo, double hi, std::uint64_t seed) {
    Rng rng(seed);
    std::vector<double> v(n);
    for (auto& e : v) e = rng.uniform<double>(lo, hi);
    return v;
}

using Image = Shape<1, 28, 28>;
constexpr std::size_t batch = 64;

}  // namespace

BOOST_AUTO_TEST_CASE(elementwise_losses) {
    const std::size_t n = batch * Image::size;
    const auto logits = draw(n, -8, 8, 1), probs = draw(n, 0, 1, 2), pixels = draw(n, 0, 1, 3);
    for (const auto r : {Reduction::mean, Reduction::sum, Reduction::sum_per_sample_mean}) {
        loss_parity<Image>("bce", probs, pixels, [r](auto x, auto t, auto g) { return bce(x, t, g, r); });
        loss_parity<Image>("bce_with_logits", logits, pixels,
                           [r](auto x, auto t, auto g) { return bce_with_logits(x, t, g, r); });
        loss_parity<Image>("bce_with_logits label", logits, pixels,
                           [r](auto x, auto, auto g) { return bce_with_logits(x, 0.9, g, r); });
        loss_parity<Image>("mse", logits, pixels, [r](auto x, auto t, auto g) { return mse(x, t, g, r); });
        loss_parity<Image>("least_squares", logits, pixels,
                           [r](auto x, auto, auto g) { return least_squares(x, 1.0, g, r); });
        loss_parity<Image>("wasserstein", logits, pixels,
                           [r](auto x, auto, auto g) { return wasserstein(x, -1.0, g, r); });
        loss_parity<Image>("continuous_bernoulli_nll", logits, pixels,
                           [r](auto x, auto t, auto g) { return continuous_bernoulli_nll(x, t, g, r, 0.5); });
    }
}

BOOST_AUTO_TEST_CASE(per_sample_losses) {
    const auto stats = draw(batch * 40, -3, 3, 4);
    loss_parity<Shape<40>>("gaussian_kl", stats, stats, [](auto x, auto, auto g) { return gaussian_kl(x, g); });
    std::vector<std::int32_t> labels(batch);
    for (std::size_t i = 0; i < batch; ++i) labels[i] = static_cast<std::int32_t>((i * 7) % 10);
    const auto logits = draw(batch * 10, -20, 20, 5);
    loss_parity<Shape<10>>("cross_entropy", logits, logits, [&](auto x, auto, auto g) {
        using Dev = typename decltype(x)::device;
        const auto y = Tensor<Shape<1>, Dev, std::int32_t>::from_host(labels);
        return cross_entropy(x, y, g, Reduction::sum);
    });
}

namespace {

using Mlp = Sequential<Input<784>, Linear<784, 64>, LeakyReLU<0.2>, Linear<64, 1>>;

/// Five steps of Opt on both devices from the same parameters and gradients.
template <template <class, class> class Opt, class Options>
void optimizer_parity(const std::string& what, Options options) {
    const auto run = [&]<class Dev>(Dev) {
        Rng rng(9);
        Network<Mlp, Dev, double> net(rng);
        Opt<Dev, double> opt(net, options);
        for (std::uint64_t s = 0; s < 5; ++s) {
            std::uint64_t k = 0;
            net.visit_parameters([&](const std::string&, auto& p, auto& grad) {
                grad.copy_from_host(draw(p.size(), -1, 1, 100 * s + k++));
            });
            opt.step();
        }
        std::vector<double> out;
        net.visit_parameters([&](const std::string&, auto& p, auto&) {
            const auto v = p.to_host();
            out.insert(out.end(), v.begin(), v.end());
        });
        opt.visit_state([&](const std::string&, auto& st) {
            if constexpr (!std::is_integral_v<std::remove_cvref_t<decltype(st)>>) {
                const auto v = st.to_host();
                out.insert(out.end(), v.begin(), v.end());
            }
        });
        return out;
    };
    test::expect_same_on_devices(what, run(Cpu{}), run(ThrustOmp{}), 1e-14);
}

}  // namespace

BOOST_AUTO_TEST_CASE(optimizers) {
    optimizer_parity<Adam>("adam", AdamOptions{.lr = 2e-4, .beta1 = 0.5, .weight_decay = 1e-5});
    optimizer_parity<SGD>("sgd nesterov", SGDOptions{.lr = 0.05, .momentum = 0.9, .weight_decay = 0.01, .nesterov = true});
    optimizer_parity<RMSprop>("rmsprop centered momentum",
                              RMSpropOptions{.weight_decay = 0.01, .momentum = 0.5, .centered = true});
}
