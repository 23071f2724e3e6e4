// Adversarial training: one full iteration per loss kind against PyTorch, the frozen
// discriminator, reproducibility, checkpoint resume and the divergence guard.
#define BOOST_TEST_MODULE gan
#include <boost/test/unit_test.hpp>

#include <ctnn/ctnn.hpp>
#include <ctnn/models/seeds.hpp>
#include <ctnn/train/gan.hpp>

#include <cmath>
#include <filesystem>

#include "support/gradcheck.hpp"
#include "support/train_golden.hpp"

using namespace ctnn;

BOOST_AUTO_TEST_CASE(one_iteration_matches_pytorch) {
    ctnn::test::golden_steps::check_gan_iterations<Cpu>();
}

BOOST_AUTO_TEST_CASE(one_step_of_a_conv_transpose_generator_matches_pytorch) {
    ctnn::test::golden_steps::check_gan_step_conv_transpose<Cpu>();
}

BOOST_AUTO_TEST_CASE(one_step_of_a_conditional_gan_matches_pytorch) {
    ctnn::test::golden_steps::check_conditional_gan_step<Cpu>();
}

namespace {
using RollGan = Gan<models::SwissRollGenerator<2, 32>, models::SwissRollDiscriminator<32>, Adam<Cpu, float>, Adam<Cpu, float>>;

/// Real batches for the tests: points from the run's own Rng (so its state covers them).
struct RealBatches {
    Rng& rng;
    Tensor<Shape<2>, Cpu> batch{16};
    std::vector<float> host = std::vector<float>(32);
    ConstView<Shape<2>, Cpu> operator()() {
        for (auto& v : host) v = rng.uniform<float>(-1, 1);
        batch.copy_from_host(host);
        return batch.cview();
    }
};

std::vector<double> train(RollGan& gan, Rng& rng, int steps) {
    RealBatches data{rng};
    std::vector<double> losses;
    for (int i = 0; i < steps; ++i) {
        const auto l = gan.step(data);
        losses.push_back(l.d_loss);
        losses.push_back(l.g_loss);
    }
    return losses;
}
const AdamOptions adam{.lr = 2e-4, .beta1 = 0.5, .beta2 = 0.999};

/// Every parameter of net, flattened in visit_parameters order.
template <class NetT>
std::vector<float> parameters_of(NetT& net) {
    std::vector<float> all;
    net.visit_parameters([&](const std::string&, auto& p, auto&) {
        const auto v = p.to_host();
        all.insert(all.end(), v.begin(), v.end());
    });
    return all;
}
}  // namespace

BOOST_AUTO_TEST_CASE(same_seed_same_losses_bit_for_bit) {
    Rng a(7), b(7);
    RollGan ga(a, {.loss = AdversarialLoss::bce, .d_steps = 2}, adam, adam);
    RollGan gb(b, {.loss = AdversarialLoss::bce, .d_steps = 2}, adam, adam);
    BOOST_TEST(train(ga, a, 20) == train(gb, b, 20), boost::test_tools::per_element());
    BOOST_TEST(ga.steps() == 20);
}

#if !defined(CTNN_BLAS) && !defined(CTNN_DNNL)  // there the bits are the library's business (docs/design.md)
BOOST_AUTO_TEST_CASE(the_thread_count_does_not_change_the_losses) {
    // Seed 003's MLP GAN at batch 64: products large enough to be split between threads, on
    // 1 and on 2 threads, give the same losses and parameters bit for bit.
    using Mlp = Gan<models::MlpGenerator<>, models::MlpDiscriminator, Adam<Cpu, float>, Adam<Cpu, float>>;
    const int saved = Cpu::threads();
    std::vector<std::vector<double>> losses;
    std::vector<std::vector<float>> weights;
    for (int threads : {1, 2}) {
        Cpu::set_threads(threads);
        Rng rng(3);
        Mlp gan(rng, {.loss = AdversarialLoss::bce_with_logits}, {.lr = 1e-3, .beta1 = 0.5}, {.lr = 1e-3, .beta1 = 0.5});
        Tensor<Shape<1, 28, 28>, Cpu> real(64);
        std::vector<float> host(real.size());
        for (auto& v : host) v = rng.uniform<float>(-1, 1);
        real.copy_from_host(host);
        losses.emplace_back();
        for (int i = 0; i < 3; ++i) {
            const auto l = gan.step([&] { return real.cview(); });
            losses.back().push_back(l.d_loss);
            losses.back().push_back(l.g_loss);
        }
        weights.push_back(parameters_of(gan.generator));
    }
    Cpu::set_threads(saved);
    BOOST_TEST(losses[0] == losses[1], boost::test_tools::per_element());
    BOOST_TEST((weights[0] == weights[1]));
}
#endif

BOOST_AUTO_TEST_CASE(resumed_run_continues_bit_for_bit) {
    const auto dir = std::filesystem::temp_directory_path() / ("ctnn_gan_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    Rng a(11);
    RollGan straight(a, {.loss = AdversarialLoss::bce}, adam, adam);
    const auto all = train(straight, a, 20);

    Rng b(11);
    RollGan first(b, {.loss = AdversarialLoss::bce}, adam, adam);
    auto head = train(first, b, 10);
    std::int64_t epoch = 3;
    first.checkpoint().counter("epoch", epoch).save(dir / "gan.safetensors");

    Rng c(999);  // a different seed: everything must come from the checkpoint
    RollGan resumed(c, {.loss = AdversarialLoss::bce}, adam, adam);
    std::int64_t epoch_back = 0;
    resumed.checkpoint().counter("epoch", epoch_back).load(dir / "gan.safetensors");
    BOOST_TEST(epoch_back == 3);
    BOOST_TEST(resumed.steps() == 10);
    const auto tail = train(resumed, c, 10);
    head.insert(head.end(), tail.begin(), tail.end());
    BOOST_TEST(head == all, boost::test_tools::per_element());
    std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(divergence_is_caught_at_its_step) {
    const auto dir = std::filesystem::temp_directory_path() / ("ctnn_nan_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    Rng rng(3);
    RollGan gan(rng, {.loss = AdversarialLoss::bce}, adam, adam);
    train(gan, rng, 4);
    gan.checkpoint().save(dir / "good.safetensors");
    const auto good_size = std::filesystem::file_size(dir / "good.safetensors");
    const auto d_before = parameters_of(gan.discriminator);
    Tensor<Shape<2>, Cpu> bad(16);
    bad.fill(std::numeric_limits<float>::quiet_NaN());
    Tensor<Shape<2>, Cpu> z(16);
    gan.sample_noise(z, 16);
    try {
        gan.d_step(bad, z);
        BOOST_FAIL("a NaN loss went unnoticed");
    } catch (const DivergenceError& e) {
        const std::string what = e.what();
        BOOST_TEST(what.find("step 4") != std::string::npos, what);
        BOOST_TEST(what.find("discriminator loss is nan") != std::string::npos, what);
    }
    // No optimizer step was taken, and the last good checkpoint is where it was.
    const auto d_after = parameters_of(gan.discriminator);
    BOOST_TEST(d_after == d_before, boost::test_tools::per_element());
    BOOST_TEST(std::filesystem::file_size(dir / "good.safetensors") == good_size);
    // The stopped step's backward left NaN in D's gradients: the next step's first backward
    // overwrites them (ParamGrads::overwrite), so no NaN reaches its update.
    BOOST_CHECK_NO_THROW(train(gan, rng, 1));
    gan.discriminator.visit_parameters([&](const std::string& name, auto& p, auto&) {
        for (float v : p.to_host()) BOOST_TEST_REQUIRE(std::isfinite(v), name);
    });
    Rng other(8);
    RollGan restored(other, {.loss = AdversarialLoss::bce}, adam, adam);
    restored.checkpoint().load(dir / "good.safetensors");
    BOOST_TEST(restored.steps() == 4);
    std::filesystem::remove_all(dir);
}

// Gan::step runs no zero_grad pass: its first backward into each network overwrites the gradients.
// A backward run by the caller between steps must not leak into the next step.
BOOST_AUTO_TEST_CASE(a_backward_between_steps_does_not_leak_into_the_next) {
    Rng a(21), b(21);
    RollGan ga(a, {.loss = AdversarialLoss::bce}, adam, adam);
    RollGan gb(b, {.loss = AdversarialLoss::bce}, adam, adam);
    auto la = train(ga, a, 3);
    auto lb = train(gb, b, 3);
    Tensor<Shape<2>, Cpu> x(16);
    x.fill(0.5f);
    ga.discriminator.forward(x.cview());
    Tensor<Shape<1>, Cpu> dscore(16);
    dscore.fill(1.0f);
    ga.discriminator.backward(dscore.cview());
    Tensor<Shape<2>, Cpu> z(16);
    z.fill(0.25f);
    ga.generator.forward(z.cview());
    ga.generator.backward(x.cview());
    const auto la2 = train(ga, a, 2), lb2 = train(gb, b, 2);
    la.insert(la.end(), la2.begin(), la2.end());
    lb.insert(lb.end(), lb2.begin(), lb2.end());
    BOOST_TEST(la == lb, boost::test_tools::per_element());
    BOOST_TEST(parameters_of(ga.discriminator) == parameters_of(gb.discriminator), boost::test_tools::per_element());
    BOOST_TEST(parameters_of(ga.generator) == parameters_of(gb.generator), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(generator_step_leaves_discriminator_untouched) {
    Rng rng(5);
    RollGan gan(rng, {.loss = AdversarialLoss::bce}, adam, adam);
    train(gan, rng, 3);
    std::vector<std::vector<float>> params, grads;
    gan.discriminator.visit_parameters([&](const std::string&, auto& p, auto& g) {
        params.push_back(p.to_host());
        grads.push_back(g.to_host());
    });
    Tensor<Shape<2>, Cpu> z(16);
    gan.sample_noise(z, 16);
    gan.g_step(z);
    std::size_t k = 0;
    gan.discriminator.visit_parameters([&](const std::string& n, auto& p, auto& g) {
        BOOST_TEST_CONTEXT(n) {
            BOOST_TEST(p.to_host() == params[k], boost::test_tools::per_element());
            BOOST_TEST(g.to_host() == grads[k], boost::test_tools::per_element());
        }
        ++k;
    });
}

BOOST_AUTO_TEST_CASE(discriminators_without_batch_statistics_see_both_batches_at_once) {
    static_assert(per_sample_v<models::DcganDiscriminator> && per_sample_v<models::DropoutDiscriminator>);
    static_assert(!per_sample_v<models::Dcgan64Discriminator>, "BatchNorm normalises over the batch");
    struct SaysNothing {};
    static_assert(!per_sample_v<SaysNothing>, "a layer that does not declare per_sample is not taken to be");
    Rng rng(4);
    RollGan gan(rng, {.loss = AdversarialLoss::bce}, adam, adam);
    RealBatches data{rng};
    Tensor<Shape<2>, Cpu> z(16);
    gan.sample_noise(z, 16);
    gan.d_step(data(), z);
    BOOST_TEST(gan.discriminator.output().batch() == 32);  // real and generated in one pass

    using BnD = Sequential<Input<2>, Linear<2, 8>, BatchNorm1d<8>, ReLU, Linear<8, 1>, Sigmoid>;
    Gan<models::SwissRollGenerator<2, 32>, BnD, Adam<Cpu, float>, Adam<Cpu, float>> bn(rng, {.loss = AdversarialLoss::bce}, adam, adam);
    bn.d_step(data(), z);
    BOOST_TEST(bn.discriminator.output().batch() == 16);  // one pass per batch, each with its own statistics
}

BOOST_AUTO_TEST_CASE(one_generator_pass_serves_the_d_step_and_the_g_step) {
    // step() runs G once on both steps' noise; d_step then g_step on the same noise run it twice.
    static_assert(per_sample_v<models::SwissRollGenerator<2, 32>>);
    Rng a(11), b(11);
    RollGan joint(a, {.loss = AdversarialLoss::bce}, adam, adam);
    RollGan apart(b, {.loss = AdversarialLoss::bce}, adam, adam);
    RealBatches real_a{a}, real_b{b};
    Tensor<Shape<2>, Cpu> z1(16), z2(16);
    const auto close = [](double x, double y) { return std::abs(x - y) <= 1e-5 * (1 + std::abs(y)); };
    for (int i = 0; i < 3; ++i) {
        const auto l = joint.step(real_a);
        BOOST_TEST(joint.generator.output().batch() == 32);
        const auto real = real_b();
        apart.sample_noise(z1, 16);
        apart.sample_noise(z2, 16);
        const double d = apart.d_step(real, z1);
        const double g = apart.g_step(z2);
        BOOST_TEST(close(l.d_loss, d), l.d_loss << " vs " << d);
        BOOST_TEST(close(l.g_loss, g), l.g_loss << " vs " << g);
    }
    for (const auto& [x, y] : {std::pair{parameters_of(joint.generator), parameters_of(apart.generator)},
                               std::pair{parameters_of(joint.discriminator), parameters_of(apart.discriminator)}}) {
        BOOST_REQUIRE(x.size() == y.size());
        std::size_t off = 0;
        for (std::size_t k = 0; k < x.size(); ++k) off += !close(x[k], y[k]);
        BOOST_TEST(off == 0u);
    }
}

BOOST_AUTO_TEST_CASE(the_generator_step_can_score_the_discriminator_steps_noise) {
    // Seed 001's loop: D steps on real and G(z), then G steps on D(G(z)) with the same z.
    Rng a(12), b(12);
    RollGan joint(a, {.loss = AdversarialLoss::bce, .g_step_on_d_noise = true}, adam, adam);
    RollGan apart(b, {.loss = AdversarialLoss::bce}, adam, adam);
    RealBatches real_a{a}, real_b{b};
    Tensor<Shape<2>, Cpu> z(16);
    for (int i = 0; i < 3; ++i) {
        const auto l = joint.step(real_a);
        const auto real = real_b();
        apart.sample_noise(z, 16);
        const double d = apart.d_step(real, z);
        const double g = apart.g_step(z);
        BOOST_TEST(l.d_loss == d);
        BOOST_TEST(l.g_loss == g);
    }
    BOOST_TEST(parameters_of(joint.generator) == parameters_of(apart.generator));
    BOOST_TEST(parameters_of(joint.discriminator) == parameters_of(apart.discriminator));
    // One draw of noise per iteration: the run's Rng has moved as far as apart's.
    BOOST_TEST(a.bits() == b.bits());
}

BOOST_AUTO_TEST_CASE(a_conditional_step_is_a_d_step_and_a_g_step_on_labels_drawn_after_the_noise) {
    // A BatchNorm generator takes step()'s path of separate passes; the public steps, given the
    // noise and labels drawn in step()'s order, give the same bits.
    using ctnn::test::golden_steps::DCond;
    using GBn = Sequential<Input<3>, ConcatLabel<Embedding<4, 2>>, Linear<5, 8>, BatchNorm1d<8>, LeakyReLU<0.2>,
                           Linear<8, 18>, Tanh, Reshape<2, 3, 3>>;
    using CondGan = Gan<GBn, DCond, Adam<Cpu, float>, Adam<Cpu, float>>;
    static_assert(!per_sample_v<GBn> && CondGan::conditional);
    Rng a(13), b(13), data(14);
    CondGan joint(a, {.loss = AdversarialLoss::least_squares}, adam, adam);
    CondGan apart(b, {.loss = AdversarialLoss::least_squares}, adam, adam);
    Tensor<Shape<2, 3, 3>, Cpu> real(6);
    Tensor<Shape<1>, Cpu, std::int32_t> real_labels, l1, l2;
    Tensor<Shape<3>, Cpu> z1, z2;
    std::vector<float> host(real.size());
    for (int i = 0; i < 3; ++i) {
        for (auto& v : host) v = data.uniform<float>(-1, 1);
        real.copy_from_host(host);
        real_labels = Tensor<Shape<1>, Cpu, std::int32_t>::from_host({i % 4, 3, 1, 0, 2, 3});
        const auto l = joint.step([&] { return CondGan::LabelledBatch{real.cview(), real_labels.cview()}; });
        apart.sample_noise(z1, 6);
        apart.sample_labels(l1, 6, b);
        apart.sample_noise(z2, 6);
        apart.sample_labels(l2, 6, b);
        BOOST_TEST(l.d_loss == apart.d_step(real.cview(), real_labels.cview(), z1.cview(), l1.cview()));
        BOOST_TEST(l.g_loss == apart.g_step(z2.cview(), l2.cview()));
    }
    BOOST_TEST(parameters_of(joint.generator) == parameters_of(apart.generator));
    BOOST_TEST(parameters_of(joint.discriminator) == parameters_of(apart.discriminator));
    BOOST_TEST(a.bits() == b.bits());
    // The labels are uniform over the classes, and G's output depends on them.
    std::vector<int> count(4);
    Tensor<Shape<1>, Cpu, std::int32_t> many;
    apart.sample_labels(many, 4000, b);
    for (const std::int32_t c : many.to_host()) ++count.at(c);
    for (const int n : count) BOOST_TEST(std::abs(n - 1000) < 100);
    const auto zeros = Tensor<Shape<1>, Cpu, std::int32_t>::from_host(std::vector<std::int32_t>(6, 0));
    const auto threes = Tensor<Shape<1>, Cpu, std::int32_t>::from_host(std::vector<std::int32_t>(6, 3));
    const auto g0 = apart.generate(z1.cview(), zeros.cview()).to_host();
    BOOST_TEST(g0 != apart.generate(z1.cview(), threes.cview()).to_host());
}

/// p_ema = d_t * p_ema + (1 - d_t) * p after the t-th generator step (t = 0, 1, ...), computed here
/// in double from G's parameters after each step, d_t = decay (PyTorch's p_ema.mul_(d).add_(p,
/// alpha=1 - d)) or with `warmup` min(decay, (1 + t) / (10 + t)); BatchNorm's running statistics
/// copied from G; saved and resumed bit for bit.
void check_averaged_generator(double decay, bool warmup) {
    using GBn = Sequential<Input<2>, Linear<2, 16>, BatchNorm1d<16>, ReLU, Linear<16, 2>>;
    using BnGan = Gan<GBn, models::SwissRollDiscriminator<32>, Adam<Cpu, float>, Adam<Cpu, float>>;
    Rng a(21);
    BnGan gan(a, {.loss = AdversarialLoss::bce}, adam, adam);
    BOOST_TEST(gan.averaged_generator() == nullptr);
    const Rng before = a;
    gan.average_generator(decay, warmup);
    BOOST_TEST(Rng(before).bits() == Rng(a).bits());  // the run's Rng has not moved
    const auto initial = parameters_of(gan.generator);
    std::vector<double> reference(initial.begin(), initial.end());
    BOOST_TEST(parameters_of(*gan.averaged_generator()) == parameters_of(gan.generator));
    RealBatches data{a};
    int t = 0;
    const auto step = [&] {
        gan.step(data);
        const auto p = parameters_of(gan.generator);
        const double d = warmup ? std::min(decay, (1.0 + t) / (10.0 + t)) : decay;
        for (std::size_t i = 0; i < p.size(); ++i) reference[i] = d * reference[i] + (1 - d) * p[i];
        ++t;
    };
    for (int i = 0; i < 6; ++i) step();
    const auto averaged = parameters_of(*gan.averaged_generator());
    BOOST_REQUIRE(averaged.size() == reference.size());
    double worst = 0;
    for (std::size_t i = 0; i < averaged.size(); ++i)
        worst = std::max(worst, std::abs(averaged[i] - reference[i]) / (1e-3 + std::abs(reference[i])));
    BOOST_TEST(worst < 1e-5);
    BOOST_TEST(averaged != parameters_of(gan.generator));  // an average, not a copy
    std::vector<float> stats, averaged_stats;
    gan.generator.visit_buffers([&](const std::string& name, auto& b) {
        if constexpr (!std::is_integral_v<std::remove_cvref_t<decltype(b)>>)
            if (name == "1.running_mean") stats = b.to_host();
    });
    gan.averaged_generator()->visit_buffers([&](const std::string& name, auto& b) {
        if constexpr (!std::is_integral_v<std::remove_cvref_t<decltype(b)>>)
            if (name == "1.running_mean") averaged_stats = b.to_host();
    });
    BOOST_TEST(!stats.empty());
    BOOST_TEST(stats == averaged_stats);

    // Saved as ema.generator.<key> and restored bit for bit: a resumed run averages on as this one.
    const auto dir = std::filesystem::temp_directory_path() / ("ctnn_ema_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    gan.checkpoint().save(dir / "gan.safetensors");
    const auto saved = io::SafeTensors::load(dir / "gan.safetensors");
    BOOST_TEST(saved.tensors.count("ema.generator.0.weight") == 1u);
    BOOST_TEST(saved.tensors.count("ema.generator.1.running_var") == 1u);
    // The warm-up's position: 6 updates made.
    BOOST_TEST((saved.metadata.count("ema.updates") == 1u) == warmup);
    if (warmup) BOOST_TEST(saved.metadata.at("ema.updates") == "6");
    for (int i = 0; i < 3; ++i) gan.step(data);
    Rng c(5);
    BnGan resumed(c, {.loss = AdversarialLoss::bce}, adam, adam);
    resumed.average_generator(decay, warmup);
    resumed.checkpoint().load(dir / "gan.safetensors");
    RealBatches resumed_data{c};
    for (int i = 0; i < 3; ++i) resumed.step(resumed_data);
    BOOST_TEST(parameters_of(*resumed.averaged_generator()) == parameters_of(*gan.averaged_generator()));
    // A checkpoint without the average cannot be taken for one.
    BnGan plain(c, {.loss = AdversarialLoss::bce}, adam, adam);
    plain.checkpoint().save(dir / "plain.safetensors");
    BOOST_CHECK_THROW(resumed.checkpoint().load(dir / "plain.safetensors"), std::exception);
    BOOST_CHECK_THROW(resumed.average_generator(1.0), std::invalid_argument);
    std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(the_averaged_generator_follows_pytorchs_ema_and_resumes_bit_for_bit) {
    check_averaged_generator(0.9, false);
}

BOOST_AUTO_TEST_CASE(the_averaged_generators_warm_up_follows_its_formula_and_resumes_bit_for_bit) {
    // At 0.999 the warm-up's (1 + t) / (10 + t) is the decay of every one of the 9 updates.
    check_averaged_generator(0.999, true);
}

BOOST_AUTO_TEST_CASE(backward_leading_takes_at_most_the_forward_batch) {
    Rng rng(2);
    Network<models::SwissRollDiscriminator<8>> d(rng);
    Tensor<Shape<2>, Cpu> x(4);
    x.fill(0.5f);
    d.forward(x);
    Tensor<Shape<1>, Cpu> dy(5);
    dy.fill(1.0f);
    BOOST_CHECK_THROW(d.backward_leading(dy), std::invalid_argument);
    // The first 3 samples of a forward of 4 get the input gradient a forward of those 3 gives.
    Tensor<Shape<2>, Cpu> x4 = Tensor<Shape<2>, Cpu>::from_host({0.1f, -0.2f, 0.3f, 0.4f, -0.5f, 0.6f, 0.7f, -0.8f});
    Tensor<Shape<1>, Cpu> g3(3);
    g3.fill(1.0f);
    d.forward(x4);
    const auto lead = d.backward_leading(g3, {ParamGrads::frozen, true}).to_host();
    d.forward(ConstView<Shape<2>, Cpu>(x4.data(), 3));
    const auto alone = d.backward(g3, {ParamGrads::frozen, true}).to_host();
    BOOST_TEST(lead == alone, boost::test_tools::per_element());
}

// Each network's on_gradients hook runs on its step's final gradients, after backward and before
// the divergence guard and the update: what it does to them is what the optimizer sees.
BOOST_AUTO_TEST_CASE(gradient_hooks_run_between_backward_and_the_update) {
    Rng rng(21);
    RollGan gan(rng, {.loss = AdversarialLoss::bce}, adam, adam);
    const auto g_before = parameters_of(gan.generator), d_before = parameters_of(gan.discriminator);
    int g_calls = 0, d_calls = 0;
    gan.generator.on_gradients = [&](auto& p) {
        ++g_calls;
        BOOST_TEST(p.gradients() == gan.generator.parameters().gradients());
        Cpu::fill(p.gradients(), p.size(), 0.0f);  // Adam on zero gradients from zero state: no move
    };
    gan.discriminator.on_gradients = [&](auto&) { ++d_calls; };
    train(gan, rng, 2);
    BOOST_TEST(g_calls == 2);
    BOOST_TEST(d_calls == 2);
    BOOST_TEST(parameters_of(gan.generator) == g_before, boost::test_tools::per_element());
    BOOST_TEST(parameters_of(gan.discriminator) != d_before);
    // A hook that makes a gradient non-finite is caught by the guard, naming the parameter.
    gan.discriminator.on_gradients = [](auto& p) {
        Cpu::fill(p.gradients() + p.entries()[1].offset, 1, std::numeric_limits<float>::infinity());
    };
    const auto d_good = parameters_of(gan.discriminator);
    try {
        train(gan, rng, 1);
        BOOST_FAIL("an infinite gradient went unnoticed");
    } catch (const DivergenceError& e) {
        const std::string what = e.what();
        BOOST_TEST(what.find("step 2: discriminator gradient of 0.bias") != std::string::npos, what);
    }
    BOOST_TEST(parameters_of(gan.discriminator) == d_good, boost::test_tools::per_element());
}

// generate() runs G in eval mode and puts it back in the mode it was in.
BOOST_AUTO_TEST_CASE(generate_restores_the_generators_mode) {
    Rng rng(22);
    RollGan gan(rng, {}, adam, adam);
    Tensor<Shape<2>, Cpu> z(4);
    gan.sample_noise(z, 4);
    gan.generate(z);
    BOOST_TEST((gan.generator.mode() == Mode::train));
    gan.generator.eval();
    gan.generate(z);
    BOOST_TEST((gan.generator.mode() == Mode::eval));
}

// ---- WGAN-GP: the gradient penalty and its exact parameter gradient (double backward) ----------
namespace wgan_gp {
using test::golden_steps::MlpCritic, test::golden_steps::ConvCritic;

/// The penalty's parameter gradient against central differences of the penalty itself.
template <class Critic>
void check_against_finite_differences(const std::string& name) {
    BOOST_TEST_CONTEXT(name) {
        test::golden_steps::PenaltyCase<Critic, Cpu> c(name);
        c.apply(ParamGrads::overwrite);
        std::vector<std::vector<double>> analytic;
        c.net.visit_parameters([&](const std::string&, auto&, auto& grad) { analytic.push_back(grad.to_host()); });
        std::size_t t = 0;
        const double h = 1e-6;
        c.net.visit_parameters([&](const std::string& key, auto& p, auto&) {
            const auto base = p.to_host();
            for (std::size_t i : test::detail::spread(base.size(), 24)) {
                auto v = base;
                v[i] = base[i] + h;
                p.copy_from_host(v);
                const double up = c.apply(ParamGrads::frozen);
                v[i] = base[i] - h;
                p.copy_from_host(v);
                const double down = c.apply(ParamGrads::frozen);
                const double numeric = (up - down) / (2 * h);
                BOOST_TEST_CONTEXT(key << "[" << i << "]") {
                    BOOST_TEST(std::abs(analytic[t][i] - numeric) <= 1e-7 + 1e-5 * std::abs(numeric),
                               "analytic " << analytic[t][i] << ", numeric " << numeric);
                }
            }
            p.copy_from_host(base);
            ++t;
        });
    }
}
}  // namespace wgan_gp

BOOST_AUTO_TEST_CASE(the_gradient_penalty_and_its_parameter_gradient_match_pytorch) {
    test::golden_steps::check_gradient_penalties<Cpu>();
}

BOOST_AUTO_TEST_CASE(the_gradient_penalty_gradient_matches_finite_differences) {
    wgan_gp::check_against_finite_differences<wgan_gp::MlpCritic>("gp_mlp");
    wgan_gp::check_against_finite_differences<wgan_gp::ConvCritic>("gp_conv");
}

// A WGAN-GP discriminator step (penalise_gradients): D's gradients are the penalty's at the
// interpolates of eps drawn from the run's Rng after the noise, plus the Wasserstein loss's; its
// loss is both; its weights are not clipped.
BOOST_AUTO_TEST_CASE(a_wgan_gp_discriminator_step_adds_the_penalty_and_does_not_clip) {
    using G = Sequential<Input<3>, Linear<3, 8>, ReLU, Linear<8, 6>>;
    using Critic = wgan_gp::MlpCritic;
    Rng rng(31);
    Gan<G, Critic, Adam<Cpu, double>, Adam<Cpu, double>, Cpu, double> gan(
        rng, {.loss = AdversarialLoss::wasserstein, .d_steps = 5}, {.lr = 1e-4, .beta1 = 0.5, .beta2 = 0.9},
        {.lr = 1e-4, .beta1 = 0.5, .beta2 = 0.9});
    gan.penalise_gradients(10);
    BOOST_TEST(gan.gradient_penalty() == 10.0);
    const index_t n = 5;
    Rng data(32);
    std::vector<double> xs(n * 6), zs(n * 3);
    for (auto& v : xs) v = data.normal<double>();
    for (auto& v : zs) v = data.normal<double>();
    const auto real = Tensor<Shape<6>, Cpu, double>::from_host(xs);
    const auto z = Tensor<Shape<3>, Cpu, double>::from_host(zs);
    // The same critic apart, and what the step should compute on it.
    Rng other(0);
    Network<Critic, Cpu, double> twin(other);
    gan.discriminator.visit_parameters([&](const std::string& key, auto& p, auto&) {
        twin.visit_parameters([&](const std::string& k, auto& q, auto&) {
            if (k == key) q.copy_from_host(p.to_host());
        });
    });
    const auto fake = Tensor<Shape<6>, Cpu, double>::from_host(gan.generator.forward(z.cview()).to_host());
    Rng replay = rng;  // d_step draws nothing but the penalty's eps (z is given)
    std::vector<double> eps_host(n);
    for (auto& e : eps_host) e = replay.uniform<double>();
    const auto eps = Tensor<Shape<1>, Cpu, double>::from_host(eps_host);
    GradientPenalty<Critic, Cpu, double> penalty(10);
    double want = penalty.apply(twin, real.cview(), fake.cview(), eps.cview(), ParamGrads::overwrite);
    for (const auto& [x, sign] : {std::pair{&fake, 1.0}, std::pair{&real, -1.0}}) {
        Tensor<Shape<1>, Cpu, double> grad(n);
        want += wasserstein(twin.forward(x->cview()).cview(), sign, grad.view());
        twin.backward(grad.cview());
    }
    const auto want_grads = std::vector<double>(twin.parameters().gradients(),
                                                twin.parameters().gradients() + twin.parameters().size());
    std::vector<double> got_grads;
    gan.discriminator.on_gradients = [&](auto& p) { got_grads.assign(p.gradients(), p.gradients() + p.size()); };
    const double got = gan.d_step(real.cview(), z.cview());
    BOOST_TEST(got == want, boost::test_tools::tolerance(1e-12));
    BOOST_REQUIRE_EQUAL(got_grads.size(), want_grads.size());
    for (std::size_t i = 0; i < got_grads.size(); ++i)
        BOOST_TEST(got_grads[i] == want_grads[i], boost::test_tools::tolerance(1e-10));
    double largest = 0;
    const auto& flat = gan.discriminator.parameters();
    for (index_t i = 0; i < flat.size(); ++i) largest = std::max(largest, std::abs(flat.values()[i]));
    BOOST_TEST(largest > 0.1);  // the 0.01 clip of WGAN would have bounded them
}
