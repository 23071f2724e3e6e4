// Seed 004's MLP GAN on flattened CIFAR-10: normal noise of dimension 100, G 256-512-1024-3072
// (LeakyReLU 0.2, Tanh), D 3072-1024-512-256-1 (LeakyReLU 0.2, Dropout 0.3, Sigmoid), BCE, Adam
// lr 2e-4 (betas 0.9, 0.999), batch 4, 1 epoch, images in [-1, 1]. --data PATH names a CIFAR-10
// binary batch (data_batch_1.bin); --data fashion or mnist trains the same layers on 1x28x28.
#include <ctnn/models/seeds.hpp>

#include "common/gan_trainer.hpp"

using namespace ctnn;

namespace {
template <index_t C, index_t H, index_t W>
int train(examples::RunOptions& opt, double lr, index_t batch) {
    using CifarGan = Gan<models::CifarMlpGenerator<100, C, H, W>, models::CifarMlpDiscriminator<C, H, W>,
                         Adam<Cpu, float>, Adam<Cpu, float>>;
    const AdamOptions adam{.lr = lr};
    return examples::image_gan_main<CifarGan>(
        opt, {.title = "MLP GAN (seed 004) on " + opt.data, .batch = batch},
        [&](Rng& rng) { return CifarGan(rng, {.loss = AdversarialLoss::bce, .noise = NoiseKind::normal}, adam, adam); });
}
}  // namespace

int main(int argc, char** argv) {
    return examples::guarded_main("cifar_mlp_gan", [&] {
        examples::RunOptions opt{.name = "cifar_mlp_gan", .data = "", .epochs = 1};
        double lr = 2e-4;
        index_t batch = 4;
        examples::Cli cli("cifar_mlp_gan", "Seed 004's MLP GAN on CIFAR-10 (--data PATH) or on fashion / mnist.");
        opt.add_flags(cli);
        cli.flag("lr", lr, "Adam learning rate of both networks").flag("batch", batch, "batch size");
        if (int code = 0; !cli.parse(argc, argv, code)) return code;
        if (opt.data.empty())
            throw std::invalid_argument("--data must be a CIFAR-10 binary batch (e.g. data_batch_1.bin), fashion or mnist");
        return examples::is_named_data(opt.data) ? train<1, 28, 28>(opt, lr, batch) : train<3, 32, 32>(opt, lr, batch);
    });
}
