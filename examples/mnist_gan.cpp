// Seed 003's MLP GAN (part 2) on the MNIST digits: uniform noise of dimension 10, G 10-1024-1024-784
// with Tanh, D 784-256-256-1 (LeakyReLU 0.01) giving logits, Adam lr 1e-3 betas (0.5, 0.999),
// batch 128, 10 epochs. --loss bce is the vanilla GAN (BCE with logits), --loss ls the
// Least-Squares GAN of the same notebook.
#include <ctnn/models/seeds.hpp>

#include "common/gan_trainer.hpp"
#include "common/program.hpp"

namespace examples::mnist_gan {
using namespace ctnn;

struct Program {
    static constexpr const char* summary = "Seed 003's MLP GAN (noise 10) or LSGAN on MNIST digits.";
    static constexpr bool generative = true;
    RunOptions opt{.name = "mnist_gan", .epochs = 10};
    std::string loss = "bce";
    double lr = 1e-3, beta1 = 0.5, beta2 = 0.999;
    index_t batch = 128;

    void add_flags(Cli& cli) {
        add_image_gan_flags(cli, opt);
        cli.choice("loss", loss, {"bce", "ls"}, "vanilla GAN (BCE with logits) or Least-Squares GAN")
            .flag("lr", lr, "Adam learning rate of both networks", above(0))
            .flag("beta1", beta1, "Adam beta1", unit_interval())
            .flag("beta2", beta2, "Adam beta2", unit_interval())
            .flag("batch", batch, "batch size", at_least(1));
    }
    template <class Dev>
    int run() {
        if (loss == "ls") opt.name = "mnist_lsgan";  // its own default folder, runs/mnist_lsgan
        using MlpGan = Gan<models::MlpGenerator<10>, models::MlpDiscriminator, Adam<Dev, float>, Adam<Dev, float>, Dev,
                           float, Comm>;
        const AdamOptions adam{.lr = lr, .beta1 = beta1, .beta2 = beta2};
        const auto kind = loss == "ls" ? AdversarialLoss::least_squares : AdversarialLoss::bce_with_logits;
        return image_gan_main<MlpGan>(
            opt, {.title = loss == "ls" ? "LSGAN on MNIST digits" : "MLP GAN on MNIST digits", .batch = batch},
            [&](Rng& rng) {
                return MlpGan(rng, {.loss = kind, .noise = NoiseKind::uniform}, adam, adam, Init::pytorch, opt.comm);
            });
    }
};

}  // namespace examples::mnist_gan

CTNN_EXAMPLE_PROGRAM(examples::mnist_gan::Program)
