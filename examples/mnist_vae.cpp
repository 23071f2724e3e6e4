// Seed 003's VAE (part 1) on the MNIST digits: encoder 784-512-256-128-2Z (mu, log-variance),
// Z = 20, decoder Z-400-600-800-784 giving logits; the encoder sees images in [-1, 1]
// (preprocess_img), the reconstruction targets are in [0, 1]. Loss: BCE with logits summed per
// image (--reconstruction bce) or the continuous-Bernoulli NLL (--reconstruction cb, with
// --log-norm-weight on log C), plus the Gaussian KL; Adam lr 1e-3, batch 128, 20 epochs.
// Seed 003's bars: batch-average reconstruction loss below 100, Inception Score at least 9.0.
#include <chrono>
#include <iostream>

#include <ctnn/ctnn.hpp>
#include <ctnn/data/loader.hpp>
#include <ctnn/data/npy.hpp>
#include <ctnn/logging/metrics.hpp>
#include <ctnn/models/seeds.hpp>
#include <ctnn/train/vae.hpp>
#include <ctnn/viz/image_grid.hpp>
#include <ctnn/viz/plot.hpp>

#include "common/digit_metrics.hpp"
#include "common/loop.hpp"
#include "common/program.hpp"

namespace examples::mnist_vae {
using namespace ctnn;

constexpr index_t latent = 20;
template <class Dev>
using MnistVae = Vae<models::VaeEncoder<latent>, models::VaeDecoder<latent>, Adam<Dev, float>, Dev, float, Comm>;

/// sigmoid(decoder(z)) for n latent draws from rng: images in [0, 1].
template <class VaeT>
std::vector<float> decode(VaeT& vae, index_t n, Rng& rng) {
    std::vector<float> out, z_host;
    Tensor<Shape<latent>, typename VaeT::device, float> z;
    vae.decoder.eval();
    for (index_t first = 0; first < n; first += 500) {
        const index_t count = std::min<index_t>(500, n - first);
        z_host.resize(count * latent);
        for (float& v : z_host) v = rng.normal<float>();
        z.resize(count);
        z.copy_from_host(z_host);
        for (const float logit : vae.decoder.forward(z.cview()).to_host()) out.push_back(1.0f / (1.0f + std::exp(-logit)));
    }
    vae.decoder.train();
    return out;
}

/// The encoder's input, 2x - 1 (seed 003's preprocess_img), for targets x in [0, 1].
template <class Dev>
void to_symmetric(ConstView<DigitShape, Dev, float> x, Tensor<DigitShape, Dev, float>& out) {
    out.resize(x.batch);
    const float* in = x.data();
    float* y = out.data();
    Dev::for_each(x.batch * DigitShape::size, [=] CTNN_HD(index_t i) { y[i] = 2 * in[i] - 1; });
}

template <class Dev>
int train(RunOptions& opt, const std::string& reconstruction, double log_norm_weight, double lr, index_t batch) {
    opt.finish();
    Rng rng(opt.seed);
    MnistVae<Dev> vae(rng,
                 {.reconstruction = reconstruction == "cb" ? Reconstruction::continuous_bernoulli : Reconstruction::bce_with_logits,
                  .log_norm_weight = log_norm_weight},
                 {.lr = lr}, Init::pytorch, opt.comm);
    std::int64_t epoch = 0;
    const auto grid = [](const std::filesystem::path& path, const std::vector<float>& unit, index_t nrow) {
        viz::save_image(path, viz::HostImages{unit, static_cast<index_t>(unit.size() / DigitShape::size), 1, 28, 28},
                        {.nrow = nrow});
    };
    if (opt.sample > 0) {
        if (!opt.writes()) return 0;
        vae.checkpoint().counter("epoch", epoch).load(opt.checkpoint_path());
        Rng sample_rng(opt.seed + 3);
        const std::vector<float> x = decode(vae, opt.sample, sample_rng);
        data::write_npy<DigitShape>(opt.out / "samples.npy", std::span<const float>(x));
        grid(opt.out / "samples.png", std::vector<float>(x.begin(), x.begin() + std::min<std::size_t>(x.size(), 100 * 784)), 10);
        std::cout << "wrote " << opt.sample << " samples to " << (opt.out / "samples.npy").string() << " and samples.png\n";
        return 0;
    }
    auto loader = data_loader<data::DataLoader<DigitShape, Dev, float, float>>(
        opt, load_images<DigitShape>(opt.data, data::Split::train),
        {.batch_size = batch, .shuffle = true, .drop_last = false, .scaling = data::Scaling::unit, .seed = opt.seed});
    const auto checkpoint = [&] {  // on every rank: gathering the sharded optimizer state is a collective
        vae.gather_optimizer_state();
        return vae.checkpoint().state(loader_key, loader, true);
    };
    if (opt.resume) resume(opt, checkpoint(), epoch, loader);
    const DigitData test = load_images<DigitShape>(opt.data, data::Split::test);

    Tensor<DigitShape, Dev, float> input;
    LossLog log(opt.writes() ? opt.out / "losses.csv" : "", {"loss", "reconstruction", "kl"}, opt.resume, vae.steps());
    const auto start = std::chrono::steady_clock::now();
    const std::int64_t first_step = vae.steps();
    const logging::StepTimes times = run_epochs(
        opt, "VAE on MNIST digits", loader.batches_per_epoch(), epoch, [&] { return vae.steps(); }, log,
        [&](std::int64_t) {
            auto b = loader.next();
            if (!b) b = loader.next();  // the previous epoch ended: begin the next
            to_symmetric(b->x, input);
            const VaeLosses l = vae.step(input.cview(), b->x);
            return std::vector<double>{l.total, l.reconstruction, l.kl};
        },
        [&](std::int64_t e) {
            if (!opt.writes()) return;
            Rng fixed(opt.seed + 1);  // the same 64 latent draws every epoch
            grid(opt.out / epoch_file("samples_epoch", e), decode(vae, 64, fixed), 8);
        },
        checkpoint);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!opt.writes()) return 0;  // rank 0 evaluates and writes the rest
    viz::plot(opt.out / "losses.png",
              viz::Chart{.title = "VAE on MNIST digits (per-image sums, batch means)", .xlabel = "step", .ylabel = "loss",
                         .series = {{.label = "loss", .y = viz::ema(log.series(0), 0.95)},
                                    {.label = "reconstruction", .y = viz::ema(log.series(1), 0.95)},
                                    {.label = "KL", .y = viz::ema(log.series(2), 0.95)}}});

    // Held-out losses (eps from their own stream) and 16 test digits over their reconstructions.
    Tensor<DigitShape, Dev, float> target;
    Rng eval_rng(opt.seed + 2);
    double heldout_reconstruction = 0;
    for (index_t first = 0; first < test.size(); first += 500) {
        const index_t count = std::min<index_t>(500, test.size() - first);
        target.resize(count);
        target.copy_from_host(std::vector<float>(test.samples.begin() + first * 784, test.samples.begin() + (first + count) * 784));
        to_symmetric(target.cview(), input);
        heldout_reconstruction += vae.evaluate(input.cview(), target.cview(), eval_rng).reconstruction * count;
    }
    heldout_reconstruction /= static_cast<double>(test.size());
    // Eight held-out digits (top row) over their reconstructions, sigmoid(decoder(z)).
    target.resize(8);
    target.copy_from_host(std::vector<float>(test.samples.begin(), test.samples.begin() + 8 * 784));
    to_symmetric(target.cview(), input);
    vae.evaluate(input.cview(), target.cview(), eval_rng);
    std::vector<float> pairs(test.samples.begin(), test.samples.begin() + 8 * 784);
    for (const float logit : vae.decoder.output().to_host()) pairs.push_back(1.0f / (1.0f + std::exp(-logit)));
    grid(opt.out / "reconstructions.png", pairs, 8);
    nlohmann::ordered_json m;
    m["model"] = "mnist_vae";
    m["data"] = opt.data;
    m["reconstruction"] = reconstruction;
    m["epochs"] = epoch;
    m["steps"] = vae.steps();
    m["batch"] = batch;
    const auto last_epoch_mean = [&](std::size_t k) {
        const auto& s = log.series(k);
        const std::size_t n = std::min<std::size_t>(s.size(), loader.batches_per_epoch());
        double sum = 0;
        for (std::size_t i = s.size() - n; i < s.size(); ++i) sum += s[i];
        return n ? sum / static_cast<double>(n) : 0.0;
    };
    m["reconstruction_loss"] = last_epoch_mean(1);
    m["kl"] = last_epoch_mean(2);
    m["heldout_reconstruction_loss"] = heldout_reconstruction;
    m["train_seconds"] = seconds;
    m["steps_per_second"] = seconds > 0 ? static_cast<double>(vae.steps() - first_step) / seconds : 0.0;
    add_communication(m, opt, times);
    Rng sample_rng(opt.seed + 2);
    const std::vector<float> samples = decode(vae, opt.eval_samples, sample_rng);
    grid(opt.out / "samples.png", std::vector<float>(samples.begin(), samples.begin() + std::min<std::size_t>(samples.size(), 100 * 784)), 10);
    if (!opt.classifier.empty()) {
        DigitClassifier classifier = DigitClassifier::load_or_train(opt.classifier, opt.data);
        m.update(digit_quality(classifier, samples, opt.data, opt.out, "VAE"));
    }
    logging::write_metrics_json(opt.out / "metrics.json", m);
    std::cout << "wrote " << opt.out.string() << "/{samples_epoch_*.png, samples.png, reconstructions.png, losses.csv, losses.png, "
              << "checkpoint.safetensors, metrics.json}\n" << m.dump(2) << "\n";
    return 0;
}

struct Program {
    static constexpr const char* summary = "Seed 003's VAE (Z = 20) on MNIST digits.";
    static constexpr bool generative = true;
    RunOptions opt{.name = "mnist_vae", .epochs = 20};
    std::string reconstruction = "bce";
    double log_norm_weight = 1.0, lr = 1e-3;
    index_t batch = 128;

    void add_flags(Cli& cli) {
        cli.choice("reconstruction", reconstruction, {"bce", "cb"}, "BCE with logits or continuous Bernoulli")
            .flag("log-norm-weight", log_norm_weight, "weight of the continuous Bernoulli's log C term", at_least(0))
            .flag("lr", lr, "Adam learning rate", above(0))
            .flag("batch", batch, "batch size", at_least(1));
    }
    template <class Dev>
    int run() {
        return train<Dev>(opt, reconstruction, log_norm_weight, lr, batch);
    }
};

}  // namespace examples::mnist_vae

CTNN_EXAMPLE_PROGRAM(examples::mnist_vae::Program)
