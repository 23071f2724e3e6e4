// The seed notebooks' networks as ctnn types (docs/examples.md lists them). Every
// parameter_count is the one PyTorch reports for the same module; the tests check it, and check
// outputs and gradients against PyTorch twins built as nn.Sequential with the same layer order
// (so parameter names are the twin's state_dict keys).
#pragma once

#include "ctnn/layers/activation.hpp"
#include "ctnn/layers/batchnorm.hpp"
#include "ctnn/layers/conv2d.hpp"
#include "ctnn/layers/conv_transpose2d.hpp"
#include "ctnn/layers/dropout.hpp"
#include "ctnn/layers/linear.hpp"
#include "ctnn/layers/maxpool2d.hpp"
#include "ctnn/layers/reshape.hpp"
#include "ctnn/network/sequential.hpp"

/// The networks of the seed notebooks, as ctnn types with PyTorch's parameter counts.
namespace ctnn::models {

// ---- seed 000: GAN on the 2-D Swiss roll -------------------------------------------------------
/// Generator: latent 2, three hidden layers of 256 with LeakyReLU(0.2), Tanh output in [-1, 1]^2.
template <index_t Latent = 2, index_t Hidden = 256>
using SwissRollGenerator =
    Sequential<Input<Latent>, Linear<Latent, Hidden>, LeakyReLU<0.2>, Linear<Hidden, Hidden>,
               LeakyReLU<0.2>, Linear<Hidden, Hidden>, LeakyReLU<0.2>, Linear<Hidden, 2>, Tanh>;
/// Discriminator: the mirror image, Sigmoid probability out (trained with BCELoss).
template <index_t Hidden = 256>
using SwissRollDiscriminator =
    Sequential<Input<2>, Linear<2, Hidden>, LeakyReLU<0.2>, Linear<Hidden, Hidden>,
               LeakyReLU<0.2>, Linear<Hidden, Hidden>, LeakyReLU<0.2>, Linear<Hidden, 1>, Sigmoid>;

// ---- seed 001: the lab's vanilla MLP GAN and 3x64x64 DCGAN --------------------------------------
/// Lab generator: noise 100 -> 128 (LeakyReLU, default slope 0.01) -> 784 with Tanh, as an image.
template <index_t Noise = 100>
using LabGenerator = Sequential<Input<Noise>, Linear<Noise, 128>, LeakyReLU<>, Linear<128, 784>,
                                Tanh, Reshape<1, 28, 28>>;
/// Lab discriminator: 784 -> 128 (LeakyReLU) -> 1 with Sigmoid.
using LabDiscriminator = Sequential<Input<1, 28, 28>, Flatten, Linear<784, 128>, LeakyReLU<>,
                                    Linear<128, 1>, Sigmoid>;

/// The DCGAN generator of the lab's layer table: noise 100x1x1 up to 3x64x64, no biases.
using Dcgan64Generator = Sequential<Input<100, 1, 1>,
    ConvTranspose2d<100, 512, 4, 1, 0, 0, false>, BatchNorm2d<512>, ReLU,
    ConvTranspose2d<512, 256, 4, 2, 1, 0, false>, BatchNorm2d<256>, ReLU,
    ConvTranspose2d<256, 128, 4, 2, 1, 0, false>, BatchNorm2d<128>, ReLU,
    ConvTranspose2d<128, 64, 4, 2, 1, 0, false>, BatchNorm2d<64>, ReLU,
    ConvTranspose2d<64, 3, 4, 2, 1, 0, false>, Tanh>;
/// The matching discriminator: strided convolutions, BatchNorm, LeakyReLU(0.2), Sigmoid.
using Dcgan64Discriminator = Sequential<Input<3, 64, 64>,
    Conv2d<3, 64, 4, 2, 1, false>, LeakyReLU<0.2>,
    Conv2d<64, 128, 4, 2, 1, false>, BatchNorm2d<128>, LeakyReLU<0.2>,
    Conv2d<128, 256, 4, 2, 1, false>, BatchNorm2d<256>, LeakyReLU<0.2>,
    Conv2d<256, 512, 4, 2, 1, false>, BatchNorm2d<512>, LeakyReLU<0.2>,
    Conv2d<512, 1, 4, 1, 0, false>, Sigmoid, Flatten>;

// ---- seed 002: MLP GAN with BatchNorm in G and Dropout in D (latent 128) -------------------------
/// Generator: Latent -> 256 -> 512 -> 1024 -> 784, each hidden Linear followed by BatchNorm1d and
/// ReLU, Tanh out, as a 1x28x28 image.
template <index_t Latent = 128>
using BnGenerator = Sequential<Input<Latent>,
    Linear<Latent, 256>, BatchNorm1d<256>, ReLU,
    Linear<256, 512>, BatchNorm1d<512>, ReLU,
    Linear<512, 1024>, BatchNorm1d<1024>, ReLU,
    Linear<1024, 784>, Tanh, Reshape<1, 28, 28>>;
/// Discriminator: 784 -> 1024 -> 512 -> 256 -> 1 with LeakyReLU(0.2), Dropout(0.3) after the
/// first two hidden layers, Sigmoid probability out.
using DropoutDiscriminator = Sequential<Input<1, 28, 28>, Flatten,
    Linear<784, 1024>, LeakyReLU<0.2>, Dropout<0.3>,
    Linear<1024, 512>, LeakyReLU<0.2>, Dropout<0.3>,
    Linear<512, 256>, LeakyReLU<0.2>,
    Linear<256, 1>, Sigmoid>;

// ---- seed 003: cs231n-style GANs, DCGAN, VAE and the MNIST classifier ---------------------------
/// MLP discriminator 784-256-256-1 with LeakyReLU(0.01), logits out (BCE with logits).
using MlpDiscriminator = Sequential<Input<1, 28, 28>, Flatten, Linear<784, 256>, LeakyReLU<0.01>,
                                    Linear<256, 256>, LeakyReLU<0.01>, Linear<256, 1>>;
/// MLP generator from uniform noise of dimension 10: 1024-1024-784 with ReLU, Tanh out.
template <index_t Noise = 10>
using MlpGenerator = Sequential<Input<Noise>, Linear<Noise, 1024>, ReLU, Linear<1024, 1024>, ReLU,
                                Linear<1024, 784>, Tanh, Reshape<1, 28, 28>>;

/// The DCGAN discriminator: 1,102,721 parameters, as the notebook's test_discriminator checks.
using DcganDiscriminator = Sequential<Input<1, 28, 28>,
    Conv2d<1, 32, 5>, LeakyReLU<0.01>, MaxPool2d<2>,
    Conv2d<32, 64, 5>, LeakyReLU<0.01>, MaxPool2d<2>,
    Flatten, Linear<4 * 4 * 64, 4 * 4 * 64>, LeakyReLU<0.01>, Linear<4 * 4 * 64, 1>>;
/// The InfoGAN-style generator (Linear, ReLU, BatchNorm order as in the notebook's forward):
/// 6,586,945 parameters with noise dimension 10.
template <index_t Noise = 10>
using DcganGenerator = Sequential<Input<Noise>,
    Linear<Noise, 1024>, ReLU, BatchNorm1d<1024>,
    Linear<1024, 7 * 7 * 128>, ReLU, BatchNorm1d<7 * 7 * 128>,
    Reshape<128, 7, 7>,
    ConvTranspose2d<128, 64, 4, 2, 1>, ReLU, BatchNorm2d<64>,
    ConvTranspose2d<64, 1, 4, 2, 1>, Tanh>;

/// VAE encoder: 784-512-256-128 with ReLU, then 2*Z outputs (mu, log-variance).
template <index_t Z = 20>
using VaeEncoder = Sequential<Input<1, 28, 28>, Flatten, Linear<784, 512>, ReLU, Linear<512, 256>,
                              ReLU, Linear<256, 128>, ReLU, Linear<128, 2 * Z>>;
/// VAE decoder: Z-400-600-800 with ReLU, then 784 logits (no activation), as an image.
template <index_t Z = 20>
using VaeDecoder = Sequential<Input<Z>, Linear<Z, 400>, ReLU, Linear<400, 600>, ReLU,
                              Linear<600, 800>, ReLU, Linear<800, 784>, Reshape<1, 28, 28>>;

/// The MNIST classifier of the metrics: 784-512-512-10 with ReLU and Dropout(0.2), logits out.
using MnistClassifier = Sequential<Input<1, 28, 28>, Flatten, Linear<784, 512>, ReLU, Dropout<0.2>,
                                   Linear<512, 512>, ReLU, Dropout<0.2>, Linear<512, 10>>;

// ---- seed 004: MLP GAN on flattened CIFAR-10 ------------------------------------------------------
/// Images of C x H x W (CIFAR-10's 3x32x32 by default; 1x28x28 runs it on (Fashion-)MNIST) flattened
/// to 1024-512-256-1 with LeakyReLU(0.2) and Dropout(0.3), Sigmoid out.
template <index_t C = 3, index_t H = 32, index_t W = 32>
using CifarMlpDiscriminator = Sequential<Input<C, H, W>, Flatten,
    Linear<C * H * W, 1024>, LeakyReLU<0.2>, Dropout<0.3>,
    Linear<1024, 512>, LeakyReLU<0.2>, Dropout<0.3>,
    Linear<512, 256>, LeakyReLU<0.2>, Dropout<0.3>,
    Linear<256, 1>, Sigmoid>;
/// Noise 100 -> 256-512-1024 with LeakyReLU(0.2) -> C x H x W with Tanh.
template <index_t Noise = 100, index_t C = 3, index_t H = 32, index_t W = 32>
using CifarMlpGenerator = Sequential<Input<Noise>,
    Linear<Noise, 256>, LeakyReLU<0.2>, Linear<256, 512>, LeakyReLU<0.2>,
    Linear<512, 1024>, LeakyReLU<0.2>, Linear<1024, C * H * W>, Tanh, Reshape<C, H, W>>;

}  // namespace ctnn::models
