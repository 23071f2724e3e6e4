// PyTorch-GAN's conditional GAN (implementations/cgan/cgan.py, Mirza and Osindero 2014) on the
// MNIST digits: noise 100 (normal) and the digit's label through Embedding(10, 10) into an MLP
// generator 110-128-256-512-1024-784 (LeakyReLU(0.2), BatchNorm1d with PyTorch-GAN's eps 0.8 after
// all but the first Linear, Tanh); the image's 784 values and Embedding(10, 10) of its label into
// an MLP discriminator 794-512-512-512-1 (LeakyReLU(0.2), Dropout(0.4) in the last two hidden
// layers); the least-squares loss (PyTorch-GAN's MSELoss), Adam lr 2e-4 betas (0.5, 0.999), batch
// 64, images in [-1, 1]. samples_epoch_*.png hold one row per digit, 0 to 9.
#include "common/gan_trainer.hpp"
#include "common/program.hpp"

namespace examples::mnist_cgan {
using namespace ctnn;

/// The generator: the label's embedding joins the noise (PyTorch-GAN puts it first: the same
/// network up to the order of the first Linear's columns).
using Generator = Sequential<Input<100>, ConcatLabel<Embedding<10, 10>>,
    Linear<110, 128>, LeakyReLU<0.2>,
    Linear<128, 256>, BatchNorm1d<256, BatchNormOptions{.eps = 0.8}>, LeakyReLU<0.2>,
    Linear<256, 512>, BatchNorm1d<512, BatchNormOptions{.eps = 0.8}>, LeakyReLU<0.2>,
    Linear<512, 1024>, BatchNorm1d<1024, BatchNormOptions{.eps = 0.8}>, LeakyReLU<0.2>,
    Linear<1024, 784>, Tanh, Reshape<1, 28, 28>>;
/// The discriminator: the flat image, then its label's embedding.
using Discriminator = Sequential<Input<1, 28, 28>, Flatten, ConcatLabel<Embedding<10, 10>>,
    Linear<794, 512>, LeakyReLU<0.2>,
    Linear<512, 512>, Dropout<0.4>, LeakyReLU<0.2>,
    Linear<512, 512>, Dropout<0.4>, LeakyReLU<0.2>,
    Linear<512, 1>>;
// PyTorch-GAN's counts: sum(p.numel() for p in generator.parameters()), and the discriminator's.
static_assert(Generator::parameter_count == 1'511'412 && Discriminator::parameter_count == 932'965);

struct Program {
    static constexpr const char* summary = "PyTorch-GAN's conditional GAN on MNIST digits: one row per digit.";
    static constexpr bool generative = true;
    RunOptions opt{.name = "mnist_cgan", .epochs = 200};
    double lr = 2e-4, beta1 = 0.5, beta2 = 0.999;
    index_t batch = 64;

    void add_flags(Cli& cli) {
        add_image_gan_flags(cli, opt);
        cli.flag("lr", lr, "Adam learning rate of both networks", above(0))
            .flag("beta1", beta1, "Adam beta1", unit_interval())
            .flag("beta2", beta2, "Adam beta2", unit_interval())
            .flag("batch", batch, "batch size", at_least(1));
    }
    template <class Dev>
    int run() {
        using Cgan = Gan<Generator, Discriminator, Adam<Dev, float>, Adam<Dev, float>, Dev, float, Comm>;
        const AdamOptions adam{.lr = lr, .beta1 = beta1, .beta2 = beta2};
        return image_gan_main<Cgan>(opt, {.title = "Conditional GAN on MNIST digits", .batch = batch}, [&](Rng& rng) {
            return Cgan(rng, {.loss = AdversarialLoss::least_squares, .noise = NoiseKind::normal}, adam, adam, Init::pytorch,
                        opt.comm);
        });
    }
};

}  // namespace examples::mnist_cgan

CTNN_EXAMPLE_PROGRAM(examples::mnist_cgan::Program)
