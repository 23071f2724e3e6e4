// The lab's 3x64x64 DCGAN (seed 001's layer tables): noise 100x1x1, ConvTranspose2d + BatchNorm
// generator up to 3x64x64 with Tanh, strided Conv2d + BatchNorm discriminator with Sigmoid, BCE,
// Adam lr 2e-4 betas (0.5, 0.999), DCGAN initialisation (N(0, 0.02)), batch 64.
// Trains on any 64x64 RGB data: --data PATH to a .npy (N x 3 x 64 x 64, float32 in [0, 1] or
// uint8) or a CIFAR-style binary file (1 label byte + 3x64x64 pixel bytes per record).
#include <ctnn/models/seeds.hpp>

#include "common/gan_trainer.hpp"
#include "common/program.hpp"

namespace examples::dcgan64 {
using namespace ctnn;

struct Program {
    static constexpr const char* summary = "The lab's 3x64x64 DCGAN on 64x64 RGB images (--data PATH required).";
    static constexpr bool generative = true;
    RunOptions opt{.name = "dcgan64", .data = "", .epochs = 5};
    double lr = 2e-4, beta1 = 0.5;
    index_t batch = 64;

    void add_flags(Cli& cli) {
        add_image_gan_flags(cli, opt);
        cli.flag("lr", lr, "Adam learning rate of both networks", above(0)).flag("beta1", beta1, "Adam beta1", unit_interval()).flag("batch", batch, "batch size", at_least(1));
    }
    template <class Dev>
    int run() {
        if (opt.data.empty() || is_named_data(opt.data))
            throw std::invalid_argument("--data must name 64x64 RGB images: a .npy file or a CIFAR-style binary file");
        using Dcgan64 = Gan<models::Dcgan64Generator, models::Dcgan64Discriminator, Adam<Dev, float>, Adam<Dev, float>, Dev,
                            float, Comm>;
        const AdamOptions adam{.lr = lr, .beta1 = beta1, .beta2 = 0.999};
        return image_gan_main<Dcgan64>(opt, {.title = "DCGAN 3x64x64", .batch = batch}, [&](Rng& rng) {
            return Dcgan64(rng, {.loss = AdversarialLoss::bce, .noise = NoiseKind::normal}, adam, adam, Init::dcgan,
                           opt.comm);
        });
    }
};

}  // namespace examples::dcgan64

CTNN_EXAMPLE_PROGRAM(examples::dcgan64::Program)
