// Seed 004's MLP GAN on flattened CIFAR-10: normal noise of dimension 100, G 256-512-1024-3072
// (LeakyReLU 0.2, Tanh), D 3072-1024-512-256-1 (LeakyReLU 0.2, Dropout 0.3, Sigmoid), BCE, Adam
// lr 2e-4 (betas 0.9, 0.999), batch 4, 1 epoch, images in [-1, 1]. --data PATH names a CIFAR-10
// binary batch (data_batch_1.bin); --data fashion or mnist trains the same layers on 1x28x28.
#include <ctnn/models/seeds.hpp>

#include "common/gan_trainer.hpp"
#include "common/program.hpp"

namespace examples::cifar_mlp_gan {
using namespace ctnn;

struct Program {
    static constexpr const char* summary = "Seed 004's MLP GAN on CIFAR-10 (--data PATH) or on fashion / mnist.";
    static constexpr bool generative = true;
    RunOptions opt{.name = "cifar_mlp_gan", .data = "", .epochs = 1};
    double lr = 2e-4;
    index_t batch = 4;

    void add_flags(Cli& cli) {
        add_image_gan_flags(cli, opt);
        cli.flag("lr", lr, "Adam learning rate of both networks", above(0)).flag("batch", batch, "batch size", at_least(1));
    }

    template <class Dev>
    int run() {
        if (opt.data.empty())
            throw std::invalid_argument("--data must be a CIFAR-10 binary batch (e.g. data_batch_1.bin), fashion or mnist");
        return is_named_data(opt.data) ? train<Dev, 1, 28, 28>() : train<Dev, 3, 32, 32>();
    }
    template <class Dev, index_t C, index_t H, index_t W>
    int train() {
        using CifarGan = Gan<models::CifarMlpGenerator<100, C, H, W>, models::CifarMlpDiscriminator<C, H, W>,
                             Adam<Dev, float>, Adam<Dev, float>, Dev, float, Comm>;
        const AdamOptions adam{.lr = lr};
        return image_gan_main<CifarGan>(
            opt, {.title = "MLP GAN (seed 004) on " + opt.data, .batch = batch},
            [&](Rng& rng) { return CifarGan(rng, {.loss = AdversarialLoss::bce, .noise = NoiseKind::normal}, adam, adam,
                                                  Init::pytorch, opt.comm); });
    }
};

}  // namespace examples::cifar_mlp_gan

CTNN_EXAMPLE_PROGRAM(examples::cifar_mlp_gan::Program)
