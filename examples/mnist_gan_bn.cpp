// Seed 002's MLP GAN on the MNIST digits: latent 128 (normal), BatchNorm in the generator
// (256-512-1024-784, Tanh), Dropout(0.3) in the discriminator (1024-512-256-1, Sigmoid), BCE with
// label smoothing (real 0.9, fake 0.1; G's target stays 1), Adam betas (0.5, 0.999) with G lr 1e-4
// and D lr 5e-5, batch 32, 30 epochs, images in [-1, 1].
#include <ctnn/models/seeds.hpp>

#include "common/gan_trainer.hpp"
#include "common/program.hpp"

namespace examples::mnist_gan_bn {
using namespace ctnn;

struct Program {
    static constexpr const char* summary = "Seed 002's GAN: BatchNorm in G, Dropout in D, label smoothing.";
    static constexpr bool generative = true;
    RunOptions opt{.name = "mnist_gan_bn", .epochs = 30};
    double lr_g = 1e-4, lr_d = 5e-5, real_label = 0.9, fake_label = 0.1;
    index_t batch = 32;

    void add_flags(Cli& cli) {
        add_image_gan_flags(cli, opt);
        cli.flag("lr-g", lr_g, "generator's Adam learning rate", above(0))
            .flag("lr-d", lr_d, "discriminator's Adam learning rate", above(0))
            .flag("real-label", real_label, "D's target for real images (label smoothing)", Bounds{.low = 0, .high = 1})
            .flag("fake-label", fake_label, "D's target for generated images", Bounds{.low = 0, .high = 1})
            .flag("batch", batch, "batch size", at_least(1));
    }
    template <class Dev>
    int run() {
        using BnGan = Gan<models::BnGenerator<128>, models::DropoutDiscriminator, Adam<Dev, float>, Adam<Dev, float>, Dev,
                          float, Comm>;
        return image_gan_main<BnGan>(
            opt, {.title = "GAN with BatchNorm and Dropout on MNIST digits", .batch = batch}, [&](Rng& rng) {
                return BnGan(rng,
                             {.loss = AdversarialLoss::bce, .real_label = real_label, .fake_label = fake_label,
                              .noise = NoiseKind::normal},
                             {.lr = lr_g, .beta1 = 0.5, .beta2 = 0.999}, {.lr = lr_d, .beta1 = 0.5, .beta2 = 0.999}, Init::pytorch, opt.comm);
            });
    }
};

}  // namespace examples::mnist_gan_bn

CTNN_EXAMPLE_PROGRAM(examples::mnist_gan_bn::Program)
