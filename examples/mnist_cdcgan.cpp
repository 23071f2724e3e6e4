// Seed 003's DCGAN with labels: a conditional DCGAN on the MNIST digits at the seed's settings
// (uniform noise, Adam lr 1e-3 betas (0.5, 0.999), batch 128, 5 epochs) but for two changes that
// docs/results.md measures. The generator is the seed's with the label's Embedding(10, 10) joined
// to a noise of 100 values (a first Linear of 110 inputs): with the seed's 10, G ignored its noise
// on seeds 2 and 3 (one image per digit). The loss is BCE with logits: with the least-squares
// losses of the seed's DCGAN cell (--loss ls), 8.3% of seed 1's samples showed another digit
// than their label, against 2.2% with BCE. The discriminator is the seed's with the label's
// Embedding(10, 784) as a second 28 x 28 input channel (a first Conv2d of 2 channels).
// samples_epoch_*.png hold one row per digit, 0 to 9.
#include "common/gan_trainer.hpp"
#include "common/program.hpp"

namespace examples::mnist_cdcgan {
using namespace ctnn;

/// The seed's generator on 100 noise values and the label's embedding.
using Generator = Sequential<Input<100>, ConcatLabel<Embedding<10, 10>>,
    Linear<110, 1024>, ReLU, BatchNorm1d<1024>,
    Linear<1024, 7 * 7 * 128>, ReLU, BatchNorm1d<7 * 7 * 128>,
    Reshape<128, 7, 7>,
    ConvTranspose2d<128, 64, 4, 2, 1>, ReLU, BatchNorm2d<64>,
    ConvTranspose2d<64, 1, 4, 2, 1>, Tanh>;
/// The seed's discriminator on the image and its label's embedding as a second channel.
using Discriminator = Sequential<Input<1, 28, 28>, ConcatLabel<Embedding<10, 28 * 28>, Along::channels>,
    Conv2d<2, 32, 5>, LeakyReLU<0.01>, MaxPool2d<2>,
    Conv2d<32, 64, 5>, LeakyReLU<0.01>, MaxPool2d<2>,
    Flatten, Linear<4 * 4 * 64, 4 * 4 * 64>, LeakyReLU<0.01>, Linear<4 * 4 * 64, 1>>;
// The seed's counts (6,586,945 and 1,102,721) plus the embeddings and the first layers' new inputs.
static_assert(Generator::parameter_count == 6'586'945 + 10 * 10 + 100 * 1024);
static_assert(Discriminator::parameter_count == 1'102'721 + 10 * 784 + 32 * 25);

struct Program {
    static constexpr const char* summary = "Seed 003's DCGAN with labels on MNIST digits: one row per digit.";
    static constexpr bool generative = true;
    RunOptions opt{.name = "mnist_cdcgan", .epochs = 5};
    std::string loss = "bce";
    double lr = 1e-3, beta1 = 0.5, beta2 = 0.999;
    index_t batch = 128;

    void add_flags(Cli& cli) {
        add_image_gan_flags(cli, opt);
        cli.choice("loss", loss, {"bce", "ls"}, "BCE with logits, or least squares (the seed's DCGAN cell)")
            .flag("lr", lr, "Adam learning rate of both networks", above(0))
            .flag("beta1", beta1, "Adam beta1", unit_interval())
            .flag("beta2", beta2, "Adam beta2", unit_interval())
            .flag("batch", batch, "batch size", at_least(1));
    }
    template <class Dev>
    int run() {
        using Cdcgan = Gan<Generator, Discriminator, Adam<Dev, float>, Adam<Dev, float>, Dev, float, Comm>;
        const AdamOptions adam{.lr = lr, .beta1 = beta1, .beta2 = beta2};
        const auto kind = loss == "ls" ? AdversarialLoss::least_squares : AdversarialLoss::bce_with_logits;
        return image_gan_main<Cdcgan>(opt, {.title = "Conditional DCGAN on MNIST digits", .batch = batch}, [&](Rng& rng) {
            return Cdcgan(rng, {.loss = kind, .noise = NoiseKind::uniform}, adam, adam, Init::pytorch, opt.comm);
        });
    }
};

}  // namespace examples::mnist_cdcgan

CTNN_EXAMPLE_PROGRAM(examples::mnist_cdcgan::Program)
