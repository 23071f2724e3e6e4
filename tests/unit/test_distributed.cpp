// Data-parallel training in a simulated world of R ranks (threads of this process): every rank
// ends a run with the same parameters, bit for bit, within rounding of one process training on
// the same global batches; uneven batches and failing ranks end every rank with a clear error.
#define BOOST_TEST_MODULE distributed
#include <boost/test/unit_test.hpp>

#include "support/data_parallel.hpp"
#include "support/temp_dir.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

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

BOOST_AUTO_TEST_CASE(networks_with_batch_statistics_are_refused_across_ranks) {
    using BnG = Sequential<Input<2>, Linear<2, 8>, BatchNorm1d<8>, ReLU, Linear<8, 2>>;
    using BnE = Sequential<Input<6>, Linear<6, 8>, BatchNorm1d<8>, ReLU, Linear<8, 4>>;
    using D = Sequential<Input<2>, Linear<2, 8>, ReLU, Linear<8, 6>>;
    SimulatedWorld world(2);
    BOOST_CHECK_THROW(world.run([&](SimulatedRank& comm) {
        Rng rng(1);
        Gan<BnG, models::SwissRollDiscriminator<8>, Adam<Cpu, float>, Adam<Cpu, float>, Cpu, float, SimulatedRank> gan(
            rng, {}, adam, adam, Init::pytorch, comm);
    }),
                      std::invalid_argument);
    BOOST_CHECK_THROW(world.run([&](SimulatedRank& comm) {
        Rng rng(1);
        Vae<BnE, D, Adam<Cpu, float>, Cpu, float, SimulatedRank> vae(rng, {}, {}, Init::pytorch, comm);
    }),
                      std::invalid_argument);
    // One rank is one process: allowed.
    SimulatedWorld one(1);
    BOOST_CHECK_NO_THROW(one.run([&](SimulatedRank& comm) {
        Rng rng(1);
        Vae<BnE, D, Adam<Cpu, float>, Cpu, float, SimulatedRank> vae(rng, {}, {}, Init::pytorch, comm);
    }));
}

namespace {
/// The encoder's flat parameters then the decoder's, after `steps` VAE steps on global batches of
/// 16 (targets in [0, 1], inputs scaled to [-1, 1] as seed 003 does).
template <class Comm>
std::vector<float> train_vae(int steps, Comm comm) {
    using E = Sequential<Input<6>, Linear<6, 8>, ReLU, Linear<8, 4>>;
    using D = Sequential<Input<2>, Linear<2, 8>, ReLU, Linear<8, 6>>;
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
