// Seed 003's MLP GAN (part 2) on the MNIST digits: uniform noise of dimension 10, G 10-1024-1024-784
// with Tanh, D 784-256-256-1 (LeakyReLU 0.01) giving logits, Adam lr 1e-3 betas (0.5, 0.999),
// batch 128, 10 epochs. --loss bce is the vanilla GAN (BCE with logits), --loss ls the
// Least-Squares GAN of the same notebook, --loss wgan-gp WGAN-GP (Gulrajani et al. 2017) on the
// same networks with the paper's settings as its defaults: penalty weight 10, 5 critic steps per
// generator step, Adam lr 1e-4 betas (0.5, 0.9).
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
    AdamGanFlags flags;
    index_t batch = 128;

    void add_flags(Cli& cli) {
        add_image_gan_flags(cli, opt);
        cli.choice("loss", loss, {"bce", "ls", "wgan-gp"}, "vanilla GAN (BCE with logits), Least-Squares GAN or WGAN-GP");
        flags.add(cli, loss);
        cli.flag("batch", batch, "batch size", at_least(1));
    }
    template <class Dev>
    int run() {
        // Their own default folders, runs/mnist_lsgan and runs/mnist_wgan_gp.
        if (loss != "bce") opt.name = loss == "ls" ? "mnist_lsgan" : "mnist_wgan_gp";
        using MlpGan = Gan<models::MlpGenerator<10>, models::MlpDiscriminator, Adam<Dev, float>, Adam<Dev, float>, Dev,
                           float, Comm>;
        const AdamOptions adam = flags.adam();
        const auto kind = loss == "ls"        ? AdversarialLoss::least_squares
                          : loss == "wgan-gp" ? AdversarialLoss::wasserstein
                                              : AdversarialLoss::bce_with_logits;
        const char* title = loss == "ls" ? "LSGAN on MNIST digits" : loss == "wgan-gp" ? "WGAN-GP on MNIST digits" : "MLP GAN on MNIST digits";
        return image_gan_main<MlpGan>(
            opt, {.title = title, .batch = batch, .gradient_penalty = flags.penalty(loss)},
            [&](Rng& rng) {
                return MlpGan(rng, {.loss = kind, .d_steps = flags.d_steps, .noise = NoiseKind::uniform}, adam, adam,
                              Init::pytorch, opt.comm);
            });
    }
};

}  // namespace examples::mnist_gan

CTNN_EXAMPLE_PROGRAM(examples::mnist_gan::Program)
