// BatchNorm1d and BatchNorm2d: each channel normalised by batch statistics in train mode and by
// running ones in eval mode, then scaled and shifted, as torch.nn.BatchNorm1d / BatchNorm2d.
#pragma once

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "ctnn/core/parameters.hpp"
#include "ctnn/core/real.hpp"
#include "ctnn/layers/init.hpp"
#include "ctnn/layers/layer.hpp"

namespace ctnn {

/// BatchNorm's constants, PyTorch's defaults unless given:
/// BatchNorm2d<64, BatchNormOptions{.eps = 1e-3, .momentum = 0.01}>.
struct BatchNormOptions {
    Real eps = 1e-5;      ///< added to the variance under the square root
    Real momentum = 0.1;  ///< running = (1 - momentum) * running + momentum * batch statistic
};

/// The layer behind BatchNorm1d and BatchNorm2d: a sample holds C channels of HW = In::size / C
/// contiguous values, and each channel is normalised over the N * HW values of a batch. Derived
/// provides type_name and infer (which input shapes it accepts).
template <class Derived, index_t C, BatchNormOptions Options>
struct BatchNorm {
    static_assert(C > 0, "ctnn: BatchNorm needs a positive number of channels");
    static_assert(Options.eps.value() > 0, "ctnn: BatchNorm's eps must be positive");
    static_assert(Options.momentum.value() >= 0 && Options.momentum.value() <= 1,
                  "ctnn: BatchNorm's momentum must lie in [0, 1]");
    /// C, as torch's num_features.
    static constexpr index_t num_features = C;
    /// A weight and a bias per channel.
    static constexpr index_t parameter_count = 2 * C;
    /// Training normalises with the batch's statistics, so no.
    static constexpr bool per_sample = false;  // training normalises with the batch's statistics
    /// Options.eps (see BatchNormOptions).
    static constexpr double eps = Options.eps.value();
    /// Options.momentum (see BatchNormOptions).
    static constexpr double momentum = Options.momentum.value();

    template <AnyShape In, class Dev, class T>
    class impl : public LayerBase<In, In, Dev, T> {
        using Base = LayerBase<In, In, Dev, T>;
        static constexpr index_t HW = In::size / C;
        using PerChannel = Tensor<Shape<C>, Dev, T>;

    public:
        // The affine parameters are views into the network's flat buffers; the running
        // statistics are buffers, owned here.
        Parameter<Shape<C>, Dev, T> weight, weight_grad, bias, bias_grad;
        PerChannel running_mean{1}, running_var{1};
        std::int64_t num_batches_tracked = 0;

        void reset_parameters(Rng& rng, Init scheme) {
            if (scheme == Init::dcgan)
                init::normal(weight, rng, 1.0, 0.02);
            else
                weight.fill(T(1));
            bias.zero();
            // PyTorch's reset_parameters() resets the running statistics too.
            running_mean.zero();
            running_var.fill(T(1));
            num_batches_tracked = 0;
        }

        template <class F>
        void visit_parameters(const std::string& prefix, F&& f) {
            f(prefix + "weight", weight, weight_grad);
            f(prefix + "bias", bias, bias_grad);
        }
        template <class F>
        void visit_buffers(const std::string& prefix, F&& f) {
            f(prefix + "running_mean", running_mean);
            f(prefix + "running_var", running_var);
            f(prefix + "num_batches_tracked", num_batches_tracked);
        }

        void forward(typename Base::in_view x, typename Base::out_view y, const ForwardContext& ctx) {
            const index_t n = x.batch;
            const T* in = x.data();
            T* out = y.data();
            T* mean = mean_.data();
            T* invstd = invstd_.data();
            const T e = static_cast<T>(eps);
            parallel_ = ctx.parallel;
            if (ctx.mode == Mode::train) {
                // With global statistics over R ranks of m values each, the global batch's mean
                // is the mean over ranks of the ranks' means, and its variance (about that global
                // mean) the mean over ranks of their mean squared deviations from it.
                const bool global = parallel_.global_stats();
                const index_t m = n * HW, statistic_count = global ? m * parallel_.ranks : m;
                if (statistic_count < 2)
                    throw std::invalid_argument(
                        std::string("ctnn::") + std::string(Derived::type_name) +
                        ": expected more than 1 value per channel when training, got a batch of " +
                        std::to_string(statistic_count / HW) + " of shape " + In::str(false));
                T* rm = running_mean.data();
                T* rv = running_var.data();
                const T mom = static_cast<T>(momentum);
                const T count = static_cast<T>(m);
                // The running variance is the unbiased estimate, as in PyTorch.
                const T unbias = static_cast<T>(statistic_count) / static_cast<T>(statistic_count - 1);
                const Update update{mean, invstd, rm, rv, e, mom, unbias};
                // Two passes: the variance does not suffer from cancellation.
                Dev::template channel_sums<T, C, HW, 1>(
                    n, [=] CTNN_HD(index_t i, index_t, T* t) { t[0] = in[i]; },
                    [=] CTNN_HD(index_t c, const T* total) { mean[c] = total[0] / count; });
                if (global) parallel_.mean(mean, C);
                const auto squares = [=] CTNN_HD(index_t i, index_t c, T* t) {
                    const T d = in[i] - mean[c];
                    t[0] = d * d;
                };
                if (global) {
                    // invstd holds the variance until every rank's is in.
                    Dev::template channel_sums<T, C, HW, 1>(
                        n, squares, [=] CTNN_HD(index_t c, const T* total) { invstd[c] = total[0] / count; });
                    parallel_.mean(invstd, C);
                    Dev::for_each(C, [=] CTNN_HD(index_t c) { update(c, invstd[c]); });
                } else {
                    Dev::template channel_sums<T, C, HW, 1>(
                        n, squares, [=] CTNN_HD(index_t c, const T* total) { update(c, total[0] / count); });
                    // Per-rank statistics: the running ones are still made equal on every rank.
                    parallel_.mean(rm, C);
                    parallel_.mean(rv, C);
                }
                ++num_batches_tracked;
            } else {
                const T* rm = running_mean.data();
                const T* rv = running_var.data();
                Dev::for_each(C, [=] CTNN_HD(index_t c) {
                    mean[c] = rm[c];
                    invstd[c] = T(1) / std::sqrt(rv[c] + e);
                });
            }
            training_ = ctx.mode == Mode::train;
            const T* w = weight.data();
            const T* b = bias.data();
            Dev::template for_each_channel_value<C, HW>(n, [=] CTNN_HD(index_t i, index_t c) {
                out[i] = (in[i] - mean[c]) * invstd[c] * w[c] + b[c];
            });
        }

        void backward(typename Base::in_view x, typename Base::out_cview, typename Base::out_cview dy,
                      typename Base::in_grad_view dx, ParamGrads pg) {
            const bool updates = pg != ParamGrads::frozen, overwrite = pg == ParamGrads::overwrite;
            const index_t n = x.batch;
            const T* in = x.data();
            const T* g = dy.data();
            const T* mean = mean_.data();
            const T* invstd = invstd_.data();
            T* sum_g = sums_.data();
            T* sum_gx = sum_g + C;
            // Per channel, sum(dy) and sum(dy * xhat): the parameter gradients, which the
            // train-mode input gradient needs too.
            if (updates || (training_ && !dx.empty())) {
                T* dw = weight_grad.data();
                T* db = bias_grad.data();
                Dev::template channel_sums<T, C, HW, 2>(
                    n,
                    [=] CTNN_HD(index_t i, index_t c, T* t) {
                        t[0] = g[i];
                        t[1] = g[i] * (in[i] - mean[c]);
                    },
                    [=] CTNN_HD(index_t c, const T* total) {
                        sum_g[c] = total[0];
                        sum_gx[c] = total[1] * invstd[c];
                        if (updates) {
                            dw[c] = overwrite ? sum_gx[c] : dw[c] + sum_gx[c];
                            db[c] = overwrite ? sum_g[c] : db[c] + sum_g[c];
                        }
                    });
            }
            if (dx.empty()) return;
            const T* w = weight.data();
            T* d = dx.data();
            if (training_) {
                // The batch statistics depend on x: dx = w / sigma * (dy - mean(dy) - xhat *
                // mean(dy * xhat)). With the global batch's statistics over R ranks, each rank's
                // loss the mean over its m values and the gradients averaged over the ranks
                // afterwards, rank r's share of R dL/dx is w / sigma * (dy_r - (mean over ranks
                // of the sums) / m): the sums are averaged over the ranks, m stays this rank's.
                // The parameter gradients above stay this rank's sums; the gradient reduction
                // averages them.
                if (parallel_.global_stats()) parallel_.mean(sum_g, 2 * C);
                const T inv_m = T(1) / static_cast<T>(n * HW);
                Dev::template for_each_channel_value<C, HW>(n, [=] CTNN_HD(index_t i, index_t c) {
                    const T xhat = (in[i] - mean[c]) * invstd[c];
                    d[i] = w[c] * invstd[c] * (g[i] - inv_m * (sum_g[c] + xhat * sum_gx[c]));
                });
            } else {
                Dev::template for_each_channel_value<C, HW>(n, [=] CTNN_HD(index_t i, index_t c) {
                    d[i] = g[i] * w[c] * invstd[c];
                });
            }
        }

        /// The batch's variance `var` (and mean) in: invstd and the running statistics out.
        /// Public: nvcc's device lambdas capture no private member types.
        struct Update {
            const T* mean;
            T *invstd, *rm, *rv;
            T e, mom, unbias;
            CTNN_HD void operator()(index_t c, T var) const {
                invstd[c] = T(1) / std::sqrt(var + e);
                rm[c] = (T(1) - mom) * rm[c] + mom * mean[c];
                rv[c] = (T(1) - mom) * rv[c] + mom * var * unbias;
            }
        };

    private:
        // The statistics the last forward normalised with (batch or running), and per-channel
        // sums of the backward pass.
        PerChannel mean_{1}, invstd_{1};
        Tensor<Shape<2 * C>, Dev, T> sums_{1};  // sum(dy) then sum(dy * xhat) per channel
        bool training_ = true;
        DataParallel parallel_;  // the last forward's, for backward
    };
};

/// torch.nn.BatchNorm1d(Features): samples of Shape<Features> (after Linear) or, as PyTorch's
/// (N, C, L) form, Shape<Features, L>.
template <index_t Features, BatchNormOptions Options = BatchNormOptions{}>
struct BatchNorm1d : BatchNorm<BatchNorm1d<Features, Options>, Features, Options> {
    /// @name Layer protocol
    ///@{

    /// As the Layer concept defines it.
    static constexpr std::string_view type_name = "BatchNorm1d";

    template <index_t Position, AnyShape In>
    static consteval auto infer() {
        if constexpr (In::rank > 2 || In::dims[0] != Features)
            (void)sizeof(error::channel_mismatch<Position, BatchNorm1d, Shape<Features>, In>);
        return In{};  // after an error too: the input's channels, as the layers after it see them
    }
    ///@}
};

/// torch.nn.BatchNorm2d(Channels): samples of Shape<Channels, H, W>.
template <index_t Channels, BatchNormOptions Options = BatchNormOptions{}>
struct BatchNorm2d : BatchNorm<BatchNorm2d<Channels, Options>, Channels, Options> {
    /// @name Layer protocol
    ///@{

    /// As the Layer concept defines it.
    static constexpr std::string_view type_name = "BatchNorm2d";

    template <index_t Position, AnyShape In>
    static consteval auto infer() {
        if constexpr (!ImageShape<In> || In::dims[0] != Channels)
            (void)sizeof(error::channel_mismatch<Position, BatchNorm2d, Shape<Channels>, In>);
        return In{};
    }
    ///@}
};

}  // namespace ctnn
