// Seed 001's lab GAN on the MNIST digits: normal noise of dimension 100, G 100-128-784 (LeakyReLU,
// Tanh), D 784-128-1 (LeakyReLU, Sigmoid), BCE, Adam lr 1e-3 with weight decay 1e-5 on both,
// batch 128, 5 epochs. The lab feeds ToTensor() images in [0, 1] to a Tanh generator's opponent;
// here real images are in [-1, 1], the generator's range, as the other seeds do.
#include <ctnn/models/seeds.hpp>

#include "common/gan_trainer.hpp"

using namespace ctnn;

int main(int argc, char** argv) {
    return examples::guarded_main("mnist_gan_lab", [&] {
        examples::RunOptions opt{.name = "mnist_gan_lab", .epochs = 5};
        double lr = 1e-3, weight_decay = 1e-5;
        index_t batch = 128;
        examples::Cli cli("mnist_gan_lab", "Seed 001's lab GAN (hidden 128, noise 100, weight decay) on MNIST digits.");
        opt.add_flags(cli);
        cli.flag("lr", lr, "Adam learning rate of both networks")
            .flag("weight-decay", weight_decay, "Adam's L2 weight decay")
            .flag("batch", batch, "batch size");
        if (int code = 0; !cli.parse(argc, argv, code)) return code;
        using LabGan = Gan<models::LabGenerator<100>, models::LabDiscriminator, Adam<Cpu, float>, Adam<Cpu, float>>;
        const AdamOptions adam{.lr = lr, .weight_decay = weight_decay};
        return examples::image_gan_main<LabGan>(
            opt, {.title = "Lab GAN on MNIST digits", .batch = batch},
            [&](Rng& rng) { return LabGan(rng, {.loss = AdversarialLoss::bce, .noise = NoiseKind::normal}, adam, adam); });
    });
}
