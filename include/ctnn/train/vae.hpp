// Variational training (seed 003): an encoder type producing (mu, log-variance) for Z latents and
// a decoder type from Z latents back to the input, checked to fit at compile time; the
// reparameterisation z = mu + eps * exp(log_var / 2); reconstruction (BCE with logits or the
// continuous Bernoulli) plus the Gaussian KL term, both reported.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <vector>

#include "ctnn/core/errors.hpp"
#include "ctnn/distributed/communicator.hpp"
#include "ctnn/io/checkpoint.hpp"
#include "ctnn/losses/binary.hpp"
#include "ctnn/losses/vae.hpp"
#include "ctnn/network/network.hpp"
#include "ctnn/train/divergence.hpp"
#include "ctnn/train/trained.hpp"

namespace ctnn {

/// The reconstruction term of a Vae's loss.
enum class Reconstruction {
    bce_with_logits,       ///< seed 003's F.binary_cross_entropy_with_logits, summed per image
    continuous_bernoulli,  ///< the same plus the continuous Bernoulli log-normaliser (weighted)
};

/// How a Vae computes its loss.
struct VaeOptions {
    /// The reconstruction term.
    Reconstruction reconstruction = Reconstruction::bce_with_logits;
    double log_norm_weight = 1.0;  ///< the coefficient seed 003 suggests on log C(lambda)
    /// With several ranks: BatchNorm's batch statistics over the global batch or each rank's
    /// share (read when the Vae is built; core/mode.hpp).
    BatchStats batch_stats = BatchStats::global;
};

/// Losses of one step, each the batch mean of a per-image sum (seed 003's bar of 100 is on
/// `reconstruction`).
struct VaeLosses {
    /// @name Losses
    ///@{

    /// total = reconstruction + kl: the loss minimised, its reconstruction term, and the KL
    /// divergence of the encoder's Gaussian from N(0, I).
    double total = 0, reconstruction = 0, kl = 0;
    ///@}
};

namespace detail {
/// z = mu + eps * exp(log_var / 2) from stats = [mu | log_var] per sample.
template <class Dev, class T>
void reparameterize(const T* stats, const T* eps, T* z, index_t batch, index_t latents) {
    Dev::for_each(batch * latents, [=] CTNN_HD(index_t i) {
        const index_t b = i / latents, j = i % latents;
        const T* s = stats + b * 2 * latents;
        z[i] = s[j] + eps[i] * std::exp(T(0.5) * s[latents + j]);
    });
}
/// dstats += [dz | dz * eps * exp(log_var / 2) / 2]: the reconstruction's path through z.
template <class Dev, class T>
void reparameterize_backward(const T* stats, const T* eps, const T* dz, T* dstats, index_t batch, index_t latents) {
    Dev::for_each(batch * latents, [=] CTNN_HD(index_t i) {
        const index_t b = i / latents, j = i % latents;
        const T* s = stats + b * 2 * latents;
        T* d = dstats + b * 2 * latents;
        d[j] += dz[i];
        d[latents + j] += dz[i] * eps[i] * T(0.5) * std::exp(T(0.5) * s[latents + j]);
    });
}
}  // namespace detail

/// A VAE over network types E (input -> 2Z statistics) and D (Z -> input-shaped logits), with an
/// optimizer of type Opt for each network (same options: one Adam over both, as in the seed, is
/// the same update as two). Each network is a TrainedNetwork: `encoder.on_gradients` and
/// `decoder.on_gradients` run on its gradients before its update.
///
/// With a Comm of R ranks (distributed/communicator.hpp), step(input, target) takes the global
/// batch and trains on this rank's share, eps drawn for the whole global batch as one process
/// draws it; gradients and losses are averaged over the ranks before the guard and the update.
template <class E, class D, class Opt, Device Dev = Cpu, class T = float,
          distributed::Communicator Comm = distributed::SingleProcess>
class Vae {
public:
    /// The Device both networks run on.
    using device = Dev;
    /// Their element type.
    using scalar = T;
    /// E's input and D's output: one sample.
    using input_shape = typename Network<E, Dev, T>::input_shape;
    /// E's output: Z means, then Z log-variances.
    using stats_shape = typename Network<E, Dev, T>::output_shape;
    /// D's input: Z latent values.
    using latent_shape = typename Network<D, Dev, T>::input_shape;
    /// Z, the latent size.
    static constexpr index_t latents = latent_shape::size;

    static_assert(sizeof(error::fit<error::encoder_output_vs_twice_decoder_input<E, D>, Shape<2 * latents>, stats_shape>) > 0,
                  "ctnn: the encoder must output 2 * Z values (mu, log-variance) for a decoder of Z inputs");
    static_assert(sizeof(error::fit<error::decoder_output_vs_encoder_input<D, E>, input_shape,
                                     typename Network<D, Dev, T>::output_shape>) > 0,
                  "ctnn: the decoder must output the encoder's input shape");

    /// E and its optimizer.
    TrainedNetwork<E, Opt, Dev, T> encoder;
    /// D and its optimizer.
    TrainedNetwork<D, Opt, Dev, T> decoder;
    /// The loss settings, read by every step.
    VaeOptions options;

    /// Both networks drawn from rng (E first), which also drives eps and Dropout; both optimizers
    /// get `optim`.
    Vae(Rng& rng, VaeOptions opts, typename Opt::Options optim, Init init = Init::pytorch, Comm comm = {})
        : encoder(rng, optim, init), decoder(rng, optim, init), options(opts),
          rng_(&rng),
          comm_(comm) {
        encoder.distribute(comm_, options.batch_stats);
        decoder.distribute(comm_, options.batch_stats);
    }

    /// One step: encode `input`, sample z with noise `eps`, decode, and descend on
    /// reconstruction(target) + KL. Seed 003 encodes images scaled to [-1, 1] and reconstructs
    /// them in [0, 1]; both are given. With several ranks, all three are this rank's share.
    VaeLosses step(ConstView<input_shape, Dev, T> input, ConstView<input_shape, Dev, T> target,
                   ConstView<latent_shape, Dev, T> eps) {
        const index_t n = input.batch;
        [[maybe_unused]] const auto keep_encoder = encoder.keep_rounded_parameters();
        [[maybe_unused]] const auto keep_decoder = decoder.keep_rounded_parameters();
        VaeLosses l = losses(input, target, eps, true);
        double reduced[3] = {l.total, l.reconstruction, l.kl};
        comm_.mean(reduced, 3);
        l = {reduced[0], reduced[1], reduced[2]};
        check_finite_loss(l.total, "VAE loss", step_);
        // Each network's one backward pass overwrites its gradients: no zero_grad() pass.
        const auto& dz = decoder.backward_reducing(dlogits_.cview(), {ParamGrads::overwrite, true}, comm_);
        detail::reparameterize_backward<Dev>(encoder.output().data(), eps.data(), dz.data(), dstats_.data(), n, latents);
        encoder.backward_reducing(dstats_.cview(), {ParamGrads::overwrite}, comm_);
        encoder.update("encoder", step_, comm_);
        decoder.update("decoder", step_, comm_);
        ++step_;
        return l;
    }

    /// The same with eps ~ N(0, 1) drawn from the run's Rng, on the global batch `input` and
    /// `target` (this rank's share of them with several ranks).
    VaeLosses step(ConstView<input_shape, Dev, T> input, ConstView<input_shape, Dev, T> target) {
        const auto share = distributed::share_of(comm_, input, "ctnn::Vae");
        const auto target_share = distributed::share_of(comm_, target, "ctnn::Vae");
        return step(share, target_share, draw_eps(share.batch, *rng_, true));
    }

    /// The losses of a batch without training: both networks in eval mode, eps drawn from `rng`
    /// (not the run's, so evaluating does not change what training draws next). Parameters,
    /// gradients and optimizer state are untouched: a held-out reconstruction loss. Both
    /// networks' modes are restored afterwards, exception or not.
    VaeLosses evaluate(ConstView<input_shape, Dev, T> input, ConstView<input_shape, Dev, T> target, Rng& rng) {
        const auto encoder_scope = encoder.evaluating();
        const auto decoder_scope = decoder.evaluating();
        return losses(input, target, draw_eps(input.batch, rng, false), false);
    }

    /// Training steps done.
    std::int64_t steps() const { return step_; }

    /// Both networks ("encoder.<key>", "decoder.<key>"), both optimizers, step and Rng.
    io::Checkpoint checkpoint() { return training_checkpoint(step_, *rng_, "encoder", encoder, "decoder", decoder); }
    /// Both optimizers' state made whole after sharded updates (TrainedNetwork::
    /// gather_optimizer_state): a collective, on every rank before any rank saves a checkpoint.
    void gather_optimizer_state() {
        encoder.gather_optimizer_state();
        decoder.gather_optimizer_state();
    }

private:
    /// eps for n samples; with `share`, this rank's n of a global batch of n * ranks, all drawn.
    ConstView<latent_shape, Dev, T> draw_eps(index_t n, Rng& rng, bool share) {
        eps_host_.resize(n * (share ? comm_.size() : 1) * latents);
        for (auto& v : eps_host_) v = rng.normal<T>();
        eps_.resize(n);
        if (share)
            distributed::copy_share<Dev>(comm_, eps_host_.data(), latents, n, eps_.data());
        else
            distributed::copy_share<Dev>(distributed::SingleProcess{}, eps_host_.data(), latents, n, eps_.data());
        return eps_.cview();
    }

    /// Encoder, reparameterisation, decoder and both losses; with `grads`, dL/dlogits and
    /// dKL/dstats land in dlogits_ and dstats_ for the backward pass.
    VaeLosses losses(ConstView<input_shape, Dev, T> input, ConstView<input_shape, Dev, T> target,
                     ConstView<latent_shape, Dev, T> eps, bool grads) {
        const index_t n = input.batch;
        const auto& stats = encoder.forward(input);
        z_.resize(n);
        detail::reparameterize<Dev>(stats.data(), eps.data(), z_.data(), n, latents);
        const auto& logits = decoder.forward(z_.cview());
        TensorView<input_shape, Dev, T> dlogits;  // empty: no gradient wanted
        TensorView<stats_shape, Dev, T> dstats;
        if (grads) {
            dlogits_.resize(n);
            dstats_.resize(n);
            dlogits = dlogits_.view();
            dstats = dstats_.view();
        }
        VaeLosses l;
        l.reconstruction = options.reconstruction == Reconstruction::bce_with_logits
                               ? bce_with_logits(logits.cview(), target, dlogits, Reduction::sum_per_sample_mean)
                               : continuous_bernoulli_nll(logits.cview(), target, dlogits,
                                                          Reduction::sum_per_sample_mean,
                                                          static_cast<T>(options.log_norm_weight));
        l.kl = gaussian_kl(stats.cview(), dstats, Reduction::mean);
        l.total = l.reconstruction + l.kl;
        return l;
    }

    Rng* rng_;
    [[no_unique_address]] Comm comm_;
    Tensor<latent_shape, Dev, T> z_, eps_;
    Tensor<input_shape, Dev, T> dlogits_;
    Tensor<stats_shape, Dev, T> dstats_;
    std::vector<T> eps_host_;
    std::int64_t step_ = 0;
};

}  // namespace ctnn
