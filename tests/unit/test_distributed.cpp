// Data-parallel training in a simulated world of R ranks (threads of this process): every rank
// ends a run with the same parameters, bit for bit, within rounding of one process training on
// the same global batches; uneven batches and failing ranks end every rank with a clear error.
#define BOOST_TEST_MODULE distributed
#include <boost/test/unit_test.hpp>

#include "support/data_parallel.hpp"
#include "support/temp_dir.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <iterator>
#include <stdexcept>
#include <string>
#include <type_traits>

using namespace ctnn;
using distributed::SimulatedRank;
using distributed::SimulatedWorld;
using distributed::SingleProcess;

using namespace ctnn::test::data_parallel;

BOOST_AUTO_TEST_CASE(every_rank_ends_with_the_parameters_of_one_process) {
    constexpr int steps = 4;
    const std::vector<float> one = train(steps, SingleProcess{});
    for (int ranks : {1, 2, 4}) {
        BOOST_TEST_CONTEXT("world of " << ranks) {
            const auto world = train_world(ranks, steps);
            for (int r = 1; r < ranks; ++r) BOOST_TEST((world[r] == world[0]), "rank " << r << " differs from rank 0");
            BOOST_REQUIRE(world[0].size() == one.size());
            double worst = 0;
            for (std::size_t i = 0; i < one.size(); ++i)
                worst = std::max(worst, std::abs(double(world[0][i]) - one[i]) / std::max(1.0, std::abs(double(one[i]))));
            BOOST_TEST(worst <= 1e-5);
            // A world of 1 is one process. More ranks sum in another order, so not bit for bit:
            // ranks that each trained on the whole batch would reproduce one process exactly.
            BOOST_TEST(((world[0] == one) == (ranks == 1)));
            // The parameters moved: agreement is not that of untrained networks.
            BOOST_TEST((one != train(0, SingleProcess{})));
        }
    }
}

// Rank r of R keeps samples [r * B/R, (r + 1) * B/R) of a global batch and of host-drawn values.
BOOST_AUTO_TEST_CASE(each_rank_keeps_its_share_of_the_global_batch) {
    SimulatedWorld world(4);
    std::vector<index_t> first(4), count(4);
    std::vector<std::vector<float>> kept(4);
    world.run([&](SimulatedRank& comm) {
        std::vector<float> values(16 * 2);
        for (std::size_t i = 0; i < values.size(); ++i) values[i] = float(i);
        const ConstView<Shape<2>, Cpu> global(values.data(), 16);
        const auto share = distributed::share_of(comm, global, "test");
        first[comm.rank()] = (share.data() - values.data()) / 2;
        count[comm.rank()] = share.batch;
        kept[comm.rank()].resize(share.size());
        distributed::copy_share<Cpu>(comm, values.data(), 2, share.batch, kept[comm.rank()].data());
    });
    for (index_t r = 0; r < 4; ++r) {
        BOOST_TEST(first[r] == 4 * r);
        BOOST_TEST(count[r] == 4u);
        BOOST_TEST(kept[r].front() == float(8 * r));
        BOOST_TEST(kept[r].back() == float(8 * r + 7));
    }
}

// Rank 0 writes the checkpoint; every rank resumes from that one file (the ranks' Rng states are
// equal, so rank 0's serves all) and continues as an uninterrupted world does, bit for bit.
BOOST_AUTO_TEST_CASE(every_rank_resumes_from_rank_0s_checkpoint) {
    test::TempDir dir;
    const auto file = dir.path / "checkpoint.safetensors";
    const auto straight = train_world(2, 4);
    std::vector<std::vector<float>> resumed(2);
    SimulatedWorld world(2);
    world.run([&](SimulatedRank& comm) {
        Rng data(6);
        {
            Rng rng(5);
            auto gan = make_gan(rng, comm);
            train_steps(gan, data, 2);
            gan.gather_optimizer_state();  // every rank: the optimizers' state is sharded
            if (comm.rank() == 0) gan.checkpoint().save(file);
        }
        double barrier = 0;
        comm.mean(&barrier, 1);  // the file is written before any rank reads it
        Rng other(99);
        auto gan = make_gan(other, comm);
        gan.checkpoint().load(file);
        train_steps(gan, data, 2);
        resumed[comm.rank()] = parameters_of(gan);
    });
    for (int r = 0; r < 2; ++r) BOOST_TEST((resumed[r] == straight[r]), "rank " << r);
}

// Sharded updates (each rank adds up and steps only its shard, then the ranks exchange
// parameters) give the unsharded update's parameters and optimizer state bit for bit, with one
// bucket, many buckets or none, in worlds whose ranks split the buffers unevenly too.
BOOST_AUTO_TEST_CASE(sharded_updates_give_the_unsharded_parameters_and_state) {
    struct Variant {
        bool shard;
        std::size_t bucket_bytes;
    };
    const Variant variants[] = {{false, 0}, {true, 0}, {true, std::size_t{1} << 20}, {true, 64}};
    for (int ranks : {2, 3, 4}) {
        BOOST_TEST_CONTEXT("world of " << ranks) {
            std::vector<std::vector<float>> result(std::size(variants) * ranks);
            std::vector<int> partial(std::size(variants) * ranks);
            SimulatedWorld world(ranks);
            world.run([&](SimulatedRank& comm) {
                for (std::size_t v = 0; v < std::size(variants); ++v) {
                    Rng rng(5), data(6);
                    auto gan = make_gan(rng, comm);
                    const auto set = [&](auto& unit) {
                        unit.shard_updates = variants[v].shard;
                        unit.bucket_bytes = variants[v].bucket_bytes;
                    };
                    set(gan.generator);
                    set(gan.discriminator);
                    train_steps(gan, data, 3, 24);  // 24: 2, 3 and 4 ranks divide it
                    const std::size_t at = v * ranks + comm.rank();
                    partial[at] = gan.generator.optimizer.state_partial();
                    gan.gather_optimizer_state();
                    result[at] = parameters_of(gan);
                    const auto append_state = [&](auto& opt) {
                        opt.visit_state([&](const std::string&, auto& t) {
                            if constexpr (!std::is_same_v<std::remove_cvref_t<decltype(t)>, std::int64_t>)
                                result[at].insert(result[at].end(), t.data(), t.data() + t.size());
                        });
                    };
                    append_state(gan.generator.optimizer);
                    append_state(gan.discriminator.optimizer);
                }
            });
            for (std::size_t v = 0; v < std::size(variants); ++v)
                for (int r = 0; r < ranks; ++r) {
                    const std::size_t at = v * ranks + r;
                    BOOST_TEST((result[at] == result[0]), "variant " << v << ", rank " << r);
                    BOOST_TEST(partial[at] == int(variants[v].shard), "variant " << v << ", rank " << r);
                }
        }
    }
}

// A checkpoint refuses to save an optimizer state that sharded updates left in parts, naming it.
BOOST_AUTO_TEST_CASE(a_sharded_optimizer_state_is_gathered_before_it_is_saved) {
    test::TempDir dir;
    std::string error;
    SimulatedWorld world(2);
    world.run([&](SimulatedRank& comm) {
        Rng rng(5), data(6);
        auto gan = make_gan(rng, comm);
        train_steps(gan, data, 1);
        if (comm.rank() == 0) try {
                gan.checkpoint().save(dir.path / "partial.safetensors");
            } catch (const std::logic_error& e) {
                error = e.what();
            }
    });
    BOOST_TEST(error.find("optimizer.generator's state is split across the ranks of a sharded update: call "
                          "gather_optimizer_state() on every rank before saving") != std::string::npos,
               error);
    BOOST_TEST(!std::filesystem::exists(dir.path / "partial.safetensors"));
}

BOOST_AUTO_TEST_CASE(a_batch_that_the_ranks_do_not_divide_is_an_error_on_every_rank) {
    SimulatedWorld world(3);
    std::vector<std::string> errors(3);
    BOOST_CHECK_THROW(world.run([&](SimulatedRank& comm) {
        try {
            train(1, comm);
        } catch (const std::exception& e) {
            errors[comm.rank()] = e.what();
            throw;
        }
    }),
                      std::invalid_argument);
    for (const auto& e : errors)
        BOOST_TEST(e.find("a global batch of 16 samples does not split evenly across 3 ranks") != std::string::npos, e);
}

BOOST_AUTO_TEST_CASE(a_failing_rank_ends_every_rank_with_its_number_and_message) {
    SimulatedWorld world(3);
    std::vector<std::string> errors(3);
    try {
        world.run([&](SimulatedRank& comm) {
            try {
                // Rank 1 fails between collectives; the others are waiting in one when it does.
                if (comm.rank() == 1) throw std::runtime_error("disk full");
                train(2, comm, 12);
            } catch (const std::exception& e) {
                errors[comm.rank()] = e.what();
                throw;
            }
        });
        BOOST_FAIL("the failure went unnoticed");
    } catch (const std::runtime_error& e) {
        BOOST_TEST(std::string(e.what()) == "disk full");
    }
    BOOST_TEST(errors[0] == "rank 1 failed: disk full");
    BOOST_TEST(errors[1] == "disk full");
    BOOST_TEST(errors[2] == "rank 1 failed: disk full");
}

namespace {
/// The encoder's flat parameters then the decoder's, after `steps` VAE steps (an encoder with
/// BatchNorm, a decoder with Dropout) on global batches of
/// 16 (targets in [0, 1], inputs scaled to [-1, 1] as seed 003 does).
template <class Comm>
std::vector<float> train_vae(int steps, Comm comm) {
    using E = Sequential<Input<6>, Linear<6, 8, false>, BatchNorm1d<8>, ReLU, Linear<8, 4>>;
    using D = Sequential<Input<2>, Linear<2, 8>, ReLU, Dropout<0.2>, Linear<8, 6>>;
    Rng rng(7), data(8);
    Vae<E, D, Adam<Cpu, float>, Cpu, float, Comm> vae(rng, {}, {.lr = 1e-2}, Init::pytorch, comm);
    Tensor<Shape<6>, Cpu> input(16), target(16);
    std::vector<float> host(input.size());
    for (int i = 0; i < steps; ++i) {
        for (auto& v : host) v = data.uniform<float>(0, 1);
        target.copy_from_host(host);
        for (auto& v : host) v = 2 * v - 1;
        input.copy_from_host(host);
        vae.step(input, target);
    }
    const auto& e = vae.encoder.parameters();
    const auto& d = vae.decoder.parameters();
    std::vector<float> all(e.values(), e.values() + e.size());
    all.insert(all.end(), d.values(), d.values() + d.size());
    return all;
}
}  // namespace

BOOST_AUTO_TEST_CASE(every_rank_of_a_vae_ends_with_the_parameters_of_one_process) {
    constexpr int steps = 4;
    const std::vector<float> one = train_vae(steps, SingleProcess{});
    BOOST_TEST((one != train_vae(0, SingleProcess{})));
    for (int ranks : {2, 4}) {
        BOOST_TEST_CONTEXT("world of " << ranks) {
            SimulatedWorld world(ranks);
            std::vector<std::vector<float>> out(ranks);
            world.run([&](SimulatedRank& comm) { out[comm.rank()] = train_vae(steps, comm); });
            for (int r = 1; r < ranks; ++r) BOOST_TEST((out[r] == out[0]), "rank " << r << " differs from rank 0");
            double worst = 0;
            for (std::size_t i = 0; i < one.size(); ++i)
                worst = std::max(worst, std::abs(double(out[0][i]) - one[i]) / std::max(1.0, std::abs(double(one[i]))));
            BOOST_TEST(worst <= 1e-5);
        }
    }
}

// ---- every layer kind and every loss kind: one step's gradients and statistics ------------------

namespace {
/// Every layer kind, batch statistics in 2-D and 1-D, Dropout between them. The layers before
/// BatchNorm have no bias: its gradient would be zero but for rounding, which an Adam step
/// blows up to a full step whose sign no two summation orders agree on.
using EveryLayer = Sequential<Input<1, 6, 6>, Conv2d<1, 3, 3, 1, 1, false>, BatchNorm2d<3>, ReLU, MaxPool2d<2>, Flatten,
                              Linear<27, 16, false>, BatchNorm1d<16>, LeakyReLU<0.2>, Dropout<0.3>, Linear<16, 18>,
                              Reshape<2, 3, 3>, ConvTranspose2d<2, 1, 2, 2>, Tanh, Flatten, Linear<36, 4>, Sigmoid>;
constexpr index_t every_batch = 8;

enum class LossKind { bce, bce_with_logits, mse, least_squares, wasserstein, cross_entropy, gaussian_kl, continuous_bernoulli };
constexpr LossKind every_loss[] = {LossKind::bce,         LossKind::bce_with_logits, LossKind::mse,
                                   LossKind::least_squares, LossKind::wasserstein,   LossKind::cross_entropy,
                                   LossKind::gaussian_kl,  LossKind::continuous_bernoulli};

/// What one rank holds after one step's backward pass and the gradients' mean over the ranks.
struct StepResult {
    std::vector<float> gradients, running, output;  // running: every BatchNorm's mean then variance
};

/// The loss `kind` of outputs y (this rank's share of the global batch) against targets drawn
/// for the whole global batch, dL/dy into grad.
template <class Comm>
void loss_of(LossKind kind, const Comm& comm, ConstView<Shape<4>, Cpu> y, TensorView<Shape<4>, Cpu, float> grad) {
    const index_t batch = y.batch, global = batch * comm.size();
    std::vector<float> target(global * 4);
    std::vector<std::int32_t> labels(global);
    for (std::size_t i = 0; i < target.size(); ++i) target[i] = float(i % 7) / 7;
    for (std::size_t i = 0; i < labels.size(); ++i) labels[i] = std::int32_t(i * 3 % 4);
    const ConstView<Shape<4>, Cpu> t = distributed::share_of(comm, ConstView<Shape<4>, Cpu>(target.data(), global), "test");
    const ConstView<Shape<1>, Cpu, std::int32_t> l =
        distributed::share_of(comm, ConstView<Shape<1>, Cpu, std::int32_t>(labels.data(), global), "test");
    switch (kind) {
    case LossKind::bce: bce(y, t, grad); break;
    case LossKind::bce_with_logits: bce_with_logits(y, t, grad); break;
    case LossKind::mse: mse(y, t, grad); break;
    case LossKind::least_squares: adversarial_loss(AdversarialLoss::least_squares, y, 0.9f, grad); break;
    case LossKind::wasserstein: adversarial_loss(AdversarialLoss::wasserstein, y, 1.0f, grad); break;
    case LossKind::cross_entropy: cross_entropy(y, l, grad); break;
    case LossKind::gaussian_kl: gaussian_kl(y, grad); break;
    case LossKind::continuous_bernoulli: continuous_bernoulli_nll(y, t, grad, Reduction::sum_per_sample_mean); break;
    }
}

/// One training step of EveryLayer on this rank's share of a global batch of `every_batch`
/// images (one process: all of it); the gradients averaged over the ranks as an update averages
/// them. `reduce_stats` false leaves the network a single process (statistics per rank, not made
/// equal): what the tests compare against.
template <class Comm>
StepResult every_layer_step(Comm& comm, LossKind kind, BatchStats stats = BatchStats::global, bool distribute = true) {
    Rng rng(11), data(12);
    Network<EveryLayer, Cpu, float> net(rng);
    if (distribute) net.set_data_parallel(distributed::data_parallel(comm, stats));
    std::vector<float> images(every_batch * 36);
    for (auto& v : images) v = data.uniform<float>(-1, 1);
    const auto x = distributed::share_of(comm, ConstView<Shape<1, 6, 6>, Cpu>(images.data(), every_batch), "test");
    const auto& y = net.forward(x);
    Tensor<Shape<4>, Cpu> grad(x.batch);
    loss_of(kind, comm, y.cview(), grad.view());
    net.backward(grad.cview(), {ParamGrads::overwrite});
    auto& flat = net.parameters();
    comm.mean(flat.gradients(), flat.size());
    StepResult out;
    out.gradients.assign(flat.gradients(), flat.gradients() + flat.size());
    out.output.assign(y.data(), y.data() + y.size());
    append_buffers(net, out.running);
    return out;
}

/// Each rank's StepResult in a world of `ranks`.
std::vector<StepResult> every_layer_world(int ranks, LossKind kind, BatchStats stats = BatchStats::global,
                                          bool distribute = true) {
    SimulatedWorld world(ranks);
    std::vector<StepResult> out(ranks);
    world.run([&](SimulatedRank& comm) { out[comm.rank()] = every_layer_step(comm, kind, stats, distribute); });
    return out;
}

double largest(const std::vector<float>& v) {
    double m = 0;
    for (float x : v) m = std::max(m, std::abs(double(x)));
    return m;
}

/// The largest difference between a and b, relative where |b| is above `floor`.
double worst_relative(const std::vector<float>& a, const std::vector<float>& b, double floor = 1.0) {
    BOOST_REQUIRE(a.size() == b.size());
    double worst = 0;
    std::size_t at = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const double d = std::abs(double(a[i]) - b[i]) / std::max(floor, std::abs(double(b[i])));
        if (d > worst) worst = d, at = i;
    }
    BOOST_TEST_MESSAGE("worst at " << at << ": " << a[at] << " vs " << b[at]);
    return worst;
}
}  // namespace

// The global batch's statistics and Dropout's global masks: every rank's first-step gradients
// are one process's within rounding, for every loss, the same bits on every rank and in every run.
BOOST_AUTO_TEST_CASE(every_layer_and_loss_kind_gives_the_gradients_of_one_process) {
    for (const LossKind kind : every_loss) {
        SingleProcess one_process;
        const StepResult one = every_layer_step(one_process, kind);
        for (int ranks : {2, 4}) {
            BOOST_TEST_CONTEXT("loss " << int(kind) << ", world of " << ranks) {
                const auto world = every_layer_world(ranks, kind);
                const auto again = every_layer_world(ranks, kind);
                for (int r = 0; r < ranks; ++r) {
                    BOOST_TEST((world[r].gradients == world[0].gradients), "rank " << r);
                    BOOST_TEST((world[r].running == world[0].running), "rank " << r);
                    BOOST_TEST((again[r].gradients == world[r].gradients), "rank " << r << " in a second run");
                }
                // Relative to the largest gradient: the smallest carry rounding of the largest.
                BOOST_TEST(worst_relative(world[0].gradients, one.gradients, largest(one.gradients)) <= 1e-5);
                BOOST_TEST(worst_relative(world[0].running, one.running) <= 1e-5);
                // Each rank's outputs are its rows of one process's: the same statistics and masks.
                std::vector<float> outputs;
                for (const auto& w : world) outputs.insert(outputs.end(), w.output.begin(), w.output.end());
                BOOST_TEST(worst_relative(outputs, one.output) <= 1e-5);
            }
        }
    }
}

// Without the statistics' reduction (each rank its own share's statistics) the same ranks do
// not give one process's gradients: what the test above guards is real.
BOOST_AUTO_TEST_CASE(per_rank_statistics_are_not_those_of_the_global_batch) {
    SingleProcess one_process;
    const StepResult one = every_layer_step(one_process, LossKind::mse);
    const auto per_rank = every_layer_world(2, LossKind::mse, BatchStats::per_rank);
    BOOST_TEST(worst_relative(per_rank[0].gradients, one.gradients, largest(one.gradients)) > 1e-3);
    // Per-rank statistics are each rank's share's alone; the running statistics are then made
    // the same on every rank: the mean over ranks of those one process computes on each share.
    const auto alone = every_layer_world(2, LossKind::mse, BatchStats::per_rank, false);
    BOOST_TEST((per_rank[1].running == per_rank[0].running));
    BOOST_TEST((alone[1].running != alone[0].running));
    std::vector<float> mean(alone[0].running.size());
    for (std::size_t i = 0; i < mean.size(); ++i) mean[i] = (alone[0].running[i] + alone[1].running[i]) * 0.5f;
    BOOST_TEST(worst_relative(per_rank[0].running, mean) <= 1e-6);
    // The outputs are those of each share alone.
    // Rank 0's outputs are its share's alone (its global sample indices are its local ones, so
    // its Dropout masks are too).
    BOOST_TEST((per_rank[0].output == alone[0].output));
}

// Dropout draws each element's mask at its index in the global batch: exactly one process's
// masks, also for a batch of two pieces (a GAN's real and generated samples).
BOOST_AUTO_TEST_CASE(dropout_masks_are_those_of_one_process) {
    using Drop = Sequential<Input<5>, Dropout<0.5>>;
    constexpr index_t global = 8;
    const std::vector<float> ones(2 * global * 5, 1.0f);
    const auto masks = [&](auto& comm, index_t pieces) {
        Rng rng(3);
        Network<Drop, Cpu, float> net(rng);
        net.set_data_parallel(distributed::data_parallel(comm, BatchStats::global));
        // This rank's share of each piece, laid end to end.
        const index_t share = global / comm.size();
        const ConstView<Shape<5>, Cpu> x(ones.data(), share * pieces);
        const auto& y = net.forward(x, pieces);
        const std::vector<float> out(y.data(), y.data() + y.size());
        return std::make_pair(out, rng.bits());
    };
    for (index_t pieces : {1, 2}) {
        SingleProcess one_process;
        const auto [one, one_next] = masks(one_process, pieces);
        for (int ranks : {2, 4}) {
            BOOST_TEST_CONTEXT(pieces << " pieces, world of " << ranks) {
                SimulatedWorld world(ranks);
                std::vector<std::vector<float>> out(ranks);
                std::vector<std::uint64_t> next(ranks);
                world.run([&](SimulatedRank& comm) { std::tie(out[comm.rank()], next[comm.rank()]) = masks(comm, pieces); });
                const index_t share = global / ranks * 5;
                for (int r = 0; r < ranks; ++r) {
                    BOOST_TEST(next[r] == one_next);  // the Rng streams stay one process's
                    for (index_t k = 0; k < pieces; ++k)
                        BOOST_TEST((std::vector<float>(out[r].begin() + k * share, out[r].begin() + (k + 1) * share) ==
                                    std::vector<float>(one.begin() + k * global * 5 + r * share,
                                                       one.begin() + k * global * 5 + (r + 1) * share)),
                                   "rank " << r << ", piece " << k);
                }
            }
        }
    }
}

// ---- Gan and Vae with BatchNorm (and Dropout) -------------------------------------------------

namespace {
using BnGenerator = Sequential<Input<2>, Linear<2, 16, false>, BatchNorm1d<16>, ReLU, Linear<16, 2, false>>;
using DropoutCritic = Sequential<Input<2>, Linear<2, 16>, LeakyReLU<0.2>, Dropout<0.3>, Linear<16, 1>>;
using BnCritic = Sequential<Input<2>, Linear<2, 16, false>, BatchNorm1d<16>, LeakyReLU<0.2>, Linear<16, 1>>;

template <class G, class D, class Comm>
Gan<G, D, Adam<Cpu, float>, Adam<Cpu, float>, Cpu, float, Comm> make_bn_gan(Rng& rng, Comm comm,
                                                                          BatchStats stats = BatchStats::global) {
    return {rng, {.loss = AdversarialLoss::bce_with_logits, .batch_stats = stats}, adam, adam, Init::pytorch, comm};
}

/// G's and D's parameters, then their running statistics.
template <class GanT>
std::vector<float> state_of(GanT& gan) {
    std::vector<float> all = parameters_of(gan);
    append_buffers(gan.generator, all);
    append_buffers(gan.discriminator, all);
    return all;
}

/// The state after `steps` steps of a GAN of G and D.
template <class G, class D, class Comm>
std::vector<float> train_bn_gan(int steps, Comm comm, BatchStats stats = BatchStats::global) {
    Rng rng(5), data(6);
    auto gan = make_bn_gan<G, D>(rng, comm, stats);
    train_steps(gan, data, steps);
    return state_of(gan);
}

template <class G, class D>
void check_bn_gan() {
    constexpr int steps = 4;
    const auto one = train_bn_gan<G, D>(steps, SingleProcess{});
    BOOST_TEST((one != train_bn_gan<G, D>(0, SingleProcess{})));
    for (int ranks : {2, 4}) {
        BOOST_TEST_CONTEXT("world of " << ranks) {
            SimulatedWorld world(ranks);
            std::vector<std::vector<float>> out(ranks);
            world.run([&](SimulatedRank& comm) { out[comm.rank()] = train_bn_gan<G, D>(steps, comm); });
            for (int r = 1; r < ranks; ++r) BOOST_TEST((out[r] == out[0]), "rank " << r << " differs from rank 0");
            BOOST_TEST(worst_relative(out[0], one) <= 1e-5);
        }
    }
}
}  // namespace

// G with BatchNorm; D with Dropout (one joint batch of real and generated samples: two pieces).
BOOST_AUTO_TEST_CASE(a_gan_with_batchnorm_and_dropout_trains_as_one_process) {
    check_bn_gan<BnGenerator, DropoutCritic>();
}

// D with BatchNorm: real and generated samples normalised apart, each over its global batch.
BOOST_AUTO_TEST_CASE(a_gan_with_batchnorm_in_both_networks_trains_as_one_process) {
    check_bn_gan<BnGenerator, BnCritic>();
}

// GanOptions::batch_stats = per_rank: each rank's own statistics, so not one process's run, but
// every rank still ends with the same parameters and running statistics.
BOOST_AUTO_TEST_CASE(a_gan_with_per_rank_statistics_keeps_every_rank_equal) {
    SimulatedWorld world(2);
    std::vector<std::vector<float>> global(2), per_rank(2);
    world.run([&](SimulatedRank& comm) {
        global[comm.rank()] = train_bn_gan<BnGenerator, BnCritic>(4, comm);
        per_rank[comm.rank()] = train_bn_gan<BnGenerator, BnCritic>(4, comm, BatchStats::per_rank);
    });
    BOOST_TEST((per_rank[1] == per_rank[0]));
    BOOST_TEST(worst_relative(per_rank[0], global[0]) > 1e-4);
}

// Resuming a BatchNorm GAN from rank 0's checkpoint (running statistics included) continues as
// the uninterrupted world does, bit for bit.
BOOST_AUTO_TEST_CASE(a_batchnorm_gan_resumes_from_rank_0s_checkpoint) {
    test::TempDir dir;
    const auto file = dir.path / "checkpoint.safetensors";
    SimulatedWorld world(2);
    std::vector<std::vector<float>> straight(2), resumed(2);
    world.run([&](SimulatedRank& comm) { straight[comm.rank()] = train_bn_gan<BnGenerator, BnCritic>(4, comm); });
    world.run([&](SimulatedRank& comm) {
        Rng data(6);
        {
            Rng rng(5);
            auto gan = make_bn_gan<BnGenerator, BnCritic>(rng, comm);
            train_steps(gan, data, 2);
            gan.gather_optimizer_state();  // every rank: the optimizers' state is sharded
            if (comm.rank() == 0) gan.checkpoint().save(file);
        }
        double barrier = 0;
        comm.mean(&barrier, 1);  // the file is written before any rank reads it
        Rng other(99);
        auto gan = make_bn_gan<BnGenerator, BnCritic>(other, comm);
        gan.checkpoint().load(file);
        train_steps(gan, data, 2);
        resumed[comm.rank()] = state_of(gan);
    });
    for (int r = 0; r < 2; ++r) BOOST_TEST((resumed[r] == straight[r]), "rank " << r);
}
