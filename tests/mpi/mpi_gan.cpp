// Run under mpirun: trains a data-parallel model with the Mpi communicator and checks that every
// rank holds the parameters (and BatchNorm's running statistics) that a simulated world of as
// many ranks computes, bit for bit. --model picks it: `roll` (the default: the Swiss-roll GAN of
// test_distributed, 5 steps), `mlp` (seed 002's MLP GAN: BatchNorm in G, Dropout in D), `dcgan`
// (seed 003's DCGAN: BatchNorm in G) or `vae` (seed 003's VAE), each 50 steps (--steps n: n) on
// small global batches of generated images. Mpi's transport is its default (a shared-memory
// window when the ranks share a node); `roll` also trains through MPI's collectives
// (MpiTransport::collectives) and checks those bits too. With --fail-rank r, rank r throws before its first step instead,
// and with --kill-rank r it is killed (SIGKILL) there: every rank must end, naming rank r
// (tests/mpi/expect_abort.cmake).
#include <ctnn/distributed/mpi.hpp>
#include <ctnn/train/vae.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "support/data_parallel.hpp"

using namespace ctnn;
using namespace ctnn::test::data_parallel;

namespace {
using Image = Shape<1, 28, 28>;

/// Appends a network's parameters, then its running statistics, to out.
template <class Net>
void append_state(Net& net, std::vector<float>& out) {
    const auto& p = net.parameters();
    out.insert(out.end(), p.values(), p.values() + p.size());
    append_buffers(net, out);
}

/// `steps` global batches of `batch` images in [0, 1] from Rng(6), handed to f(images, the same
/// scaled to [-1, 1]).
template <class F>
void for_each_batch(int steps, index_t batch, F&& f) {
    Rng data(6);
    Tensor<Image, Cpu> images(batch), scaled(batch);
    std::vector<float> host(images.size());
    for (int i = 0; i < steps; ++i) {
        for (auto& v : host) v = data.uniform<float>(0, 1);
        images.copy_from_host(host);
        for (auto& v : host) v = 2 * v - 1;
        scaled.copy_from_host(host);
        f(images.cview(), scaled.cview());
    }
}

template <class G, class D, class Comm>
std::vector<float> train_seed_gan(Comm comm, int steps, GanOptions options, index_t batch) {
    Rng rng(5);
    Gan<G, D, Adam<Cpu, float>, Adam<Cpu, float>, Cpu, float, Comm> gan(rng, options, adam, adam, Init::pytorch, comm);
    for_each_batch(steps, batch, [&](ConstView<Image, Cpu>, ConstView<Image, Cpu> real) {
        gan.step([&] { return real; });
    });
    std::vector<float> out;
    append_state(gan.generator, out);
    append_state(gan.discriminator, out);
    return out;
}

/// This rank's state after training `model` with comm for `steps` steps.
template <class Comm>
std::vector<float> train_model(const std::string& model, int steps, Comm comm) {
    if (model == "roll") return train(steps, comm);
    if (model == "mlp")
        return train_seed_gan<models::BnGenerator<>, models::DropoutDiscriminator>(
            comm, steps, {.loss = AdversarialLoss::bce, .real_label = 0.9, .fake_label = 0.1}, 16);
    if (model == "dcgan")
        return train_seed_gan<models::DcganGenerator<>, models::DcganDiscriminator>(
            comm, steps, {.loss = AdversarialLoss::bce_with_logits, .noise = NoiseKind::uniform}, 8);
    if (model == "vae") {
        Rng rng(5);
        Vae<models::VaeEncoder<>, models::VaeDecoder<>, Adam<Cpu, float>, Cpu, float, Comm> vae(rng, {}, {.lr = 1e-3},
                                                                                              Init::pytorch, comm);
        for_each_batch(steps, 16,
                       [&](ConstView<Image, Cpu> target, ConstView<Image, Cpu> input) { vae.step(input, target); });
        std::vector<float> out;
        append_state(vae.encoder, out);
        append_state(vae.decoder, out);
        return out;
    }
    throw std::invalid_argument("mpi_gan: --model must be roll, mlp, dcgan or vae, not '" + model + "'");
}
}  // namespace

int main(int argc, char** argv) {
    distributed::MpiSession session(argc, argv);
    distributed::Mpi comm;
    std::string model = "roll", mode;
    int planned = -1, steps = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        if (flag == "--model")
            model = argv[i + 1];
        else if (flag == "--steps")
            steps = std::atoi(argv[i + 1]);
        else
            mode = flag, planned = std::atoi(argv[i + 1]);
    }
    if (steps <= 0) steps = model == "roll" ? 5 : 50;
    if (mode == "--kill-rank" && comm.rank() == planned) std::raise(SIGKILL);
    int status = 0;
    comm.run_or_abort([&] {
        if (mode == "--fail-rank" && comm.rank() == planned) throw std::runtime_error("a planned failure before the first step");
        const std::vector<float> mine = train_model(model, steps, comm);
        if (model == "roll" &&
            train_model(model, steps, distributed::Mpi(MPI_COMM_WORLD, distributed::MpiTransport::collectives)) != mine)
            throw std::runtime_error("roll: the parameters through MPI's collectives differ from the default transport's");
        // Every rank's state, gathered.
        std::vector<float> all(mine.size() * comm.size());
        MPI_Allgather(mine.data(), static_cast<int>(mine.size()), MPI_FLOAT, all.data(), static_cast<int>(mine.size()),
                      MPI_FLOAT, MPI_COMM_WORLD);
        if (comm.rank() != 0) return;
        distributed::SimulatedWorld world(comm.size());
        std::vector<std::vector<float>> simulated(comm.size());
        world.run([&](distributed::SimulatedRank& rank) { simulated[rank.rank()] = train_model(model, steps, rank); });
        for (int r = 0; r < comm.size(); ++r) {
            const std::vector<float> rank_r(all.begin() + r * mine.size(), all.begin() + (r + 1) * mine.size());
            if (rank_r != simulated[r]) {
                std::fprintf(stderr, "%s: rank %d's parameters differ from the simulated world's\n", model.c_str(), r);
                status = 1;
            }
        }
        if (status == 0)
            std::printf("%s, %d ranks over MPI, %d steps: parameters and running statistics equal the simulated "
                        "world's, bit for bit\n",
                        model.c_str(), comm.size(), steps);
    });
    return status;
}
