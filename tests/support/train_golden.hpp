// Whole training steps against PyTorch (tests/reference/golden_gan.py) on any device: one GAN
// iteration per loss kind and one VAE step per reconstruction; WGAN-GP's penalty and its
// parameter gradient (golden_wgan_gp.py). test_gan and test_vae run them on
// the Cpu, test_cuda_golden on the Cuda device.
#pragma once

#include <ctnn/ctnn.hpp>
#include <ctnn/train/gan.hpp>
#include <ctnn/train/vae.hpp>

#include <string>

#include "support/golden.hpp"

namespace ctnn::test {

namespace golden_steps {
// The networks golden_gan.py trains.
using G = Sequential<Input<3>, Linear<3, 8>, ReLU, Linear<8, 4>, Tanh>;
using DLogits = Sequential<Input<4>, Linear<4, 8>, LeakyReLU<0.2>, Linear<8, 1>>;
using DProb = Sequential<Input<4>, Linear<4, 8>, LeakyReLU<0.2>, Linear<8, 1>, Sigmoid>;
using E = Sequential<Input<6>, Linear<6, 8>, ReLU, Linear<8, 4>>;
using D = Sequential<Input<2>, Linear<2, 8>, ReLU, Linear<8, 6>>;

template <class Dev, class Disc>
using SmallGan = Gan<G, Disc, Adam<Dev, double>, Adam<Dev, double>, Dev, double>;
template <class Dev>
using SmallVae = Vae<E, D, Adam<Dev, double>, Dev, double>;

/// Sets every parameter of `net` to the golden record "<prefix>:<name>".
template <class NetT>
void load_params(NetT& net, const GoldenFile& g, const std::string& prefix) {
    net.visit_parameters([&](const std::string& name, auto& p, auto&) { p.copy_from_host(g.at(prefix + ":" + name).materialize()); });
}
/// Checks every parameter of `net` against the golden record "<prefix>:<name>".
template <class NetT>
void expect_params(NetT& net, const GoldenFile& g, const std::string& prefix) {
    net.visit_parameters([&](const std::string& name, auto& p, auto&) {
        expect_close(prefix + ":" + name, p.to_host(), g.at(prefix + ":" + name), 1e-10, 1e-12);
    });
}

/// One D step and one G step from the golden file "gan_<name>".
template <class Dev, class Disc>
void check_gan_iteration(const std::string& name, AdversarialLoss loss, double real_label = 1,
                         double fake_label = 0, double clip = 0.01) {
    BOOST_TEST_CONTEXT(name) {
        const GoldenFile g("gan_" + name);
        Rng rng(1);
        GanOptions opts;
        opts.loss = loss;
        opts.real_label = real_label;
        opts.fake_label = fake_label;
        opts.weight_clip = clip;
        const AdamOptions adam{.lr = 0.01, .beta1 = 0.5, .beta2 = 0.999};
        SmallGan<Dev, Disc> gan(rng, opts, adam, adam);
        load_params(gan.generator, g, "g.param");
        load_params(gan.discriminator, g, "d.param");
        const auto real = Tensor<Shape<4>, Dev, double>::from_host(g.at("real").materialize());
        const auto z1 = Tensor<Shape<3>, Dev, double>::from_host(g.at("z1").materialize());
        const auto z2 = Tensor<Shape<3>, Dev, double>::from_host(g.at("z2").materialize());
        const double d_loss = gan.d_step(real, z1);
        expect_params(gan.discriminator, g, "d.after_d");
        const double g_loss = gan.g_step(z2);
        expect_params(gan.generator, g, "g.after_g");
        expect_params(gan.discriminator, g, "d.after_g");  // the G step left D alone
        BOOST_TEST(d_loss == g.at("d_loss").values[0], boost::test_tools::tolerance(1e-12));
        BOOST_TEST(g_loss == g.at("g_loss").values[0], boost::test_tools::tolerance(1e-12));
    }
}

/// Every loss kind golden_gan.py runs.
template <class Dev>
void check_gan_iterations() {
    check_gan_iteration<Dev, DProb>("bce", AdversarialLoss::bce);
    check_gan_iteration<Dev, DProb>("bce_smoothed", AdversarialLoss::bce, 0.9, 0.1);
    check_gan_iteration<Dev, DLogits>("bce_with_logits", AdversarialLoss::bce_with_logits);
    check_gan_iteration<Dev, DLogits>("least_squares", AdversarialLoss::least_squares);
    check_gan_iteration<Dev, DLogits>("wasserstein", AdversarialLoss::wasserstein, 1, 0, 0.05);
}

// golden_gan.py's per-sample generator with ConvTranspose2d and no BatchNorm, and its critic.
using GConvT = Sequential<Input<3>, Linear<3, 8>, ReLU, Reshape<2, 2, 2>, ConvTranspose2d<2, 3, 3, 2, 1, 1>, Tanh>;
using DConv = Sequential<Input<3, 4, 4>, Conv2d<3, 4, 3, 2, 1>, LeakyReLU<0.2>, Flatten, Linear<16, 1>>;

/// One Gan::step of `gan` (drawing from `rng`) from the golden file g: G's and D's parameters
/// before it, the noise seed golden_gan.py's Rng drew with, real batches of `batch` samples from
/// next_real(); G runs once on both steps' noise; the losses and the parameters after it.
template <class GanT, class NextReal>
void check_one_step(GanT& gan, Rng& rng, const GoldenFile& g, index_t batch, NextReal&& next_real) {
    load_params(gan.generator, g, "g.param");
    load_params(gan.discriminator, g, "d.param");
    rng = Rng(static_cast<std::uint64_t>(g.at("noise_seed").values[0]));  // the noise golden_gan.py drew
    const GanStepLosses l = gan.step(next_real);
    BOOST_TEST(gan.generator.output().batch() == 2 * batch);  // one G pass for both steps
    BOOST_TEST(l.d_loss == g.at("d_loss").values[0], boost::test_tools::tolerance(1e-12));
    BOOST_TEST(l.g_loss == g.at("g_loss").values[0], boost::test_tools::tolerance(1e-12));
    expect_params(gan.discriminator, g, "d.after");
    expect_params(gan.generator, g, "g.after");
}

/// One Gan::step from "gan_conv_transpose": G runs once on both steps' noise (2b samples) and the
/// G step backs through its first b (Network::backward_leading).
template <class Dev>
void check_gan_step_conv_transpose() {
    static_assert(per_sample_v<GConvT> && per_sample_v<DConv>);
    const GoldenFile g("gan_conv_transpose");
    Rng rng(1);
    const AdamOptions adam{.lr = 0.01, .beta1 = 0.5, .beta2 = 0.999};
    Gan<GConvT, DConv, Adam<Dev, double>, Adam<Dev, double>, Dev, double> gan(
        rng, {.loss = AdversarialLoss::bce_with_logits, .noise = NoiseKind::uniform}, adam, adam);
    const auto real = Tensor<Shape<3, 4, 4>, Dev, double>::from_host(g.at("real").materialize());
    check_one_step(gan, rng, g, real.batch(), [&] { return real.cview(); });
}

using GCond = Sequential<Input<3>, ConcatLabel<Embedding<4, 2>>, Linear<5, 8>, LeakyReLU<0.2>, Linear<8, 18>, Tanh,
                         Reshape<2, 3, 3>>;
using DCond = Sequential<Input<2, 3, 3>, ConcatLabel<Sequential<Embedding<4, 5>, Linear<5, 9>>, Along::channels>,
                         Conv2d<3, 4, 2>, LeakyReLU<0.2>, Flatten, Linear<16, 1>>;

/// One Gan::step of a conditional GAN against golden_gan.py's cgan_case: real labels in D's real
/// pass, labels drawn after each step's noise for the generated samples, one G pass for both steps.
template <class Dev>
void check_conditional_gan_step() {
    static_assert(per_sample_v<GCond> && per_sample_v<DCond>);
    const GoldenFile g("gan_conditional");
    Rng rng(1);
    const AdamOptions adam{.lr = 0.01, .beta1 = 0.5, .beta2 = 0.999};
    using CondGan = Gan<GCond, DCond, Adam<Dev, double>, Adam<Dev, double>, Dev, double>;
    static_assert(CondGan::conditional && CondGan::label_classes == 4);
    CondGan gan(rng, {.loss = AdversarialLoss::bce_with_logits, .noise = NoiseKind::uniform}, adam, adam);
    struct Batch {
        Tensor<Shape<2, 3, 3>, Dev, double> x;
        Tensor<Shape<1>, Dev, std::int32_t> labels;
    };
    const auto& l = g.at("real_labels").values;
    const Batch real{Tensor<Shape<2, 3, 3>, Dev, double>::from_host(g.at("real").materialize()),
                     Tensor<Shape<1>, Dev, std::int32_t>::from_host(std::vector<std::int32_t>(l.begin(), l.end()))};
    check_one_step(gan, rng, g, real.x.batch(),
                   [&] { return typename CondGan::LabelledBatch{real.x.cview(), real.labels.cview()}; });
}

/// One VAE step from the golden file "vae_<name>".
template <class Dev>
void check_vae_step(const std::string& name, VaeOptions opts) {
    BOOST_TEST_CONTEXT(name) {
        const GoldenFile g("vae_" + name);
        Rng rng(1);
        SmallVae<Dev> vae(rng, opts, AdamOptions{.lr = 0.01, .beta1 = 0.5, .beta2 = 0.999});
        load_params(vae.encoder, g, "e.param");
        load_params(vae.decoder, g, "d.param");
        auto xs = g.at("x").materialize();
        const auto target = Tensor<Shape<6>, Dev, double>::from_host(xs);
        for (auto& v : xs) v = 2 * v - 1;  // seed 003 encodes preprocess_img(x) = 2x - 1
        const auto input = Tensor<Shape<6>, Dev, double>::from_host(xs);
        const auto eps = Tensor<Shape<2>, Dev, double>::from_host(g.at("eps").materialize());
        const VaeLosses l = vae.step(input, target, eps);
        BOOST_TEST(l.reconstruction == g.at("reconstruction").values[0], boost::test_tools::tolerance(1e-12));
        BOOST_TEST(l.kl == g.at("kl").values[0], boost::test_tools::tolerance(1e-12));
        BOOST_TEST(l.total == l.reconstruction + l.kl);
        expect_params(vae.encoder, g, "e.after");
        expect_params(vae.decoder, g, "d.after");
    }
}

/// Both reconstruction kinds.
template <class Dev>
void check_vae_steps() {
    check_vae_step<Dev>("bce", {});
    check_vae_step<Dev>("continuous_bernoulli", {Reconstruction::continuous_bernoulli, 0.5});
}
// The critics of tests/reference/golden_wgan_gp.py.
using MlpCritic = Sequential<Input<6>, Linear<6, 8>, LeakyReLU<0.2>, Linear<8, 8>, ReLU, Linear<8, 1>>;
using ConvCritic = Sequential<Input<36>, Reshape<1, 6, 6>, Conv2d<1, 3, 3, 1, 1>, LeakyReLU<0.2>, MaxPool2d<2>,
                              Conv2d<3, 4, 2>, ReLU, Flatten, Linear<16, 1>>;

/// A critic of golden_wgan_gp.py with its case's parameters, samples and eps on Dev.
template <class Critic, class Dev>
struct PenaltyCase {
    using S = typename Network<Critic, Dev, double>::input_shape;
    GoldenFile g;
    Rng rng{0};
    Network<Critic, Dev, double> net{rng};
    Tensor<S, Dev, double> real = Tensor<S, Dev, double>::from_host(g.at("real").values);
    Tensor<S, Dev, double> fake = Tensor<S, Dev, double>::from_host(g.at("fake").values);
    Tensor<Shape<1>, Dev, double> eps = Tensor<Shape<1>, Dev, double>::from_host(g.at("eps").values);
    GradientPenalty<Critic, Dev, double> penalty{g.at("lambda").values.at(0)};

    explicit PenaltyCase(const std::string& name) : g(name) {
        load_params(net, g, "param");
    }
    double apply(ParamGrads pg) { return penalty.apply(net, real.cview(), fake.cview(), eps.cview(), pg); }
};

/// The penalty and its parameter gradient, alone (stored over whatever the gradients held) and
/// added to the critic loss's (the WGAN-GP critic step), against PyTorch's double backward.
template <class Critic, class Dev>
void check_gradient_penalty(const std::string& name) {
    BOOST_TEST_CONTEXT(name) {
        PenaltyCase<Critic, Dev> c(name);
        Dev::fill(c.net.parameters().gradients(), c.net.parameters().size(), 7.0);
        const double p = c.apply(ParamGrads::overwrite);
        BOOST_TEST(p == c.g.at("penalty").values.at(0), boost::test_tools::tolerance(1e-9));
        c.net.visit_parameters([&](const std::string& key, auto&, auto& grad) {
            expect_close(name + " grad:" + key, grad.to_host(), c.g.at("grad:" + key), 1e-9, 1e-12);
        });
        // The critic's loss mean(D(fake)) - mean(D(real)) accumulates onto the penalty's gradient.
        double loss = p;
        for (const auto& [x, sign] : {std::pair{&c.fake, 1.0}, std::pair{&c.real, -1.0}}) {
            const auto& scores = c.net.forward(x->cview());
            Tensor<Shape<1>, Dev, double> grad(x->batch());
            loss += wasserstein(scores.cview(), sign, grad.view());
            c.net.backward(grad.cview());
        }
        BOOST_TEST(loss == c.g.at("loss").values.at(0), boost::test_tools::tolerance(1e-9));
        c.net.visit_parameters([&](const std::string& key, auto&, auto& grad) {
            expect_close(name + " total_grad:" + key, grad.to_host(), c.g.at("total_grad:" + key), 1e-9, 1e-12);
        });
    }
}

/// WGAN-GP's penalty of both golden critics on Dev.
template <class Dev>
void check_gradient_penalties() {
    check_gradient_penalty<MlpCritic, Dev>("gp_mlp");
    check_gradient_penalty<ConvCritic, Dev>("gp_conv");
}

}  // namespace golden_steps

}  // namespace ctnn::test
