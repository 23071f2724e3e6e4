// Seed 000's GAN on the 2-D Swiss roll: latent 2 (normal), G and D with three hidden layers of 256
// (LeakyReLU 0.2), G ends in Tanh, D in Sigmoid, BCE, Adam lr 2e-4 betas (0.5, 0.999), batch 128,
// 10,000 steps of fresh points, --d-steps discriminator steps per generator step (the notebook's
// ratio knob). An "epoch" here is 1,000 steps: a scatter plot and a checkpoint each.
// Writes the real-vs-generated scatter, the energy distance between real and generated points
// (with two real samples' distance as the floor), and latent interpolations drawn over the roll.
#include <chrono>
#include <iostream>

#include <ctnn/ctnn.hpp>
#include <ctnn/data/npy.hpp>
#include <ctnn/data/swissroll.hpp>
#include <ctnn/logging/metrics.hpp>
#include <ctnn/metrics/energy_distance.hpp>
#include <ctnn/models/seeds.hpp>
#include <ctnn/train/gan.hpp>
#include <ctnn/viz/plot.hpp>

#include "common/loop.hpp"
#include "common/program.hpp"

namespace examples::swissroll_gan {
using namespace ctnn;

template <class Dev>
using RollGan = Gan<models::SwissRollGenerator<2>, models::SwissRollDiscriminator<>, Adam<Dev, float>, Adam<Dev, float>, Dev>;
constexpr index_t steps_per_epoch = 1000;

template <class GanT>
std::vector<float> generate(GanT& gan, index_t n, Rng& rng) {
    Tensor<Shape<2>, typename GanT::device, float> z;
    gan.sample_noise(z, n, rng);
    return gan.generate(z.cview()).to_host();
}

/// G along straight lines between pairs of latent points, over the real roll.
template <class GanT>
void plot_interpolations(const std::filesystem::path& path, GanT& gan, const std::vector<float>& real, Rng& rng) {
    viz::Chart chart{.title = "Latent interpolation: G(z) along straight lines in z", .xlabel = "x", .ylabel = "y", .equal_axes = true};
    viz::Series roll{.label = "real", .style = viz::Style::points, .color = "#b2000000", .size = 0.3};
    for (std::size_t i = 0; i + 1 < real.size(); i += 2) {
        roll.x.push_back(real[i]);
        roll.y.push_back(real[i + 1]);
    }
    chart.series.push_back(roll);
    constexpr index_t pairs = 6, points = 25;
    std::vector<float> ends(4 * pairs), z_host;
    for (float& v : ends) v = rng.normal<float>();
    for (index_t p = 0; p < pairs; ++p)
        for (index_t k = 0; k < points; ++k) {
            const float t = static_cast<float>(k) / (points - 1);
            z_host.push_back((1 - t) * ends[4 * p] + t * ends[4 * p + 2]);
            z_host.push_back((1 - t) * ends[4 * p + 1] + t * ends[4 * p + 3]);
        }
    Tensor<Shape<2>, typename GanT::device, float> z;
    z.resize(pairs * points);
    z.copy_from_host(z_host);
    const std::vector<float> g = gan.generate(z.cview()).to_host();
    for (index_t p = 0; p < pairs; ++p) {
        viz::Series path{.label = "pair " + std::to_string(p + 1), .style = viz::Style::linespoints, .size = 1.0};
        for (index_t k = 0; k < points; ++k) {
            path.x.push_back(g[2 * (p * points + k)]);
            path.y.push_back(g[2 * (p * points + k) + 1]);
        }
        chart.series.push_back(path);
    }
    viz::plot(path, chart, 800, 800);
}

template <class Dev>
int train(RunOptions& opt, double lr, index_t batch, int d_steps) {
    if (d_steps < 1) throw std::invalid_argument("--d-steps must be at least 1");
    opt.require_one_process("a step takes a few microseconds: several processes would only add communication");
    opt.finish();
    Rng rng(opt.seed);
    RollGan<Dev> gan(rng, {.loss = AdversarialLoss::bce, .d_steps = d_steps, .noise = NoiseKind::normal},
                {.lr = lr, .beta1 = 0.5, .beta2 = 0.999}, {.lr = lr, .beta1 = 0.5, .beta2 = 0.999});
    std::int64_t epoch = 0;
    if (opt.sample > 0) {
        gan.checkpoint().counter("epoch", epoch).load(opt.checkpoint_path());
        Rng sample_rng(opt.seed + 3);
        const std::vector<float> x = generate(gan, opt.sample, sample_rng);
        data::write_npy<Shape<2>>(opt.out / "samples.npy", std::span<const float>(x));
        viz::plot_real_vs_generated(opt.out / "samples.png", data::swiss_roll(sample_rng, opt.sample), x);
        std::cout << "wrote " << opt.sample << " points to " << (opt.out / "samples.npy").string() << " and samples.png\n";
        return 0;
    }
    if (opt.resume) load_checkpoint(opt, gan.checkpoint().counter("epoch", epoch));
    data::SwissRoll<Dev, float> roll(rng);
    LossLog log(opt.out / "losses.csv", {"d_loss", "g_loss"}, opt.resume, gan.steps());
    const auto start = std::chrono::steady_clock::now();
    const std::int64_t first_step = gan.steps();
    run_epochs(
        opt, "GAN on the Swiss roll", steps_per_epoch, epoch, [&] { return gan.steps(); }, log,
        [&](std::int64_t) {
            const auto l = gan.step([&] { return roll.sample(batch).cview(); });
            return std::vector<double>{l.d_loss, l.g_loss};
        },
        [&](std::int64_t e) {
            Rng fixed(opt.seed + 1);  // the same noise and real points every epoch
            const std::vector<float> real = data::swiss_roll(fixed, 1000);
            viz::plot_real_vs_generated(opt.out / epoch_file("samples_epoch", e), real, generate(gan, 1000, fixed));
        },
        [&] {
            gan.gather_optimizer_state();  // on every rank, before rank 0 saves
            return gan.checkpoint();
        });
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    viz::plot_gan_losses(opt.out / "losses.png", log.series(1), log.series(0), {.title = "GAN on the Swiss roll"});

    Rng eval(opt.seed + 2);
    const index_t n = std::min<index_t>(opt.eval_samples, 2000);  // the energy distance is O(n^2)
    const std::vector<float> real = data::swiss_roll(eval, n), real2 = data::swiss_roll(eval, n);
    const std::vector<float> fake = generate(gan, n, eval);
    viz::plot_real_vs_generated(opt.out / "real_vs_generated.png", real, fake);
    plot_interpolations(opt.out / "interpolation.png", gan, real, eval);
    nlohmann::ordered_json m;
    m["model"] = "swissroll_gan";
    m["precision"] = opt.precision;
    m["steps"] = gan.steps();
    m["d_steps"] = d_steps;
    m["batch"] = batch;
    for (const auto& [name, value] : log.last()) m["final_" + name] = value;
    m["energy_distance"] = metrics::energy_distance(real, fake, 2);
    m["energy_distance_real_vs_real"] = metrics::energy_distance(real, real2, 2);
    m["energy_distance_points"] = n;
    m["train_seconds"] = seconds;
    m["steps_per_second"] = seconds > 0 ? static_cast<double>(gan.steps() - first_step) / seconds : 0.0;
    logging::write_metrics_json(opt.out / "metrics.json", m);
    std::cout << "wrote " << opt.out.string() << "/{samples_epoch_*.png, real_vs_generated.png, interpolation.png, "
              << "losses.csv, losses.png, checkpoint.safetensors, metrics.json}\n" << m.dump(2) << "\n";
    return 0;
}

struct Program {
    static constexpr const char* summary = "Seed 000's GAN on the 2-D Swiss roll (epochs of 1,000 steps).";
    static constexpr bool generative = true;
    RunOptions opt{.name = "swissroll_gan", .epochs = 10};
    double lr = 2e-4;
    index_t batch = 128;
    int d_steps = 1;

    void add_flags(Cli& cli) {
        cli.flag("lr", lr, "Adam learning rate of both networks", above(0))
            .flag("batch", batch, "points per batch", at_least(1))
            .flag("d-steps", d_steps, "discriminator steps per generator step", at_least(1));
    }
    template <class Dev>
    int run() {
        return train<Dev>(opt, lr, batch, d_steps);
    }
};

}  // namespace examples::swissroll_gan

CTNN_EXAMPLE_PROGRAM(examples::swissroll_gan::Program)
