// Adversarial training: a generator and a discriminator type, checked to fit at compile time,
// trained with the seeds' steps. Each network is a TrainedNetwork with its own optimizer; the
// generator step goes through a frozen discriminator. A step's first backward pass into a network overwrites its
// gradients (ParamGrads::overwrite), so no zero_grad() pass is needed, and updates leave them.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "ctnn/core/errors.hpp"
#include "ctnn/device/ops.hpp"
#include "ctnn/distributed/communicator.hpp"
#include "ctnn/io/checkpoint.hpp"
#include "ctnn/losses/adversarial.hpp"
#include "ctnn/network/network.hpp"
#include "ctnn/train/divergence.hpp"
#include "ctnn/train/ema.hpp"
#include "ctnn/train/gradient_penalty.hpp"
#include "ctnn/train/trained.hpp"

namespace ctnn {

/// The prior the generator's noise is drawn from.
enum class NoiseKind {
    normal,   ///< N(0, 1): torch.randn (seeds 000, 002, 004, DCGAN)
    uniform,  ///< U(-1, 1): seed 003's sample_noise, torch.rand(...) * 2 - 1
};

/// How one GAN is trained: the seeds' knobs.
struct GanOptions {
    /// The adversarial loss both networks train with.
    AdversarialLoss loss = AdversarialLoss::bce_with_logits;
    int d_steps = 1;            ///< discriminator steps per generator step (seed 000; WGAN's n_critic, 5)
    double real_label = 1.0;    ///< D's target for real samples (seed 002 smooths to 0.9; G's stays 1)
    double fake_label = 0.0;    ///< D's target for generated samples (seed 002: 0.1)
    double weight_clip = 0.01;  ///< WGAN: D's parameters are clipped to [-c, c] after each step
    /// The prior of G's noise.
    NoiseKind noise = NoiseKind::normal;
    /// With several ranks: BatchNorm's batch statistics over the global batch or each rank's
    /// share (read when the Gan is built; core/mode.hpp).
    BatchStats batch_stats = BatchStats::global;
    /// The generator step scores G of the last discriminator step's noise again, with D just
    /// updated (seed 001's loop: `disc(fake)` after `optimizer_disc.step()`), instead of fresh
    /// noise (seeds 000, 002, 003).
    bool g_step_on_d_noise = false;
};

/// Losses of one training iteration (d_steps discriminator steps, then one generator step).
struct GanStepLosses {
    double d_loss = 0;  ///< of the last discriminator step: loss on real + loss on fake
    /// Of the generator step.
    double g_loss = 0;
};

/// A GAN over network types G (noise -> sample) and D (sample -> score) on device Dev, with
/// optimizer types GOpt and DOpt (e.g. Adam<Dev, T>) each bound to its own network: the
/// generator step cannot update D, and D's step cannot touch G. `generator.on_gradients` and
/// `discriminator.on_gradients` run on each network's gradients before its update.
///
/// Comm (distributed/communicator.hpp) makes it one rank of a data-parallel run: step() takes the
/// global batch and trains on this rank's share of it (samples [rank * B/R, (rank + 1) * B/R)),
/// drawing the noise of the whole global batch as one process would and keeping its share, and
/// each network's gradients, and the losses, are averaged over the ranks (summed in rank order)
/// before the divergence guard and the update. Every rank then holds the same parameters, within
/// rounding of what one process computes from the same global batch (docs/distributed.md).
template <class G, class D, class GOpt, class DOpt, Device Dev = Cpu, class T = float,
          distributed::Communicator Comm = distributed::SingleProcess>
class Gan {
public:
    /// The Device both networks run on.
    using device = Dev;
    /// Their element type.
    using scalar = T;
    /// G's input: one noise sample.
    using noise_shape = typename Network<G, Dev, T>::input_shape;
    /// D's input: one real or generated sample.
    using sample_shape = typename Network<D, Dev, T>::input_shape;
    /// D's output for one sample.
    using score_shape = typename Network<D, Dev, T>::output_shape;
    /// G's output: sample_shape in a valid Gan.
    using generated_shape = typename Network<G, Dev, T>::output_shape;
    /// The classes of a conditional GAN's labels (G and D hold a ConcatLabel); 0 otherwise.
    static constexpr index_t label_classes = Network<G, Dev, T>::label_classes;
    /// Whether G and D take class labels besides their inputs (a conditional GAN).
    static constexpr bool conditional = label_classes > 0;
    /// One class label per sample, for a conditional GAN.
    using label_view = ConstView<Shape<1>, Dev, std::int32_t>;

    /// Real samples with their labels: what a conditional GAN's step() takes from next_real()
    /// (a DataLoader's batch has the same members).
    struct LabelledBatch {
        ConstView<sample_shape, Dev, T> x;  ///< the samples
        label_view labels;                  ///< one class label each
    };

    static_assert(sizeof(error::fit<error::generator_output_vs_discriminator_input<G, D>, sample_shape, generated_shape>) > 0,
                  "ctnn: the generator's output shape must equal the discriminator's input shape");
    static_assert(sizeof(error::same_classes<error::generator_labels_vs_discriminator_labels<G, D>,
                                             Network<D, Dev, T>::label_classes, label_classes>) > 0,
                  "ctnn: the generator and the discriminator must be conditioned on the same classes");
    // When they do not fit, the steps compile to nothing: the errors above are the only ones.
    /// Whether G's output shape is D's input shape and both take the same labels; when not, the
    /// steps compile to nothing.
    static constexpr bool fits_ = std::is_same_v<sample_shape, generated_shape> &&
                                  Network<D, Dev, T>::label_classes == label_classes;

    /// G and its optimizer: noise in, samples out.
    TrainedNetwork<G, GOpt, Dev, T> generator;
    /// D and its optimizer: samples in, scores out.
    TrainedNetwork<D, DOpt, Dev, T> discriminator;
    /// The training knobs, read by every step.
    GanOptions options;

    /// Both networks drawn from `rng` (G first), which also drives noise and Dropout. Every rank
    /// of a run seeds its rng alike, so all start from the same parameters and draw the same noise.
    Gan(Rng& rng, GanOptions opts, typename GOpt::Options g_opts, typename DOpt::Options d_opts,
        Init init = Init::pytorch, Comm comm = {})
        : generator(rng, g_opts, init), discriminator(rng, d_opts, init), options(opts), rng_(&rng), comm_(comm) {
        generator.distribute(comm_, options.batch_stats);
        discriminator.distribute(comm_, options.batch_stats);
    }

    /// Fills z with noise from the run's Rng (drawn on the host, in sample order).
    void sample_noise(Tensor<noise_shape, Dev, T>& z, index_t batch) { sample_noise(z, batch, *rng_); }

    /// The same from another Rng: fixed noise for sample grids that must not shift the run's own
    /// random stream (a resumed run then draws what an uninterrupted one would).
    void sample_noise(Tensor<noise_shape, Dev, T>& z, index_t batch, Rng& rng) {
        noise_host_.resize(batch * noise_shape::size);
        draw_noise(noise_host_.data(), noise_host_.size(), rng);
        z.resize(batch);
        z.copy_from_host(noise_host_);
    }

    /// Fills y with `batch` class labels drawn uniformly from [0, label_classes) by rng, as the
    /// steps draw the labels of generated samples (PyTorch-GAN's np.random.randint).
    void sample_labels(Tensor<Shape<1>, Dev, std::int32_t>& y, index_t batch, Rng& rng)
        requires conditional
    {
        labels_host_.resize(batch);
        draw_labels(labels_host_.data(), batch, rng);
        y.resize(batch);
        y.copy_from_host(labels_host_);
    }

    /// d_step() and g_step() take this rank's share of a batch (all of it in one process); they
    /// average losses and gradients over the ranks as step() does.
    ///
    /// One discriminator step on a real batch and G(z) (detached: G gets no gradient). When D
    /// computes every sample alone (per_sample_v, no BatchNorm), both batches go through it as
    /// one: its weights are packed once per product instead of twice, its products are twice as
    /// tall, and each half still gets its own loss, as two passes would give them.
    double d_step(ConstView<sample_shape, Dev, T> real, ConstView<noise_shape, Dev, T> z)
        requires(!conditional)
    {
        if constexpr (fits_) return d_step_on(real, {}, generator.forward(z).cview(), {});
        return 0;
    }
    /// d_step() of a conditional GAN: real samples with their labels, and G(z, z_labels) with
    /// z_labels as the labels D sees of them.
    double d_step(ConstView<sample_shape, Dev, T> real, label_view real_labels, ConstView<noise_shape, Dev, T> z,
                  label_view z_labels)
        requires conditional
    {
        if constexpr (fits_) return d_step_on(real, real_labels, generator.forward(z, z_labels).cview(), z_labels);
        return 0;
    }

    /// One generator step: D(G(z)) scored against the "real" target (the non-saturating loss),
    /// back through D with D frozen, into G.
    double g_step(ConstView<noise_shape, Dev, T> z)
        requires(!conditional)
    {
        if constexpr (fits_) return g_step_on<false>(generator.forward(z).cview(), {});
        return 0;
    }
    /// g_step() of a conditional GAN: D(G(z, labels), labels).
    double g_step(ConstView<noise_shape, Dev, T> z, label_view labels)
        requires conditional
    {
        if constexpr (fits_) return g_step_on<false>(generator.forward(z, labels).cview(), labels);
        return 0;
    }

    /// The seeds' iteration: options.d_steps discriminator steps on real batches drawn by
    /// next_real() (fresh noise each), then one generator step on fresh noise. A conditional
    /// GAN's next_real() returns the samples and their labels as members `x` and `labels` (a
    /// DataLoader's batch), and generated samples get labels drawn uniformly after their noise
    /// (sample_labels), which D sees with them and G is conditioned on. With one D step
    /// and a G that computes every sample alone (per_sample_v), G runs once on both steps' noise
    /// (its weights do not change in a D step), which packs its weights once instead of twice;
    /// the D step's noise is still drawn before the G step's.
    template <class NextReal>
    GanStepLosses step(NextReal&& next_real) {
        GanStepLosses out;
        // A G and D that do not fit compile to nothing here: the static_assert's is the only error.
        if constexpr (!fits_) {
            return out;
        } else {
            [[maybe_unused]] const auto keep_g = generator.keep_rounded_parameters();
            [[maybe_unused]] const auto keep_d = discriminator.keep_rounded_parameters();
            if constexpr (per_sample_v<G>) {
                if (options.d_steps == 1 && !options.g_step_on_d_noise) {
                    const auto [real, real_labels] = real_share(next_real());
                    const index_t batch = real.batch, global = batch * comm_.size();
                    // Rows [0, batch): the G step's noise (and labels), [batch, 2 batch): the D
                    // step's, drawn first (both for the whole global batch, of which this rank keeps
                    // its share).
                    constexpr index_t size = noise_shape::size;
                    noise_host_.resize(2 * global * size);
                    labels_host_.resize(conditional ? 2 * global : 0);
                    draw_noise(noise_host_.data() + global * size, global * size, *rng_);
                    if constexpr (conditional) draw_labels(labels_host_.data() + global, global, *rng_);
                    draw_noise(noise_host_.data(), global * size, *rng_);
                    if constexpr (conditional) draw_labels(labels_host_.data(), global, *rng_);
                    noise_.resize(2 * batch);
                    distributed::copy_share<Dev>(comm_, noise_host_.data(), size, batch, noise_.data());
                    distributed::copy_share<Dev>(comm_, noise_host_.data() + global * size, size, batch,
                                                 noise_.data() + batch * size);
                    label_view fake_labels;
                    if constexpr (conditional) {
                        noise_labels_.resize(2 * batch);
                        distributed::copy_share<Dev>(comm_, labels_host_.data(), 1, batch, noise_labels_.data());
                        distributed::copy_share<Dev>(comm_, labels_host_.data() + global, 1, batch,
                                                     noise_labels_.data() + batch);
                        fake_labels = noise_labels_.cview();
                    }
                    const auto fake = forward(generator, noise_.cview(), fake_labels, 2).cview();
                    out.d_loss = d_step_on(real, real_labels, fake.slice(batch, batch), slice(fake_labels, batch, batch));
                    out.g_loss = g_step_on<true>(fake.slice(0, batch), slice(fake_labels, 0, batch));
                    ++step_;
                    return out;
                }
            }
            index_t batch = 0;
            for (int k = 0; k < options.d_steps; ++k) {
                const auto [real, real_labels] = real_share(next_real());
                batch = real.batch;
                sample_noise_share(batch);
                out.d_loss = d_step_on(real, real_labels, forward(generator, noise_.cview(), noise_labels_.cview()).cview(),
                                       noise_labels_.cview());
            }
            if (!options.g_step_on_d_noise) sample_noise_share(batch);
            out.g_loss = g_step_on<false>(forward(generator, noise_.cview(), noise_labels_.cview()).cview(),
                                          noise_labels_.cview());
            ++step_;
            return out;
        }
    }

    /// Samples G(z) in eval mode (BatchNorm running statistics, no Dropout); G's mode is
    /// restored afterwards, exception or not.
    const Tensor<generated_shape, Dev, T>& generate(ConstView<noise_shape, Dev, T> z)
        requires(!conditional)
    {
        const auto scope = generator.evaluating();
        return generator.forward(z);
    }
    /// generate() of a conditional GAN: G(z, labels).
    const Tensor<generated_shape, Dev, T>& generate(ConstView<noise_shape, Dev, T> z, label_view labels)
        requires conditional
    {
        const auto scope = generator.evaluating();
        return generator.forward(z, labels);
    }

    /// From now on, keeps an exponential moving average of G's parameters with `decay` in [0, 1)
    /// (an Ema, starting from G as it is; `warmup`: its decay warms up), updated after each
    /// generator step; the checkpoint then holds it under "ema.generator" (and with warm-up its
    /// update count, "ema.updates"). Call it before loading a checkpoint that holds one.
    void average_generator(double decay, bool warmup = false) {
        ema_ = std::make_unique<Ema<G, Dev, T>>(generator, decay, warmup);
    }
    /// WGAN-GP (Gulrajani et al. 2017): from now on every discriminator step adds the
    /// GradientPenalty with weight `lambda` (the paper's 10) at interpolates of its real and
    /// generated samples, one eps ~ U(0, 1) per sample drawn from the run's Rng after the step's
    /// noise, to D's loss (d_loss includes it), and its exact gradient to D's parameter gradients;
    /// D's weights are then not clipped. With AdversarialLoss::wasserstein it is the paper's
    /// critic, mean(D(fake)) - mean(D(real)) + penalty, and generator, -mean(D(G(z))); the paper
    /// takes d_steps 5 and Adam(1e-4, betas 0.5, 0.9). D must have a double backward in every
    /// layer (double_backward_v): a BatchNorm or another layer without one is a compile error
    /// here, error::no_double_backward<position, layer, why>.
    void penalise_gradients(double lambda)
        requires(!conditional)
    {
        if constexpr (!double_backward_v<D>) {
            D::report_no_double_backward();
        } else {
            if (!(lambda > 0) || !std::isfinite(lambda))
                throw std::invalid_argument("ctnn::Gan::penalise_gradients: lambda " + std::to_string(lambda) +
                                            " must be a finite number above 0");
            penalty_ = std::make_unique<GradientPenalty<D, Dev, T>>(lambda);
        }
    }
    /// The gradient penalty's weight lambda (0 without penalise_gradients()).
    double gradient_penalty() const { return penalty_ ? penalty_->lambda : 0.0; }

    /// The averaged generator (eval mode), or null without average_generator().
    Network<G, Dev, T>* averaged_generator() { return ema_ ? &ema_->network() : nullptr; }

    /// Training iterations done (d_steps discriminator steps and one generator step each).
    std::int64_t steps() const { return step_; }

    /// Everything a resumed run needs, bound for saving or loading: both networks (named
    /// "generator.<key>" and "discriminator.<key>", their PyTorch state_dict keys under a prefix),
    /// both optimizers, the step count and the random engine, and the averaged generator under
    /// "ema.generator.<key>" (with its "ema.updates" under warm-up) when there is one. Add
    /// counters of your own (epoch) before save() / load().
    io::Checkpoint checkpoint() {
        io::Checkpoint c = training_checkpoint(step_, *rng_, "generator", generator, "discriminator", discriminator);
        if (ema_) c.network("ema.generator", ema_->network());
        if (ema_ && ema_->warmup()) c.counter("ema.updates", ema_->updates());
        return c;
    }
    /// Both optimizers' state made whole after sharded updates (TrainedNetwork::
    /// gather_optimizer_state): a collective, on every rank before any rank saves a checkpoint.
    void gather_optimizer_state() {
        generator.gather_optimizer_state();
        discriminator.gather_optimizer_state();
    }

private:
    /// net.forward(x, pieces), with labels when the GAN is conditional (empty otherwise).
    template <class Net, class X>
    static const auto& forward(Net& net, X x, label_view labels, index_t pieces = 1) {
        if constexpr (conditional)
            return net.forward(x, labels, pieces);
        else
            return net.forward(x, pieces);
    }
    /// labels' [first, first + n) (empty when the GAN is not conditional).
    static label_view slice(label_view labels, index_t first, index_t n) {
        return conditional ? labels.slice(first, n) : labels;
    }

    /// This rank's share of what next_real() gave: its samples, and their labels when conditional.
    template <class Real>
    std::pair<ConstView<sample_shape, Dev, T>, label_view> real_share(const Real& real) const {
        if constexpr (conditional)
            return {share_of(real.x), distributed::share_of(comm_, label_view(real.labels), "ctnn::Gan")};
        else
            return {share_of(real), label_view{}};
    }

    /// The D step on generated samples `fake` (G's output, which G gets no gradient from), with
    /// the labels of both (empty when the GAN is not conditional).
    double d_step_on(ConstView<sample_shape, Dev, T> real, label_view real_labels, ConstView<sample_shape, Dev, T> fake,
                     label_view fake_labels) {
        double loss = 0;
        ParamGrads first = ParamGrads::overwrite;  // the step's first backward pass into D
        if constexpr (double_backward_v<D>) {
            if (penalty_) {
                loss = penalty(real, fake);
                first = ParamGrads::accumulate;
            }
        }
        if constexpr (per_sample_v<D>) {
            loss += d_joint_step(real, real_labels, fake, fake_labels, first);
        } else {
            loss = d_half_step(real, real_labels, options.real_label, ParamGrads::overwrite);
            loss += d_half_step(fake, fake_labels, options.fake_label, ParamGrads::accumulate);
        }
        comm_.mean(&loss, 1);
        check_finite_loss(loss, "discriminator loss", step_);
        discriminator.update("discriminator", step_, comm_);
        if (options.loss == AdversarialLoss::wasserstein && !penalty_) clip_discriminator();
        return loss;
    }

    /// The G step on G's last output `fake`: all of it, or (Leading) its first fake.batch samples.
    template <bool Leading>
    double g_step_on(ConstView<sample_shape, Dev, T> fake, label_view labels) {
        const auto& scores = forward(discriminator, fake, labels);
        grad_scores_.resize(fake.batch);
        // The generator's target is 1 even when D's labels are smoothed (seed 002: ones_like).
        double loss = generator_loss(options.loss, scores.cview(), grad_scores_.view());
        comm_.mean(&loss, 1);
        check_finite_loss(loss, "generator loss", step_);
        const auto& dfake = discriminator.backward_frozen(grad_scores_.cview());
        if constexpr (Leading)
            generator.backward_leading_reducing(dfake.cview(), {ParamGrads::overwrite}, comm_);
        else
            generator.backward_reducing(dfake.cview(), {ParamGrads::overwrite}, comm_);
        generator.update("generator", step_, comm_);
        if (ema_) ema_->update(generator);
        return loss;
    }

    ConstView<sample_shape, Dev, T> share_of(ConstView<sample_shape, Dev, T> global) const {
        return distributed::share_of(comm_, global, "ctnn::Gan");
    }

    /// noise_ = this rank's `batch` samples of noise for a global batch drawn from the run's Rng,
    /// and noise_labels_ their labels, drawn after them, when the GAN is conditional.
    void sample_noise_share(index_t batch) {
        const index_t size = noise_shape::size, global = batch * comm_.size();
        noise_host_.resize(global * size);
        draw_noise(noise_host_.data(), global * size, *rng_);
        noise_.resize(batch);
        distributed::copy_share<Dev>(comm_, noise_host_.data(), size, batch, noise_.data());
        if constexpr (conditional) {
            labels_host_.resize(global);
            draw_labels(labels_host_.data(), global, *rng_);
            noise_labels_.resize(batch);
            distributed::copy_share<Dev>(comm_, labels_host_.data(), 1, batch, noise_labels_.data());
        }
    }

    /// n class labels in [0, label_classes) from rng, in order.
    static void draw_labels(std::int32_t* out, index_t n, Rng& rng) {
        for (index_t i = 0; i < n; ++i)
            out[i] = static_cast<std::int32_t>(std::min<index_t>(
                static_cast<index_t>(rng.uniform<double>() * static_cast<double>(label_classes)), label_classes - 1));
    }

    /// n values of the noise prior from rng, in order.
    void draw_noise(T* out, index_t n, Rng& rng) const {
        for (index_t i = 0; i < n; ++i)
            out[i] = options.noise == NoiseKind::normal ? rng.normal<T>() : rng.uniform<T>(T(-1), T(1));
    }

    /// The gradient penalty of D at interpolates of real and fake, its gradient stored in D's
    /// (the step's first backward pass into D; the losses' pass then adds to it, and starts the
    /// mean over the ranks).
    double penalty(ConstView<sample_shape, Dev, T> real, ConstView<sample_shape, Dev, T> fake) {
        const index_t batch = real.batch, global = batch * comm_.size();
        eps_host_.resize(global);
        for (T& e : eps_host_) e = rng_->uniform<T>();
        eps_.resize(batch);
        distributed::copy_share<Dev>(comm_, eps_host_.data(), 1, batch, eps_.data());
        return penalty_->apply(discriminator, real, fake, eps_.cview(), ParamGrads::overwrite);
    }

    double d_joint_step(ConstView<sample_shape, Dev, T> real, label_view real_labels, ConstView<sample_shape, Dev, T> fake,
                        label_view fake_labels, ParamGrads pg) {
        const index_t nr = real.batch, nf = fake.batch;
        joint_.resize(nr + nf);
        Dev::copy(real.data(), real.size(), joint_.data());
        Dev::copy(fake.data(), fake.size(), joint_.data() + real.size());
        if constexpr (conditional) {
            joint_labels_.resize(nr + nf);
            Dev::copy(real_labels.data(), nr, joint_labels_.data());
            Dev::copy(fake_labels.data(), nf, joint_labels_.data() + nr);
        }
        const auto scores = forward(discriminator, joint_.cview(), joint_labels_.cview(), 2).cview();
        grad_scores_.resize(nr + nf);
        const auto grad = grad_scores_.view();
        double loss = adversarial_loss(options.loss, scores.slice(0, nr), static_cast<T>(options.real_label),
                                       grad.slice(0, nr));
        loss += adversarial_loss(options.loss, scores.slice(nr, nf), static_cast<T>(options.fake_label),
                                 grad.slice(nr, nf));
        discriminator.backward_reducing(grad_scores_.cview(), {pg}, comm_);
        return loss;
    }

    double d_half_step(ConstView<sample_shape, Dev, T> x, label_view labels, double label, ParamGrads pg) {
        const auto& scores = forward(discriminator, x, labels);
        grad_scores_.resize(x.batch);
        const double loss = adversarial_loss(options.loss, scores.cview(), static_cast<T>(label),
                                             grad_scores_.view());
        if (pg == ParamGrads::accumulate)  // the step's last pass into D: its gradients become final
            discriminator.backward_reducing(grad_scores_.cview(), {pg}, comm_);
        else
            discriminator.backward(grad_scores_.cview(), {pg});
        return loss;
    }

    void clip_discriminator() {
        const T c = static_cast<T>(options.weight_clip);
        ops::clamp<Dev>(discriminator.parameters().values(), discriminator.parameters().size(), -c, c);
        discriminator.parameters_written();  // after update(), which already did: kept for any later order
    }

    Rng* rng_;
    [[no_unique_address]] Comm comm_;
    std::unique_ptr<Ema<G, Dev, T>> ema_;  // with average_generator()
    std::unique_ptr<GradientPenalty<D, Dev, T>> penalty_;  // with penalise_gradients()
    Tensor<Shape<1>, Dev, T> eps_;  // the penalty's interpolation weights, this rank's share
    std::vector<T> eps_host_;       // ... of those of the global batch
    Tensor<noise_shape, Dev, T> noise_;
    Tensor<sample_shape, Dev, T> joint_;  // real then generated samples, for d_joint_step
    // A conditional GAN's labels: of noise_'s samples, and of joint_'s.
    Tensor<Shape<1>, Dev, std::int32_t> noise_labels_, joint_labels_;
    std::vector<std::int32_t> labels_host_;
    Tensor<score_shape, Dev, T> grad_scores_;
    std::vector<T> noise_host_;
    std::int64_t step_ = 0;
};

}  // namespace ctnn
