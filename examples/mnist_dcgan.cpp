// Seed 003's DCGAN on the MNIST digits: uniform noise of dimension 10, the InfoGAN-style generator
// (Linear, BatchNorm, ConvTranspose2d up to 1x28x28, Tanh) against the conv/max-pool
// discriminator of 1,102,721 parameters, Adam lr 1e-3 betas (0.5, 0.999), batch 128, 5 epochs, and
// the least-squares losses the seed's DCGAN cell trains with (ls_discriminator_loss,
// ls_generator_loss); --loss bce is BCE with logits, the seed's vanilla GAN loss. The README's main job.
// --loss hinge --spectral-norm is SN-GAN's recipe (Miyato et al. 2018) on the same networks: the hinge
// loss, and every Conv2d and Linear of D spectral-normalised (the seed's D has no BatchNorm to drop).
// --loss wgan-gp is WGAN-GP (Gulrajani et al. 2017) on the same networks (the seed's D has no
// BatchNorm, which a gradient penalty's critic must not have), with the paper's settings as its
// defaults: penalty weight 10, 5 critic steps per generator step, Adam lr 1e-4 betas (0.5, 0.9).
#include <ctnn/models/seeds.hpp>

#include "common/gan_trainer.hpp"
#include "common/program.hpp"

namespace examples::mnist_dcgan {
using namespace ctnn;

struct Program {
    static constexpr const char* summary = "Seed 003's DCGAN (noise 10, least-squares losses, Adam) on MNIST digits.";
    static constexpr bool generative = true;
    RunOptions opt{.name = "mnist_dcgan", .epochs = 5};
    std::string loss = "ls";
    AdamGanFlags flags;
    index_t batch = 128;
    bool spectral_norm = false;

    void add_flags(Cli& cli) {
        add_image_gan_flags(cli, opt);
        cli.choice("loss", loss, {"ls", "bce", "hinge", "wgan-gp"},
                   "least squares (the seed's DCGAN cell), BCE with logits, SN-GAN's hinge loss, or WGAN-GP")
            .flag("spectral-norm", spectral_norm, "spectral normalisation on D's convolutions and linear layers");
        flags.add(cli, loss);
        cli.flag("batch", batch, "batch size", at_least(1));
    }
    template <class Dev>
    int run() {
        return spectral_norm ? train<DiscriminatorSn, Dev>() : train<models::DcganDiscriminator, Dev>();
    }

    /// The seed's discriminator with every Conv2d and Linear spectral-normalised.
    using DiscriminatorSn = Sequential<Input<1, 28, 28>,
        SpectralNorm<Conv2d<1, 32, 5>>, LeakyReLU<0.01>, MaxPool2d<2>,
        SpectralNorm<Conv2d<32, 64, 5>>, LeakyReLU<0.01>, MaxPool2d<2>,
        Flatten, SpectralNorm<Linear<4 * 4 * 64, 4 * 4 * 64>>, LeakyReLU<0.01>, SpectralNorm<Linear<4 * 4 * 64, 1>>>;

    template <class D, class Dev>
    int train() {
        using Dcgan = Gan<models::DcganGenerator<10>, D, Adam<Dev, float>, Adam<Dev, float>, Dev, float, Comm>;
        const AdamOptions adam = flags.adam();
        const auto kind = loss == "ls"      ? AdversarialLoss::least_squares
                          : loss == "bce"   ? AdversarialLoss::bce_with_logits
                          : loss == "hinge" ? AdversarialLoss::hinge
                                            : AdversarialLoss::wasserstein;
        return image_gan_main<Dcgan>(
            opt, {.title = "DCGAN on MNIST digits", .batch = batch, .gradient_penalty = flags.penalty(loss)},
            [&](Rng& rng) {
                return Dcgan(rng, {.loss = kind, .d_steps = flags.d_steps, .noise = NoiseKind::uniform}, adam, adam,
                             Init::pytorch, opt.comm);
            });
    }
};

}  // namespace examples::mnist_dcgan

CTNN_EXAMPLE_PROGRAM(examples::mnist_dcgan::Program)
