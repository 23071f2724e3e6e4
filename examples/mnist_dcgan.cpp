// Seed 003's DCGAN on the MNIST digits: uniform noise of dimension 10, the InfoGAN-style generator
// (Linear, BatchNorm, ConvTranspose2d up to 1x28x28, Tanh) against the conv/max-pool
// discriminator of 1,102,721 parameters, BCE with logits, Adam lr 1e-3 betas (0.5, 0.999),
// batch 128, 5 epochs. The README's main job.
#include <ctnn/models/seeds.hpp>

#include "common/gan_trainer.hpp"

using namespace ctnn;

int main(int argc, char** argv) {
    return examples::guarded_main("mnist_dcgan", [&] {
        examples::RunOptions opt{.name = "mnist_dcgan", .epochs = 5};
        double lr = 1e-3, beta1 = 0.5, beta2 = 0.999;
        ctnn::index_t batch = 128;
        examples::Cli cli("mnist_dcgan", "Seed 003's DCGAN (noise 10, BCE with logits, Adam) on MNIST digits.");
        opt.add_flags(cli);
        cli.flag("lr", lr, "Adam learning rate of both networks")
            .flag("beta1", beta1, "Adam beta1")
            .flag("beta2", beta2, "Adam beta2")
            .flag("batch", batch, "batch size");
        if (int code = 0; !cli.parse(argc, argv, code)) return code;
        using Dcgan = Gan<models::DcganGenerator<10>, models::DcganDiscriminator, Adam<Cpu, float>, Adam<Cpu, float>>;
        const AdamOptions adam{.lr = lr, .beta1 = beta1, .beta2 = beta2};
        return examples::image_gan_main<Dcgan>(
            opt, {.title = "DCGAN on MNIST digits", .batch = batch},
            [&](Rng& rng) { return Dcgan(rng, {.loss = AdversarialLoss::bce_with_logits, .noise = NoiseKind::uniform}, adam, adam); });
    });
}
