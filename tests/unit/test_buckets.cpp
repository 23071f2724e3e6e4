// Gradient buckets: a network's last backward pass of a step hands its final gradients to an
// asynchronous communicator in buckets, from the last layer to the first, while the layers before
// them still go backward; the parameters trained so are those of the one-shot reduction, bit for
// bit, whatever the bucket size.
#define BOOST_TEST_MODULE buckets
#include <boost/test/unit_test.hpp>

#include "support/data_parallel.hpp"

#include <vector>

using namespace ctnn;
using namespace ctnn::test::data_parallel;

namespace {

/// What a network asked of its communicator, in order.
struct Log {
    struct Start {
        const float* p;
        index_t n;
        int layers_done;  // progress() calls before it: one per layer gone backward
    };
    std::vector<Start> started;
    std::vector<index_t> means;  // sizes of blocking means
    int progress = 0, finished = 0;
};

/// Rank 0 of 2 that records what it is asked and reduces nothing.
struct Recorder {
    Log* log;
    int rank() const { return 0; }
    int size() const { return 2; }
    template <class T>
    void mean(T*, index_t n) {
        log->means.push_back(n);
    }
    template <class T>
    void start_mean(T* p, index_t n) {
        if constexpr (std::is_same_v<T, float>) log->started.push_back({p, n, log->progress});
    }
    void progress() { ++log->progress; }
    void finish_means() { ++log->finished; }
};
static_assert(distributed::AsyncCommunicator<Recorder>);

using Net = TrainedNetwork<models::MlpDiscriminator, Adam<Cpu, float>>;

/// The MLP discriminator after a forward pass, a gradient of its output, and a Recorder.
struct Forwarded {
    Rng rng{1};
    Net net{rng, {}};
    Tensor<Shape<1, 28, 28>, Cpu> x{4};
    Tensor<Shape<1>, Cpu> dy{4};
    Log log;
    Recorder comm{&log};
    Forwarded() {
        x.fill(0.5f);
        dy.fill(1.0f);
        net.forward(x.cview());
    }
};

/// One forward and backward_reducing() pass of the MLP discriminator with `bucket_bytes`, then
/// update(): the log of it.
Log one_step(std::size_t bucket_bytes) {
    Forwarded f;
    Net& net = f.net;
    const Log& log = f.log;
    net.bucket_bytes = bucket_bytes;
    net.backward_reducing(f.dy.cview(), {ParamGrads::overwrite}, f.comm);
    BOOST_TEST(log.finished == 0);
    net.update("discriminator", 0, f.comm);
    // The buckets cover the flat buffer once, from its end to its start, each ending where a
    // layer's gradients begin.
    const float* base = net.parameters().gradients();
    index_t end = net.parameters().size();
    for (const auto& b : log.started) {
        BOOST_TEST(b.p + b.n == base + end);
        bool at_layer = false;
        const auto begin = static_cast<index_t>(b.p - base);
        for (std::size_t l = 0; l <= Net::layer_count; ++l) at_layer |= net.gradient_begin(l) == begin;
        BOOST_TEST(at_layer);
        end = begin;
    }
    if (!log.started.empty()) BOOST_TEST(end == 0);
    return f.log;
}

}  // namespace

// MlpDiscriminator: Flatten, Linear 784x256, LeakyReLU, Linear 256x256, LeakyReLU, Linear 256x1.
BOOST_AUTO_TEST_CASE(buckets_start_during_backward_and_update_completes_them) {
    const Log every_layer = one_step(1);
    BOOST_TEST(every_layer.started.size() == 3u);  // one per Linear
    BOOST_TEST(every_layer.started[0].layers_done == 0);  // the last layer's, before any other went back
    BOOST_TEST(every_layer.started[0].n == 256 + 16);     // its weight and bias, each padded to 16 floats
    BOOST_TEST(every_layer.finished == 1);
    BOOST_TEST(every_layer.means.empty());  // no second, blocking reduction

    // 200 KB: the last two Linears (263 KB) close the first bucket, the first Linear the second.
    const Log two = one_step(200 << 10);
    BOOST_TEST(two.started.size() == 2u);
    BOOST_TEST(two.started[0].layers_done == 2);
    BOOST_TEST(two.started[0].n == (256 * 256 + 256) + (256 + 16));

    // No overlap: one reduction of the whole buffer in update(), started and finished there (so
    // that the communicator's transport of buckets, e.g. Mpi's shared memory, serves it too).
    const Log none = one_step(0);
    BOOST_TEST(none.started.size() == 1u);
    BOOST_TEST(none.started[0].n == Forwarded().net.parameters().size());
    BOOST_TEST(none.started[0].layers_done == 0);
    BOOST_TEST(none.finished == 1);
    BOOST_TEST(none.means.empty());
}

BOOST_AUTO_TEST_CASE(a_frozen_pass_reduces_nothing) {
    Forwarded f;
    f.net.backward_reducing(f.dy.cview(), {ParamGrads::frozen, true}, f.comm);
    BOOST_TEST(f.log.started.empty());
    BOOST_TEST(f.log.progress == 0);
}

// In simulated worlds of 2 and 4 ranks, a GAN trained with buckets of one layer, of a few layers,
// and of the whole network (the default here) ends with the one-shot reduction's parameters.
BOOST_AUTO_TEST_CASE(buckets_give_the_one_shot_reduction_bit_for_bit) {
    constexpr int steps = 3;
    for (int ranks : {2, 4}) {
        auto world = [&](std::size_t bucket_bytes) {
            distributed::SimulatedWorld w(ranks);
            std::vector<std::vector<float>> out(ranks);
            w.run([&](distributed::SimulatedRank& comm) {
                Rng rng(5), data(6);
                auto gan = make_gan(rng, comm);
                gan.generator.bucket_bytes = gan.discriminator.bucket_bytes = bucket_bytes;
                train_steps(gan, data, steps);
                out[comm.rank()] = parameters_of(gan);
            });
            return out;
        };
        const auto one_shot = world(0);
        for (std::size_t bytes : {std::size_t{1}, std::size_t{4096}, std::size_t{1} << 20}) {
            BOOST_TEST_CONTEXT(ranks << " ranks, buckets of " << bytes << " bytes") {
                const auto bucketed = world(bytes);
                for (int r = 0; r < ranks; ++r) BOOST_TEST((bucketed[r] == one_shot[r]), "rank " << r);
            }
        }
        BOOST_TEST((one_shot[0] != train(0, distributed::SingleProcess{})));  // it trained
    }
}
