// Seed 001's lab GAN on the MNIST digits: normal noise of dimension 100, G 100-128-784 (LeakyReLU,
// Tanh), D 784-128-1 (LeakyReLU, Sigmoid), BCE, Adam lr 1e-3 with weight decay 1e-5 on both,
// batch 128, 5 epochs, the training images in their stored order every epoch (the lab's DataLoader
// has shuffle=False, drop_last=True). As in the lab, D sees ToTensor() images in [0, 1] (the Tanh
// generator learns to stay in [0, 1]) and G's step scores the D step's fakes again with D just
// updated; PyTorch with [-1, 1] images and fresh noise for G's step learns less
// (docs/results.md).
#include <ctnn/models/seeds.hpp>

#include "common/gan_trainer.hpp"
#include "common/program.hpp"

namespace examples::mnist_gan_lab {
using namespace ctnn;

struct Program {
    static constexpr const char* summary = "Seed 001's lab GAN (hidden 128, noise 100, weight decay) on MNIST digits.";
    static constexpr bool generative = true;
    RunOptions opt{.name = "mnist_gan_lab", .epochs = 5};
    double lr = 1e-3, weight_decay = 1e-5;
    index_t batch = 128;

    void add_flags(Cli& cli) {
        add_image_gan_flags(cli, opt);
        cli.flag("lr", lr, "Adam learning rate of both networks", above(0))
            .flag("weight-decay", weight_decay, "Adam's L2 weight decay", at_least(0))
            .flag("batch", batch, "batch size", at_least(1));
    }
    template <class Dev>
    int run() {
        using LabGan = Gan<models::LabGenerator<100>, models::LabDiscriminator, Adam<Dev, float>, Adam<Dev, float>, Dev,
                           float, Comm>;
        const AdamOptions adam{.lr = lr, .weight_decay = weight_decay};
        return image_gan_main<LabGan>(
            opt, {.title = "Lab GAN on MNIST digits", .batch = batch, .shuffle = false, .scaling = data::Scaling::unit, .range = {0, 1}},
            [&](Rng& rng) {
                return LabGan(rng, {.loss = AdversarialLoss::bce, .noise = NoiseKind::normal, .g_step_on_d_noise = true}, adam, adam,
                              Init::pytorch, opt.comm);
            });
    }
};

}  // namespace examples::mnist_gan_lab

CTNN_EXAMPLE_PROGRAM(examples::mnist_gan_lab::Program)
