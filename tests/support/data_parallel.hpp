// The data-parallel runs the distributed tests compare: a small Swiss-roll GAN trained on global
// batches from a fixed stream, by one process or by one rank of a world.
#pragma once

#include <ctnn/ctnn.hpp>
#include <ctnn/distributed/communicator.hpp>
#include <ctnn/models/seeds.hpp>
#include <ctnn/train/gan.hpp>

#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

namespace ctnn::test::data_parallel {

template <class Comm>
using RollGan = Gan<models::SwissRollGenerator<2, 32>, models::SwissRollDiscriminator<32>, Adam<Cpu, float>,
                    Adam<Cpu, float>, Cpu, float, Comm>;
inline constexpr index_t global_batch = 16;
inline constexpr AdamOptions adam{.lr = 2e-4, .beta1 = 0.5};

template <class Comm>
RollGan<Comm> make_gan(Rng& rng, Comm comm) {
    return RollGan<Comm>(rng, {.loss = AdversarialLoss::bce}, adam, adam, Init::pytorch, comm);
}

/// `steps` iterations on global batches of `batch` samples drawn from `data`.
template <class GanT>
void train_steps(GanT& gan, Rng& data, int steps, index_t batch = global_batch) {
    Tensor<Shape<2>, Cpu> real(batch);
    std::vector<float> host(real.size());
    for (int i = 0; i < steps; ++i)
        gan.step([&] {
            for (auto& v : host) v = data.uniform<float>(-1, 1);
            real.copy_from_host(host);
            return real.cview();
        });
}

/// Appends a network's floating-point buffers (BatchNorm's running statistics) to out.
template <class Net>
void append_buffers(Net& net, std::vector<float>& out) {
    net.visit_buffers([&](const std::string&, auto& b) {
        if constexpr (!std::is_same_v<std::remove_cvref_t<decltype(b)>, std::int64_t>)
            out.insert(out.end(), b.data(), b.data() + b.size());
    });
}

/// G's flat parameters then D's.
template <class GanT>
std::vector<float> parameters_of(GanT& gan) {
    const auto& g = gan.generator.parameters();
    const auto& d = gan.discriminator.parameters();
    std::vector<float> all(g.values(), g.values() + g.size());
    all.insert(all.end(), d.values(), d.values() + d.size());
    return all;
}

/// The parameters after `steps` iterations on global batches of `batch` samples drawn from
/// Rng(6), the GAN drawn from Rng(5).
template <class Comm>
std::vector<float> train(int steps, Comm comm, index_t batch = global_batch) {
    Rng rng(5), data(6);
    auto gan = make_gan(rng, comm);
    train_steps(gan, data, steps, batch);
    return parameters_of(gan);
}

/// Each rank's parameters after `steps` iterations in a simulated world of `ranks`.
inline std::vector<std::vector<float>> train_world(int ranks, int steps) {
    distributed::SimulatedWorld world(ranks);
    std::vector<std::vector<float>> out(ranks);
    world.run([&](distributed::SimulatedRank& comm) { out[comm.rank()] = train(steps, comm); });
    return out;
}

}  // namespace ctnn::test::data_parallel
