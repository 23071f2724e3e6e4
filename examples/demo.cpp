// The main job until the example trainers land: seed 003's MLP GAN (uniform noise of dimension 10,
// D 784-256-256-1 and G 10-1024-1024-784, BCE with logits, Adam lr 1e-3 beta1 0.5, batch 128)
// trained on the 8,000 real MNIST training digits (scripts/prepare-data.sh puts them in
// data/mnist/). Writes into --out:
//   samples_epoch_NN.png   a fixed-noise grid of 64 samples after each epoch
//   real.png               64 real digits, for comparison
//   losses.csv, losses.png per-step D and G losses (raw, smoothed, per epoch)
//   checkpoint.safetensors generator and discriminator (PyTorch state_dict keys), optimizers, Rng
//
//   demo [--epochs N] [--seed S] [--out DIR]
#include <ctnn/ctnn.hpp>
#include <ctnn/data/datasets.hpp>
#include <ctnn/data/loader.hpp>
#include <ctnn/logging/csv.hpp>
#include <ctnn/logging/progress.hpp>
#include <ctnn/models/seeds.hpp>
#include <ctnn/train/gan.hpp>
#include <ctnn/viz/image_grid.hpp>
#include <ctnn/viz/plot.hpp>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>

using namespace ctnn;

namespace {
constexpr index_t batch_size = 128;
constexpr index_t grid_samples = 64;
const AdamOptions adam{.lr = 1e-3, .beta1 = 0.5, .beta2 = 0.999};
using Images = Shape<1, 28, 28>;
using MnistGan = Gan<models::MlpGenerator<10>, models::MlpDiscriminator, Adam<Cpu, float>, Adam<Cpu, float>>;
}  // namespace

int main(int argc, char** argv) try {
    int epochs = 10;
    std::uint64_t seed = 1;
    std::filesystem::path out = "runs/demo";
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--epochs" && i + 1 < argc) epochs = std::stoi(argv[++i]);
        else if (a == "--seed" && i + 1 < argc) seed = std::stoull(argv[++i]);
        else if (a == "--out" && i + 1 < argc) out = argv[++i];
        else {
            std::cerr << "usage: demo [--epochs N] [--seed S] [--out DIR]\n";
            return 2;
        }
    }
    std::filesystem::create_directories(out);
    std::cout << "Discriminator (seed 003), from its type alone:\n" << summary<models::MlpDiscriminator>()
              << "Generator:\n" << summary<models::MlpGenerator<10>>();

    // Real digits scaled to [-1, 1] for the Tanh generator; the last partial batch is dropped.
    data::DataLoader<Images> loader(data::mnist_digits<Images>(data::Split::train),
                                    {.batch_size = batch_size, .shuffle = true, .drop_last = true,
                                     .scaling = data::Scaling::symmetric, .seed = seed});
    const viz::GridOptions grid{.nrow = 8, .normalize = true, .value_range = viz::ValueRange{-1, 1}};
    for (const auto& b : loader.epoch()) {
        Tensor<Images, Cpu> first;
        first.copy_from(b.x.slice(0, grid_samples));
        viz::save_image(out / "real.png", first, grid);
        break;
    }

    Rng rng(seed);
    MnistGan gan(rng, {.loss = AdversarialLoss::bce_with_logits, .noise = NoiseKind::uniform}, adam, adam);
    Tensor<Shape<10>, Cpu> fixed_noise;
    gan.sample_noise(fixed_noise, grid_samples);

    logging::CsvLogger csv(out / "losses.csv", {"step", "epoch", "d_loss", "g_loss"});
    logging::Progress bar(static_cast<index_t>(epochs) * loader.batches_per_epoch(), "MLP GAN on MNIST");
    std::vector<double> d_losses, g_losses;
    std::int64_t epoch = 0;
    for (epoch = 1; epoch <= epochs; ++epoch) {
        for (const auto& b : loader.epoch()) {
            const auto l = gan.step([&] { return b.x; });
            d_losses.push_back(l.d_loss);
            g_losses.push_back(l.g_loss);
            csv.row({{"step", gan.steps()}, {"epoch", epoch}, {"d_loss", l.d_loss}, {"g_loss", l.g_loss}});
            bar.set_postfix({{"D_loss", l.d_loss}, {"G_loss", l.g_loss}});
            bar.update();
        }
        char name[32];
        std::snprintf(name, sizeof name, "samples_epoch_%02d.png", static_cast<int>(epoch));
        viz::save_image(out / name, gan.generate(fixed_noise.cview()), grid);
        gan.checkpoint().counter("epoch", epoch).save(out / "checkpoint.safetensors");
    }
    bar.close();
    viz::plot_gan_losses(out / "losses.png", g_losses, d_losses,
                         {.title = "MLP GAN on MNIST digits", .steps_per_epoch = loader.batches_per_epoch()});
    std::cout << "wrote " << out.string() << "/{real.png, samples_epoch_*.png, losses.csv, losses.png, "
              << "checkpoint.safetensors}\n";
    return 0;
} catch (const std::exception& e) {
    std::cerr << "demo: " << e.what() << "\n";
    return 1;
}
