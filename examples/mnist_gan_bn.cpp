// Seed 002's MLP GAN on the MNIST digits: latent 128 (normal), BatchNorm in the generator
// (256-512-1024-784, Tanh), Dropout(0.3) in the discriminator (1024-512-256-1, Sigmoid), BCE with
// label smoothing (real 0.9, fake 0.1; G's target stays 1), Adam betas (0.5, 0.999) with G lr 1e-4
// and D lr 5e-5, batch 32, 30 epochs, images in [-1, 1].
#include <ctnn/models/seeds.hpp>

#include "common/gan_trainer.hpp"

using namespace ctnn;

int main(int argc, char** argv) {
    return examples::guarded_main("mnist_gan_bn", [&] {
        examples::RunOptions opt{.name = "mnist_gan_bn", .epochs = 30};
        double lr_g = 1e-4, lr_d = 5e-5, real_label = 0.9, fake_label = 0.1;
        index_t batch = 32;
        examples::Cli cli("mnist_gan_bn", "Seed 002's GAN: BatchNorm in G, Dropout in D, label smoothing.");
        opt.add_flags(cli);
        cli.flag("lr-g", lr_g, "generator's Adam learning rate")
            .flag("lr-d", lr_d, "discriminator's Adam learning rate")
            .flag("real-label", real_label, "D's target for real images (label smoothing)")
            .flag("fake-label", fake_label, "D's target for generated images")
            .flag("batch", batch, "batch size");
        if (int code = 0; !cli.parse(argc, argv, code)) return code;
        using BnGan = Gan<models::BnGenerator<128>, models::DropoutDiscriminator, Adam<Cpu, float>, Adam<Cpu, float>>;
        return examples::image_gan_main<BnGan>(
            opt, {.title = "GAN with BatchNorm and Dropout on MNIST digits", .batch = batch}, [&](Rng& rng) {
                return BnGan(rng,
                             {.loss = AdversarialLoss::bce, .real_label = real_label, .fake_label = fake_label,
                              .noise = NoiseKind::normal},
                             {.lr = lr_g, .beta1 = 0.5, .beta2 = 0.999}, {.lr = lr_d, .beta1 = 0.5, .beta2 = 0.999});
            });
    });
}
