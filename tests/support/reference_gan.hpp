// A tiny GAN whose checkpoints, written by the code before parameters lived in one flat buffer per
// network, are kept in tests/reference/checkpoints/: every layer kind with parameters (Linear,
// Conv2d, BatchNorm1d) and buffers, Dropout drawing from the run's Rng, and optimizers with one
// (Adam: two) and three (centered RMSprop with momentum) state buffers per parameter.
#pragma once

#include <ctnn/ctnn.hpp>
#include <ctnn/train/gan.hpp>

#include <vector>

namespace ctnn::test::reference_gan {

using G = Sequential<Input<4>, Linear<4, 8>, BatchNorm1d<8>, ReLU, Linear<8, 18>, Tanh, Reshape<2, 3, 3>>;
using D = Sequential<Input<2, 3, 3>, Conv2d<2, 4, 3>, LeakyReLU<0.2>, Flatten, Dropout<0.25>, Linear<4, 1>>;
using TinyGan = Gan<G, D, Adam<Cpu, float>, RMSprop<Cpu, float>>;

inline constexpr AdamOptions g_options{.lr = 1e-2, .beta1 = 0.5};
inline constexpr RMSpropOptions d_options{.lr = 1e-2, .momentum = 0.5, .centered = true};

/// `steps` iterations on real batches of 8 drawn from the run's Rng (restored by a checkpoint).
inline void train(TinyGan& gan, Rng& rng, int steps) {
    Tensor<Shape<2, 3, 3>, Cpu> real(8);
    std::vector<float> host(real.size());
    for (int i = 0; i < steps; ++i)
        gan.step([&] {
            for (auto& v : host) v = rng.uniform<float>(-1, 1);
            real.copy_from_host(host);
            return real.cview();
        });
}

}  // namespace ctnn::test::reference_gan
